// A worker process killed (SIGKILL) in the middle of a flush, at the moment Salesforce applies its request
// (so the records exist but the answer is lost): another worker
// finishes the flush, and every row ends SYNCED with exactly one record in the org — nothing lost, nothing
// duplicated — through sObject Collections (inserts recovered by query) and through Bulk 2.0 (job results).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../emulator/contract';
import { orgEnv } from '../support/org';
import { services } from '../support/services';
import type { Handle } from '../support/mappings';
import { outboundFixture, waitForDrained, type OutboundFixture } from './outbound-fixture';

const ROOT = join(__dirname, '../..');

/**
 * `tsx worker/main.ts` as ONE process (node with tsx's loader): the tsx CLI would fork node as a child, and a
 * SIGKILL of the CLI would leave the real worker running.
 */
function spawnWorker(f: OutboundFixture): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
    cwd: ROOT,
    stdio: 'ignore',
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', DATABASE_URL: f.db.url,
      TEMPORAL_ADDRESS: services().temporalAddress, TEMPORAL_TASK_QUEUE: f.temporal.taskQueue, ...orgEnv(f.org),
    },
  });
}

describe('a worker killed during a flush', () => {
  let f: OutboundFixture;
  let child: ChildProcess | undefined;
  let handle: Handle;

  beforeAll(async () => {
    f = await outboundFixture('outcrash', { Account: 5 }, { inProcessWorker: false });
    child = spawnWorker(f);
    handle = await f.start('Account', ['Name', 'AccountNumber'], {}, { heartbeatTimeoutMs: 5_000 });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await f?.close();
  });

  /**
   * Kills the worker the moment the org commits the first record named `prefix…`: the request is being
   * applied (the org finishes it) but its answer never reaches the dead worker — a lost response.
   */
  const killOnFirstCommit = (prefix: string): Promise<void> => {
    const victim = child!;
    child = undefined;
    const exited = new Promise<void>((r) => victim.once('exit', () => r()));
    const onChange = (e: ChangeEvent) => {
      if (typeof e.record.Name === 'string' && e.record.Name.startsWith(prefix)) {
        f.org.org.off('change', onChange);
        victim.kill('SIGKILL');
      }
    };
    f.org.org.on('change', onChange);
    return exited;
  };
  const attempt = async () => (await f.db.pool.query<{ bulk_jobs: { op: string; jobId: string }[] }>(
    "SELECT bulk_jobs FROM ferry.outbound_attempt WHERE mapping_id = 'salesforce.account'")).rows[0];

  const expectExactlyOnce = async (prefix: string, n: number) => {
    const { rows } = await f.db.pool.query<{ n: number; synced: number; sfids: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE _hc_lastop = 'SYNCED')::int AS synced, count(DISTINCT sfid)::int AS sfids
         FROM salesforce.account WHERE name LIKE $1`, [`${prefix}%`]);
    expect(rows[0]).toEqual({ n, synced: n, sfids: n });
    const org = await f.conn.query(`SELECT Id FROM Account WHERE Name LIKE '${prefix}%'`).run({ autoFetch: true, maxFetch: 100_000 });
    expect(org.records).toHaveLength(n);
    const linked = await f.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM salesforce.account WHERE sfid = ANY($1)', [org.records.map((r) => r.Id)]);
    expect(linked.rows[0].n).toBe(n);
  };

  it('through sObject Collections: creates that reached Salesforce are found again, not sent twice', async () => {
    const killed = killOnFirstCommit('Crash C ');
    await f.db.pool.query("INSERT INTO salesforce.account (name, accountnumber) SELECT 'Crash C ' || g, 'C-' || g FROM generate_series(1, 300) g");
    await killed;
    // The claim is on record and nothing was written back: all 300 are still queued.
    const queued = (await f.db.pool.query("SELECT count(*)::int AS n FROM salesforce._trigger_log WHERE state = 'NEW'")).rows[0].n;
    expect(queued).toBe(300);
    expect((await f.db.pool.query("SELECT claimed_upto IS NOT NULL AND started_at IS NOT NULL AS sending FROM ferry.outbound_attempt")).rows).toEqual([{ sending: true }]);
    const applied = (await f.conn.query("SELECT COUNT() FROM Account WHERE Name LIKE 'Crash C %'")).totalSize;
    expect(applied).toBeGreaterThanOrEqual(200);
    await f.startWorker();
    await waitForDrained(f.db, 'account', 120_000);
    await expectExactlyOnce('Crash C ', 300);
  });

  it('through Bulk API 2.0: a job already run is read back, not loaded again', async () => {
    await f.worker!.stop();
    f.worker = null;
    child = spawnWorker(f);
    const killed = killOnFirstCommit('Crash B ');
    await f.db.pool.query("INSERT INTO salesforce.account (name, accountnumber) SELECT 'Crash B ' || g, 'B-' || g FROM generate_series(1, 2500) g");
    await killed;
    // The flush is two jobs (2,000 + 500 rows); the second is uploaded while the first is processed, so at the
    // kill it may be recorded too (and be Open, or complete). Every recorded job must be read back or aborted.
    const jobs = (await attempt()).bulk_jobs;
    expect(jobs.length === 1 || jobs.length === 2).toBe(true);
    await f.startWorker();
    await waitForDrained(f.db, 'account', 120_000);
    await expectExactlyOnce('Crash B ', 2500);
    expect((await f.db.pool.query('SELECT count(*)::int AS n FROM ferry.outbound_attempt')).rows[0].n).toBe(0);
    await handle.terminate();
  });
});
