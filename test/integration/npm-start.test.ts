// `npm start` as a user or a script uses it (scripts/start.ts as a real process, on ports and a data directory
// of the test's own): its "ready" means a mapping can be created at once (issue 21); a second start in the same
// data directory is refused and leaves the first serving; taken ports are named before anything starts; a
// crashed worker, Temporal server or Postgres is reported and brought back; SIGHUP stops everything it started;
// the demo org's records survive a restart (issue 17, 18.6).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/runtime/free-port';
import { canListen, portHolder } from '../../scripts/runtime/ports';

const ROOT = join(__dirname, '../..');

interface LogLine {
  level: number;
  name?: string;
  msg: string;
  [k: string]: unknown;
}

class Start {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  readonly raw: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: (() => void)[] = [];

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const stream of [this.child.stdout!, this.child.stderr!]) {
      let buffered = '';
      stream.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        const parts = buffered.split('\n');
        buffered = parts.pop()!;
        for (const line of parts) this.add(line);
      });
    }
    this.exited = new Promise((done) => this.child.on('exit', (code, signal) => done({ code, signal })));
  }

  private add(line: string): void {
    if (!line.trim()) return;
    this.raw.push(line);
    try {
      this.lines.push(JSON.parse(line) as LogLine);
    } catch {
      this.lines.push({ level: 30, msg: line });
    }
    for (const w of this.waiters.splice(0)) w();
  }

  /** The first line (from `from` on) matching, waiting up to timeoutMs. */
  async line(match: (l: LogLine) => boolean, timeoutMs: number, from = 0): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.slice(from).find(match);
      if (found) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`npm start exited before the line appeared:\n${this.raw.slice(-30).join('\n')}`);
      if (Date.now() > deadline) throw new Error(`no such line within ${timeoutMs} ms:\n${this.raw.slice(-30).join('\n')}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 500);
      });
    }
  }

  ready(timeoutMs = 240_000, from = 0): Promise<LogLine> {
    return this.line((l) => l.name === 'ferry' && l.msg.startsWith('ready'), timeoutMs, from);
  }
}

function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const keep = ['PATH', 'HOME', 'LANG', 'PG_BIN'];
  const env: Record<string, string> = {};
  for (const k of keep) if (process.env[k]) env[k] = process.env[k]!;
  return { ...env, LOG_FORMAT: 'json', ...extra };
}

async function ports(): Promise<Record<string, string>> {
  return {
    PORT: String(await freePort()), FERRY_PG_PORT: String(await freePort()), FERRY_TEMPORAL_PORT: String(await freePort()),
    FERRY_TEMPORAL_UI_PORT: String(await freePort()), FERRY_DEMO_ORG_PORT: String(await freePort()),
  };
}

describe('npm start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-start-'));
  chmodSync(dir, 0o755); // as root, Postgres runs as `postgres` and must pass through to data/pg
  const data = join(dir, 'data');
  let env: Record<string, string>;
  let first: Start;
  let api: string;
  let org: string;
  const others: Start[] = [];

  const call = async (method: string, path: string, body?: unknown) => {
    const token = readFileSync(join(data, 'api-token'), 'utf8').trim();
    const res = await fetch(`${api}${path}`, {
      method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, text, body: (text.startsWith('{') ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  const ready = async () => (await fetch(`${api}/ready`)).json() as Promise<{ ready: boolean; instance: string; checks: { worker: { pollers: string[] } } }>;

  beforeAll(async () => {
    env = cleanEnv({ FERRY_DATA_DIR: data, ...(await ports()) });
    api = `http://127.0.0.1:${env.PORT}`;
    org = `http://127.0.0.1:${env.FERRY_DEMO_ORG_PORT}`;
  });
  afterAll(async () => {
    for (const s of [first, ...others]) {
      if (s && s.child.exitCode === null && s.child.signalCode === null) {
        s.child.kill('SIGTERM');
        await Promise.race([s.exited, new Promise((r) => setTimeout(r, 90_000))]);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates a mapping the instant "ready" is printed (no retry): 201', async () => {
    first = new Start(env);
    const line = await first.ready();
    // Right away, once: a script waiting for "ready" does exactly this.
    const created = await call('POST', '/mappings', { object_name: 'Account', config: { access: 'read_only', fields: { Id: {}, Name: {}, Industry: {} } } });
    expect(created.status, created.text).toBe(201);
    expect(line.instance).toMatch(/^start-[0-9a-f]{8}$/);
    const r = await ready();
    expect(r.instance).toBe(line.instance);
    // Nothing served before the migrations: the one-shot step logged them before the worker and API started.
    const migrated = first.lines.findIndex((l) => l.name === 'ferry' && l.msg.startsWith('Migrations'));
    const apiListening = first.lines.findIndex((l) => l.name === 'ferry-api' && l.msg === 'API listening');
    expect(migrated).toBeGreaterThanOrEqual(0);
    expect(migrated).toBeLessThan(apiListening);
    // One format: every line from npm start, the worker, the API and the SDK is a pino JSON object, none carries
    // a task token, and webpack's report is not among them.
    const notJson = first.raw.filter((l) => {
      try {
        return typeof (JSON.parse(l) as { level?: unknown }).level !== 'number';
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    expect(first.raw.filter((l) => /taskToken|webpack|asset workflow-bundle/i.test(l))).toEqual([]);
  });

  it('keeps .data private and Postgres behind a generated password (scram)', async () => {
    const mode = statSync(data).mode & 0o777;
    expect(mode).toBe(userInfo().uid === 0 ? 0o710 : 0o700);
    for (const f of ['api-token', 'pg-password']) expect(statSync(join(data, f)).mode & 0o777).toBe(0o600);
    const hba = readFileSync(join(data, 'pg/pg_hba.conf'), 'utf8').split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
    expect(hba.length).toBeGreaterThan(0);
    for (const l of hba) expect(l).toMatch(/scram-sha-256\s*$/);
    const noPassword = new Client({ connectionString: `postgres://postgres@127.0.0.1:${env.FERRY_PG_PORT}/ferry` });
    await expect(noPassword.connect()).rejects.toThrow(/password/);
    const password = readFileSync(join(data, 'pg-password'), 'utf8').trim();
    const withPassword = new Client({ connectionString: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${env.FERRY_PG_PORT}/ferry` });
    await withPassword.connect();
    await withPassword.end();
  });

  it('a second start in the same data directory is refused, naming the first one\'s pid, and the first keeps serving', async () => {
    const second = new Start(env);
    others.push(second);
    const { code } = await second.exited;
    expect(code).toBe(1);
    const refusal = second.lines.find((l) => l.msg.startsWith('not starting: '));
    expect(refusal?.msg).toContain(`another ferry (npm start, pid ${first.child.pid}) is running with this data directory`);
    expect(second.lines.some((l) => /^(Postgres|Temporal|Demo org)/.test(l.msg))).toBe(false);
    const r = await ready();
    expect(r.ready).toBe(true);
    expect(r.instance).toBe((await first.ready()).instance);
    expect((await call('GET', '/mappings/Account')).status).toBe(200);
    expect(readFileSync(join(data, 'ferry.pid'), 'utf8').trim()).toBe(String(first.child.pid));
  });

  it('a start whose ports are taken names each port, its variable and the holding process, and starts nothing', async () => {
    const otherData = join(dir, 'other');
    const third = new Start({ ...env, FERRY_DATA_DIR: otherData });
    others.push(third);
    const { code } = await third.exited;
    expect(code).toBe(1);
    const errors = third.lines.filter((l) => l.level >= 50).map((l) => l.msg);
    const apiPid = portHolder(Number(env.PORT))!.pid;
    expect(errors).toContain(`port ${env.PORT} on 127.0.0.1 (PORT, the API) is in use by pid ${apiPid} (${process.execPath} --import tsx api/server.ts)`);
    expect(errors.some((m) => m.startsWith(`port ${env.FERRY_PG_PORT} on 127.0.0.1 (FERRY_PG_PORT, Postgres) is in use by pid `))).toBe(true);
    expect(errors.some((m) => m.startsWith(`port ${env.FERRY_TEMPORAL_PORT} on 127.0.0.1 (FERRY_TEMPORAL_PORT, the Temporal dev server) is in use by pid `) && m.includes('temporal'))).toBe(true);
    expect(errors.some((m) => m.startsWith(`port ${env.FERRY_DEMO_ORG_PORT} on 127.0.0.1 (FERRY_DEMO_ORG_PORT, the demo org) is in use by pid ${first.child.pid} `))).toBe(true);
    expect(existsSync(join(otherData, 'pg'))).toBe(false);
    expect((await ready()).ready).toBe(true);
  });

  it('restarts a killed worker (logging why), restarts a killed Temporal dev server, and brings Postgres back', async () => {
    const from = first.lines.length;
    const pollers = (await ready()).checks.worker.pollers;
    const workerPid = Number(/\/(\d+)@/.exec(pollers[0])![1]);
    process.kill(workerPid, 'SIGKILL');
    const exit = await first.line((l) => l.msg.startsWith('the worker exited (signal SIGKILL); restarting it in'), 30_000, from);
    expect(exit.level).toBe(50);
    await first.line((l) => l.name === 'ferry-worker' && l.msg === 'worker started', 120_000, from);

    const temporalPid = portHolder(Number(env.FERRY_TEMPORAL_PORT))!.pid;
    process.kill(temporalPid, 'SIGKILL');
    await first.line((l) => l.msg.startsWith('the Temporal dev server exited (signal SIGKILL); see '), 30_000, from);
    await first.line((l) => l.msg === 'the Temporal dev server is running again', 90_000, from);

    const postmaster = Number(readFileSync(join(data, 'pg/postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(postmaster, 'SIGKILL');
    await first.line((l) => l.msg.startsWith('postgres is down: '), 30_000, from);
    await first.line((l) => l.msg === 'postgres is back', 90_000, from);

    const r = await fetch(`${api}/ready`);
    const deadline = Date.now() + 90_000;
    let status = r.status;
    while (status !== 200 && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 1000));
      status = (await fetch(`${api}/ready`)).status;
    }
    expect(status).toBe(200);
    expect((await call('GET', '/mappings/Account')).status).toBe(200);
  });

  it('SIGHUP stops everything it started; the next start brings back the demo org\'s records', async () => {
    const made = await fetch(`${org}/__emulator/records/Account`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ Name: 'Kept Across Restarts' }),
    });
    const { id } = (await made.json()) as { id: string };
    const countBefore = ((await (await fetch(`${org}/__emulator/records/Account/count`)).json()) as { count: number }).count;
    first.child.kill('SIGHUP');
    const { code } = await first.exited;
    expect(code).toBe(0);
    for (const port of [env.PORT, env.FERRY_PG_PORT, env.FERRY_TEMPORAL_PORT, env.FERRY_TEMPORAL_UI_PORT, env.FERRY_DEMO_ORG_PORT]) {
      expect(await canListen(Number(port), '127.0.0.1'), `port ${port} is free again`).toBe(true);
    }
    expect(existsSync(join(data, 'ferry.pid'))).toBe(false);
    expect(spawnSync('pgrep', ['-f', join(data, 'pg')]).status).toBe(1);

    const again = new Start(env);
    others.push(again);
    await again.ready();
    expect(again.lines.some((l) => /^ +restored \d+ recorded changes/.test(l.msg))).toBe(true);
    const record = await fetch(`${org}/__emulator/records/Account/${id}`);
    expect(record.status).toBe(200);
    expect(await record.json()).toMatchObject({ Id: id, Name: 'Kept Across Restarts' });
    const countAfter = ((await (await fetch(`${org}/__emulator/records/Account/count`)).json()) as { count: number }).count;
    // Simulated users keep changing the org (about one change every two seconds): a few records either way.
    expect(Math.abs(countAfter - countBefore)).toBeLessThanOrEqual(3);
    again.child.kill('SIGTERM');
    expect((await again.exited).code).toBe(0);
  });
});
