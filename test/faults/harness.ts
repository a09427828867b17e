// The fault suite's harness: the real stack — Postgres, a Temporal dev server, the org emulator and a ferry
// worker as a separate PROCESS that can be SIGKILLed (processes.ts) — plus traffic helpers, one injected fault
// per scenario, and the verdict (verdict.ts): an exact comparison of the org and the table (counts, missing and
// extra ids, a checksum of every mapped field) and of the org's records for duplicates. Each scenario prints
// one line:
//
//   fault <name> lost=0 duplicated=0 converged_s=N
//
// and fails on any loss, duplicate, field difference, unexpected worker exit, or convergence past its bound.
// Postgres and Temporal are the suite's shared ones unless a scenario restarts them (ownPostgres /
// ownTemporal: a private cluster or dev server, file-backed so a restart keeps its state).
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection as TemporalConnection } from '@temporalio/client';
import type { Connection } from 'jsforce';
import { Client as PgClient } from 'pg';
import { expect } from 'vitest';
import type { Emulator, EmulatorOptions } from '../../emulator/server';
import { createPool, migrate, type Pool } from '../../infra/db';
import type { MappingWorkflowInput } from '../../workflows/mapping/workflow';
import { syncNowUpdate, type MappingStatus } from '../../workflows/mapping/messages';
import { startLocalPostgres } from '../../scripts/runtime/postgres';
import { freePort } from '../../scripts/runtime/free-port';
import type { FieldSpec } from '../support/compare';
import { mappingConfig, startMapping, status, type Handle } from '../support/mappings';
import { eventually, jsforceFor, orgEnv, startOrg } from '../support/org';
import { services, testLogger } from '../support/services';
import { TEST_TOKEN, listen, request, type ApiResponse } from '../support/api';
import { buildApp, type ApiDeps } from '../../api/app';
import { sessionsFor } from '../support/org';
import { OwnPostgres, OwnTemporal, RUN_DIR, WorkerProcess, workflowBundle } from './processes';
import { verdict, type Verdict, type VerdictOptions } from './verdict';

export { OwnPostgres, OwnTemporal, WorkerProcess, type WorkerExit } from './processes';
export type { Verdict, VerdictOptions } from './verdict';

export interface FaultStackOptions {
  seed?: Record<string, number>;
  org?: EmulatorOptions;
  /** A private Postgres cluster this scenario may restart (crash-safe settings: no fsync=off). */
  ownPostgres?: boolean;
  /** A private Temporal dev server (SQLite file) this scenario may kill and start again. */
  ownTemporal?: boolean;
}

export interface FaultStack {
  org: Emulator;
  conn: Connection;
  pool: Pool;
  dbUrl: string;
  client: Client;
  taskQueue: string;
  worker: WorkerProcess;
  handles: Handle[];
  /** Present with ownPostgres. */
  postgres?: OwnPostgres;
  /** Present with ownTemporal. */
  temporal?: OwnTemporal;
  start(objectName: string, fields: string[], config?: Record<string, unknown>, extra?: Partial<MappingWorkflowInput>): Promise<Handle>;
  status(handle: Handle): Promise<MappingStatus>;
  /** Asks the mapping to poll now (ignores a workflow that cannot answer at the moment). */
  syncNow(handle: Handle): Promise<void>;
  verdict(object: string, table: string, fields: FieldSpec[], opts?: VerdictOptions): Promise<Verdict>;
  /** ferry's API on this stack (in this process), listening on an ephemeral port. */
  api(extra?: Partial<ApiDeps>): Promise<{ url: string; call: (method: string, path: string, body?: unknown) => Promise<ApiResponse> }>;
  /**
   * Waits (nudging with `nudge`) until the table equals the org and nothing is duplicated, then prints the
   * scenario's line and asserts: no loss, no duplicate, no difference, no worker crash, converged within
   * boundS of `since`.
   */
  converge(name: string, check: ConvergeCheck): Promise<Verdict>;
  close(): Promise<void>;
}

export interface ConvergeCheck extends VerdictOptions {
  object: string;
  table: string;
  fields: FieldSpec[];
  since: number;
  boundS: number;
  /** Called between checks (e.g. sync-now); its errors are ignored. */
  nudge?: () => Promise<unknown>;
  /** An extra condition of convergence (e.g. every row SYNCED). */
  settled?: () => Promise<boolean>;
}

