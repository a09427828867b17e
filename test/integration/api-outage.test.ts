// A Temporal, Postgres or Salesforce outage answers 503 problem+json within seconds — whether the service
// refuses connections or accepts them and never answers — and never a stack trace.
import { createServer, type Server, type Socket } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SalesforceSessions } from '../../salesforce/session';
import { buildApp, type ApiDeps } from '../../api/app';
import { createPool } from '../../infra/db';
import { TEST_TOKEN, listen, request } from '../support/api';
import { credentialsFor, eventually, startOrg } from '../support/org';
import { createTestDatabase, services, testLogger, type TestDatabase } from '../support/services';
import type { Emulator } from '../../emulator/server';

/** A TCP server that accepts connections and never says a word: a hung service. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => server.close(r));
    },
  };
}

const DEADLINES = { temporalMs: 1500, postgresMs: 1500, salesforceMs: 1500 };

describe('503 when a dependency is down', () => {
  let db: TestDatabase;
  let org: Emulator;
  let connection: Connection;
  let silent: Awaited<ReturnType<typeof silentServer>>;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('api_outage');
    org = await startOrg({ seed: { Account: 3 } });
    connection = await Connection.connect({ address: services().temporalAddress });
    silent = await silentServer();
  });
  afterAll(async () => {
    // The silent server first: its sockets closing is what ends the hung Postgres connects pool.end() waits for.
    await silent?.close();
    for (const c of closers) await c().catch(() => undefined);
    await connection?.close();
    await org?.close();
    await db?.drop();
  });

  async function api(over: Partial<ApiDeps>): Promise<string> {
    const app = buildApp({
      pool: db.pool, temporal: new Client({ connection }), namespace: 'default', log: testLogger, apiToken: TEST_TOKEN,
      taskQueue: 'api-outage', salesforce: new SalesforceSessions(credentialsFor(org)), schema: 'outage', deadlines: DEADLINES, ...over,
    });
    const { url, server } = await listen(app);
    closers.push(() => new Promise((r) => {
      server.closeAllConnections();
      server.close(r);
    }));
    return url;
  }

  const deadTemporal = (address: string) => new Client({ connection: Connection.lazy({ address, connectTimeout: 1000 }) });
  const deadPool = (port: number) => {
    const pool = createPool(`postgres://postgres@127.0.0.1:${port}/none`);
    closers.push(() => pool.end());
    return pool;
  };
  const deadOrg = (port: number) => new SalesforceSessions({ ...credentialsFor(org), loginUrl: `http://127.0.0.1:${port}` });

  it.each<[string, () => Partial<ApiDeps>, string, string, unknown, RegExp]>([
    ['Temporal refuses connections: list', () => ({ temporal: deadTemporal('127.0.0.1:1') }), 'GET', '/mappings', undefined, /^Temporal is unavailable: /],
    ['Temporal refuses connections: create', () => ({ temporal: deadTemporal('127.0.0.1:1') }), 'POST', '/mappings',
      { object_name: 'Account', config: { access: 'read_only', fields: { Id: {}, Name: {} } } }, /^Temporal is unavailable: /],
    ['Temporal never answers: status', () => ({ temporal: deadTemporal(`127.0.0.1:${silent.port}`) }), 'GET', '/mappings/Account', undefined, /^Temporal is unavailable: /],
    ['Postgres refuses connections: list', () => ({ pool: deadPool(1) }), 'GET', '/mappings', undefined, /^Postgres is unavailable: .*ECONNREFUSED/],
    ['Postgres never answers: metrics', () => ({ pool: deadPool(silent.port) }), 'GET', '/metrics', undefined, /^Postgres is unavailable: no answer within 1500 ms$/],
    ['Salesforce refuses connections: connection', () => ({ salesforce: deadOrg(1) }), 'GET', '/connection', undefined, /^Salesforce is unavailable: /],
    ['Salesforce never answers: estimate', () => ({ salesforce: deadOrg(silent.port) }), 'POST', '/estimate', { object_name: 'Account' }, /^Salesforce is unavailable: no answer within 1500 ms$/],
    ['no org configured: create', () => ({ salesforce: undefined }), 'POST', '/mappings',
      { object_name: 'Account', config: { access: 'read_only', fields: { Id: {} } } }, /^Salesforce is unavailable: no org is configured/],
  ])('%s → 503', async (_name, over, method, path, body, detail) => {
    const url = await api(over());
    const started = Date.now();
    const r = await request<{ type: string; title: string; status: number; detail: string }>(url, method, path, { body });
    expect(Date.now() - started).toBeLessThan(6000);
    expect(r.status).toBe(503);
    expect(r.contentType).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ type: '/problems/service-unavailable', title: 'Service Unavailable', status: 503 });
    expect(r.body.detail).toMatch(detail);
    expect(r.text).not.toMatch(/\bat \S+ \(|node_modules|\.ts:\d+/);
  });

  it('no worker running: the mapping is still listed from visibility, its status query answers 503', async () => {
    const url = await api({ taskQueue: `api-outage-no-worker-${Date.now()}` });
    const created = await request(url, 'POST', '/mappings', { body: { object_name: 'Account', config: { access: 'read_only', fields: { Id: {}, Name: {} } } } });
    expect(created.status).toBe(201);
    try {
      const listed = await eventually('the mapping in visibility', async () => {
        const r = await request<{ count: number; mappings: { mapping_id: string; status: Record<string, unknown> }[] }>(url, 'GET', '/mappings');
        return r.body.count === 1 ? r.body : undefined;
      }, 30_000, 500);
      expect(listed.mappings[0]).toMatchObject({
        mapping_id: 'outage.account', status: { state: 'INITIAL', label: null, unavailable: 'the workflow did not answer its status query in time' },
      });
      const one = await request<{ detail: string }>(url, 'GET', '/mappings/Account');
      expect(one.status).toBe(503);
      // No worker ever polled this task queue: the answer names the missing worker.
      expect(one.body.detail).toBe('Temporal is unavailable: no ferry worker is polling the task queue, so the workflow cannot answer (start a worker: npm run worker)');
    } finally {
      await new Client({ connection }).workflow.getHandle('ferry-mapping:outage.account').terminate('test cleanup');
    }
  });
});
