import { describe, expect, it } from 'vitest';
import { TokenBucket, TooManyOrgCalls, TtlCache } from '../../api/org-call-limits';

describe('TokenBucket', () => {
  it('allows a burst of perMinute, then one call per 60/perMinute seconds, saying when', () => {
    let now = 0;
    const b = new TokenBucket(6, () => now);
    for (let i = 0; i < 6; i++) b.take();
    expect(() => b.take()).toThrow(TooManyOrgCalls);
    try {
      b.take();
    } catch (e) {
      expect((e as TooManyOrgCalls).retryAfterSeconds).toBe(10);
    }
    now = 9_999;
    expect(() => b.take()).toThrow(TooManyOrgCalls);
    now = 10_000;
    b.take();
    now = 10 * 60_000;
    for (let i = 0; i < 6; i++) b.take(); // refills to perMinute, never beyond
    expect(() => b.take()).toThrow(TooManyOrgCalls);
  });
});

describe('TtlCache', () => {
  it('shares a value until it expires, and forgets a failed lookup', async () => {
    let now = 0;
    let loads = 0;
    const c = new TtlCache<number>(1000, () => now);
    const load = async () => ++loads;
    expect(await c.get('a', load)).toBe(1);
    expect(await c.get('a', load)).toBe(1);
    now = 1000;
    expect(await c.get('a', load)).toBe(2);
    await expect(c.get('b', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    await new Promise((r) => setTimeout(r, 0));
    expect(await c.get('b', load)).toBe(3);
  });
});
