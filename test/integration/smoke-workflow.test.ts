// The whole path on real servers: client → Temporal dev server → in-process worker → activity → Postgres.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations } from '../../infra/db';
import { diagnosticsWorkflow } from '../../workflows';
import { connectTemporal, createTestDatabase, testLogger, type RunningWorker, type TestDatabase, type TestTemporal } from '../support/services';

describe('diagnostics workflow on the real dev server', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;

  beforeAll(async () => {
    db = await createTestDatabase('smoke');
    temporal = await connectTemporal('smoke');
    worker = await temporal.startWorker({ pool: db.pool, log: testLogger });
  });

  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await db?.drop();
  });

  it('runs an activity against Postgres and returns what it saw', async () => {
    const result = await temporal.client.workflow.execute(diagnosticsWorkflow, {
      taskQueue: temporal.taskQueue,
      workflowId: `diagnostics-${Date.now()}`,
    });
    const { rows } = await db.pool.query<{ v: string; d: string }>("SELECT current_setting('server_version') AS v, current_database() AS d");
    expect(result.postgres).toEqual({ serverVersion: rows[0].v, database: rows[0].d, migrationsApplied: listMigrations().length });
    expect(result.postgres.serverVersion).toMatch(/^15\./);
  });
});
