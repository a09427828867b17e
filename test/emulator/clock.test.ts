// The org clock: SystemModstamps never go backwards nor ahead of the wall clock, for commits and for seeded
// history alike.
import { describe, expect, it } from 'vitest';
import { OrgClock } from '../../emulator/org/clock.js';
import { seedObject } from '../../emulator/org/seed.js';
import { standardObjects } from '../../emulator/org/standard-objects.js';
import { MemoryOrgStore } from '../../emulator/org/store.js';

describe('OrgClock', () => {
  it('shares a stamp within a millisecond and ignores a wall clock going backwards', () => {
    let wall = 1000;
    const clock = new OrgClock(() => wall);
    expect([clock.next(), clock.next()]).toEqual([1000, 1000]);
    wall = 900;
    expect(clock.next()).toBe(1000);
    wall = 1005;
    expect(clock.next()).toBe(1005);
  });

  it.each([
    [0, 10, 1_000_000],
    [999_990, 100, 1_000_000],
    [1_000_000, 5, 1_000_000],
    [0, 1_000_000, 3_600_000],
  ])('spreads seeded history after newest=%i for n=%i without passing now', (newest, n, span) => {
    const now = 1_000_000;
    const at = new OrgClock(() => now).history(newest, n, span);
    let prev = newest;
    for (let i = 0; i < n; i += Math.max(1, Math.floor(n / 1000))) {
      expect(at(i)).toBeGreaterThanOrEqual(prev);
      expect(at(i)).toBeLessThanOrEqual(now);
      prev = at(i);
    }
    expect(at(n - 1)).toBeLessThanOrEqual(now);
  });

  it('keeps two quick seeds of one table in the past', () => {
    const now = Date.UTC(2024, 0, 1);
    const org = new MemoryOrgStore({ objects: standardObjects(), apiVersion: '62.0', username: 'u@example.com', now: () => now });
    seedObject(org, 'Account', 5000, 1);
    seedObject(org, 'Account', 5000, 2);
    const c = org.queryCursor('SELECT SystemModstamp FROM Account ORDER BY SystemModstamp DESC LIMIT 1', { scanAll: false });
    expect(Date.parse(String(c.values(0)[0]).replace('+0000', 'Z'))).toBeLessThanOrEqual(now);
    const first = org.queryCursor('SELECT CreatedDate FROM Account ORDER BY SystemModstamp, Id LIMIT 1', { scanAll: false });
    expect(Date.parse(String(first.values(0)[0]).replace('+0000', 'Z'))).toBeGreaterThan(now - 31 * 86_400_000);
  });
});
