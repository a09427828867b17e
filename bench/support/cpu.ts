// CPU seconds the parts of a benchmark used, read from /proc (Linux). On a shared machine wall-clock rates
// measure the neighbours too; the CPU each part spent on the run's work much less so.
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS = 100;

function stat(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  } catch {
    return null;
  }
}

/**
 * CPU seconds (user + system) of a process, the children it has reaped (cutime, cstime: a Postgres
 * postmaster's backends that ended) and its live child processes (backends still connected).
 */
export function processTreeCpuSeconds(pid: number): number {
  const own = stat(pid);
  if (!own) return NaN;
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    // Field 2 after the command name is the parent's pid.
    if (s && Number(s[1]) === pid) ticks += Number(s[11]) + Number(s[12]) + Number(s[13]) + Number(s[14]);
  }
  return ticks / TICKS;
}

/** CPU seconds this process has used. */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
