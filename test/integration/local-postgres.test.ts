// npm start's embedded Postgres (scripts/runtime/postgres.ts): a start failure names the port, its variable and
// the log's path; with a password file the cluster takes scram-sha-256 logins only, and a cluster made earlier
// with trust authentication is switched over (issue 17, 18.8).
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/runtime/free-port';
import { startLocalPostgres, withoutTrust, type LocalPostgres } from '../../scripts/runtime/postgres';

const dir = mkdtempSync(join(tmpdir(), 'ferry-pg-'));
chmodSync(dir, 0o755); // as root, Postgres runs as `postgres` and must pass through
const clusters: LocalPostgres[] = [];
afterAll(() => {
  for (const c of clusters) c.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function canLogin(url: string): Promise<boolean | string> {
  const c = new Client({ connectionString: url });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch (err) {
    return (err as Error).message;
  }
}

describe('the embedded Postgres', () => {
  it('a start failure names the port, the variable that sets it and the log', async () => {
    const port = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(port, '127.0.0.1', r));
    try {
      const dataDir = join(dir, 'busy');
      await expect(startLocalPostgres({ dataDir, port, database: 'ferry', portVariable: 'FERRY_PG_PORT' })).rejects.toThrow(
        new RegExp(`^Postgres could not start on 127\\.0\\.0\\.1, port ${port} \\(FERRY_PG_PORT\\): .*could not create any TCP/IP sockets.* — full log: ${dataDir}/server\\.log$`),
      );
    } finally {
      holder.close();
    }
  });

  it('a cluster made with trust authentication requires the generated password from its next start on', async () => {
    const dataDir = join(dir, 'upgraded');
    const port = await freePort();
    const trusting = await startLocalPostgres({ dataDir, port, database: 'ferry' });
    expect(await canLogin(`postgres://postgres@127.0.0.1:${port}/ferry`)).toBe(true);
    trusting.stop();

    const passwordFile = join(dir, 'pg-password');
    const secured = await startLocalPostgres({ dataDir, port, database: 'ferry', passwordFile });
    clusters.push(secured);
    expect(statSync(passwordFile).mode & 0o777).toBe(0o600);
    const password = readFileSync(passwordFile, 'utf8').trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(secured.url).toBe(`postgres://postgres:${password}@127.0.0.1:${port}/ferry`);
    expect(await canLogin(`postgres://postgres@127.0.0.1:${port}/ferry`)).toMatch(/password/);
    expect(await canLogin(`postgres://postgres:wrong@127.0.0.1:${port}/ferry`)).toMatch(/password authentication failed/);
    expect(await canLogin(secured.url)).toBe(true);
    const c = new Client({ connectionString: secured.url });
    await c.connect();
    const methods = await c.query<{ auth_method: string }>('SELECT DISTINCT auth_method FROM pg_hba_file_rules');
    await c.end();
    expect(methods.rows.map((r) => r.auth_method)).toEqual(['scram-sha-256']);
  });

  it.each([
    ['local   all             all                                     trust', 'local   all             all                                     scram-sha-256'],
    ['host    all             all             127.0.0.1/32            trust', 'host    all             all             127.0.0.1/32            scram-sha-256'],
    ['# "local" is for Unix domain socket connections only trust', undefined],
    ['host    all             all             ::1/128                 scram-sha-256', undefined],
  ])('pg_hba.conf line %j', (line, expected) => {
    expect(withoutTrust(line)).toBe(expected);
  });
});
