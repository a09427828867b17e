// Port checks for `npm start`: every port it will listen on is tried before anything starts, and a taken
// port is reported with the variable that sets it and the process holding it (found through /proc on Linux).
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:net';

export interface PlannedPort {
  port: number;
  host: string;
  /** What listens there, e.g. "the API". */
  what: string;
  /** The variable that chooses the port, e.g. "PORT". */
  variable: string;
}

/** Whether host:port can be listened on right now. */
export function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => done(true)));
  });
}

/** Socket inodes listening on `port` (IPv4 and IPv6), from /proc/net/tcp*. */
function listeningInodes(port: number): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue; // 0A = LISTEN
      const localPort = parseInt(cols[1].split(':').pop() ?? '', 16);
      if (localPort === port) inodes.add(cols[9]);
    }
  }
  return inodes;
}

export interface PortHolder {
  pid: number;
  command: string;
}

/** The process listening on `port`, when this user may see it; undefined otherwise. */
export function portHolder(port: number): PortHolder | undefined {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return undefined;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return undefined;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m && inodes.has(m[1])) return { pid: Number(pid), command: commandOf(Number(pid)) };
    }
  }
  return undefined;
}

/** The command line of `pid` (shortened to `max` characters), from /proc. */
export function commandOf(pid: number, max = 120): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return cmd.length > max ? `${cmd.slice(0, max - 1)}…` : cmd;
  } catch {
    return 'unknown command';
  }
}

/** One line per taken port: "port 3000 (PORT, the API) is in use by pid 123 (node api/server.ts)". */
export async function takenPorts(planned: PlannedPort[]): Promise<string[]> {
  const problems: string[] = [];
  for (const p of planned) {
    if (await canListen(p.port, p.host)) continue;
    const holder = portHolder(p.port);
    const by = holder ? `pid ${holder.pid} (${holder.command})` : 'another process (not visible to this user)';
    problems.push(`port ${p.port} on ${p.host} (${p.variable}, ${p.what}) is in use by ${by}`);
  }
  return problems;
}
