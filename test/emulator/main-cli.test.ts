// `npm run emulator`: bad flags give one clear line and exit 2; a good start prints the URL and credentials,
// serves jsforce, and stops on Ctrl-C (SIGINT).
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { Connection } from 'jsforce';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');
const TSX = resolve(ROOT, 'node_modules/.bin/tsx');
const MAIN = resolve(ROOT, 'emulator/main.ts');

describe('emulator CLI', () => {
  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--port', 'abc'], /--port must be an integer/],
    [['--seed', 'Account'], /--seed expects Object=COUNT/],
    [['--mutate-rate', '0'], /--mutate-rate must be a positive number/],
    [['--schema', '/nonexistent/schema.json'], /ENOENT|no such file/],
  ])('refuses %j with one line and exit code 2', (args, message) => {
    const run = spawnSync(TSX, [MAIN, '--port', '0', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(run.status).toBe(2);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  it('starts, prints URL and credentials, serves jsforce, and stops on SIGINT', async () => {
    const child = spawn(TSX, [MAIN, '--port', '0', '--seed', 'Account=50', '--username', 'cli@example.com', '--password', 'cli-pass'], {
      cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const url = await new Promise<string>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`no URL printed: ${out}`)), 60_000);
      child.stdout.on('data', () => {
        const m = /login url\s+(http:\/\/\S+)/.exec(out);
        if (m && out.includes('client secret')) {
          clearTimeout(timer);
          res(m[1]);
        }
      });
    });
    expect(out).toMatch(/username\s+cli@example\.com/);
    expect(out).toMatch(/password\s+cli-pass/);
    const conn = new Connection({ loginUrl: url, version: '62.0', oauth2: { loginUrl: url, clientId: 'ferry-client-id', clientSecret: 'ferry-client-secret' } });
    await conn.login('cli@example.com', 'cli-pass');
    expect((await conn.query('SELECT COUNT() FROM Account')).totalSize).toBe(50);
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
