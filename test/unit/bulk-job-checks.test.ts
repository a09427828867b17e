import { describe, expect, it } from 'vitest';
import { expectedRemainingMs, firstJobCheck, nextJobCheck, type JobCheckState, type JobProgress } from '../../domain/bulk-job-checks';

const none = (elapsedMs: number): JobProgress => ({ elapsedMs, processed: 0, expected: null });

describe('Bulk query job checks', () => {
  it.each<[string, JobProgress, number | null]>([
    ['nothing processed yet', { elapsedMs: 500, processed: 0, expected: 1000 }, null],
    ['nothing expected', { elapsedMs: 500, processed: 10, expected: null }, null],
    ['all processed', { elapsedMs: 500, processed: 1000, expected: 1000 }, null],
    ['more than expected (the org changed since the count)', { elapsedMs: 500, processed: 1200, expected: 1000 }, null],
    ['a quarter done after 1 s', { elapsedMs: 1000, processed: 250, expected: 1000 }, 3000],
    ['60 % done after 1.2 s', { elapsedMs: 1200, processed: 600_000, expected: 1_000_000 }, 800],
  ])('expected time left: %s', (_, p, eta) => {
    expect(expectedRemainingMs(p)).toBe(eta);
  });

  it('without progress the delays double from 50 ms up to the cap', () => {
    let s: JobCheckState = firstJobCheck();
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      const { delayMs, next } = nextJobCheck(s, none(0));
      delays.push(delayMs);
      s = next;
    }
    expect(delays).toEqual([50, 100, 200, 400, 800, 1600, 3000, 3000, 3000]);
  });

  it.each<[string, JobCheckState, JobProgress, number, JobCheckState, number?]>([
    ['the expected end comes before the interval: checked then (plus slack)', { intervalMs: 1600, shortened: false },
      { elapsedMs: 1200, processed: 600, expected: 1000 }, 825, { intervalMs: 3000, shortened: true }],
    ['no earlier than a quarter of the interval', { intervalMs: 3000, shortened: false },
      { elapsedMs: 10_000, processed: 999, expected: 1000 }, 750, { intervalMs: 3000, shortened: true }],
    ['never later than the interval', { intervalMs: 800, shortened: false },
      { elapsedMs: 750, processed: 100, expected: 1000 }, 800, { intervalMs: 1600, shortened: false }],
    ['never earlier than 50 ms', { intervalMs: 100, shortened: false },
      { elapsedMs: 50, processed: 990, expected: 1000 }, 50, { intervalMs: 200, shortened: true }],
    ['after a shortened delay, the full interval', { intervalMs: 3000, shortened: true },
      { elapsedMs: 2500, processed: 900, expected: 1000 }, 3000, { intervalMs: 3000, shortened: false }],
    ['a lower cap', { intervalMs: 3000, shortened: false }, none(0), 1000, { intervalMs: 1000, shortened: false }, 1000],
  ])('%s', (_, s, p, delay, next, max) => {
    expect(nextJobCheck(s, p, max)).toEqual({ delayMs: delay, next });
  });

  it('a job whose progress always promises an early end costs at most twice the checks of the interval alone', () => {
    const count = (misleading: boolean) => {
      let s = firstJobCheck();
      let t = 0;
      let checks = 0;
      while (t < 60_000) {
        const p: JobProgress = misleading ? { elapsedMs: t, processed: 999, expected: 1000 } : none(t);
        const { delayMs, next } = nextJobCheck(s, p);
        t += delayMs;
        s = next;
        checks += 1;
      }
      return checks;
    };
    expect(count(true)).toBeGreaterThan(count(false));
    expect(count(true)).toBeLessThanOrEqual(2 * count(false));
  });
});
