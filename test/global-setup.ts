// Starts the services the test suite needs, once per test run, on free ports and in a data dir of the run's
// own (.data/test/run-<pid>), so `npm test` can run beside `npm start` and beside another test run: a
// Postgres cluster and an in-memory Temporal dev server. Both are removed at the end. Test files read their
// addresses with inject('services'). FERRY_TEST_NO_SERVICES=1 skips both, for suites that need neither.
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalPostgres } from '../scripts/runtime/postgres';
import { startDevServer } from '../scripts/runtime/temporal';
import { freePort } from '../scripts/runtime/free-port';

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
  const runDir = join(ROOT, `.data/test/run-${process.pid}`);
  const pg = await startLocalPostgres({ dataDir: join(runDir, 'pg'), port: await freePort(), database: 'ferry_test', unsafeFast: true });
  const temporal = await startDevServer({
    port: await freePort(), namespace: 'default', logFile: join(runDir, 'temporal.log'),
    // Small history threshold so the suite exercises continue-as-new.
    extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=300'],
  });
  project.provide('services', { databaseUrl: pg.url, temporalAddress: temporal.address, namespace: 'default' });
  return async () => {
    await temporal.stop();
    pg.stop();
    rmSync(runDir, { recursive: true, force: true });
  };
}
