// Shared setup of the outbound integration tests: the emulator org, a database, an in-process worker with the
// worker's LISTEN connection (as worker/main.ts starts it), and helpers that wait on conditions.
import type { Connection } from 'jsforce';
import type { Emulator } from '../../emulator/server';
import type { ChangeEvent } from '../../emulator/contract';
import { startOutboundListener, type OutboundListener, type OutboundListenerOptions } from '../../worker/listeners/outbound-notify-listener';
import type { MappingWorkflowInput } from '../../workflows/mapping/workflow';
import { mappingConfig, startMapping, waitForStatus, type Handle } from '../support/mappings';
import { eventually, jsforceFor, sessionsFor, startOrg } from '../support/org';
import { connectTemporal, createTestDatabase, testLogger, type RunningWorker, type TestDatabase, type TestTemporal } from '../support/services';

export interface OutboundFixture {
  org: Emulator;
  conn: Connection;
  db: TestDatabase;
  temporal: TestTemporal;
  worker: RunningWorker | null;
  /** Starts the in-process worker (when the fixture was made without one). */
  startWorker(): Promise<RunningWorker>;
  listener: OutboundListener;
  /** Every change the org committed, in order. */
  changes: ChangeEvent[];
  start(objectName: string, fields: string[], config?: Record<string, unknown>, extra?: Partial<MappingWorkflowInput>): Promise<Handle>;
  close(): Promise<void>;
}

export async function outboundFixture(prefix: string, seed: Record<string, number> = {},
  opts: { inProcessWorker?: boolean; schemaFile?: string; listener?: Pick<OutboundListenerOptions, 'fullBatchEntries' | 'fullBatchQuietMs'> } = {}): Promise<OutboundFixture> {
  const org = await startOrg({ seed, ...(opts.schemaFile ? { schemaFile: opts.schemaFile } : {}) });
  const conn = await jsforceFor(org);
  const db = await createTestDatabase(prefix);
  const temporal = await connectTemporal(prefix);
  const newWorker = () => temporal.startWorker({ pool: db.pool, log: testLogger, sessions: sessionsFor(org) });
  const worker = opts.inProcessWorker === false ? null : await newWorker();
  const listener = startOutboundListener({ databaseUrl: db.url, temporal: temporal.client, log: testLogger, lockRetryMs: 500, ...opts.listener });
  const changes: ChangeEvent[] = [];
  org.org.on('change', (e: ChangeEvent) => changes.push(e));
  const handles: Handle[] = [];
  const f: OutboundFixture = {
    org, conn, db, temporal, worker, listener, changes,
    async startWorker() {
      f.worker = await newWorker();
      return f.worker;
    },
    async start(objectName, fields, config = {}, extra = {}) {
      const handle = await startMapping(temporal.client, temporal.taskQueue,
        mappingConfig(objectName, fields, { access: 'read_write', flush_interval_seconds: 1, ...config }), extra);
      handles.push(handle);
      await waitForStatus(handle, `${objectName} loaded with capture installed`,
        (s) => s.state === 'DATA_SYNCED' && s.lastLoad !== null && s.outbound?.access === (config.access ?? 'read_write'));
      return handle;
    },
    async close() {
      for (const h of handles) await h.terminate().catch(() => undefined);
      await listener.stop();
      await f.worker?.stop();
      await temporal.close();
      await db.drop();
      await org.close();
    },
  };
  return f;
}

export interface RowState {
  id: number;
  sfid: string | null;
  _hc_lastop: string | null;
  _hc_err: string | null;
  [column: string]: unknown;
}

/** Waits until the row with `id` satisfies `ok` (e.g. SYNCED with an sfid); returns it. */
export function waitForRow(db: TestDatabase, table: string, id: number, what: string, ok: (r: RowState) => boolean, timeoutMs = 30_000): Promise<RowState> {
  return eventually(what, async () => {
    const { rows } = await db.pool.query<RowState>(`SELECT * FROM ${table} WHERE id = $1`, [id]);
    return rows[0] && ok(rows[0]) ? rows[0] : undefined;
  }, timeoutMs, 100);
}

/** Waits until no entry of `table` is NEW or PENDING. */
export function waitForDrained(db: TestDatabase, table: string, timeoutMs = 30_000): Promise<void> {
  return eventually(`${table}'s trigger log drained`, async () => {
    const { rows } = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM salesforce._trigger_log WHERE table_name = $1 AND state IN ('NEW', 'PENDING')", [table]);
    return rows[0].n === 0 ? true : undefined;
  }, timeoutMs, 100).then(() => undefined);
}
