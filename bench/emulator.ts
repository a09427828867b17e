// Benchmark of ferry's Salesforce org emulator: how fast it seeds, serves Bulk API 2.0 query results and
// takes Bulk API 2.0 ingest uploads while holding millions of records. The emulator runs in a child process
// (so the measuring client never steals its CPU, and its peak RSS is its own); the client speaks raw HTTP —
// the same requests jsforce sends — because jsforce's own CSV parsing would be the thing measured.
//
//   npx tsx bench/emulator.ts [--records 5000000] [--ingest 200000]
//
// Last line: `emulator records=N seed_rows_per_s=S query_rows_per_s=Q ingest_rows_per_s=I rss_mb=M`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ITEM_FIELDS } from './support/item-fields';

const OBJECT = 'Bench_Item__c';
/** The object: ten custom fields of the types a Heroku Connect mapping meets most (plus the system fields). */
const SCHEMA = {
  objects: [{
    name: OBJECT, label: 'Bench Item', keyPrefix: 'a0B', fields: ITEM_FIELDS,
  }],
};
const FIELDS = SCHEMA.objects[0].fields.map((f) => f.name);
/** What a sync of the object selects: Id, the ten fields, SystemModstamp. */
const QUERY = `SELECT Id, ${FIELDS.join(', ')}, SystemModstamp FROM ${OBJECT}`;
/** Heap for the child: 5M records of this object need about 2 GB; V8's default limit is smaller. */
const CHILD_HEAP_MB = 8192;
const API = '62.0';

interface Served { url: string; username: string; password: string; clientId: string; clientSecret: string }

/** Child mode: start the emulator with the bench schema and report where it listens. */
async function serve(schemaFile: string): Promise<void> {
  const { createEmulator } = await import('../emulator/server.js');
  const emu = await createEmulator({ schemaFile, dailyApiRequests: 10_000_000 });
  process.stdout.write(`READY ${JSON.stringify({ url: emu.url, ...emu.credentials })}\n`);
  process.on('SIGTERM', () => void emu.close().then(() => process.exit(0)));
}

function startChild(schemaFile: string): Promise<{ child: ChildProcess; served: Served }> {
  // FERRY_BENCH_EMULATOR_NODE_ARGS adds node flags to the child, e.g. `--cpu-prof --cpu-prof-dir=.data/prof`.
  const extra = (process.env.FERRY_BENCH_EMULATOR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...extra, `--max-old-space-size=${CHILD_HEAP_MB}`, '--import', 'tsx', __filename, '--serve', schemaFile], {
    // From the repository root, so `--import tsx` resolves whatever directory the bench was started from.
    cwd: resolve(__dirname, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code, signal) => {
      const err = new Error(`ferry emulator child exited (code ${code}, signal ${signal})`);
      console.error(err.message);
      reject(err);
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('READY ')) resolve({ child, served: JSON.parse(line.slice(6)) as Served });
    });
  });
}

/** Peak resident set of a process (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** CPU seconds (user + system) a process has used; clock ticks are 1/100 s on Linux. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Runs one phase; reports its wall rate and, because other work may share the machine, its rate per emulator CPU second. */
async function phase(name: string, rows: number, pid: number, run: () => Promise<number>): Promise<number> {
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  const wallRate = await run();
  const cpu = cpuSeconds(pid) - cpuBefore;
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  console.log(`${name}: ${rows} rows, ${wallRate} rows/s (wall ${Math.round(performance.now() - started)} ms; emulator CPU ${cpu.toFixed(1)} s = ${Math.round(rows / cpu)} rows per CPU-second; load ${load})`);
  return wallRate;
}

class Client {
  constructor(private readonly base: string, private readonly token: string) {}

  static async login(s: Served): Promise<Client> {
    const form = new URLSearchParams({ grant_type: 'password', username: s.username, password: s.password, client_id: s.clientId, client_secret: s.clientSecret });
    const res = await fetch(`${s.url}/services/oauth2/token`, { method: 'POST', body: form });
    if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    return new Client(s.url, ((await res.json()) as { access_token: string }).access_token);
  }

