// The worker process: applies ferry's migrations, then runs mapping workflows and their activities.
// SIGINT/SIGTERM drain the worker (in-flight activities finish or are cancelled), then the pool closes.
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { loadConfigOrExit } from '../infra/config';
import { createPool, migrate } from '../infra/db';
import { createLogger, redactUrl } from '../infra/logger';
import { SalesforceSessions } from '../salesforce/session';
import { startOutboundListener } from './listeners/outbound-notify-listener';
import { startStreamSupervisor } from './listeners/stream-supervisor';
import { buildWorkflowBundle, createFerryWorker } from './create-worker';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger('ferry-worker', config.logLevel);
  // Signals are handled below so the connections close after the worker drains.
  Runtime.install({ shutdownSignals: [] });
  const pool = createPool(config.databaseUrl);
  const applied = await migrate(pool);
  log.info({ database: redactUrl(config.databaseUrl), migrationsApplied: applied }, 'database ready');
  if (!config.salesforce) log.warn('no Salesforce org is configured (SF_* unset): mappings cannot sync until one is');
  // One Salesforce session per process, shared by activities and streaming listeners.
  const sessions = config.salesforce && new SalesforceSessions(config.salesforce);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  // FERRY_WORKFLOW_BUNDLE: a bundle built beforehand (worker/bundle-workflows.ts), e.g. shared by restarts.
  const workflowBundlePath = process.env.FERRY_WORKFLOW_BUNDLE || buildWorkflowBundle();
  const worker = await createFerryWorker({
    connection,
    workflowBundlePath,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: { pool, log, sessions },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (worker.getState() !== 'RUNNING') return; // a repeated signal (terminal + supervisor) must not kill the drain
      log.info({ signal }, 'worker draining');
      worker.shutdown();
    });
  }
  // One LISTEN connection per worker wakes mapping workflows when their tables' rows change (outbound sync).
  const clientConnection = await Connection.connect({ address: config.temporal.address });
  const listener = startOutboundListener({
    databaseUrl: config.databaseUrl, temporal: new Client({ connection: clientConnection, namespace: config.temporal.namespace }), log,
  });
  // Streaming listeners for event-driven mappings (one per mapping across all workers, by advisory lock).
  const supervisor = sessions && startStreamSupervisor({
    databaseUrl: config.databaseUrl, sessions, temporal: new Client({ connection: clientConnection, namespace: config.temporal.namespace }), log,
    apiVersion: config.salesforce!.apiVersion,
  });
  log.info({ taskQueue: config.temporal.taskQueue, temporal: config.temporal.address }, 'worker started');
  try {
    await worker.run();
  } finally {
    await supervisor?.stop();
    await listener.stop();
    await clientConnection.close();
    await connection.close();
    await pool.end();
    log.info('worker stopped');
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`ferry-worker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
