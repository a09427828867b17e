// The directory that holds a process's Bulk API 2.0 files (uploads and results). Named after the process id,
// so a later process can tell a directory left behind by one that was killed (no 'exit' hook ran) from one
// still in use, and remove it.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PREFIX = 'ferry-emulator-bulk2-';

let spoolRoot: string | undefined;
let spoolSeq = 0;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the directories of processes that are gone. */
function sweepStale(dir: string): void {
  for (const name of readdirSync(dir)) {
    const pid = name.startsWith(PREFIX) ? Number(name.slice(PREFIX.length).split('-')[0]) : NaN;
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

/** A new file path in this process's directory (created on first use, removed when the process exits). */
export function spoolPath(): string {
  if (!spoolRoot) {
    sweepStale(tmpdir());
    const root = mkdtempSync(join(tmpdir(), `${PREFIX}${process.pid}-`));
    spoolRoot = root;
    process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  }
  spoolSeq += 1;
  return join(spoolRoot, `${spoolSeq}.csv`);
}