  async call(path: string, init: { method?: string; json?: unknown; csv?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}` };
    let body: string | undefined;
    if (init.json !== undefined) { headers['Content-Type'] = 'application/json; charset=utf-8'; body = JSON.stringify(init.json); }
    if (init.csv !== undefined) { headers['Content-Type'] = 'text/csv'; body = init.csv; }
    const url = path.startsWith('/__emulator') ? `${this.base}${path}` : `${this.base}/services/data/v${API}${path}`;
    const method = init.method ?? 'GET';
    let res: Response;
    for (let attempt = 1; ; attempt++) {
      try {
        res = await fetch(url, { method, headers, body });
        break;
      } catch (err) {
        // Like jsforce: a GET that meets a dropped keep-alive socket (the emulator busy past its idle timeout) is retried.
        if (method !== 'GET' || attempt === 3) throw err;
      }
    }
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res;
  }

  async json<T>(path: string, init?: { method?: string; json?: unknown; csv?: string }): Promise<T> {
    return (await (await this.call(path, init)).json()) as T;
  }

  /** Polls a job every 10 ms until it leaves the running states. */
  async waitForJob(kind: 'query' | 'ingest', id: string): Promise<Record<string, unknown>> {
    for (;;) {
      const info = await this.json<Record<string, unknown>>(`/jobs/${kind}/${id}`);
      if (info.state === 'JobComplete') return info;
      if (info.state === 'Failed' || info.state === 'Aborted') throw new Error(`job ${id} ${String(info.state)}: ${String(info.errorMessage)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

const rate = (rows: number, ms: number) => Math.round(rows / (ms / 1000));

async function seed(client: Client, records: number): Promise<number> {
  const started = performance.now();
  await client.json('/__emulator/seed', { method: 'POST', json: { [OBJECT]: records } });
  return rate(records, performance.now() - started);
}

/** Create → JobComplete → every page downloaded, as a sync's full load does it. */
async function queryAll(client: Client, records: number): Promise<number> {
  const started = performance.now();
  const { id } = await client.json<{ id: string }>('/jobs/query', { method: 'POST', json: { operation: 'query', query: QUERY } });
  await client.waitForJob('query', id);
  let rows = 0;
  let locator: string | null = null;
  do {
    const res = await client.call(`/jobs/query/${id}/results${locator ? `?locator=${locator}` : ''}`);
    locator = res.headers.get('sforce-locator');
    rows += Number(res.headers.get('sforce-numberofrecords'));
    for await (const chunk of res.body!) void chunk;
  } while (locator !== null && locator !== 'null');
  const ms = performance.now() - started;
  if (rows !== records) throw new Error(`query returned ${rows} rows, expected ${records}`);
  await client.call(`/jobs/query/${id}`, { method: 'DELETE' });
  return rate(rows, ms);
}

function ingestCsv(rows: number, run: string): string {
  const lines = [FIELDS.join(',')];
  for (let i = 0; i < rows; i++) {
    lines.push(`ING-${run}-${i},"Item ${i}, ""bench""",${(i % 100000) / 100},${i % 1000},${i / 7},${i % 2 === 0},Open,2024-0${(i % 9) + 1}-15,user${i}@bench.example,Lyon`);
  }
  return `${lines.join('\n')}\n`;
}

/** Create → upload → UploadComplete → JobComplete, for an insert of `rows` new records. */
async function ingest(client: Client, rows: number, run: string): Promise<number> {
  const csv = ingestCsv(rows, run);
  const started = performance.now();
  const { id } = await client.json<{ id: string }>('/jobs/ingest', { method: 'POST', json: { object: OBJECT, operation: 'insert' } });
  await client.call(`/jobs/ingest/${id}/batches`, { method: 'PUT', csv });
  await client.call(`/jobs/ingest/${id}`, { method: 'PATCH', json: { state: 'UploadComplete' } });
  const info = await client.waitForJob('ingest', id);
  const ms = performance.now() - started;
  if (info.numberRecordsProcessed !== rows || info.numberRecordsFailed !== 0) throw new Error(`ingest job ${id}: ${JSON.stringify(info)}`);
  return rate(rows, ms);
}

export async function runEmulatorBench(args: string[]): Promise<string> {
  const { values } = parseArgs({ args, options: { records: { type: 'string', default: '5000000' }, ingest: { type: 'string', default: '200000' } } });
  const records = Number(values.records);
  const ingestRows = Number(values.ingest);
  if (!Number.isInteger(records) || records < 1 || !Number.isInteger(ingestRows) || ingestRows < 1) throw new Error('--records and --ingest must be positive integers');
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-emulator-'));
  const schemaFile = join(dir, 'schema.json');
  writeFileSync(schemaFile, JSON.stringify(SCHEMA));
  const { child, served } = await startChild(schemaFile);
  try {
    const client = await Client.login(served);
    const pid = child.pid!;
    const seedRate = await phase(`seed ${OBJECT}`, records, pid, () => seed(client, records));
    const queryRate = await phase(`bulk 2.0 query (${QUERY.split(',').length} columns)`, records, pid, () => queryAll(client, records));
    const ingestRate = await phase('bulk 2.0 insert', ingestRows, pid, () => ingest(client, ingestRows, String(Date.now())));
    const line = `emulator records=${records} seed_rows_per_s=${seedRate} query_rows_per_s=${queryRate} ingest_rows_per_s=${ingestRate} rss_mb=${peakRssMb(pid)}`;
    return line;
  } finally {
    child.removeAllListeners('exit');
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--serve') {
    void serve(argv[1]);
  } else {
    runEmulatorBench(argv).then((line) => console.log(line), (err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  }
}
