// The worker process: applies ferry's migrations, then runs mapping workflows and their activities.
// SIGINT/SIGTERM/SIGHUP drain the worker (in-flight activities finish or are cancelled), then the pool closes.
// The SDK's own logs go through ferry's logger (one format, no task tokens or payloads). While the worker runs,
// it touches FERRY_WORKER_HEALTH_FILE every few seconds (the container's health check reads its age).
import { utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { loadConfigOrExit } from '../infra/config';
import { createPool, migrate } from '../infra/db';
import { createLogger, redactUrl } from '../infra/logger';
import { temporalLogger } from '../infra/temporal-logger';
import { SalesforceSessions } from '../salesforce/session';
import { startOutboundListener } from './listeners/outbound-notify-listener';
import { startStreamSupervisor } from './listeners/stream-supervisor';
import { buildWorkflowBundle, createFerryWorker } from './create-worker';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger('ferry-worker', config.logLevel, config.logFormat);
  // Signals are handled below so the connections close after the worker drains. Native (core) logs at WARN and
  // above are forwarded to the same logger.
  Runtime.install({
    shutdownSignals: [], logger: temporalLogger(log),
    telemetryOptions: { logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }) } },
  });
  const pool = createPool(config.databaseUrl);
  const applied = await migrate(pool);
  log.info({ database: redactUrl(config.databaseUrl), migrationsApplied: applied }, 'database ready');
  if (!config.salesforce) log.warn('no Salesforce org is configured (SF_* unset): mappings cannot sync until one is');
  // One Salesforce session per process, shared by activities and streaming listeners.
  const sessions = config.salesforce && new SalesforceSessions(config.salesforce);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const workflowBundlePath = config.workflowBundle ?? buildWorkflowBundle();
  const worker = await createFerryWorker({
    connection,
    workflowBundlePath,
    // The instance id lets /ready (and npm start) tell this deployment's workers from another's on the same queue.
    identity: `ferry-worker/${config.instanceId ?? 'default'}/${process.pid}@${hostname()}`,
    // SIGTERM lets running activities finish for this long (compose's stop_grace_period and the chart's
    // terminationGracePeriodSeconds leave room for it), then cancels them; their next attempt runs elsewhere.
    shutdownGraceTimeMs: config.shutdownGraceSeconds * 1000,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    deps: { pool, log, sessions },
  });
  const drain = (signal: string) => {
    if (worker.getState() !== 'RUNNING') return; // a repeated signal (terminal + supervisor) must not kill the drain
    log.info({ signal }, 'worker draining');
    worker.shutdown();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => drain(signal));
  // Started by npm start with an IPC channel: drain when it goes away, even if it was killed outright.
  if (process.send) {
    process.channel?.unref(); // the channel alone must not keep the process alive
    process.on('disconnect', () => drain('supervisor gone'));
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
  log.info({ taskQueue: config.temporal.taskQueue, temporal: config.temporal.address, instance: config.instanceId }, 'worker started');
  const heartbeat = config.workerHealthFile ? startHealthFile(config.workerHealthFile, () => worker.getState() === 'RUNNING') : undefined;
  try {
    await worker.run();
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    await supervisor?.stop();
    await listener.stop();
    await clientConnection.close();
    await connection.close();
    await pool.end();
    log.info('worker stopped');
  }
}

/** Touches `file` every 5 s while `running()`: a health check reads its age (stale or missing = unhealthy). */
function startHealthFile(file: string, running: () => boolean): NodeJS.Timeout {
  const touch = () => {
    if (!running()) return;
    try {
      const now = new Date();
      utimesSync(file, now, now);
    } catch {
      writeFileSync(file, `${process.pid}\n`);
    }
  };
  touch();
  return setInterval(touch, 5000).unref();
}

main().catch((err: unknown) => {
  process.stderr.write(`ferry-worker: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
