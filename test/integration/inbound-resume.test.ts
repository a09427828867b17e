// A worker killed (SIGKILL) in the middle of an initial load: another worker resumes from the last
// committed page — the same Bulk 2.0 job, no page loaded twice — and the table ends an exact copy.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server';
import { differences, orgSnapshot, tableSnapshot, type FieldSpec } from '../support/compare';
import { mappingConfig, startMapping, waitForStatus } from '../support/mappings';
import { eventually, jsforceFor, orgEnv, sessionsFor, startOrg } from '../support/org';
import { recordHistories } from '../support/histories';
import { connectTemporal, createTestDatabase, services, testLogger, type RunningWorker, type TestDatabase, type TestTemporal } from '../support/services';

const ROOT = join(__dirname, '../..');
const ACCOUNTS = 60_000;
const PAGE = 3_000;
const FIELDS: FieldSpec[] = [
  { name: 'Name', type: 'string' }, { name: 'Industry', type: 'string' }, { name: 'AnnualRevenue', type: 'number' },
  { name: 'SystemModstamp', type: 'datetime' },
];

describe('initial load survives a killed worker', () => {
  let org: Emulator;
  let conn: Connection;
  let db: TestDatabase;
  let temporal: TestTemporal;
  let child: ChildProcess | undefined;
  let worker: RunningWorker | undefined;

  beforeAll(async () => {
    org = await startOrg({ seed: { Account: ACCOUNTS } });
    conn = await jsforceFor(org);
    db = await createTestDatabase('resume');
    temporal = await connectTemporal('resume');
  });

  afterAll(async () => {
    if (child?.pid && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
    await worker?.stop();
    await temporal?.close();
    await db?.drop();
    await org?.close();
  });

  it('resumes from the last committed page and ends with exactly one row per record', async () => {
    // Its own process group: tsx runs the worker in a child process, and the kill must reach it too.
    child = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['worker/main.ts'], {
      cwd: ROOT,
      stdio: 'ignore',
      detached: true,
      env: {
        PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', DATABASE_URL: db.url,
        TEMPORAL_ADDRESS: services().temporalAddress, TEMPORAL_TASK_QUEUE: temporal.taskQueue, ...orgEnv(org),
      },
    });
    // Slow pages, so the kill lands mid-load.
    org.admin.setFaults({ latencyMs: 150, latencyFraction: 1 });
    const handle = await startMapping(temporal.client, temporal.taskQueue, mappingConfig('Account', ['Id', ...FIELDS.map((f) => f.name), 'IsDeleted']), {
      heartbeatTimeoutMs: 5_000, bulkPageRecords: PAGE,
    });
    const checkpoint = () => db.pool.query<{ job_id: string; rows_loaded: string; done: boolean }>("SELECT job_id, rows_loaded, done FROM ferry.load_checkpoint WHERE mapping = 'salesforce.account'");
    const atKill = await eventually('a few pages loaded by the first worker', async () => {
      const r = (await checkpoint()).rows[0];
      return r && Number(r.rows_loaded) >= 4 * PAGE && !r.done ? r : undefined;
    }, 120_000, 50);
    const exited = new Promise((r) => child!.once('exit', r));
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    const afterKill = (await checkpoint()).rows[0];
    expect(Number(afterKill.rows_loaded)).toBeLessThan(ACCOUNTS);
    // Nothing loads while no worker runs: the killed one is really gone.
    await new Promise((r) => setTimeout(r, 1500));
    expect((await checkpoint()).rows[0].rows_loaded).toBe(afterKill.rows_loaded);
    const jobsBefore = org.admin.counters().api.byKind['bulk2-query'] ?? 0;

    org.admin.setFaults({ latencyMs: 0 });
    worker = await temporal.startWorker({ pool: db.pool, log: testLogger, sessions: sessionsFor(org) });
    const s = await waitForStatus(handle, 'the resumed load', (x) => x.lastLoad !== null, 180_000);

    expect(s.lastLoad).toMatchObject({ mode: 'bulk', rows: ACCOUNTS });
    // The second worker used the stored job and locator: no new query job was created.
    expect(org.admin.counters().api.byKind['bulk2-query'] ?? 0).toBe(jobsBefore);
    expect(atKill.job_id).toBe(afterKill.job_id);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n, count(DISTINCT sfid)::int AS d FROM salesforce.account');
    expect(rows[0]).toEqual({ n: ACCOUNTS, d: ACCOUNTS });
    const [orgSide, tableSide] = await Promise.all([orgSnapshot(conn, 'Account', FIELDS), tableSnapshot(db.pool, 'salesforce.account', FIELDS)]);
    expect(differences(orgSide, tableSide, FIELDS)).toEqual([]);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM ferry.load_checkpoint')).rows[0].n).toBe(0);
    await recordHistories(temporal.client, handle.workflowId, 'resume-after-worker-kill');
    await handle.terminate();
  });
});
