// Issue 21 and 18.6, in-process against the real Postgres and Temporal: until ferry's schema is migrated the API
// answers 503 with Retry-After (never a 500 about a missing relation); /ready is 200 only with the schema,
// Postgres, Temporal and a worker polling the task queue; /health stays 200 and reports each part.
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { createPool, listMigrations, migrate, type Pool } from '../../infra/db';
import { TEST_TOKEN, listen, request } from '../support/api';
import { eventually, sessionsFor, startOrg } from '../support/org';
import { connectTemporal, services, testLogger, type TestTemporal } from '../support/services';
import type { Emulator } from '../../emulator/server';

const ACCOUNT = { object_name: 'Account', config: { access: 'read_only', fields: { Id: {}, Name: {} } } };

async function bareDatabase(): Promise<{ url: string; pool: Pool; drop(): Promise<void> }> {
  const admin = services().databaseUrl;
  const name = `ready_${randomBytes(4).toString('hex')}`;
  const c = new PgClient({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`);
  await c.end();
  const url = admin.replace(/\/[^/]+$/, `/${name}`);
  const pool = createPool(url);
  return {
    url, pool,
    drop: async () => {
      await pool.end();
      const d = new PgClient({ connectionString: admin });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${d.escapeIdentifier(name)} WITH (FORCE)`);
      await d.end();
    },
  };
}

interface ReadyBody {
  ready: boolean;
  instance: string | null;
  detail?: string;
  checks: Record<'schema' | 'postgres' | 'temporal' | 'worker', { ok: boolean; error?: string; pending?: string[]; pollers?: string[] }>;
}

