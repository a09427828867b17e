// npm start's data directory (.data, or FERRY_DATA_DIR) is private to the user running ferry: mode 700. As
// root, Postgres runs as the `postgres` user and must reach .data/pg, so the directory is root:postgres 710
// (the group may pass through, not list or read); everything inside keeps its own, tighter modes.
import { chmodSync, chownSync, existsSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';

export function secureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (userInfo().uid === 0) {
    let gid: number | undefined;
    try {
      gid = Number(execFileSync('id', ['-g', 'postgres'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
    } catch {
      gid = undefined; // no postgres user: Postgres is external (DATABASE_URL)
    }
    if (gid !== undefined) {
      chownSync(dir, 0, gid);
      chmodSync(dir, 0o710);
      return;
    }
  }
  chmodSync(dir, 0o700);
}

/** Tightens a file ferry's services create with their own defaults (e.g. the Temporal dev server's SQLite file). */
export function privateFile(file: string): void {
  if (existsSync(file)) chmodSync(file, 0o600);
}
