// The fault suite's processes: the ferry worker as a separate PROCESS that can be SIGKILLed, and — for the
// scenarios that restart them — a private Postgres cluster (restarted with `pg_ctl restart -m immediate`) and a
// private Temporal dev server (file-backed, so a restart keeps its state). The harness (harness.ts) starts them.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { userInfo } from 'node:os';
import { Connection as TemporalConnection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../infra/search-attributes';
import { findPostgresBin } from '../../scripts/runtime/postgres';
import { findTemporalCli } from '../../scripts/runtime/temporal';
import { eventually } from '../support/org';

const ROOT = resolve(__dirname, '../..');
/** This test file's directory of worker logs, data directories and the workflow bundle. */
export const RUN_DIR = join(ROOT, `.data/test/faults-${process.pid}`);

/** A private Temporal dev server on a fixed port and file, so it can be SIGKILLed and started again. */
export class OwnTemporal {
  private child: ChildProcess | undefined;
  readonly address: string;

  constructor(private readonly port: number, private readonly dir: string) {
    this.address = `127.0.0.1:${port}`;
  }

  async start(): Promise<void> {
    mkdirSync(this.dir, { recursive: true });
    const log = openSync(join(this.dir, 'temporal.log'), 'a');
    this.child = spawn(findTemporalCli(), [
      'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(this.port), '--namespace', 'default', '--headless',
      '--log-level', 'warn', '--db-filename', join(this.dir, 'temporal.db'),
      ...SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', `${a.name}=${a.cliType}`]),
    ], { stdio: ['ignore', log, log] });
    closeSync(log);
    await eventually('the Temporal dev server', async () => {
      const c = await TemporalConnection.connect({ address: this.address, connectTimeout: 1000 });
      try {
        await c.workflowService.describeNamespace({ namespace: 'default' });
        return true;
      } finally {
        await c.close();
      }
    }, 90_000, 250);
  }

  /** SIGKILL: no graceful shutdown. */
  async kill(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await exited;
  }
}

/** A private Postgres cluster with `pg_ctl restart -m immediate` (no checkpoint, crash recovery on start). */
export class OwnPostgres {
  constructor(readonly dataDir: string) {}

  restartImmediate(): void {
    const pgCtl = join(findPostgresBin(), 'pg_ctl');
    const args = ['restart', '-m', 'immediate', '-w', '-t', '60', '-D', this.dataDir, '-l', join(this.dataDir, 'server.log')];
    const r = userInfo().uid === 0 ? spawnSync('runuser', ['-u', 'postgres', '--', pgCtl, ...args], { encoding: 'utf8' }) : spawnSync(pgCtl, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`pg_ctl restart failed: ${r.stderr || r.stdout}`);
  }
}

export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  log: string;
}

/** The ferry worker as a child process (node with tsx's loader, one process, so SIGKILL really ends it). */
export class WorkerProcess {
  private child: ChildProcess | undefined;
  private starts = 0;
  /** Exits nobody asked for: a crash. */
  readonly crashes: WorkerExit[] = [];

  constructor(private readonly env: Record<string, string>, private readonly dir: string) {}

  get pid(): number | undefined {
    return this.alive ? this.child?.pid : undefined;
  }

  get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    if (this.alive) throw new Error('the worker is already running');
    const logFile = join(this.dir, `worker-${++this.starts}.log`);
    const log = openSync(logFile, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], {
      cwd: ROOT, stdio: ['ignore', log, log], env: { ...this.env },
    });
    closeSync(log);
    child.once('exit', (code, signal) => {
      if ((child as ChildProcess & { expected?: boolean }).expected) return;
      this.crashes.push({ code, signal, log: existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-4000) : '' });
    });
    this.child = child;
  }

  /** Workflow tasks the worker processes failed with a nondeterminism error (from their logs). */
  nondeterminism(): string[] {
    const out: string[] = [];
    for (let i = 1; i <= this.starts; i++) {
      const file = join(this.dir, `worker-${i}.log`);
      if (!existsSync(file)) continue;
      for (const line of readFileSync(file, 'utf8').split('\n')) {
        const m = /Nondeterminism error: [^"]*/.exec(line);
        if (m) out.push(`worker ${i}: ${m[0]}`);
      }
    }
    return [...new Set(out)];
  }

  /** SIGKILL, and waits until the process is gone. */
  kill(): Promise<void> {
    return this.end('SIGKILL');
  }

  /** SIGTERM (SIGKILL after 15 s), and waits until the process is gone. */
  stop(): Promise<void> {
    return this.end('SIGTERM', 15_000);
  }

  /** Ends the process on purpose (not a crash) with `signal`, SIGKILL after `killAfterMs`; waits until it is gone. */
  private async end(signal: NodeJS.Signals, killAfterMs?: number): Promise<void> {
    const c = this.child;
    if (!c || !this.alive) return;
    (c as ChildProcess & { expected?: boolean }).expected = true;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => c.kill('SIGKILL'), killAfterMs);
    await exited;
    clearTimeout(timer);
  }
}

let bundle: Promise<string> | undefined;

/** The workflow bundle, built once per test file and shared by every worker process it starts. */
export function workflowBundle(): Promise<string> {
  bundle ??= new Promise((ok, fail) => {
    mkdirSync(RUN_DIR, { recursive: true });
    const out = join(RUN_DIR, 'workflows.js');
    const p = spawn(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'worker/bundle-workflows.ts'), out], { stdio: 'ignore' });
    p.once('exit', (code) => (code === 0 ? ok(out) : fail(new Error(`bundling workflows failed (${code})`))));
  });
  return bundle;
}
