// `npm run emulator -- --port 7777 --seed Account=100000 --schema emulator/schema/example.json`
// Starts ferry's Salesforce org emulator, prints its URL and credentials, and runs until Ctrl-C.
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createEmulator, type EmulatorOptions } from './server.js';

const USAGE = 'usage: npm run emulator -- [--port N] [--pubsub-port N] [--host H] [--seed Object=N ...] [--schema file.json] [--username U] [--password P] [--client-id ID] [--client-secret S] [--token-lifetime SECONDS] [--daily-api-requests N] [--mutate-rate CHANGES_PER_SECOND] [--random-seed N] [--streaming-publish-delay-ms MS]';

class UsageError extends Error {}

function integer(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${text}"`);
  return n;
}

function parseCli(argv: string[]): { options: EmulatorOptions; mutateRate: number | undefined } {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: 'string' }, 'pubsub-port': { type: 'string' }, host: { type: 'string' }, seed: { type: 'string', multiple: true }, schema: { type: 'string' },
        username: { type: 'string' }, password: { type: 'string' }, 'client-id': { type: 'string' }, 'client-secret': { type: 'string' },
        'token-lifetime': { type: 'string' }, 'daily-api-requests': { type: 'string' }, 'mutate-rate': { type: 'string' },
        'random-seed': { type: 'string' }, 'streaming-publish-delay-ms': { type: 'string' }, help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
  if (values.help) throw new UsageError(USAGE);
  const seed: Record<string, number> = {};
  for (const s of values.seed ?? []) {
    const m = /^([A-Za-z][A-Za-z0-9_]*)=(\d+)$/.exec(s);
    if (!m) throw new UsageError(`--seed expects Object=COUNT, got "${s}"`);
    seed[m[1]] = Number(m[2]);
  }
  const rate = values['mutate-rate'] === undefined ? undefined : Number(values['mutate-rate']);
  if (rate !== undefined && !(rate > 0)) throw new UsageError(`--mutate-rate must be a positive number, got "${values['mutate-rate']}"`);
  return {
    mutateRate: rate,
    options: {
      port: integer('port', values.port, 0) ?? 7777,
      pubsubPort: integer('pubsub-port', values['pubsub-port'], 0) ?? 7778,
      host: values.host,
      seed,
      schemaFile: values.schema,
      username: values.username,
      password: values.password,
      clientId: values['client-id'],
      clientSecret: values['client-secret'],
      tokenLifetimeSeconds: integer('token-lifetime', values['token-lifetime'], 1),
      dailyApiRequests: integer('daily-api-requests', values['daily-api-requests'], 0),
      randomSeed: integer('random-seed', values['random-seed'], 0),
      streamingPublishDelayMs: integer('streaming-publish-delay-ms', values['streaming-publish-delay-ms'], 0),
    },
  };
}

async function main(): Promise<void> {
  let cli;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`ferry emulator: ${err.message}\n`);
    process.exit(2);
  }
  const logger = pino({ level: process.env.LOG_LEVEL ?? 'info' });
  const started = Date.now();
  let emulator;
  try {
    emulator = await createEmulator({ ...cli.options, logger });
  } catch (err) {
    process.stderr.write(`ferry emulator: ${(err as Error).message}\n`);
    process.exit(2);
  }
  if (cli.mutateRate) emulator.admin.startMutating({ ratePerSecond: cli.mutateRate });
  const c = emulator.credentials;
  const counts = Object.entries(emulator.admin.counters().records).filter(([, n]) => n > 0).map(([k, n]) => `${k}=${n}`).join(' ');
  process.stdout.write([
    `ferry Salesforce emulator ready in ${Date.now() - started} ms`,
    `  login url      ${emulator.url}`,
    `  pub/sub api    ${emulator.pubsubUrl}   (gRPC h2c; ferry: SF_PUBSUB_URL=${emulator.pubsubUrl})`,
    `  username       ${c.username}`,
    `  password       ${c.password}`,
    `  client id      ${c.clientId}`,
    `  client secret  ${c.clientSecret}`,
    `  api version    ${emulator.context.apiVersion}   records: ${counts || 'none'}`,
    `  admin          ${emulator.url}/__emulator/status`,
    '',
  ].join('\n'));
  const stop = () => {
    void emulator.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
