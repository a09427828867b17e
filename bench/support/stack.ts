// The stack a benchmark runs on, each part in its own process as in production: a Postgres cluster
// (.data/bench/run-<pid>, removed afterwards), the Temporal dev server, the org emulator (its records in its own heap) and a ferry
// worker whose peak RSS is what the inbound benchmark reports. Everything stops when the benchmark ends, or is
// interrupted (SIGINT, SIGTERM); what a killed benchmark left behind (SIGKILL) is stopped by the next one.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { createPool, migrate, type Pool } from '../../infra/db';
import { alive } from '../../scripts/runtime/instance-lock';
import { startLocalPostgres, stopLocalPostgres } from '../../scripts/runtime/postgres';
import { freePort } from '../../scripts/runtime/free-port';
import { startDevServer, stopChild } from '../../scripts/runtime/temporal';
import { EMULATOR_DEFAULTS } from '../../emulator/server';
import { WORKER_ENV, WORKER_NODE_ARGS } from '../../infra/process-args';

const ROOT = resolve(__dirname, '../..');
const BENCH_DIR = join(ROOT, '.data/bench');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

export interface Stack {
  pool: Pool;
  databaseUrl: string;
  temporal: Client;
  taskQueue: string;
  orgUrl: string;
  orgEnv: Record<string, string>;
  worker: ChildProcess;
  /** Peak resident set of the worker process (VmHWM) since start or the last resetWorkerPeakRss, in MB. */
  workerPeakRssMb(): number;
  /** Starts a new peak-RSS measurement (the worker's start-up bundling of workflow code is not the sync's). */
  resetWorkerPeakRss(): void;
  /** Peak resident set of the emulator process the stack started (0 when the caller runs its own), in MB. */
  emulatorPeakRssMb(): number;
  stop(): Promise<void>;
}

async function waitForUrl(url: string, child: ChildProcess, what: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`${what} did not answer at ${url}`);
}

