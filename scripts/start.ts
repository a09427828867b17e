// `npm start`: ferry on embedded defaults. Starts what is not configured — a local Postgres cluster
// (DATABASE_URL unset), the Temporal dev server with its Web UI (TEMPORAL_ADDRESS unset), the org emulator
// as a demo org (no SF_* set) — then the worker and the API. Ctrl-C stops everything it started; data
// stays under .data/ for the next start.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startLocalPostgres } from './runtime/postgres';
import { startDevServer, stopChild } from './runtime/temporal';
import { startDemoOrg } from './runtime/demo-org';
import { API_NODE_ARGS, WORKER_NODE_ARGS } from '../infra/process-args';

const ROOT = resolve(__dirname, '..');
const DATA = join(ROOT, '.data');
const say = (line: string) => process.stdout.write(`ferry: ${line}\n`);

type Stop = () => Promise<void> | void;
let shuttingDown = false;

async function main(): Promise<void> {
  mkdirSync(DATA, { recursive: true });
  const env: Record<string, string> = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  const stops: Stop[] = [];
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    shuttingDown = true;
    say('stopping…');
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        say(`while stopping: ${(err as Error).message}`);
      }
    }
    say('stopped; data kept under .data/');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  try {
    if (!env.DATABASE_URL) {
      const pg = await startLocalPostgres({ dataDir: join(DATA, 'pg'), port: Number(env.FERRY_PG_PORT ?? 54329), database: 'ferry' });
      stops.push(() => pg.stop());
      env.DATABASE_URL = pg.url;
      say(`Postgres   ${pg.url} (data in .data/pg)`);
    }
    let uiUrl: string | undefined = env.TEMPORAL_UI_URL;
    if (!env.TEMPORAL_ADDRESS) {
      const port = Number(env.FERRY_TEMPORAL_PORT ?? 7233);
      const temporal = await startDevServer({
        port, uiPort: port + 1000, dbFile: join(DATA, 'temporal/dev.db'), namespace: env.TEMPORAL_NAMESPACE ?? 'default',
        logFile: join(DATA, 'temporal/server.log'),
      });
      stops.push(() => temporal.stop());
      env.TEMPORAL_ADDRESS = temporal.address;
      uiUrl = temporal.uiUrl;
      say(`Temporal   ${temporal.address}`);
    }
    if (!['SF_LOGIN_URL', 'SF_USERNAME', 'SF_PASSWORD', 'SF_CLIENT_ID', 'SF_CLIENT_SECRET'].some((k) => env[k])) {
      const demo = await startDemoOrg(Number(env.FERRY_DEMO_ORG_PORT ?? 4466));
      stops.push(() => demo.stop());
      Object.assign(env, demo.env);
      say(`Demo org   ${demo.url} (ferry's Salesforce org emulator, since no SF_* credentials are set;`);
      say(`           user ${demo.env.SF_USERNAME} / ${demo.env.SF_PASSWORD}, client ${demo.env.SF_CLIENT_ID} / ${demo.env.SF_CLIENT_SECRET})`);
    }
    env.API_TOKEN ||= apiToken();
    if (uiUrl) env.TEMPORAL_UI_URL ||= uiUrl;

    const worker = launch('worker', WORKER_NODE_ARGS, env);
    stops.push(() => stopChild(worker));
    const api = launch('api', API_NODE_ARGS, env);
    stops.push(() => stopChild(api));
    const apiUrl = `http://${env.HOST ?? '127.0.0.1'}:${env.PORT ?? 3000}`;
    await waitForHealth(`${apiUrl}/health`, [worker, api]);
    say(`API        ${apiUrl}   (try: curl ${apiUrl}/health)`);
    say(`Console    ${apiUrl}/console/   (sign in with the API token)`);
    if (uiUrl) say(`Temporal UI ${uiUrl}`);
    say('ready — Ctrl-C stops everything started here');
  } catch (err) {
    say(`could not start: ${(err as Error).message}`);
    await shutdown(1);
  }
}

function launch(name: string, nodeArgs: readonly string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, nodeArgs, { cwd: ROOT, env, stdio: ['ignore', 'inherit', 'inherit'] });
  child.on('exit', (code, signal) => {
    if (!shuttingDown && (code !== 0 || signal !== null)) say(`${name} exited (${signal ?? `code ${code}`})`);
  });
  return child;
}

/** The API token from API_TOKEN, else one generated on first start and kept in .data/api-token (printed once). */
function apiToken(): string {
  const file = join(DATA, 'api-token');
  if (existsSync(file)) {
    say('API token  in .data/api-token (set API_TOKEN to choose your own)');
    return readFileSync(file, 'utf8').trim();
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  say(`API token  ${token}   (generated once; kept in .data/api-token)`);
  return token;
}

async function waitForHealth(url: string, children: ChildProcess[]): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (children.some((c) => c.exitCode !== null)) throw new Error('the worker or the API exited during start-up (see its log above)');
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`${url} did not answer 200 within 90 s`);
}

void main();
