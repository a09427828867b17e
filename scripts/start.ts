// `npm start`: ferry on embedded defaults. Starts what is not configured — a local Postgres cluster
// (DATABASE_URL unset), the Temporal dev server with its Web UI (TEMPORAL_ADDRESS unset), the org emulator
// as a demo org (no SF_* set) — applies ferry's migrations, then runs the worker and the API and keeps them
// running. Ctrl-C (or SIGTERM, or closing the terminal) stops everything it started; data stays under .data/.
//
// Safe beside anything else on the machine:
//   - one start per data directory (.data/ferry.pid); a second one names the first one's pid and exits 1,
//     having started and stopped nothing;
//   - every port it will listen on is checked before anything starts; a taken port is named with the variable
//     that sets it and the process holding it;
//   - it stops only what it started (and a Postgres cluster a killed start left running in .data/pg);
//   - "ready" is printed only when this start's own API answers /ready (instance id compared) with this
//     start's worker polling the task queue.
// While it runs, a crashed worker or API is restarted with backoff (the exit is logged); a Temporal dev server
// that dies is reported and restarted; Postgres, Temporal or the worker going down or coming back is logged.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { createPool, migrate } from '../infra/db';
import { createLogger, redactUrl, resolveLogFormat } from '../infra/logger';
import { API_NODE_ARGS, WORKER_ENV, WORKER_NODE_ARGS } from '../infra/process-args';
import { privateFile, secureDataDir } from './runtime/data-dir';
import { startDemoOrg } from './runtime/demo-org';
import { acquireInstanceLock, InstanceLocked, type InstanceLock } from './runtime/instance-lock';
import { startLocalPostgres } from './runtime/postgres';
import { takenPorts, type PlannedPort } from './runtime/ports';
import { startDevServer, stopChild, type DevServer } from './runtime/temporal';

const ROOT = resolve(__dirname, '..');
const DATA = resolve(process.env.FERRY_DATA_DIR || join(ROOT, '.data'));
const SHOWN_DATA = DATA.startsWith(`${process.cwd()}/`) ? relative(process.cwd(), DATA) : DATA;
const FORMAT = resolveLogFormat();
const log = createLogger('ferry', 'info', FORMAT);

/** Exit code of the API when it cannot listen (api/server.ts): fatal, never restarted. */
const API_LISTEN_FAILED = 3;
const READY_TIMEOUT_MS = Number(process.env.FERRY_START_TIMEOUT_S ?? 240) * 1000;

type Stop = { name: string; run: () => Promise<void> | void };

class Fatal extends Error {}

let stopping = false;
const stops: Stop[] = [];
let lock: InstanceLock | undefined;
/** Set when this start runs Postgres: starts it again if it died. */
let restartPostgres: (() => Promise<void>) | undefined;

async function shutdown(code: number, why?: string): Promise<never> {
  if (stopping) return new Promise<never>(() => undefined);
  stopping = true;
  if (why) log.info(why);
  for (const stop of stops.reverse()) {
    try {
      await stop.run();
    } catch (err) {
      log.warn(`while stopping ${stop.name}: ${(err as Error).message}`);
    }
  }
  lock?.release();
  log.info(`stopped; data kept under ${SHOWN_DATA}/`);
  process.exit(code);
}

/** A worker or API child process, restarted with backoff when it exits on its own after start-up. */
class Supervised {
  child?: ChildProcess;
  private restarts = 0;
  private startedAt = 0;
  private started = false;
  private timer?: NodeJS.Timeout;

  constructor(readonly name: 'worker' | 'api', private readonly nodeArgs: readonly string[], private readonly env: Record<string, string>) {}