export interface StackOptions {
  seed: Record<string, number>;
  emulatorHeapMb?: number;
  /** An org emulator the caller runs (e.g. in-process, to watch its commits); no emulator process is started. */
  orgUrl?: string;
  /** That emulator's Pub/Sub API (http://host:port). */
  pubsubUrl?: string;
  /** More emulator command-line options (e.g. `--schema file.json`, `--daily-api-requests N`). */
  emulatorArgs?: string[];
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const stops: (() => Promise<void> | void)[] = [];
  // Once only, whoever asks first (the benchmark's end, or a worker that died), in reverse order of start.
  let stopped: Promise<void> | undefined;
  const stop = () => (stopped ??= (async () => {
    for (const s of stops.reverse()) await s();
  })());
  // Interrupted: the services stop with the benchmark (the default would leave them running).
  const onSignal = (signal: NodeJS.Signals) => {
    process.stderr.write(`bench: ${signal}: stopping the stack\n`);
    void stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  stops.push(() => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  });
  try {
    sweepStaleRuns(BENCH_DIR);
    // Each run has its own cluster, ports and files, so benchmarks never share (or stop) each other's services.
    const runDir = join(BENCH_DIR, `run-${process.pid}`);
    stops.push(() => rmSync(runDir, { recursive: true, force: true }));
    const children = new RunChildren(runDir);
    // FERRY_BENCH_PG_STATS=1: Postgres tracks its statements, and the ten that took the most time are printed
    // when the benchmark ends (where the database's share of a run goes).
    const statements = Boolean(process.env.FERRY_BENCH_PG_STATS);
    const pg = await startLocalPostgres({
      dataDir: join(runDir, 'pg'), port: await freePort(), database: 'postgres',
      settings: statements ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track=all'] : [],
    });
    stops.push(() => pg.stop());
    const dbName = `bench_${Date.now()}`;
    const admin = new PgClient({ connectionString: pg.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(dbName)}`);
    await admin.end();
    stops.push(async () => {
      const c = new PgClient({ connectionString: pg.url });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(dbName)} WITH (FORCE)`);
      await c.end();
    });
    const databaseUrl = pg.url.replace(/\/[^/]+$/, `/${dbName}`);
    const pool = createPool(databaseUrl, 4);
    stops.push(() => pool.end());
    await migrate(pool);
    if (statements) {
      await pool.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
      stops.push(() => printTopStatements(pool));
    }

    const temporalServer = await startDevServer({ port: await freePort(), namespace: 'default', logFile: join(runDir, 'temporal.log') });
    stops.push(() => temporalServer.stop());
    if (temporalServer.pid !== undefined) children.add(temporalServer.pid);
    const connection = await Connection.connect({ address: temporalServer.address });
    stops.push(() => connection.close());

    let orgUrl = opts.orgUrl;
    let pubsubUrl = opts.pubsubUrl;
    let emulatorPid: number | undefined;
    if (orgUrl === undefined) {
      const orgPort = await freePort();
      const pubsubPort = await freePort();
      pubsubUrl = `http://127.0.0.1:${pubsubPort}`;
      const seedArgs = Object.entries(opts.seed).flatMap(([k, v]) => ['--seed', `${k}=${v}`]);
      const emulator = spawn(TSX, ['emulator/main.ts', '--port', String(orgPort), '--pubsub-port', String(pubsubPort), ...seedArgs, ...(opts.emulatorArgs ?? [])], {
        cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'],
        env: { ...process.env, NODE_OPTIONS: `--max-old-space-size=${opts.emulatorHeapMb ?? 12_000}` },
      });
      stops.push(() => stopChild(emulator));
      emulatorPid = emulator.pid;
      if (emulator.pid !== undefined) children.add(emulator.pid);
      orgUrl = `http://127.0.0.1:${orgPort}`;
      await waitForUrl(`${orgUrl}/services/data`, emulator, 'the org emulator');
    }
    const orgEnv = {
      SF_LOGIN_URL: orgUrl, SF_CLIENT_ID: EMULATOR_DEFAULTS.clientId, SF_CLIENT_SECRET: EMULATOR_DEFAULTS.clientSecret,
      SF_USERNAME: EMULATOR_DEFAULTS.username, SF_PASSWORD: EMULATOR_DEFAULTS.password,
      ...(pubsubUrl ? { SF_PUBSUB_URL: pubsubUrl } : {}),
    };

    const taskQueue = `bench-${Date.now()}`;
    // The worker runs as in production (WORKER_NODE_ARGS: its heap cap included); FERRY_BENCH_WORKER_NODE_ARGS
    // adds node flags in front, e.g. `--cpu-prof --cpu-prof-dir=.data/prof`.
    const extraArgs = (process.env.FERRY_BENCH_WORKER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const worker = spawn(process.execPath, [...extraArgs, ...WORKER_NODE_ARGS], {
      cwd: ROOT, stdio: ['ignore', process.env.FERRY_BENCH_WORKER_LOGS ? 'inherit' : 'ignore', 'inherit'],
      env: { ...process.env, ...WORKER_ENV, ...orgEnv, DATABASE_URL: databaseUrl, TEMPORAL_ADDRESS: temporalServer.address, TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: process.env.FERRY_BENCH_WORKER_LOG_LEVEL ?? 'warn' },
    });
    // A worker that dies mid-run (out of memory, a crash) would leave the benchmark waiting for records that
    // never come: the run ends at once, naming how the worker ended (its own last words are above on stderr).
    worker.on('exit', (code, signal) => {
      if (stopped) return; // stopped on purpose
      process.stderr.write(`bench: the ferry worker exited during the run (${signal ?? `code ${code}`}); the benchmark stops\n`);
      void stop().finally(() => process.exit(1));
    });
    stops.push(() => stopChild(worker));
    if (worker.pid !== undefined) children.add(worker.pid);
    return {
      pool, databaseUrl, temporal: new Client({ connection }), taskQueue, orgUrl, orgEnv, worker,
      workerPeakRssMb: () => peakRssMb(worker.pid!),
      resetWorkerPeakRss: () => forEachProcess(worker.pid!, (p) => writeFileSync(`/proc/${p}/clear_refs`, '5')),
      emulatorPeakRssMb: () => (emulatorPid === undefined ? 0 : peakRssMb(emulatorPid)),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The processes a run started, by pid and start time (/proc/<pid>/stat field 22), in `<runDir>/children`: a
 * later benchmark stops them if this one was killed, and never a process that merely reused a pid.
 */
class RunChildren {
  private readonly file: string;
  private readonly lines: string[] = [];
  constructor(runDir: string) {
    this.file = join(runDir, 'children');
  }

  add(pid: number): void {
    const started = processStart(pid);
    if (started === null) return;
    this.lines.push(`${pid} ${started}`);
    writeFileSync(this.file, `${this.lines.join('\n')}\n`);
  }
}

/** A process's start time in clock ticks since boot, or null when it is gone. */
function processStart(pid: number): string | null {
  try {
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/**
 * Runs whose benchmark process is gone (killed with SIGKILL, or the machine's OOM killer): their services
 * (the processes in `children`, still the same processes, and the Postgres cluster) are stopped and their
 * directory removed, so they neither hold ports and memory nor skew the next measurement.
 */
function sweepStaleRuns(dir: string): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const m = /^run-(\d+)$/.exec(name);
    if (!m || alive(Number(m[1]))) continue;
    const runDir = join(dir, name);
    const list = existsSync(join(runDir, 'children')) ? readFileSync(join(runDir, 'children'), 'utf8') : '';
    for (const line of list.split('\n').filter(Boolean)) {
      const [pid, started] = line.split(' ');
      if (processStart(Number(pid)) !== started) continue;
      // The whole tree, listed before any of it is killed (a killed parent's child list is gone with it).
      const tree: number[] = [];
      forEachProcess(Number(pid), (p) => tree.push(p));
      for (const p of tree) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    if (existsSync(join(runDir, 'pg', 'PG_VERSION'))) stopLocalPostgres(join(runDir, 'pg'));
    rmSync(runDir, { recursive: true, force: true });
    process.stderr.write(`bench: stopped and removed ${runDir}, left by a benchmark that was killed\n`);
  }
}

async function printTopStatements(pool: Pool): Promise<void> {
  const { rows } = await pool.query<{ ms: number; calls: string; rows: string; query: string }>(
    `SELECT round(total_exec_time)::float8 AS ms, calls, rows, regexp_replace(query, '\\s+', ' ', 'g') AS query
       FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 10`);
  for (const r of rows) process.stderr.write(`bench: pg ${r.ms} ms ${r.calls} calls ${r.rows} rows: ${r.query.slice(0, 220)}\n`);
}

function forEachProcess(pid: number, fn: (pid: number) => void): void {
  try {
    fn(pid);
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const c of children ? children.split(/\s+/) : []) forEachProcess(Number(c), fn);
  } catch {
    // process gone
  }
}

/** The largest VmHWM of a process and its descendants (tsx runs the worker in a child node process). */
function peakRssMb(pid: number): number {
  let peak = 0;
  forEachProcess(pid, (p) => {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
    if (m) peak = Math.max(peak, Number(m[1]) / 1024);
  });
  return Math.round(peak);
}
