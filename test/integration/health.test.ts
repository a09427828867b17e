// GET /health over real HTTP against the real Postgres and Temporal, and with each of them unreachable. /health is
// liveness: it answers 200 while the process serves and reports each part; /ready (readiness.test.ts) answers 503.
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { createPool } from '../../infra/db';
import { createTestDatabase, services, testLogger, type TestDatabase } from '../support/services';

const ROOT = join(__dirname, '../..');

async function serve(app: ReturnType<typeof buildApp>): Promise<{ url: string; server: Server }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('GET /health', () => {
  let db: TestDatabase;
  let connection: Connection;

  beforeAll(async () => {
    db = await createTestDatabase('health');
    connection = await Connection.connect({ address: services().temporalAddress });
  });
  afterAll(async () => {
    await connection?.close();
    await db?.drop();
  });

  it('answers 200 and reports Postgres and Temporal up', async () => {
    const { url, server } = await serve(buildApp({ pool: db.pool, temporal: new Client({ connection }), namespace: 'default', log: testLogger }));
    try {
      const res = await fetch(`${url}/health`);
      const body = (await res.json()) as { status: string; postgres: { ok: boolean }; temporal: { ok: boolean }; worker: { ok: boolean }; schema: { ok: boolean } };
      expect(res.status).toBe(200);
      // No worker polls the default task queue here, so the whole is "degraded" with the worker named.
      expect(body).toMatchObject({ status: 'degraded', postgres: { ok: true }, temporal: { ok: true }, schema: { ok: true }, worker: { ok: false } });
    } finally {
      server.close();
    }
  });

  it('answers 200 (the process is live) naming each part that is down', async () => {
    const deadPool = createPool('postgres://postgres@127.0.0.1:1/none');
    const deadTemporal = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 }) });
    const { url, server } = await serve(buildApp({ pool: deadPool, temporal: deadTemporal, namespace: 'default', log: testLogger }));
    try {
      const res = await fetch(`${url}/health`);
      const body = (await res.json()) as { status: string; postgres: { ok: boolean; error?: string }; temporal: { ok: boolean; error?: string } };
      expect(res.status).toBe(200);
      expect(body.status).toBe('degraded');
      expect(body.postgres.ok).toBe(false);
      expect(body.postgres.error).toMatch(/ECONNREFUSED|connect/);
      expect(body.temporal.ok).toBe(false);
    } finally {
      server.close();
      await deadPool.end();
    }
  });
});

describe('entry points refuse bad configuration with one line', () => {
  it.each([
    ['worker/main.ts', { DATABASE_URL: '' }, 'ferry: configuration error: DATABASE_URL: it is required'],
    ['api/server.ts', { DATABASE_URL: 'postgres://x/y', PORT: 'http' }, 'ferry: configuration error: PORT: '],
  ])('%s', (entry, env, line) => {
    const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [entry], {
      cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, encoding: 'utf8', timeout: 30_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.startsWith(line)).toBe(true);
  });
});
