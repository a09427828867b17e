// One `npm start` per data directory: a lock file holding the owner's pid, created exclusively. A lock
// whose pid no longer runs (a start that was killed) is taken over; a live one is reported with its pid.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { commandOf } from './ports';

export class InstanceLocked extends Error {
  constructor(readonly pid: number, readonly file: string) {
    super(`another ferry (npm start, pid ${pid}) is running with this data directory (lock ${file}); stop it first (Ctrl-C in its terminal, or kill ${pid})`);
    this.name = 'InstanceLocked';
  }
}

/** Whether a process with this pid runs (EPERM: it does, as another user). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface InstanceLock {
  release(): void;
}

/** Takes `file` for this process, or throws InstanceLocked naming the live owner. */
export function acquireInstanceLock(file: string): InstanceLock {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return {
        release: () => {
          try {
            if (Number(readFileSync(file, 'utf8').trim()) === process.pid) unlinkSync(file);
          } catch {
            // already gone
          }
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(file, 'utf8').trim());
    } catch {
      continue; // removed meanwhile: try again
    }
    // A live owner that is an npm start (not a process that reused the pid of a killed one) holds the lock.
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner) && /start\.ts/.test(commandOf(owner, Infinity))) {
      throw new InstanceLocked(owner, file);
    }
    // A stale lock (its start was killed, or the file is empty): remove it and try again.
    try {
      unlinkSync(file);
    } catch {
      // someone else removed it
    }
  }
  throw new Error(`could not take the lock ${file}`);
}
