// Starts the services the test suite needs, once for the whole run, on their own ports and data dirs so
// `npm test` can run beside `npm start`: a Postgres cluster (.data/test/pg, port 54339) and a Temporal dev
// server (in-memory, port 7243). Test files read their addresses with inject('services').
// FERRY_TEST_NO_SERVICES=1 skips both, for suites that need neither (unit and emulator tests).
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalPostgres } from '../scripts/runtime/postgres';
import { startDevServer } from '../scripts/runtime/temporal';

export interface TestServices {
  /** Admin URL of the test cluster; test files create their own databases from it. */
  databaseUrl: string;
  temporalAddress: string;
  namespace: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    services: TestServices | null;
  }
}

const ROOT = resolve(__dirname, '..');

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.FERRY_TEST_NO_SERVICES === '1') {
    project.provide('services', null);
    return async () => undefined;
  }
  const pg = await startLocalPostgres({
    dataDir: join(ROOT, '.data/test/pg'), port: Number(process.env.FERRY_TEST_PG_PORT ?? 54339), database: 'ferry_test', unsafeFast: true,
  });
  const temporal = await startDevServer({
    port: Number(process.env.FERRY_TEST_TEMPORAL_PORT ?? 7243), namespace: 'default', logFile: join(ROOT, '.data/test/temporal.log'),
    // Small history threshold so the suite exercises continue-as-new.
    extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=300'],
  });
  project.provide('services', { databaseUrl: pg.url, temporalAddress: temporal.address, namespace: 'default' });
  return async () => {
    await temporal.stop();
    pg.stop();
  };
}
