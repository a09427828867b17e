// The API process: listens on HOST:PORT and closes cleanly on SIGINT/SIGTERM.
import { Client, Connection } from '@temporalio/client';
import { loadConfigOrExit } from '../infra/config';
import { createPool } from '../infra/db';
import { createLogger } from '../infra/logger';
import { SalesforceSessions } from '../activities/salesforce/session';
import { buildApp } from './app';

function main(): void {
  const config = loadConfigOrExit();
  const log = createLogger('ferry-api', config.logLevel);
  const pool = createPool(config.databaseUrl);
  // Lazy: the API starts (and /health reports the outage) even while Temporal is unreachable.
  // A short connect timeout: while Temporal is down, requests answer 503 in seconds instead of hanging.
  const connection = Connection.lazy({ address: config.temporal.address, connectTimeout: '3s' });
  const temporal = new Client({ connection, namespace: config.temporal.namespace });
  const app = buildApp({
    pool, temporal, namespace: config.temporal.namespace, log, taskQueue: config.temporal.taskQueue, apiToken: config.apiToken,
    salesforce: config.salesforce && new SalesforceSessions(config.salesforce), schema: config.schema, temporalUiUrl: config.temporal.uiUrl,
  });
  if (!config.apiToken) log.warn('API_TOKEN is not set: every request but /health is refused');
  const server = app.listen(config.http.port, config.http.host, () => {
    log.info({ url: `http://${config.http.host}:${config.http.port}`, console: `http://${config.http.host}:${config.http.port}/console/` }, 'API listening');
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'API stopping');
    server.close(() => {
      void Promise.allSettled([pool.end(), connection.close()]).then(() => process.exit(0));
    });
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main();