  start(): void {
    this.startedAt = Date.now();
    // An IPC channel: the child stops itself when this process goes away, even if it is killed outright.
    const child = spawn(process.execPath, this.nodeArgs, { cwd: ROOT, env: this.env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    child.on('exit', (code, signal) => this.exited(code, signal));
  }

  /** After this, an exit restarts the child instead of failing the start. */
  running(): void {
    this.started = true;
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (stopping) return;
    const how = signal ? `signal ${signal}` : `code ${code}`;
    if (this.name === 'api' && code === API_LISTEN_FAILED) {
      void shutdown(1, 'the API could not listen (see its log line above); stopping');
      return;
    }
    if (!this.started) {
      void shutdown(1, `the ${this.name} exited during start-up (${how}; see its log above); stopping`);
      return;
    }
    // Backoff doubles from 1 s to 30 s, and starts over after a run of a minute or more.
    if (Date.now() - this.startedAt > 60_000) this.restarts = 0;
    const delay = Math.min(30_000, 1000 * 2 ** this.restarts);
    this.restarts++;
    log.error({ child: this.name, exit: how, restartInMs: delay, restart: this.restarts }, `the ${this.name} exited (${how}); restarting it in ${delay / 1000} s`);
    this.timer = setTimeout(() => {
      if (!stopping) this.start();
    }, delay);
  }

  async stop(graceMs: number): Promise<void> {
    clearTimeout(this.timer);
    if (this.child) await stopChild(this.child, graceMs);
  }
}

function planPorts(env: Record<string, string>, pgAdoptable: boolean, demo: boolean): PlannedPort[] {
  const planned: PlannedPort[] = [{ port: Number(env.PORT ?? 3000), host: env.HOST ?? '127.0.0.1', what: 'the API', variable: 'PORT' }];
  if (!env.DATABASE_URL && !pgAdoptable) planned.push({ port: Number(env.FERRY_PG_PORT ?? 54329), host: '127.0.0.1', what: 'Postgres', variable: 'FERRY_PG_PORT' });
  if (!env.TEMPORAL_ADDRESS) {
    const port = Number(env.FERRY_TEMPORAL_PORT ?? 7233);
    planned.push({ port, host: '127.0.0.1', what: 'the Temporal dev server', variable: 'FERRY_TEMPORAL_PORT' });
    planned.push({ port: Number(env.FERRY_TEMPORAL_UI_PORT ?? port + 1000), host: '127.0.0.1', what: 'the Temporal Web UI', variable: 'FERRY_TEMPORAL_UI_PORT' });
  }
  if (demo) planned.push({ port: Number(env.FERRY_DEMO_ORG_PORT ?? 4466), host: '127.0.0.1', what: 'the demo org', variable: 'FERRY_DEMO_ORG_PORT' });
  for (const p of planned) {
    if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) throw new Fatal(`${p.variable}: ${p.port} is not a TCP port (1–65535)`);
  }
  return planned;
}

/** A Postgres that a killed start left running in .data/pg, on the port this start would use: taken over. */
function orphanPostgres(pgDir: string, port: number): number | undefined {
  try {
    const [pid, , , pgPort] = readFileSync(join(pgDir, 'postmaster.pid'), 'utf8').split('\n');
    if (Number(pgPort) !== port) return undefined;
    process.kill(Number(pid), 0);
    return Number(pid);
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  secureDataDir(DATA);
  try {
    lock = acquireInstanceLock(join(DATA, 'ferry.pid'));
  } catch (err) {
    if (err instanceof InstanceLocked) {
      log.error({ pid: err.pid, lock: err.file }, `not starting: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void shutdown(0, `${signal}: stopping…`));

  const env: Record<string, string> = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const instanceId = `start-${randomBytes(4).toString('hex')}`;
  env.FERRY_INSTANCE_ID = instanceId;
  env.LOG_FORMAT = FORMAT; // every child logs in the format chosen here
  const demo = !['SF_LOGIN_URL', 'SF_USERNAME', 'SF_PASSWORD', 'SF_CLIENT_ID', 'SF_CLIENT_SECRET'].some((k) => env[k]);
  const pgDir = join(DATA, 'pg');
  const pgPort = Number(env.FERRY_PG_PORT ?? 54329);
  const orphan = env.DATABASE_URL ? undefined : orphanPostgres(pgDir, pgPort);

  const taken = await takenPorts(planPorts(env, orphan !== undefined, demo));
  if (taken.length > 0) {
    for (const line of taken) log.error(line);
    throw new Fatal('a port ferry needs is in use (above); nothing was started. Free it, or set the variable named to another port');
  }

  if (!env.DATABASE_URL) {
    if (orphan) log.warn({ pid: orphan }, `taking over the Postgres (pid ${orphan}) a previous start left running in ${SHOWN_DATA}/pg; it stops with this one`);
    const pgOptions = { dataDir: pgDir, port: pgPort, database: 'ferry', passwordFile: join(DATA, 'pg-password'), portVariable: 'FERRY_PG_PORT' };
    const pg = await startLocalPostgres(pgOptions);
    stops.push({ name: 'Postgres', run: () => pg.stop() });
    let restarting = false;
    restartPostgres = async () => {
      if (restarting || stopping || pg.running()) return;
      restarting = true;
      try {
        log.error(`Postgres (${SHOWN_DATA}/pg) is not running; starting it again (its log: ${pg.logFile})`);
        await startLocalPostgres(pgOptions);
      } finally {
        restarting = false;
      }
    };
    env.DATABASE_URL = pg.url;
    log.info(`Postgres    ${redactUrl(pg.url)} (data in ${SHOWN_DATA}/pg, password in ${SHOWN_DATA}/pg-password, log ${SHOWN_DATA}/pg/server.log)`);
  }

  let uiUrl: string | undefined = env.TEMPORAL_UI_URL;
  if (!env.TEMPORAL_ADDRESS) {
    const port = Number(env.FERRY_TEMPORAL_PORT ?? 7233);
    const options = {
      port, uiPort: Number(env.FERRY_TEMPORAL_UI_PORT ?? port + 1000), dbFile: join(DATA, 'temporal/dev.db'), namespace: env.TEMPORAL_NAMESPACE ?? 'default',
      logFile: join(DATA, 'temporal/server.log'),
    };
    const temporal = await superviseTemporal(options);
    stops.push({ name: 'the Temporal dev server', run: () => temporal.stop() });
    privateFile(options.dbFile);
    env.TEMPORAL_ADDRESS = temporal.address;
    uiUrl = temporal.uiUrl;
    log.info(`Temporal    ${temporal.address} (log ${SHOWN_DATA}/temporal/server.log)`);
  }

  if (demo) {
    const org = await startDemoOrg(Number(env.FERRY_DEMO_ORG_PORT ?? 4466), join(DATA, 'demo-org'));
    stops.push({ name: 'the demo org', run: () => org.stop() });
    Object.assign(env, org.env);
    log.info(`Demo org    ${org.url} (ferry's Salesforce org emulator, since no SF_* credentials are set; state in ${SHOWN_DATA}/demo-org)`);
    log.info(`            user ${org.env.SF_USERNAME}, client ${org.env.SF_CLIENT_ID} (the emulator's documented demo credentials)`);
    if (org.restored.replayed > 0) log.info(`            restored ${org.restored.replayed} recorded changes from the previous runs`);
    for (const p of org.restored.problems.slice(0, 5)) log.warn(`demo org journal: ${p}`);
  }
  env.API_TOKEN ||= apiToken();
  if (uiUrl) env.TEMPORAL_UI_URL ||= uiUrl;

  // Migrations first: nothing serves before ferry's schema is complete.
  const pool = createPool(env.DATABASE_URL, 1);
  try {
    const applied = await migrate(pool);
    log.info(applied.length ? `Migrations  applied ${applied.join(', ')}` : 'Migrations  schema up to date');
  } finally {
    await pool.end();
  }

  const worker = new Supervised('worker', WORKER_NODE_ARGS, { ...WORKER_ENV, ...env });
  const api = new Supervised('api', API_NODE_ARGS, env);
  // Stopped in reverse: the API first, then the worker (which drains its activities).
  stops.push({ name: 'the worker', run: () => worker.stop((Number(env.FERRY_SHUTDOWN_GRACE_SECONDS ?? 60) + 30) * 1000) });
  stops.push({ name: 'the API', run: () => api.stop(10_000) });
  worker.start();
  api.start();
  const apiUrl = `http://${env.HOST ?? '127.0.0.1'}:${env.PORT ?? 3000}`;
  await waitForReady(apiUrl, instanceId);
  worker.running();
  api.running();
  log.info(`API         ${apiUrl}   (try: curl ${apiUrl}/ready)`);
  log.info(`Console     ${apiUrl}/console/   (sign in with the API token)`);
  if (uiUrl) log.info(`Temporal UI ${uiUrl}`);
  log.info({ instance: instanceId, api: apiUrl }, 'ready — Ctrl-C stops everything started here');
  monitor(apiUrl);
}

/** The dev server, restarted with backoff if it dies after start-up (reported with its log's path). */
async function superviseTemporal(options: Parameters<typeof startDevServer>[0]): Promise<{ address: string; uiUrl?: string; stop(): Promise<void> }> {
  let current: DevServer = await startDevServer(options);
  let failures = 0;
  const watch = (server: DevServer) => server.onExit((code, signal) => {
    if (stopping) return;
    const delay = Math.min(30_000, 1000 * 2 ** failures++);
    log.error(`the Temporal dev server exited (${signal ? `signal ${signal}` : `code ${code}`}); see ${options.logFile}. Restarting it in ${delay / 1000} s`);
    const retry = () => setTimeout(() => {
      if (stopping) return;
      startDevServer(options).then((next) => {
        current = next;
        failures = 0;
        log.info('the Temporal dev server is running again');
        watch(next);
      }, (err: unknown) => {
        log.error(`the Temporal dev server did not restart: ${(err as Error).message}`);
        retry();
      });
    }, delay);
    retry();
  });
  watch(current);
  return { address: current.address, uiUrl: current.uiUrl, stop: () => current.stop() };
}

/** The API token from API_TOKEN, else one generated on first start and kept in .data/api-token (mode 600). */
function apiToken(): string {
  const file = join(DATA, 'api-token');
  const use = `curl -H "Authorization: Bearer $(cat ${join(SHOWN_DATA, 'api-token')})" …`;
  if (existsSync(file)) {
    log.info(`API token   in ${SHOWN_DATA}/api-token (${use}; set API_TOKEN to choose your own)`);
    return readFileSync(file, 'utf8').trim();
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  log.info(`API token   generated into ${SHOWN_DATA}/api-token (${use})`);
  return token;
}

interface ReadyBody {
  ready?: boolean;
  instance?: string | null;
  detail?: string;
  checks?: { worker?: { pollers?: string[] } };
}

/** Until this start's API answers /ready with 200 and this start's worker among the task queue's pollers. */
async function waitForReady(apiUrl: string, instanceId: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'the API is not listening yet';
  while (Date.now() < deadline) {
    if (stopping) return new Promise<never>(() => undefined);
    try {
      const res = await fetch(`${apiUrl}/ready`, { signal: AbortSignal.timeout(5000) });
      const body = (await res.json().catch(() => ({}))) as ReadyBody;
      if (body.instance !== instanceId) {
        throw new Fatal(`${apiUrl} is answered by another ferry (instance ${String(body.instance)}), not this start's API`);
      }
      const ours = (body.checks?.worker?.pollers ?? []).some((p) => p.includes(`/${instanceId}/`));
      if (res.status === 200 && ours) return;
      last = res.status === 200 ? "this start's worker is not polling yet" : body.detail ?? `HTTP ${res.status}`;
    } catch (err) {
      if (err instanceof Fatal) throw err;
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Fatal(`not ready within ${READY_TIMEOUT_MS / 1000} s: ${last}`);
}

/** Logs Postgres, Temporal and the worker going down and coming back, from the API's /health every 5 s. */
function monitor(apiUrl: string): void {
  const up: Record<string, boolean> = { postgres: true, temporal: true, worker: true };
  const timer = setInterval(() => {
    if (stopping) return;
    fetch(`${apiUrl}/health`, { signal: AbortSignal.timeout(8000) })
      .then((r) => r.json() as Promise<Record<string, { ok?: boolean; error?: string }>>)
      .then((h) => {
        for (const part of ['postgres', 'temporal', 'worker'] as const) {
          const ok = h[part]?.ok === true;
          if (!ok && !up[part] && part === 'postgres' && restartPostgres) void restartPostgres().catch(() => undefined);
          if (ok === up[part] || stopping) continue;
          up[part] = ok;
          if (ok) log.info(`${part} is back`);
          else log.error(`${part} is down: ${h[part]?.error ?? 'no answer'}`);
          if (!ok && part === 'postgres' && restartPostgres) {
            restartPostgres().catch((err: unknown) => log.error(`Postgres did not start again: ${(err as Error).message}`));
          }
        }
      })
      .catch(() => undefined); // the API itself is down: its supervisor reports and restarts it
  }, 5000);
  timer.unref();
  stops.push({ name: 'the monitor', run: () => clearInterval(timer) });
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  log.error(`could not start: ${message}`);
  if (!(err instanceof Fatal) && err instanceof Error && err.stack) log.debug({ stack: err.stack }, 'start-up failure');
  void shutdown(1);
});

