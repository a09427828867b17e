// Per-file access to the suite's services: a fresh database per test file (dropped afterwards), a Temporal
// client, and an in-process ferry worker on a task queue of the file's own.
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { Client as PgClient } from 'pg';
import { inject } from 'vitest';
import type { TestServices } from '../global-setup';
import { createPool, migrate, type Pool } from '../../infra/db';
import { createLogger } from '../../infra/logger';
import { createFerryWorker } from '../../worker/create-worker';

// Workers in tests log warnings and errors only (state changes and bundling at INFO drown the test output).
try {
  Runtime.install({ logger: new DefaultLogger((process.env.FERRY_TEST_TEMPORAL_LOG_LEVEL as 'WARN' | undefined) ?? 'WARN') });
} catch {
  // already installed in this process
}

export function services(): TestServices {
  const s = inject('services');
  if (!s) throw new Error('this test needs Postgres and Temporal: run it without FERRY_TEST_NO_SERVICES=1');
  return s;
}

export interface TestDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A new, migrated database for one test file. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const admin = services().databaseUrl;
  const name = `${prefix}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const c = new PgClient({ connectionString: admin });
  await c.connect();
  await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`);
  await c.end();
  const url = admin.replace(/\/[^/]+$/, `/${name}`);
  const pool = createPool(url, 20);
  await migrate(pool);
  return {
    url,
    pool,
    drop: async () => {
      await pool.end();
      const d = new PgClient({ connectionString: admin });
      await d.connect();
      await d.query(`DROP DATABASE IF EXISTS ${d.escapeIdentifier(name)} WITH (FORCE)`);
      await d.end();
    },
  };
}

export interface TestTemporal {
  client: Client;
  taskQueue: string;
  startWorker(deps: Parameters<typeof createFerryWorker>[0]['deps']): Promise<RunningWorker>;
  close(): Promise<void>;
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

export async function connectTemporal(prefix: string): Promise<TestTemporal> {
  const s = services();
  const connection = await Connection.connect({ address: s.temporalAddress });
  const client = new Client({ connection, namespace: s.namespace });
  const taskQueue = `${prefix}-${randomBytes(4).toString('hex')}`;
  const nativeConnections: NativeConnection[] = [];
  return {
    client,
    taskQueue,
    startWorker: async (deps) => {
      const native = await NativeConnection.connect({ address: s.temporalAddress });
      nativeConnections.push(native);
      const worker = await createFerryWorker({
        connection: native, namespace: s.namespace, taskQueue, deps, maxCachedWorkflows: 0, failOnNondeterminism: true,
      });
      const running = worker.run();
      return {
        worker,
        stop: async () => {
          if (worker.getState() === 'RUNNING') worker.shutdown();
          await running;
        },
      };
    },
    close: async () => {
      await connection.close();
      for (const n of nativeConnections) await n.close();
    },
  };
}

export const testLogger = createLogger('ferry-test', process.env.FERRY_TEST_LOG_LEVEL ?? 'silent');
