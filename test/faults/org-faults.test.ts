// Org faults against a read_write Account mapping with traffic both ways: a burst of 5xx answers, dropped
// connections (the worker process must survive them), REQUEST_LIMIT_EXCEEDED for a while, expired sessions.
// Each ends with the table an exact copy of the org, nothing duplicated, and the worker process never exited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handle } from '../support/mappings';
import { waitForStatus } from '../support/mappings';
import { ACCOUNT_FIELDS, ACCOUNT_FIELD_NAMES, Traffic, faultStack, type FaultStack } from './harness';

const SEED = 1_500;
const BOUND_S = 150;

describe('org faults', { timeout: (BOUND_S + 60) * 1000 }, () => {
  let s: FaultStack;
  let handle: Handle;
  let traffic: Traffic;
  const seen: string[] = [];

  beforeAll(async () => {
    s = await faultStack('orgfault', { seed: { Account: SEED } });
    traffic = new Traffic(s);
    handle = await s.start('Account', ACCOUNT_FIELD_NAMES, { access: 'read_write', flush_interval_seconds: 1 });
    await waitForStatus(handle, 'the initial load with capture installed', (x) => x.state === 'DATA_SYNCED' && x.lastLoad !== null && x.outbound?.access === 'read_write', 240_000);
  });
  afterAll(async () => {
    if (seen.length > 0) console.log(`org faults: status while faulted:\n${seen.join('\n')}`);
    await s?.close();
  });

  /** What the mapping's status said while the fault was on (for the report on failure visibility). */
  const observe = async (name: string) => {
    const st = await s.status(handle).catch(() => undefined);
    if (st) seen.push(`  ${name}: state=${st.state} last_error=${st.lastError ? `${st.lastError.type}: ${st.lastError.message.slice(0, 80)}` : 'null'} retry_at=${st.retryAt}`);
  };

  const run = async (name: string, inject: () => void, lift: () => void, holdMs: number) => {
    await traffic.orgIds();
    const since = Date.now();
    inject();
    await traffic.orgChanges(40);
    await traffic.localInserts(`${name} `, 60);
    await traffic.localUpdates(30);
    await s.syncNow(handle);
    await new Promise((r) => setTimeout(r, holdMs / 2));
    await observe(name);
    await new Promise((r) => setTimeout(r, holdMs / 2));
    lift();
    expect(s.worker.alive, `${name}: the worker process is still running`).toBe(true);
    await s.converge(name, {
      object: 'Account', table: 'salesforce.account', fields: ACCOUNT_FIELDS, uniqueField: 'Name', since, boundS: BOUND_S,
      nudge: () => s.syncNow(handle), settled: () => traffic.drained(),
    });
  };

  it('a burst of 5xx answers', async () => {
    await run('org-5xx-burst', () => s.org.admin.setFaults({ errorCount: 40, errorStatus: 503 }), () => s.org.admin.clearFaults(), 6_000);
    expect(s.org.admin.counters().faults.errors).toBeGreaterThan(0);
  });

  it('dropped connections', async () => {
    const before = s.org.admin.counters().faults.dropped;
    await run('org-dropped-connections', () => s.org.admin.setFaults({ dropCount: 3, dropFraction: 0.3 }), () => s.org.admin.clearFaults(), 8_000);
    expect(s.org.admin.counters().faults.dropped - before).toBeGreaterThanOrEqual(3);
  });

  it('REQUEST_LIMIT_EXCEEDED for a while', async () => {
    await run('org-request-limit-exceeded', () => s.org.admin.setFaults({ requestLimitExceeded: true }), () => s.org.admin.clearFaults(), 8_000);
  });

  it('expired sessions', async () => {
    await run('org-expired-sessions', () => s.org.admin.expireSessions(), () => s.org.admin.expireSessions(), 4_000);
  });
});
