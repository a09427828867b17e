// Shared setup of the streaming integration tests: the emulator org, a database, an in-process worker plus the
// worker's stream supervisor and outbound LISTEN connection (as worker/main.ts starts them), and helpers that compare the table with the org.
import type { Connection } from 'jsforce';
import { expect } from 'vitest';
import type { Emulator, EmulatorOptions } from '../../emulator/server';
import { startOutboundListener, type OutboundListener } from '../../worker/listeners/outbound-notify-listener';
import { startStreamSupervisor, type StreamSupervisor } from '../../worker/listeners/stream-supervisor';
import { apiCallsInWindow } from '../../store/api-call-ledger';
import type { MappingWorkflowInput } from '../../workflows/mapping/workflow';
import type { MappingStatus } from '../../workflows/mapping/messages';
import { differences, orgSnapshot, tableSnapshot, untilEqual, type FieldSpec } from '../support/compare';
import { mappingConfig, startMapping, status, waitForStatus, type Handle } from '../support/mappings';
import { eventually, jsforceFor, sessionsFor, startOrg } from '../support/org';
import { connectTemporal, createTestDatabase, testLogger, type RunningWorker, type TestDatabase, type TestTemporal } from '../support/services';

export interface StreamingFixture {
  org: Emulator;
  conn: Connection;
  db: TestDatabase;
  temporal: TestTemporal;
  worker: RunningWorker | null;
  supervisor: StreamSupervisor | null;
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  startSupervisor(): StreamSupervisor;
  /** Starts an event-driven mapping and waits until it streams (subscribed, catch-up poll done). */
  start(objectName: string, fields: string[], config?: Record<string, unknown>, extra?: Partial<MappingWorkflowInput>): Promise<Handle>;
  /** Starts a mapping without waiting for anything (for mappings expected to halt). */
  startQuiet(objectName: string, fields: string[], config?: Record<string, unknown>): Promise<Handle>;
  /** Waits until the table equals the org on `fields` (record by record). */
  converged(object: string, table: string, fields: FieldSpec[], timeoutMs?: number): Promise<void>;
  apiCalls(mappingId: string): Promise<number>;
  /** The salesforce.account row of a record, or undefined. */
  row(sfid: string): Promise<Record<string, unknown> | undefined>;
  close(): Promise<void>;
}

export async function streamingFixture(prefix: string, seed: Record<string, number> = {}, orgOptions: EmulatorOptions = {}): Promise<StreamingFixture> {
  const org = await startOrg({ ...orgOptions, seed });
  const conn = await jsforceFor(org);
  const db = await createTestDatabase(prefix);
  const temporal = await connectTemporal(prefix);
  const handles: Handle[] = [];
  let outbound: OutboundListener | null = null;
  const f: StreamingFixture = {
    org, conn, db, temporal, worker: null, supervisor: null,
    async startWorker() {
      f.worker = await temporal.startWorker({ pool: db.pool, log: testLogger, sessions: sessionsFor(org) });
      outbound = startOutboundListener({ databaseUrl: db.url, temporal: temporal.client, log: testLogger, lockRetryMs: 500 });
      f.startSupervisor();
    },
    async stopWorker() {
      await f.supervisor?.stop();
      f.supervisor = null;
      await outbound?.stop();
      outbound = null;
      await f.worker?.stop();
      f.worker = null;
    },
    startSupervisor() {
      f.supervisor = startStreamSupervisor({
        databaseUrl: db.url, sessions: sessionsFor(org), temporal: temporal.client, log: testLogger, apiVersion: '62.0', reconcileMs: 250, retryMs: 500,
      });
      return f.supervisor;
    },
    async start(objectName, fields, config = {}, extra = {}) {
      const handle = await startMapping(temporal.client, temporal.taskQueue,
        mappingConfig(objectName, fields, { sync_mode: 'event_driven', streaming_source: 'pushtopic', ...config }), extra);
      handles.push(handle);
      // The catch-up poll is asked for when the listener subscribes; it may come after a poll already running,
      // so streaming is settled once no poll is still asked for (the next one is the interval's, after the last).
      await waitForStatus(handle, `${objectName} streaming after its catch-up poll`, (s) => streaming(s) && (s.streaming?.fallbacks ?? 0) >= 1
        && s.lastPollAt !== null && s.nextPollAt !== null && Date.parse(s.nextPollAt) > Date.parse(s.lastPollAt));
      return handle;
    },
    async startQuiet(objectName, fields, config = {}) {
      const handle = await startMapping(temporal.client, temporal.taskQueue, mappingConfig(objectName, fields, config));
      handles.push(handle);
      return handle;
    },
    async converged(object, table, fields, timeoutMs = 60_000) {
      await untilEqual({ conn, pool: db.pool, object, qualifiedTable: table, fields, timeoutMs });
      const [o, t] = await Promise.all([orgSnapshot(conn, object, fields), tableSnapshot(db.pool, table, fields)]);
      expect(differences(o, t, fields)).toEqual([]);
    },
    apiCalls: (mappingId) => apiCallsInWindow(db.pool, mappingId),
    async row(sfid) {
      const { rows } = await db.pool.query('SELECT * FROM salesforce.account WHERE sfid = $1', [sfid]);
      return rows[0] as Record<string, unknown> | undefined;
    },
    async close() {
      for (const h of handles) await h.terminate().catch(() => undefined);
      await f.stopWorker();
      await temporal.close();
      await db.drop();
      await org.close();
    },
  };
  await f.startWorker();
  return f;
}

/** The Account fields most streaming scenarios map (besides Id and IsDeleted). */
export const ACCOUNT_FIELDS: FieldSpec[] = [
  { name: 'Name', type: 'string' }, { name: 'Phone', type: 'string' }, { name: 'SystemModstamp', type: 'datetime' },
];

export function streaming(s: MappingStatus): boolean {
  return s.state === 'STREAMING' && s.lastLoad !== null;
}

/** Waits (generously) for a row condition; the benchmark, not the tests, measures latency. */
export function until(what: string, ok: () => Promise<boolean>): Promise<true> {
  return eventually(what, async () => ((await ok()) ? true : undefined), 15_000, 20);
}

export { status, waitForStatus };
