// A local Postgres 15 cluster for `npm start` and `npm test`, from the binaries installed on the machine.
// Postgres refuses to run as root, so as root the cluster is owned by and run as the `postgres` user.
// With a password file (npm start), the superuser has a generated password kept in that file (mode 600) and
// every connection, local socket or TCP, authenticates with scram-sha-256; a cluster made earlier with trust
// authentication is switched over on its next start. Test clusters (no password file) keep trust.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export interface LocalPostgres {
  url: string;
  /** False when a cluster already running in dataDir was taken over instead of started. */
  started: boolean;
  logFile: string;
  /** Whether the cluster's postmaster runs (pg_ctl status). */
  running(): boolean;
  stop(): void;
}

export interface LocalPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  /** Trade crash safety for speed (tests, benchmarks). */
  unsafeFast?: boolean;
  /** More server settings (`-c name=value` each), e.g. a benchmark's `shared_preload_libraries=pg_stat_statements`. */
  settings?: string[];
  /** Where the superuser's password is kept (generated on first use): scram-sha-256 authentication instead of trust. */
  passwordFile?: string;
  /** The variable that sets the port, named in errors (npm start: FERRY_PG_PORT). */
  portVariable?: string;
}

const BIN_CANDIDATES = [process.env.PG_BIN, '/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'];

export function findPostgresBin(): string {
  for (const dir of BIN_CANDIDATES) if (dir && existsSync(join(dir, 'pg_ctl'))) return dir;
  throw new Error('Postgres binaries not found: install postgresql-15 (apt-get install postgresql-15) or set PG_BIN to the folder holding pg_ctl');
}

function asOwner(bin: string, args: string[], owner: string | undefined): { cmd: string; args: string[] } {
  return owner ? { cmd: 'runuser', args: ['-u', owner, '--', bin, ...args] } : { cmd: bin, args };
}

