// The API under test: a real ferry worker and the API app listening on an ephemeral port, against the
// suite's Temporal and a fresh database, with the org emulator as Salesforce. `call` speaks HTTP like curl.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { startOutboundListener } from '../../worker/listeners/outbound-notify-listener';
import { buildApp, type ApiDeps } from '../../api/app';
import type { Emulator, EmulatorOptions } from '../../emulator/server';
import { sessionsFor, startOrg } from './org';
import { connectTemporal, createTestDatabase, testLogger, type RunningWorker, type TestDatabase, type TestTemporal } from './services';

export const TEST_TOKEN = 'test-token-0123456789abcdef';

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  contentType: string;
  body: T;
  text: string;
  headers: Headers;
}

export async function listen(app: ReturnType<typeof buildApp>): Promise<{ url: string; server: Server }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** One HTTP request; a plain-object body is sent as JSON, a string as is. */
export async function request<T = Record<string, unknown>>(
  url: string, method: string, path: string, opts: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token === undefined ? TEST_TOKEN : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${url}${path}`, { method, headers, body });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  let parsed: unknown = text;
  if (/json/.test(contentType)) parsed = JSON.parse(text);
  return { status: res.status, contentType, body: parsed as T, text, headers: res.headers };
}

export interface ApiHarness {
  url: string;
  /** The API's default schema: one per test file, so files never share a mapping (workflow ids are global). */
  schema: string;
  org: Emulator;
  db: TestDatabase;
  temporal: TestTemporal;
  worker: RunningWorker;
  call<T = Record<string, unknown>>(method: string, path: string, body?: unknown, token?: string | null): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

/** Emulator + database + worker + API; `extra` overrides API deps (e.g. a second app on the same services). */
export async function startApi(prefix: string, orgOptions: EmulatorOptions = {}, extra: Partial<ApiDeps> = {}): Promise<ApiHarness> {
  const org = await startOrg(orgOptions);
  const db = await createTestDatabase(prefix);
  const temporal = await connectTemporal(prefix);
  const worker = await temporal.startWorker({ pool: db.pool, log: testLogger, sessions: sessionsFor(org) });
  // As worker/main.ts does: local writes to read_write mappings wake their workflows.
  const listener = startOutboundListener({ databaseUrl: db.url, temporal: temporal.client, log: testLogger, lockRetryMs: 500 });
  const schema = extra.schema ?? `${prefix}_${randomBytes(3).toString('hex')}`;
  const app = buildApp({
    pool: db.pool, temporal: temporal.client, namespace: 'default', log: testLogger, taskQueue: temporal.taskQueue,
    apiToken: TEST_TOKEN, salesforce: sessionsFor(org), ...extra, schema,
  });
  const { url, server } = await listen(app);
  const harness: ApiHarness = {
    url, schema, org, db, temporal, worker,
    call: (method, path, body, token) => request(url, method, path, { body, token }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await terminateMappings(harness);
      await listener.stop();
      await worker.stop();
      await temporal.close();
      await db.drop();
      await org.close();
    },
  };
  return harness;
}

/** Terminates every ferry mapping workflow on the harness's task queue (tests share one Temporal server). */
export async function terminateMappings(h: ApiHarness): Promise<void> {
  for await (const wf of h.temporal.client.workflow.list({ query: `TaskQueue = '${h.temporal.taskQueue}' AND ExecutionStatus = 'Running'` })) {
    await h.temporal.client.workflow.getHandle(wf.workflowId).terminate('test cleanup').catch(() => undefined);
  }
}