export async function faultStack(prefix: string, opts: FaultStackOptions = {}): Promise<FaultStack> {
  const id = `${prefix}_${randomBytes(3).toString('hex')}`;
  const dir = join(RUN_DIR, id);
  mkdirSync(dir, { recursive: true });
  const bundlePath = workflowBundle();

  let adminUrl: string;
  let postgres: OwnPostgres | undefined;
  let stopPostgres: (() => void) | undefined;
  if (opts.ownPostgres) {
    const pg = await startLocalPostgres({ dataDir: join(dir, 'pg'), port: await freePort(), database: 'postgres' });
    adminUrl = pg.url;
    postgres = new OwnPostgres(join(dir, 'pg'));
    stopPostgres = () => pg.stop();
  } else {
    adminUrl = services().databaseUrl;
  }
  const admin = new PgClient({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(id)}`);
  await admin.end();
  const dbUrl = adminUrl.replace(/\/[^/]+$/, `/${id}`);
  const pool = createPool(dbUrl, 10);
  // A restarted Postgres ends every pooled connection; the pool hands out new ones afterwards.
  pool.on('error', () => undefined);
  await migrate(pool);

  let temporal: OwnTemporal | undefined;
  let temporalAddress: string;
  if (opts.ownTemporal) {
    temporal = new OwnTemporal(await freePort(), join(dir, 'temporal'));
    await temporal.start();
    temporalAddress = temporal.address;
  } else {
    temporalAddress = services().temporalAddress;
  }
  // Lazy and reconnecting: the client must outlive a Temporal restart.
  const connection = TemporalConnection.lazy({ address: temporalAddress, connectTimeout: '3s' });
  const client = new Client({ connection, namespace: 'default' });
  const taskQueue = `fault-${id}`;

  const org = await startOrg({ seed: opts.seed ?? {}, ...opts.org });
  const conn = await jsforceFor(org);
  const worker = new WorkerProcess({
    PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', LOG_LEVEL: 'warn', DATABASE_URL: dbUrl,
    TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_TASK_QUEUE: taskQueue, FERRY_WORKFLOW_BUNDLE: await bundlePath, ...orgEnv(org),
  }, dir);
  worker.start();
  const handles: Handle[] = [];
  const closers: (() => Promise<void>)[] = [];

  const stack: FaultStack = {
    org, conn, pool, dbUrl, client, taskQueue, worker, postgres, temporal, handles,
    async start(objectName, fields, config = {}, extra = {}) {
      const handle = await startMapping(client, taskQueue, mappingConfig(objectName, fields, config), { heartbeatTimeoutMs: 5_000, ...extra });
      handles.push(handle);
      return handle;
    },
    status: (handle) => status(handle),
    async syncNow(handle) {
      await handle.executeUpdate(syncNowUpdate).catch(() => undefined);
    },
    verdict: (object, table, fields, vopts = {}) => verdict(conn, pool, object, table, fields, vopts),
    async api(extra = {}) {
      const app = buildApp({
        pool, temporal: client, namespace: 'default', log: testLogger, taskQueue, apiToken: TEST_TOKEN, salesforce: sessionsFor(org), schema: 'salesforce', ...extra,
      });
      const { url, server } = await listen(app);
      closers.push(async () => {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      });
      return { url, call: (method, path, body) => request(url, method, path, { body }) };
    },
    async converge(name, c) {
      let v: Verdict | undefined;
      const deadline = c.since + c.boundS * 1000;
      for (;;) {
        v = await stack.verdict(c.object, c.table, c.fields, c).catch(() => undefined);
        if (v && v.lost === 0 && v.duplicated === 0 && v.mismatched === 0 && (!c.settled || await c.settled().catch(() => false))) break;
        if (Date.now() > deadline || worker.crashes.length > 0 || worker.nondeterminism().length > 0) break;
        if (process.env.FERRY_FAULT_NO_NUDGE !== '1') await c.nudge?.().catch(() => undefined);
        if (process.env.FERRY_FAULT_DEBUG && Math.round((Date.now() - c.since) / 1000) % 15 === 0) {
          const st = stack.handles.length ? await status(stack.handles[stack.handles.length - 1]).catch(() => undefined) : undefined;
          console.log(`  ${name} t=${Math.round((Date.now() - c.since) / 1000)}s ${v?.details.slice(0, 2).join(' | ')} state=${st?.state} err=${st?.lastError?.message} polls=${st?.counts.polls} lastPoll=${st?.lastPollAt} flushes=${st?.outbound?.flushes}`);
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
      const convergedS = Math.round((Date.now() - c.since) / 1000);
      if (worker.nondeterminism().length > 0) {
        // Kept for a post-mortem replay (Worker.runReplayHistory) beside the worker logs.
        for (const h of handles) {
          const history = await client.workflow.getHandle(h.workflowId).fetchHistory().catch(() => undefined);
          if (history) writeFileSync(join(dir, `${h.workflowId.replace(/[^\w.-]/g, '_')}.history.json`), JSON.stringify(history));
        }
        console.log(`  ${name}: workflow histories and worker logs kept in ${dir}`);
      }
      const final = v ?? await stack.verdict(c.object, c.table, c.fields, c);
      console.log(`fault ${name} lost=${final.lost} duplicated=${final.duplicated} converged_s=${convergedS}`);
      expect(final.details, `${name}: org and table differ`).toEqual([]);
      expect(final.lost, `${name}: records lost`).toBe(0);
      expect(final.duplicated, `${name}: records duplicated`).toBe(0);
      expect(final.mismatched, `${name}: records whose fields differ`).toBe(0);
      expect(worker.crashes, `${name}: the worker process exited unasked`).toEqual([]);
      expect(worker.nondeterminism(), `${name}: a workflow task failed replay on a new worker`).toEqual([]);
      expect(convergedS, `${name}: converged past its bound of ${c.boundS} s`).toBeLessThanOrEqual(c.boundS);
      return final;
    },
    async close() {
      for (const c of closers) await c();
      for (const h of handles) await h.terminate().catch(() => undefined);
      // Mappings started through the API too.
      try {
        for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
          await client.workflow.getHandle(wf.workflowId).terminate('fault suite cleanup').catch(() => undefined);
        }
      } catch {
        // Temporal gone: nothing left to stop.
      }
      await worker.stop();
      await org.close();
      await connection.close().catch(() => undefined);
      await pool.end().catch(() => undefined);
      if (stopPostgres) {
        stopPostgres();
      } else {
        const d = new PgClient({ connectionString: adminUrl });
        await d.connect();
        await d.query(`DROP DATABASE IF EXISTS ${d.escapeIdentifier(id)} WITH (FORCE)`);
        await d.end();
      }
      await temporal?.kill();
      // The worker logs stay (under .data/test, for a failure's post-mortem); the data directories go.
      for (const sub of ['pg', 'temporal']) rmSync(join(dir, sub), { recursive: true, force: true });
    },
  };
  return stack;
}

/** Waits until `probe` holds, polling fast (for catching a moment to inject a fault). */
export function when<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 120_000, everyMs = 25): Promise<T> {
  return eventually(what, async () => {
    const v = await probe();
    return v === false ? undefined : v;
  }, timeoutMs, everyMs);
}

export const ACCOUNT_FIELDS: FieldSpec[] = [
  { name: 'Name', type: 'string' }, { name: 'AccountNumber', type: 'string' }, { name: 'Industry', type: 'string' },
  { name: 'AnnualRevenue', type: 'number' }, { name: 'SystemModstamp', type: 'datetime' },
];
export const ACCOUNT_FIELD_NAMES = ['Id', ...ACCOUNT_FIELDS.map((f) => f.name), 'IsDeleted'];

/** Traffic on a read_write Account mapping, on disjoint records so no change races another. */
export class Traffic {
  private ids: string[] | undefined;
  private n = 0;

  /** `table`: the mapping's table, schema-qualified (a constant of the test, never input). */
  constructor(private readonly s: FaultStack, private readonly table = 'salesforce.account') {}

  /** The org's Account ids, read once (before a fault is injected: the test's own queries would meet it). */
  async orgIds(): Promise<string[]> {
    this.ids ??= (await this.s.conn.query<{ Id: string }>('SELECT Id FROM Account ORDER BY Id').run({ autoFetch: true, maxFetch: 1_000_000 })).records.map((r) => r.Id);
    return this.ids;
  }

  /** `count` changes made in Salesforce (admin: charged to no one) to records in the first half. */
  async orgChanges(count: number): Promise<void> {
    const ids = await this.orgIds();
    const half = Math.floor(ids.length / 2);
    for (let i = 0; i < count; i++) {
      this.n++;
      this.s.org.admin.update('Account', ids[(this.n * 7919) % half], { Industry: `Org ${this.n}`, AnnualRevenue: this.n });
    }
  }

  /** `count` rows inserted in Postgres, each with a unique AccountNumber. */
  async localInserts(prefix: string, count: number): Promise<void> {
    await this.s.pool.query(
      `INSERT INTO ${this.table} (name, accountnumber, industry, annualrevenue)
       SELECT $1 || g, $1 || 'N' || g, 'Local', g FROM generate_series(1, $2::int) g`, [prefix, count]);
  }

  /** `count` rows of the second half updated in Postgres. */
  async localUpdates(count: number): Promise<void> {
    const ids = await this.orgIds();
    const half = Math.floor(ids.length / 2);
    const chosen = Array.from({ length: count }, (_, i) => ids[half + ((this.n + i * 104_729) % (ids.length - half))]);
    this.n += count;
    await this.s.pool.query(`UPDATE ${this.table} SET annualrevenue = annualrevenue + 1, industry = $2 WHERE sfid = ANY($1)`, [chosen, `Local ${this.n}`]);
  }

  /** Every captured write sent: no trigger-log entry NEW or PENDING. */
  async drained(): Promise<boolean> {
    const { rows } = await this.s.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${this.table.split('.')[0]}._trigger_log WHERE state IN ('NEW', 'PENDING')`);
    return rows[0].n === 0;
  }
}
