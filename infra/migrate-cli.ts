// `npm run migrate`: applies ferry's pending migrations and exits — the one-shot step compose and the Helm
// chart run before the API and workers (which also apply them at start, under the same advisory lock).
// Exit 0 when the schema is complete, 1 with one line naming the failed migration or the unreachable database.
import { loadConfigOrExit } from './config';
import { createPool, migrate } from './db';
import { createLogger, redactUrl } from './logger';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const log = createLogger('ferry-migrate', config.logLevel, config.logFormat);
  const pool = createPool(config.databaseUrl, 1);
  try {
    const applied = await migrate(pool);
    log.info({ database: redactUrl(config.databaseUrl), migrationsApplied: applied }, applied.length ? 'migrations applied' : 'schema already up to date');
  } finally {
    await pool.end();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`ferry-migrate: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
  process.exit(1);
});