function run(bin: string, args: string[], owner: string | undefined): void {
  const c = asOwner(bin, args, owner);
  const r = spawnSync(c.cmd, c.args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${bin.split('/').pop()} failed: ${(r.stderr || r.stdout).trim()}`);
}

function isRunning(binDir: string, dataDir: string, owner: string | undefined): boolean {
  const c = asOwner(join(binDir, 'pg_ctl'), ['status', '-D', dataDir], owner);
  return spawnSync(c.cmd, c.args).status === 0;
}

function ownerIds(owner: string): { uid: number; gid: number } {
  return {
    uid: Number(execFileSync('id', ['-u', owner]).toString().trim()),
    gid: Number(execFileSync('id', ['-g', owner]).toString().trim()),
  };
}

/** The password in `file`, generated (URL-safe, 32 characters) and written with mode 600 on first use. */
export function readOrCreatePassword(file: string): string {
  if (existsSync(file)) {
    chmodSync(file, 0o600);
    return readFileSync(file, 'utf8').trim();
  }
  const password = randomBytes(24).toString('base64url');
  writeFileSync(file, `${password}\n`, { mode: 0o600 });
  return password;
}

function tail(file: string, lines: number): string {
  try {
    // Without the "2026-01-01 12:00:00.000 UTC [123] " prefix of each line.
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).map((l) => l.replace(/^\S+ \S+ \S+ \[\d+\] /, '')).join(' | ');
  } catch {
    return '(no log written)';
  }
}

/** pg_hba.conf with every `trust` method replaced by scram-sha-256; undefined when nothing changes. */
export function withoutTrust(hba: string): string | undefined {
  let changed = false;
  const out = hba.split('\n').map((line) => {
    if (/^\s*#/.test(line) || !/\btrust\s*$/.test(line)) return line;
    changed = true;
    return line.replace(/\btrust\s*$/, 'scram-sha-256');
  });
  return changed ? out.join('\n') : undefined;
}

/**
 * Starts (initialising on first use) a cluster in dataDir listening on 127.0.0.1:port, creates `database`,
 * and returns its URL. Takes over a cluster that is already running there (`started` false).
 */
export async function startLocalPostgres(opts: LocalPostgresOptions): Promise<LocalPostgres> {
  const binDir = findPostgresBin();
  const owner = userInfo().uid === 0 ? 'postgres' : undefined;
  const logFile = join(opts.dataDir, 'server.log');
  mkdirSync(opts.dataDir, { recursive: true });
  if (owner) {
    const { uid, gid } = ownerIds(owner);
    chownSync(opts.dataDir, uid, gid);
  }
  const password = opts.passwordFile ? readOrCreatePassword(opts.passwordFile) : undefined;
  if (!existsSync(join(opts.dataDir, 'PG_VERSION'))) {
    const auth = ['--auth=trust'];
    let pwDir: string | undefined;
    if (password) {
      // initdb reads the password from a file its (postgres) user can read; the copy lives only for initdb.
      pwDir = mkdtempSync(join(tmpdir(), 'ferry-pw-'));
      const pwFile = join(pwDir, 'pw');
      writeFileSync(pwFile, `${password}\n`, { mode: 0o600 });
      if (owner) {
        const { uid, gid } = ownerIds(owner);
        chownSync(pwDir, uid, gid);
        chownSync(pwFile, uid, gid);
      }
      auth.splice(0, 1, '--auth-local=scram-sha-256', '--auth-host=scram-sha-256', `--pwfile=${pwFile}`);
    }
    try {
      run(join(binDir, 'initdb'), ['-D', opts.dataDir, '-U', 'postgres', ...auth, '-E', 'UTF8', '--no-locale'], owner);
    } finally {
      if (pwDir) rmSync(pwDir, { recursive: true, force: true });
    }
  }
  let started = false;
  if (!isRunning(binDir, opts.dataDir, owner)) {
    const settings = [
      `-p ${opts.port}`, '-c listen_addresses=127.0.0.1', `-c unix_socket_directories=${opts.dataDir}`,
      '-c max_connections=200', '-c shared_buffers=256MB', '-c max_wal_size=4GB', '-c maintenance_work_mem=256MB',
      ...(opts.unsafeFast ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
      ...(opts.settings ?? []).map((s) => `-c ${s}`),
    ].join(' ');
    try {
      run(join(binDir, 'pg_ctl'), ['start', '-w', '-t', '60', '-D', opts.dataDir, '-l', logFile, '-o', settings], owner);
    } catch {
      const port = opts.portVariable ? `port ${opts.port} (${opts.portVariable})` : `port ${opts.port}`;
      throw new Error(`Postgres could not start on 127.0.0.1, ${port}: ${tail(logFile, 4)} — full log: ${logFile}`);
    }
    started = true;
  }
  if (password) await requirePassword(opts.dataDir, opts.port, password);
  const credentials = password ? `postgres:${encodeURIComponent(password)}` : 'postgres';
  const adminUrl = `postgres://${credentials}@127.0.0.1:${opts.port}/postgres`;
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(opts.database)}`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://${credentials}@127.0.0.1:${opts.port}/${opts.database}`,
    started,
    logFile,
    running: () => isRunning(binDir, opts.dataDir, owner),
    stop: () => {
      if (isRunning(binDir, opts.dataDir, owner)) run(join(binDir, 'pg_ctl'), ['stop', '-m', 'fast', '-w', '-D', opts.dataDir], owner);
    },
  };
}

/** Stops whatever cluster runs in `dataDir` at once (no checkpoint): for clusters whose owner process is gone. */
export function stopLocalPostgres(dataDir: string): void {
  const binDir = findPostgresBin();
  const owner = userInfo().uid === 0 ? 'postgres' : undefined;
  if (isRunning(binDir, dataDir, owner)) run(join(binDir, 'pg_ctl'), ['stop', '-m', 'immediate', '-w', '-D', dataDir], owner);
}

/** A cluster made with trust authentication gets the superuser's password set and pg_hba.conf switched to scram. */
async function requirePassword(dataDir: string, port: number, password: string): Promise<void> {
  const hbaFile = join(dataDir, 'pg_hba.conf');
  const next = withoutTrust(readFileSync(hbaFile, 'utf8'));
  if (next === undefined) return;
  const client = new Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await client.connect();
  try {
    await client.query("SET password_encryption = 'scram-sha-256'");
    await client.query(`ALTER ROLE postgres PASSWORD ${client.escapeLiteral(password)}`);
    writeFileSync(hbaFile, next); // keeps the file's owner and mode
    await client.query('SELECT pg_reload_conf()');
  } finally {
    await client.end();
  }
}
