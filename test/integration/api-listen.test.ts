// A listen error is fatal for the API: it exits 3 with one log line naming the address and the variable, so
// npm start stops instead of reporting "ready" for another process's API (issue 17).
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/runtime/free-port';

const ROOT = join(__dirname, '../..');

describe('the API process', () => {
  it('exits 3 naming the port when it cannot listen', async () => {
    const port = await freePort();
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(port, '127.0.0.1', r));
    try {
      const r = spawnSync(process.execPath, ['--import', 'tsx', 'api/server.ts'], {
        cwd: ROOT, encoding: 'utf8', timeout: 60_000,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none', PORT: String(port), LOG_FORMAT: 'json', TEMPORAL_ADDRESS: '127.0.0.1:1' },
      });
      expect(r.status).toBe(3);
      const fatal = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: number; msg: string }).find((l) => l.level === 60);
      expect(fatal?.msg).toBe(`API cannot listen on 127.0.0.1:${port}: port ${port} is already in use (PORT)`);
      expect(r.stdout).not.toContain('API listening');
    } finally {
      holder.close();
    }
  });
});