describe('readiness: schema, dependencies and a polling worker', () => {
  let org: Emulator;
  let temporal: TestTemporal;
  let connection: Connection;
  const closers: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    org = await startOrg({ seed: { Account: 3 } });
    temporal = await connectTemporal('ready');
    connection = await Connection.connect({ address: services().temporalAddress });
  });
  afterAll(async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await connection?.close();
    await temporal?.close();
    await org?.close();
  });

  async function api(pool: Pool, taskQueue: string, instanceId?: string): Promise<string> {
    const app = buildApp({
      pool, temporal: new Client({ connection }), namespace: 'default', log: testLogger, apiToken: TEST_TOKEN, taskQueue,
      salesforce: sessionsFor(org), schema: `ready_${randomBytes(3).toString('hex')}`, instanceId,
    });
    const { url, server } = await listen(app);
    closers.push(() => new Promise((r) => {
      server.closeAllConnections();
      server.close(r);
    }));
    return url;
  }

  it('before migrations: every request answers 503 with Retry-After saying the schema is not migrated; after them, 201', async () => {
    const db = await bareDatabase();
    closers.push(() => db.drop());
    const url = await api(db.pool, temporal.taskQueue);

    for (const [method, path, body] of [['POST', '/mappings', ACCOUNT], ['GET', '/mappings', undefined], ['GET', '/metrics', undefined]] as const) {
      const r = await request<{ status: number; type: string; detail: string }>(url, method, path, { body });
      expect(r.status, `${method} ${path}`).toBe(503);
      expect(r.headers.get('retry-after')).toBe('5');
      expect(r.body.type).toBe('/problems/schema-not-ready');
      expect(r.body.detail).toMatch(/^ferry's database schema is not migrated yet \(\d+ pending: 001_api_call_ledger/);
    }
    const ready = await request<ReadyBody>(url, 'GET', '/ready', { token: null });
    expect(ready.status).toBe(503);
    expect(ready.headers.get('retry-after')).toBe('5');
    expect(ready.body.checks.schema).toMatchObject({ ok: false, pending: listMigrations().map((m) => `${String(m.version).padStart(3, '0')}_${m.name}`) });
    expect(ready.body.detail).toMatch(/ferry's schema: \d+ migration\(s\) not applied yet/);

    await migrate(db.pool);
    const worker = await temporal.startWorker({ pool: db.pool, log: testLogger, sessions: sessionsFor(org) });
    closers.push(async () => {
      for await (const wf of temporal.client.workflow.list({ query: `TaskQueue = '${temporal.taskQueue}' AND ExecutionStatus = 'Running'` })) {
        await temporal.client.workflow.getHandle(wf.workflowId).terminate('test cleanup').catch(() => undefined);
      }
      await worker.stop();
    });
    const created = await request(url, 'POST', '/mappings', { body: ACCOUNT });
    expect(created.status).toBe(201);
  });

  it('a missing relation of ferry\'s own schema answers 503 with Retry-After, not 500', async () => {
    const db = await bareDatabase();
    closers.push(() => db.drop());
    await migrate(db.pool);
    const url = await api(db.pool, temporal.taskQueue);
    expect((await request(url, 'GET', '/metrics')).status).toBe(200); // the schema check now knows it complete
    await db.pool.query('DROP TABLE ferry.api_call_ledger CASCADE');
    const r = await request<{ detail: string }>(url, 'POST', '/mappings', { body: { ...ACCOUNT, object_name: 'Contact', config: { access: 'read_only', fields: { Id: {}, LastName: {} } } } });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('5');
    expect(r.body.detail).toMatch(/^ferry's database schema is not migrated yet/);
  });

  it('/ready is 503 naming the missing worker, then 200 with its identity once one polls; /health is 200 throughout', async () => {
    const db = await bareDatabase();
    closers.push(() => db.drop());
    await migrate(db.pool);
    const own = await connectTemporal('ready-worker');
    closers.push(() => own.close());
    const url = await api(db.pool, own.taskQueue, 'inst-1');

    const before = await request<ReadyBody>(url, 'GET', '/ready', { token: null });
    expect(before.status).toBe(503);
    expect(before.body).toMatchObject({ ready: false, instance: 'inst-1', checks: { schema: { ok: true }, postgres: { ok: true }, temporal: { ok: true }, worker: { ok: false, pollers: [] } } });
    expect(before.body.detail).toBe(`not ready: worker: no ferry worker is polling task queue "${own.taskQueue}"`);
    const health = await request<{ status: string; instance: string; worker: { ok: boolean } }>(url, 'GET', '/health', { token: null });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'degraded', instance: 'inst-1', worker: { ok: false } });

    const worker = await own.startWorker({ pool: db.pool, log: testLogger, sessions: sessionsFor(org) });
    closers.push(() => worker.stop());
    const after = await eventually('/ready to answer 200', async () => {
      const r = await request<ReadyBody>(url, 'GET', '/ready', { token: null });
      return r.status === 200 ? r : undefined;
    }, 30_000, 250);
    expect(after.body).toMatchObject({ ready: true, instance: 'inst-1' });
    expect(after.body.checks.worker.pollers!.length).toBeGreaterThan(0);
    const healthy = await request<{ status: string }>(url, 'GET', '/health', { token: null });
    expect(healthy.body.status).toBe('ok');
  });

  it('/ready answers 503 naming Postgres and Temporal when they are down; /health still answers 200 and reports them', async () => {
    const deadPool = createPool('postgres://postgres@127.0.0.1:1/none');
    closers.push(() => deadPool.end());
    const app = buildApp({
      pool: deadPool, temporal: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }) }),
      namespace: 'default', log: testLogger,
    });
    const { url, server } = await listen(app);
    closers.push(() => new Promise((r) => {
      server.closeAllConnections();
      server.close(r);
    }));
    const ready = await request<ReadyBody>(url, 'GET', '/ready', { token: null });
    expect(ready.status).toBe(503);
    expect(ready.body.checks.postgres.ok).toBe(false);
    expect(ready.body.checks.postgres.error).toMatch(/ECONNREFUSED|connect/);
    expect(ready.body.checks.temporal.ok).toBe(false);
    expect(ready.body.checks.worker.ok).toBe(false);
    expect(ready.body.detail).toMatch(/Postgres: .*; Temporal: .*; worker: /);
    const health = await request<{ status: string; postgres: { ok: boolean }; temporal: { ok: boolean }; worker: { ok: boolean } }>(url, 'GET', '/health', { token: null });
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'degraded', postgres: { ok: false }, temporal: { ok: false }, worker: { ok: false } });
  });
});
