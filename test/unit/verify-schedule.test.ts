// When the mapping machine verifies: on demand (the verify update), every verify_interval_seconds after the
// last one (or after verifying first applied), never when the interval is off or the run predates verifying,
// and — when the API budget has no room — not before the window does, while syncing goes on.
import { describe, expect, it } from 'vitest';
import { loaded, machine, result, succeed } from '../support/machine';
import { mappingConfig } from '../support/mappings';

const HOUR = 3_600_000;
const hourly = mappingConfig('Account', ['Id', 'Name'], { verify_interval_seconds: 3600, sf_polling_seconds: 3600 });
const off = mappingConfig('Account', ['Id', 'Name'], { verify_interval_seconds: 0, sf_polling_seconds: 3600 });
const daily = mappingConfig('Account', ['Id', 'Name'], { sf_polling_seconds: 3600 });

describe('verify schedule', () => {
  it('is due an interval after verifying applied, then an interval after each verify', () => {
    const m = loaded(hourly, { verifyEnabled: true });
    // startRun at 0: due at 1 h; the poll and the sweep are due at 100 s + 1 h.
    expect(m.nextStep(HOUR - 1)).toEqual({ kind: 'wait', untilMs: HOUR });
    const step = succeed(m, 'verify', HOUR, result.verify({ repaired: 3, missing: 1, stale: 1, extra: 1, inserted: 1, updated: 1, deleted: 1 }));
    expect(step.input).toMatchObject({ mappingId: 'salesforce.account', table: 'account', fields: [{ name: 'Id' }, { name: 'Name' }] });
    const s = m.status();
    expect(s.verify).toMatchObject({ intervalSeconds: 3600, runs: 1, nextAt: new Date(2 * HOUR).toISOString(), last: { missing: 1, stale: 1, extra: 1, repaired: 3, at: new Date(HOUR).toISOString() } });
    expect(s.counts).toMatchObject({ inserted: 2, updated: 1, deleted: 1 });
    expect(m.state).toBe('DATA_SYNCED');
  });

  it('defaults to daily', () => {
    const m = loaded(daily, { verifyEnabled: true });
    expect(m.status().verify).toMatchObject({ intervalSeconds: 86_400, nextAt: new Date(86_400_000).toISOString() });
  });

  it('runs on demand even with the interval off, and never by itself then', () => {
    const m = loaded(off, { verifyEnabled: true });
    expect(m.nextStep(HOUR / 2)).toEqual({ kind: 'wait', untilMs: 100_000 + HOUR });
    expect(m.status().verify).toMatchObject({ intervalSeconds: null, nextAt: null });
    m.checkVerify();
    m.requestVerify();
    expect(m.nextStep(HOUR / 2)).toMatchObject({ kind: 'verify' });
    succeed(m, 'verify', HOUR / 2);
    expect(m.status().verify).toMatchObject({ requested: false, runs: 1, nextAt: null });
  });

  it('waits for the budget window when the verify is deferred, syncing meanwhile', () => {
    const m = loaded(off, { verifyEnabled: true });
    m.requestVerify();
    succeed(m, 'verify', 200_000, result.verify({ deferred: true, retryAtMs: 5 * HOUR }));
    expect(m.state).toBe('DATA_SYNCED');
    expect(m.status().verify).toMatchObject({ requested: true, waitingForBudgetUntil: new Date(5 * HOUR).toISOString(), runs: 0 });
    expect(m.nextStep(300_000)).toEqual({ kind: 'wait', untilMs: 100_000 + HOUR });
    succeed(m, 'poll', 100_000 + HOUR);
    succeed(m, 'purge-sweep', 100_000 + HOUR);
    expect(m.nextStep(5 * HOUR - 1)).toMatchObject({ kind: 'poll' });
    succeed(m, 'poll', 5 * HOUR - 1);
    succeed(m, 'purge-sweep', 5 * HOUR - 1);
    expect(m.nextStep(5 * HOUR - 1)).toEqual({ kind: 'wait', untilMs: 5 * HOUR });
    succeed(m, 'verify', 5 * HOUR);
    expect(m.status().verify).toMatchObject({ requested: false, waitingForBudgetUntil: null, runs: 1 });
  });

  it('is refused before the initial load and in runs that predate verifying', () => {
    expect(() => machine(hourly, { verifyEnabled: true }).checkVerify()).toThrow(/initial load has not completed/);
    expect(() => loaded(hourly).checkVerify()).toThrow(/predates verifying/);
    const m = loaded(hourly);
    expect(m.status().verify).toBeUndefined();
    expect(m.nextStep(10 * HOUR)).not.toMatchObject({ kind: 'verify' });
  });
});
