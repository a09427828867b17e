import { describe, expect, it } from 'vitest';
import {
  BUCKET_MS, WINDOW_MS, emptyBudget, isApiBudget, nextAvailableAt, prune, remaining, spend, splitBatches,
  usedInWindow, type ApiBudget,
} from '../../domain/api-budget.js';

const T0 = Date.UTC(2024, 0, 1); // a bucket boundary
const MIN = 60_000;
const HOUR = 60 * MIN;

function spendAll(steps: [calls: number, atMs: number][]): ApiBudget {
  return steps.reduce((b, [calls, at]) => spend(b, calls, at), emptyBudget());
}

describe('spend and usedInWindow', () => {
  it.each<[string, [number, number][], number, number]>([
    ['nothing spent', [], T0, 0],
    ['same bucket adds up', [[3, T0], [4, T0 + MIN]], T0 + 2 * MIN, 7],
    ['still counted just before a day has passed', [[5, T0]], T0 + WINDOW_MS, 5],
    ['counted until the end of its bucket ages out', [[5, T0 + 4 * MIN]], T0 + WINDOW_MS + BUCKET_MS - 1, 5],
    ['gone once the bucket ages out', [[5, T0]], T0 + WINDOW_MS + BUCKET_MS, 0],
    ['only the recent part remains', [[5, T0], [7, T0 + 12 * HOUR]], T0 + 25 * HOUR, 7],
  ])('%s', (_n, steps, at, used) => expect(usedInWindow(spendAll(steps), at)).toBe(used));

  it('is immutable', () => {
    const a = spend(emptyBudget(), 2, T0);
    const b = spend(a, 3, T0);
    expect(usedInWindow(a, T0)).toBe(2);
    expect(usedInWindow(b, T0)).toBe(5);
  });

  it('keeps buckets sorted when the clock steps back', () => {
    const b = spendAll([[1, T0 + HOUR], [2, T0], [3, T0 + HOUR]]);
    expect(b.buckets).toEqual([[T0, 2], [T0 + HOUR, 4]]);
    expect(isApiBudget(b)).toBe(true);
  });

  it('stays bounded: a call every minute for three days keeps at most 289 buckets', () => {
    let b = emptyBudget();
    for (let t = T0; t < T0 + 3 * 24 * HOUR; t += MIN) b = spend(b, 1, t);
    expect(b.buckets.length).toBeLessThanOrEqual(289);
    expect(usedInWindow(b, T0 + 3 * 24 * HOUR)).toBeGreaterThanOrEqual(24 * 60);
  });

  it('survives JSON', () => {
    const b = spendAll([[1, T0], [2, T0 + HOUR]]);
    const back: unknown = JSON.parse(JSON.stringify(b));
    expect(isApiBudget(back)).toBe(true);
    expect(usedInWindow(back as ApiBudget, T0 + HOUR)).toBe(3);
  });

  it.each([-1, 1.5, NaN])('refuses %s calls', (calls) => expect(() => spend(emptyBudget(), calls, T0)).toThrow(RangeError));
  it('refuses a non-finite time', () => expect(() => usedInWindow(emptyBudget(), NaN)).toThrow(RangeError));
});

describe('prune', () => {
  it('drops aged-out buckets and returns the same object when none did', () => {
    const b = spendAll([[1, T0], [2, T0 + 2 * HOUR]]);
    expect(prune(b, T0 + HOUR)).toBe(b);
    expect(prune(b, T0 + WINDOW_MS + BUCKET_MS).buckets).toEqual([[T0 + 2 * HOUR, 2]]);
  });
});

describe('remaining', () => {
  it.each<[number | null, number]>([[null, Infinity], [100, 60], [30, 0]])('cap %s → %s', (cap, left) => {
    expect(remaining(spend(emptyBudget(), 40, T0), cap, T0)).toBe(left);
  });
});

describe('nextAvailableAt', () => {
  const b = spendAll([[50, T0], [30, T0 + HOUR], [20, T0 + 2 * HOUR]]); // 100 used
  const now = T0 + 3 * HOUR;
  it.each<[string, number | null, number, number | null]>([
    ['no cap', null, 1000, now],
    ['fits now', 110, 10, now],
    ['needs the oldest bucket to age out', 100, 10, T0 + WINDOW_MS + BUCKET_MS],
    ['needs two buckets to age out', 100, 60, T0 + HOUR + WINDOW_MS + BUCKET_MS],
    ['needs every bucket to age out', 100, 100, T0 + 2 * HOUR + WINDOW_MS + BUCKET_MS],
    ['can never fit', 100, 101, null],
  ])('%s', (_n, cap, needed, at) => expect(nextAvailableAt(b, cap, needed, now)).toBe(at));

  it('at the returned time the calls do fit', () => {
    const at = nextAvailableAt(b, 100, 60, now);
    expect(at).not.toBeNull();
    expect(remaining(b, 100, at as number)).toBeGreaterThanOrEqual(60);
    expect(remaining(b, 100, (at as number) - 1)).toBeLessThan(60);
  });
});

describe('splitBatches', () => {
  it.each<[number, number, number, number[]]>([
    [450, 2, 200, [200, 200]],
    [450, 5, 200, [200, 200, 50]],
    [0, 5, 200, []],
    [10, 0, 200, []],
    [10, Infinity, 3, [3, 3, 3, 1]],
  ])('%i records, %s calls, %i per call → %j', (n, calls, max, out) => expect(splitBatches(n, calls, max)).toEqual(out));
});

describe('isApiBudget', () => {
  it.each<[unknown, boolean]>([
    [{ buckets: [] }, true],
    [{ buckets: [[1, 2], [3, 4]] }, true],
    [{ buckets: [[3, 4], [1, 2]] }, false],
    [{ buckets: [[1, -1]] }, false],
    [{ buckets: [[1]] }, false],
    [{}, false],
    [null, false],
  ])('%j → %s', (value, ok) => expect(isApiBudget(value)).toBe(ok));
});
