// ferry's own services failing under it: Postgres restarted in immediate mode (no checkpoint; crash recovery
// on start) in the middle of a Bulk 2.0 flush, and the Temporal server SIGKILLed and started again while both
// sides keep changing. The worker process must ride both out, and the table end an exact copy of the org.
import { afterAll, describe, expect, it } from 'vitest';
import type { Handle } from '../support/mappings';
import { waitForStatus } from '../support/mappings';
import { ACCOUNT_FIELDS, ACCOUNT_FIELD_NAMES, Traffic, faultStack, when, type FaultStack } from './harness';

const SEED = 1_000;
const BOUND_S = 180;

describe('infrastructure restarts', { timeout: (BOUND_S + 180) * 1000 }, () => {
  const stacks: FaultStack[] = [];
  afterAll(async () => {
    for (const s of stacks) await s.close();
  });

  const ready = async (s: FaultStack): Promise<Handle> => {
    const handle = await s.start('Account', ACCOUNT_FIELD_NAMES, { access: 'read_write', flush_interval_seconds: 1 });
    await waitForStatus(handle, 'loaded with capture installed', (x) => x.state === 'DATA_SYNCED' && x.outbound?.access === 'read_write', 240_000);
    return handle;
  };

  it('Postgres restarted in immediate mode mid-flush', async () => {
    const s = await faultStack('pgrestart', { seed: { Account: SEED }, ownPostgres: true });
    stacks.push(s);
    const traffic = new Traffic(s);
    await traffic.orgIds();
    const handle = await ready(s);
    s.org.admin.setFaults({ latencyMs: 300, latencyFraction: 1 });
    await traffic.localInserts('Restart ', 2_200);
    await traffic.orgChanges(50);
    await when('a flush under way', async () => (await s.pool.query("SELECT 1 FROM ferry.outbound_attempt WHERE mapping_id = 'salesforce.account'")).rowCount === 1);
    const since = Date.now();
    s.postgres!.restartImmediate();
    s.org.admin.clearFaults();
    // The test's own pool: its idle connections died with the server (each failed query discards one).
    await when('Postgres back for the test', async () => (await s.pool.query('SELECT 1')).rowCount === 1, 60_000, 100);
    await traffic.localUpdates(50);
    expect(s.worker.alive, 'the worker process survived the restart').toBe(true);
    await s.converge('postgres-immediate-restart-mid-flush', {
      object: 'Account', table: 'salesforce.account', fields: ACCOUNT_FIELDS, uniqueField: 'Name', since, boundS: BOUND_S,
      nudge: () => s.syncNow(handle), settled: () => traffic.drained(),
    });
  });

  it('Temporal server killed and started again', async () => {
    const s = await faultStack('temporalrestart', { seed: { Account: SEED }, ownTemporal: true });
    stacks.push(s);
    const traffic = new Traffic(s);
    await traffic.orgIds();
    const handle = await ready(s);
    const since = Date.now();
    await s.temporal!.kill();
    // Both sides keep changing while Temporal is gone.
    await traffic.localInserts('Outage ', 120);
    await traffic.orgChanges(60);
    await traffic.localUpdates(40);
    await new Promise((r) => setTimeout(r, 10_000));
    expect(s.worker.alive, 'the worker process rode out the outage').toBe(true);
    await s.temporal!.start();
    await s.converge('temporal-killed-and-restarted', {
      object: 'Account', table: 'salesforce.account', fields: ACCOUNT_FIELDS, uniqueField: 'Name', since, boundS: BOUND_S,
      nudge: () => s.syncNow(handle), settled: () => traffic.drained(),
    });
  });
});
