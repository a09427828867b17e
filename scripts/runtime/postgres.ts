// A local Postgres 15 cluster for `npm start` and `npm test`, from the binaries installed on the machine.
// Postgres refuses to run as root, so as root the cluster is owned by and run as the `postgres` user.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

export interface LocalPostgres {
  url: string;
  stop(): void;
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

/**
 * Starts (initialising on first use) a cluster in dataDir listening on 127.0.0.1:port, creates `database`,
 * and returns its URL. Reuses a cluster that is already running there.
 */
export async function startLocalPostgres(opts: { dataDir: string; port: number; database: string; /** Trade crash safety for speed (tests, benchmarks). */ unsafeFast?: boolean }): Promise<LocalPostgres> {
  const binDir = findPostgresBin();
  const owner = userInfo().uid === 0 ? 'postgres' : undefined;
  mkdirSync(opts.dataDir, { recursive: true });
  if (owner) {
    const uid = Number(execFileSync('id', ['-u', owner]).toString().trim());
    const gid = Number(execFileSync('id', ['-g', owner]).toString().trim());
    chownSync(opts.dataDir, uid, gid);
  }
  if (!existsSync(join(opts.dataDir, 'PG_VERSION'))) {
    run(join(binDir, 'initdb'), ['-D', opts.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale'], owner);
  }
  if (!isRunning(binDir, opts.dataDir, owner)) {
    const settings = [
      `-p ${opts.port}`, '-c listen_addresses=127.0.0.1', `-c unix_socket_directories=${opts.dataDir}`,
      '-c max_connections=200', '-c shared_buffers=256MB', '-c max_wal_size=4GB', '-c maintenance_work_mem=256MB',
      ...(opts.unsafeFast ? ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off'] : []),
    ].join(' ');
    run(join(binDir, 'pg_ctl'), ['start', '-w', '-t', '60', '-D', opts.dataDir, '-l', join(opts.dataDir, 'server.log'), '-o', settings], owner);
  }
  const adminUrl = `postgres://postgres@127.0.0.1:${opts.port}/postgres`;
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(opts.database)}`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://postgres@127.0.0.1:${opts.port}/${opts.database}`,
    stop: () => {
      if (isRunning(binDir, opts.dataDir, owner)) run(join(binDir, 'pg_ctl'), ['stop', '-m', 'fast', '-w', '-D', opts.dataDir], owner);
    },
  };
}
