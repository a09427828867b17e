// The unique / external id index behind duplicate checks, upserts and `WHERE Field = 'x'`: lower-cased value →
// rows, confirmed against the column, through hash collisions, removals and growth.
import { describe, expect, it } from 'vitest';
import { keyHash, UniqueIndex } from '../../emulator/org/unique-index.js';

/** An index over a column of values (row = position), kept in step as the store keeps its columns. */
function indexed(hash?: (key: string) => number) {
  const column: (string | null)[] = [];
  const index = new UniqueIndex((row) => (column[row] === null || column[row] === undefined ? null : column[row]!.toLowerCase()), hash);
  return {
    index,
    column,
    /** Sets a row's value as the store does: the old key out, the new key in, then the column. */
    set(row: number, value: string | null) {
      const old = column[row];
      if (old !== null && old !== undefined) index.remove(old.toLowerCase(), row);
      if (value !== null) index.add(value.toLowerCase(), row);
      column[row] = value;
    },
    rowsOf: (value: string) => [...index.rows(value.toLowerCase())].sort((a, b) => a - b),
  };
}

const SAME_HASH = () => 7;

describe.each([
  { hashing: 'FNV-1a', hash: undefined },
  { hashing: 'every key colliding', hash: SAME_HASH },
])('UniqueIndex ($hashing)', ({ hash }) => {
  it.each([
    { name: 'one value', steps: [[0, 'A-1']], expect: { 'a-1': [0], 'A-1': [0], 'a-2': [] } },
    { name: 'values differing in case are one key', steps: [[0, 'Mixed'], [1, 'MIXED']], expect: { mixed: [0, 1] } },
    { name: 'a changed value moves', steps: [[0, 'old'], [0, 'new']], expect: { old: [], new: [0] } },
    { name: 'a nulled value leaves', steps: [[0, 'gone'], [0, null]], expect: { gone: [] } },
    { name: 'rows sharing a value', steps: [[0, 'x'], [1, 'y'], [2, 'x'], [1, 'x']], expect: { x: [0, 1, 2], y: [] } },
    { name: 'a value back after leaving', steps: [[0, 'k'], [0, 'l'], [1, 'k'], [0, 'k']], expect: { k: [0, 1], l: [] } },
  ] as { name: string; steps: [number, string | null][]; expect: Record<string, number[]> }[])('$name', ({ steps, expect: expected }) => {
    const x = indexed(hash);
    for (const [row, value] of steps) x.set(row, value);
    for (const [value, rows] of Object.entries(expected)) expect(x.rowsOf(value)).toEqual(rows);
  });

  it('removing a row that is not indexed under a key changes nothing', () => {
    const x = indexed(hash);
    x.set(0, 'a');
    x.index.remove('a', 5);
    x.index.remove('b', 0);
    expect(x.rowsOf('a')).toEqual([0]);
    expect(x.index.size).toBe(1);
  });

  it('stays exact through growth and many removals', () => {
    const x = indexed(hash);
    const n = hash === SAME_HASH ? 300 : 20_000;
    for (let row = 0; row < n; row++) x.set(row, `Code-${row}`);
    for (let row = 0; row < n; row += 2) x.set(row, row % 4 === 0 ? null : `Moved-${row}`);
    for (let row = 0; row < n; row += 3) expect(x.rowsOf(`code-${row}`)).toEqual(row % 2 === 0 ? [] : [row]);
    for (let row = 2; row < n; row += 4) expect(x.rowsOf(`moved-${row}`)).toEqual([row]);
    expect(x.index.size).toBe(n - Math.ceil(n / 4));
  });
});

describe('UniqueIndex.reserve', () => {
  it('keeps every entry when it grows the table ahead of time', () => {
    const x = indexed();
    for (let row = 0; row < 100; row++) x.set(row, `v${row}`);
    x.index.reserve(100_000);
    for (let row = 100; row < 1000; row++) x.set(row, `v${row}`);
    for (let row = 0; row < 1000; row += 37) expect(x.rowsOf(`V${row}`)).toEqual([row]);
  });
});

describe('keyHash', () => {
  it.each(['', 'a', 'ING-1-0', 'ing-1-0', 'é€😀'])('is a stable 32-bit integer for %j', (key) => {
    expect(keyHash(key)).toBe(keyHash(`${key}`));
    expect(Number.isInteger(keyHash(key)) && keyHash(key) >= -(2 ** 31) && keyHash(key) < 2 ** 31).toBe(true);
  });

  it('spreads sequential keys over the low bits (the slot)', () => {
    const slots = new Set(Array.from({ length: 4096 }, (_, i) => keyHash(`ing-1764-${i}`) & 4095));
    expect(slots.size).toBeGreaterThan(2400);
  });
});
