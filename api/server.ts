// The API process: listens on HOST:PORT, applies ferry's migrations (under the same advisory lock as workers,
// so whichever process starts first applies them and the others wait), and closes cleanly on SIGINT/SIGTERM/SIGHUP.
// Until the schema is complete, requests answer 503 with Retry-After (api/app.ts) and /ready says why.
// A listen error (port taken, address not available) is fatal: the process exits 3 with one line naming the address.
import { Client, Connection } from '@temporalio/client';
import { loadConfigOrExit } from '../infra/config';
import { createPool, migrate } from '../infra/db';
import { createLogger } from '../infra/logger';
import { SalesforceSessions } from '../salesforce/session';
import { buildApp } from './app';

/** Exit code of a listen failure (npm start treats it as fatal instead of restarting the API). */
export const LISTEN_FAILED_EXIT = 3;

function main(): void {
  const config = loadConfigOrExit();
  const log = createLogger('ferry-api', config.logLevel, config.logFormat);
  const pool = createPool(config.databaseUrl);
  // Lazy: the API starts (and /health reports the outage) even while Temporal is unreachable.
  // A short connect timeout: while Temporal is down, requests answer 503 in seconds instead of hanging.
  const connection = Connection.lazy({ address: config.temporal.address, connectTimeout: '3s' });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const app = buildApp({
    pool, temporal, namespace: config.temporal.namespace, log, taskQueue: config.temporal.taskQueue, apiToken: config.apiToken,
    salesforce: config.salesforce && new SalesforceSessions(config.salesforce), schema: config.schema, instanceId: config.instanceId,
    temporalUiUrl: config.temporal.uiUrl,
  });
  if (!config.apiToken) log.warn('API_TOKEN is not set: every request but /health and /ready is refused');
  const address = `http://${config.http.host}:${config.http.port}`;
  const listenFailed = (err: NodeJS.ErrnoException) => {
    const why = err.code === 'EADDRINUSE' ? `port ${config.http.port} is already in use (PORT)` : err.message;
    log.fatal({ url: address, code: err.code }, `API cannot listen on ${config.http.host}:${config.http.port}: ${why}`);
    process.exit(LISTEN_FAILED_EXIT);
  };
  // Express 5 calls the listen callback with the error too: "listening" only without one.
  const server = app.listen(config.http.port, config.http.host, (err?: Error) => {
    if (err) listenFailed(err);
    else log.info({ url: address, console: `${address}/console/`, instance: config.instanceId }, 'API listening');
  });
  server.on('error', listenFailed);

  let stopping = false;
  void applyMigrations(pool, log, () => stopping);
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'API stopping');
    server.close(() => {
      void Promise.allSettled([pool.end(), connection.close()]).then(() => process.exit(0));
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  // Started by npm start with an IPC channel: stop when it goes away, even if it was killed outright.
  if (process.send) {
    process.channel?.unref(); // the channel alone must not keep the process alive
    process.on('disconnect', () => stop('supervisor gone'));
  }
}

/** Applies pending migrations, retrying every 2 s while Postgres is unreachable; a failing migration is logged each time. */
async function applyMigrations(pool: ReturnType<typeof createPool>, log: ReturnType<typeof createLogger>, stopped: () => boolean): Promise<void> {
  for (let attempt = 1; !stopped(); attempt++) {
    try {
      const applied = await migrate(pool);
      log.info({ migrationsApplied: applied }, 'database schema ready');
      return;
    } catch (err) {
      const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
      if (attempt === 1 || attempt % 15 === 0) log.warn({ attempt }, `migrations not applied yet, retrying every 2 s: ${message}`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

main();
