// The Bulk API 2.0 spool directory: a process removes the directories that killed processes left behind,
// and never one whose process still runs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { spoolPath } from '../../emulator/bulk2/spool-dir.js';

const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

function fakeDir(pid: number): string {
  const dir = join(tmpdir(), `ferry-emulator-bulk2-${pid}-test${made.length}`);
  mkdirSync(dir);
  writeFileSync(join(dir, '1.csv'), '"Id"\n');
  made.push(dir);
  return dir;
}

it('sweeps the directories of exited processes on first use, keeps live ones and its own', () => {
  const exited = spawnSync(process.execPath, ['-e', '0']).pid;
  const stale = fakeDir(exited);
  const live = fakeDir(process.ppid);
  const path = spoolPath();
  expect(existsSync(stale)).toBe(false);
  expect(existsSync(live)).toBe(true);
  expect(dirname(path)).toMatch(new RegExp(`ferry-emulator-bulk2-${process.pid}-`));
  expect(spoolPath()).not.toBe(path);
});
