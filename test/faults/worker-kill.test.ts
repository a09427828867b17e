// The worker process SIGKILLed at the worst moments of a read_write Account mapping: during a page of the
// initial load, during a Bulk 2.0 flush before its job is recorded and after, and during an sObject
// Collections flush whose write-back waits on a row lock held by an application transaction. A new worker
// process takes over each time; the table must end an exact copy of the org, and no record may exist twice.
import { Client as PgClient } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { MappingWorkflowInput } from '../../workflows/mapping/workflow';
import type { Handle } from '../support/mappings';
import { waitForStatus } from '../support/mappings';
import { ACCOUNT_FIELDS, ACCOUNT_FIELD_NAMES, Traffic, faultStack, when, type FaultStack } from './harness';

const SEED = 5_000;
const PAGE = 300;
const BOUND_S = 180;

describe('worker killed', { timeout: (BOUND_S + 180) * 1000 }, () => {
  const stacks: FaultStack[] = [];
  afterAll(async () => {
    for (const s of stacks) await s.close();
  });

  /** A stack of its own per scenario, so one scenario's outcome never depends on another's. */
  const setUp = async (name: string, seed: number, extra: Partial<MappingWorkflowInput> = {}, loaded = true) => {
    const s = await faultStack(name, { seed: { Account: seed } });
    stacks.push(s);
    const traffic = new Traffic(s);
    await traffic.orgIds();
    if (!loaded) return { s, traffic, handle: undefined as unknown as Handle };
    const handle = await s.start('Account', ACCOUNT_FIELD_NAMES, { access: 'read_write', flush_interval_seconds: 1, sf_polling_seconds: 120 }, extra);
    await waitForStatus(handle, 'loaded with capture installed', (x) => x.state === 'DATA_SYNCED' && x.outbound?.access === 'read_write', 240_000);
    return { s, traffic, handle };
  };
  const attempt = async (s: FaultStack) => (await s.pool.query<{ bulk_jobs: unknown[] }>("SELECT bulk_jobs FROM ferry.outbound_attempt WHERE mapping_id = 'salesforce.account'")).rows[0];
  const converge = (s: FaultStack, handle: Handle, traffic: Traffic, name: string, since: number) => s.converge(name, {
    object: 'Account', table: 'salesforce.account', fields: ACCOUNT_FIELDS, uniqueField: 'Name', since, boundS: BOUND_S,
    nudge: () => s.syncNow(handle), settled: () => traffic.drained(),
  });

  it('during a page of the initial load', async () => {
    const { s, traffic } = await setUp('killload', SEED, {}, false);
    // Slow pages, so the kill lands mid-load.
    s.org.admin.setFaults({ latencyMs: 150, latencyFraction: 1 });
    const handle = await s.start('Account', ACCOUNT_FIELD_NAMES, { access: 'read_write', flush_interval_seconds: 1, sf_polling_seconds: 120 }, { bulkPageRecords: PAGE });
    await when('a few pages loaded', async () => {
      const r = (await s.pool.query<{ rows_loaded: string; done: boolean }>("SELECT rows_loaded, done FROM ferry.load_checkpoint WHERE mapping = 'salesforce.account'")).rows[0];
      return r !== undefined && Number(r.rows_loaded) >= PAGE && !r.done;
    }, 180_000);
    const since = Date.now();
    await s.worker.kill();
    s.org.admin.clearFaults();
    s.worker.start();
    await waitForStatus(handle, 'the resumed load', (x) => x.lastLoad !== null && x.outbound?.access === 'read_write', BOUND_S * 1000);
    expect((await s.status(handle)).lastLoad).toMatchObject({ rows: SEED });
    await converge(s, handle, traffic, 'worker-kill-initial-load-page', since);
  });

  it('twice on one mapping: during the initial load, then during a Bulk 2.0 flush', async () => {
    const { s, traffic } = await setUp('killtwice', SEED, {}, false);
    s.org.admin.setFaults({ latencyMs: 150, latencyFraction: 1 });
    const handle = await s.start('Account', ACCOUNT_FIELD_NAMES, { access: 'read_write', flush_interval_seconds: 1, sf_polling_seconds: 120 }, { bulkPageRecords: PAGE });
    await when('a few pages loaded', async () => {
      const r = (await s.pool.query<{ rows_loaded: string; done: boolean }>("SELECT rows_loaded, done FROM ferry.load_checkpoint WHERE mapping = 'salesforce.account'")).rows[0];
      return r !== undefined && Number(r.rows_loaded) >= PAGE && !r.done;
    }, 180_000);
    await s.worker.kill();
    s.org.admin.clearFaults();
    s.worker.start();
    await waitForStatus(handle, 'the resumed load', (x) => x.state === 'DATA_SYNCED' && x.lastLoad !== null && x.outbound?.access === 'read_write', BOUND_S * 1000);
    s.org.admin.setFaults({ latencyMs: 500, latencyFraction: 1 });
    await traffic.localInserts('Twice ', 2_500);
    await when('a flush sending with no job recorded', async () => (await attempt(s))?.bulk_jobs.length === 0);
    const since = Date.now();
    await s.worker.kill();
    s.org.admin.clearFaults();
    s.worker.start();
    await converge(s, handle, traffic, 'worker-kill-twice-load-then-bulk-flush', since);
  });

  it('during a Bulk 2.0 flush, before its job is recorded', async () => {
    const { s, traffic, handle } = await setUp('killbulkearly', 500);
    // Every request answers late, so the flush is caught between claiming its entries and recording a job.
    s.org.admin.setFaults({ latencyMs: 500, latencyFraction: 1 });
    await traffic.localInserts('Bulk early ', 2_500);
    await when('a flush sending with no job recorded', async () => (await attempt(s))?.bulk_jobs.length === 0);
    const since = Date.now();
    await s.worker.kill();
    s.org.admin.clearFaults();
    s.worker.start();
    await converge(s, handle, traffic, 'worker-kill-bulk-flush-before-job-recorded', since);
  });

  it('during a Bulk 2.0 flush, after its job is recorded', async () => {
    const { s, traffic, handle } = await setUp('killbulklate', 500);
    s.org.admin.setFaults({ latencyMs: 300, latencyFraction: 1 });
    await traffic.localInserts('Bulk late ', 2_500);
    await traffic.localUpdates(100);
    await when('a flush with a recorded job', async () => ((await attempt(s))?.bulk_jobs.length ?? 0) >= 1);
    const since = Date.now();
    await s.worker.kill();
    s.org.admin.clearFaults();
    s.worker.start();
    await converge(s, handle, traffic, 'worker-kill-bulk-flush-after-job-recorded', since);
  });

  it('during an sObject Collections flush whose write-back waits on a row lock', async () => {
    const { s, traffic, handle } = await setUp('killlocked', 500);
    await traffic.localInserts('Locked ', 150);
    // An application transaction holds the new rows: the flush creates the records in Salesforce, then its
    // write-back (sfid, SYNCED) waits on the lock.
    const app = new PgClient({ connectionString: s.dbUrl });
    await app.connect();
    try {
      await app.query('BEGIN');
      await app.query("SELECT id FROM salesforce.account WHERE name LIKE 'Locked %' FOR UPDATE");
      await when('the records created in Salesforce', async () => (await s.conn.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Locked %'")).totalSize === 150, 120_000, 250);
      await when('the write-back waiting on the lock', async () => (await s.pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> $1", [(app as unknown as { processID: number }).processID])).rows[0].n > 0, 60_000, 100)
        .catch(() => console.log('  (the write-back was not seen waiting on the lock; killing anyway)'));
      const since = Date.now();
      await s.worker.kill();
      await app.query('ROLLBACK');
      s.worker.start();
      await converge(s, handle, traffic, 'worker-kill-collections-flush-writeback-locked', since);
    } finally {
      await app.end();
    }
  });
});
