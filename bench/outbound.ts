// `npx tsx bench/outbound.ts --records N [--rate R] [--flush S]` (or `npm run bench -- outbound …`): commits N
// row inserts into salesforce.account at a steady R records/min (0 = as fast as Postgres takes them) and
// measures, per record, the time from its commit to the org emulator committing the record (the store's
// 'change' event). Postgres, the Temporal dev server and a ferry worker (one node process, with its LISTEN
// connection) run as in production (bench/support/stack.ts); the emulator runs in this process so its events
// can be timed.
// Last line: outbound records=N records_per_min=T p50_ms=A p99_ms=B api_calls=C
//   T: records / (first commit → last record in the org); C: API calls the mapping's ledger recorded for the run.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { ChangeEvent, OrgStore } from '../emulator/contract';
import { createEmulator } from '../emulator/server';
import { parseMappingEntry } from '../domain/mapping-config';
import type { Pool } from '../infra/db';
import { FERRY_OBJECT } from '../infra/search-attributes';
import { statusQuery } from '../workflows/mapping/messages';
import { mappingWorkflow } from '../workflows/mapping/workflow';
import { loadAverage, ownCpuSeconds, processTreeCpuSeconds } from './support/cpu';
import { startStack } from './support/stack';

const TICK_MS = 50;
const MAPPING = 'salesforce.account';

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function apiCalls(pool: Pool): Promise<number> {
  const { rows } = await pool.query<{ n: string }>('SELECT coalesce(sum(calls), 0) AS n FROM ferry.api_call_ledger WHERE mapping = $1', [MAPPING]);
  return Number(rows[0].n);
}

export async function runOutboundBench(args: string[]): Promise<string> {
  const { values } = parseArgs({
    args,
    options: { records: { type: 'string', default: '100000' }, rate: { type: 'string', default: '100000' }, flush: { type: 'string', default: '10' } },
  });
  const records = Number(values.records);
  const ratePerMin = Number(values.rate);
  const flushSeconds = Number(values.flush);
  if (!Number.isInteger(records) || records < 1) throw new Error('--records must be a positive integer');
  log('starting Postgres, Temporal, the emulator and a worker…');
  // The emulator runs in this process (its commits are what is timed); the rest is the benchmarks' stack.
  const org = await createEmulator({ port: 0, dailyApiRequests: 10_000_000 });
  const stops: (() => Promise<void> | void)[] = [() => org.close()];
  try {
    const stack = await startStack({ seed: {}, orgUrl: org.url });
    stops.push(() => stack.stop());
    const { pool, temporal, taskQueue } = stack;

    const config = parseMappingEntry({ object_name: 'Account', config: {
      access: 'read_write', sf_polling_seconds: 3600, sf_max_daily_api_calls: null, flush_interval_seconds: flushSeconds,
      fields: { Name: {}, AccountNumber: {} },
    } });
    const handle = await temporal.workflow.start(mappingWorkflow, {
      taskQueue, workflowId: `bench-outbound-${Date.now()}`, args: [{ mappingId: MAPPING, config }],
      typedSearchAttributes: [{ key: FERRY_OBJECT, value: 'Account' }],
    });
    stops.push(() => handle.terminate('benchmark done').then(() => undefined, () => undefined));
    const readyBy = Date.now() + 600_000;
    for (;;) {
      // A busy machine can time a query out before the worker has taken the workflow's first task.
      const s = await handle.query(statusQuery).catch((err: unknown) => {
        if (Date.now() > readyBy) throw err;
        return null;
      });
      if (!s) continue;
      if (s.lastError) throw new Error(`mapping failed: ${s.lastError.type}: ${s.lastError.message}`);
      if (s.outbound?.access === 'read_write' && s.counts.polls > 0 && !s.outbound.pending) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const callsBefore = await apiCalls(pool);
    // The postmaster: the parent of a backend.
    const backend = (await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const postmaster = Number(readFileSync(`/proc/${backend}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]);
    const cpu = () => ({ postgres: processTreeCpuSeconds(postmaster), worker: processTreeCpuSeconds(stack.worker.pid!), bench: ownCpuSeconds() });
    const cpuBefore = cpu();

    const committedAt = new Float64Array(records);
    const latency = new Float64Array(records).fill(-1);
    let arrived = 0;
    let duplicates = 0;
    let lastArrival = 0;
    const allArrived = new Promise<void>((done) => {
      org.org.on('change', (e: ChangeEvent) => {
        const name = e.record.Name;
        if (e.changeType !== 'CREATE' || typeof name !== 'string' || !name.startsWith('ob-')) return;
        const i = Number(name.slice(3));
        if (latency[i] >= 0) {
          duplicates += 1;
          return;
        }
        lastArrival = performance.now();
        latency[i] = lastArrival - committedAt[i];
        if (++arrived === records) done();
      });
    });

    log(`committing ${records} inserts at ${ratePerMin > 0 ? `${ratePerMin}/min` : 'full speed'}, flush every ${flushSeconds} s…`);
    const started = performance.now();
    let committed = 0;
    while (committed < records) {
      const due = ratePerMin > 0 ? Math.min(records, Math.floor(((performance.now() - started) * ratePerMin) / 60_000) + 1) : Math.min(records, committed + 5000);
      if (due > committed) {
        await pool.query("INSERT INTO salesforce.account (name, accountnumber) SELECT 'ob-' || g, 'N' || g FROM generate_series($1::int, $2::int) g", [committed, due - 1]);
        const now = performance.now();
        committedAt.fill(now, committed, due);
        committed = due;
      }
      if (ratePerMin > 0) await new Promise((r) => setTimeout(r, TICK_MS));
    }
    log(`all committed after ${Math.round(performance.now() - started)} ms; waiting for the org…`);
    const timeoutMs = 120_000 + (records / 1000) * 1000;
    await Promise.race([allArrived, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${arrived}/${records} records reached the org`)), timeoutMs))]);
    const cpuAfter = cpu();
    // CPU seconds of the run (from the first commit to the last record in the org, plus the time to read
    // them): Postgres (capture, claims, write-backs), the worker, and this process (the emulator and the
    // inserting client).
    const used = (k: keyof typeof cpuAfter) => (cpuAfter[k] - cpuBefore[k]).toFixed(1);
    log(`cpu_s postgres=${used('postgres')} worker=${used('worker')} bench_and_emulator=${used('bench')} load=${loadAverage()}; worker peak ${stack.workerPeakRssMb()} MB`);
    const calls = (await apiCalls(pool)) - callsBefore;
    const sorted = latency.slice().sort();
    const perMin = Math.round((records / (lastArrival - started)) * 60_000);
    const failed = await pool.query("SELECT count(*)::int AS n FROM salesforce._trigger_log WHERE state = 'FAILED'");
    if (failed.rows[0].n > 0) throw new Error(`${failed.rows[0].n} writes failed`);
    await verifyOrgEqualsPostgres(pool, org.org, records, () => duplicates);
    return `outbound records=${records} records_per_min=${perMin} p50_ms=${Math.round(percentile(sorted, 50))} p99_ms=${Math.round(percentile(sorted, 99))} api_calls=${calls}`;
  } finally {
    for (const s of stops.reverse()) await s();
  }
}

/**
 * Untimed check that nothing was lost or duplicated: once every write-back is done, each row holds the sfid of
 * the one org record of its name, no two rows share one, and the org holds exactly the inserted records.
 */
async function verifyOrgEqualsPostgres(pool: Pool, store: OrgStore, records: number, duplicates: () => number): Promise<void> {
  const deadline = Date.now() + 120_000 + records;
  for (;;) {
    const { rows } = await pool.query<{ queued: boolean; unsynced: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM salesforce._trigger_log WHERE state IN ('NEW', 'PENDING')) AS queued,
              EXISTS (SELECT 1 FROM salesforce.account WHERE sfid IS NULL OR _hc_lastop IS DISTINCT FROM 'SYNCED') AS unsynced`);
    if (!rows[0].queued && !rows[0].unsynced) break;
    if (Date.now() > deadline) throw new Error('write-back did not finish: rows without their sfid or not SYNCED remain');
    await new Promise((r) => setTimeout(r, 250));
  }
  if (duplicates() > 0) throw new Error(`${duplicates()} records were created in the org more than once`);
  if (store.count('Account') !== records) throw new Error(`the org holds ${store.count('Account')} Accounts, not ${records}`);
  const seen = new Set<string>();
  let rowsChecked = 0;
  for (let after = 0; ;) {
    const { rows } = await pool.query<{ id: number; sfid: string; name: string }>(
      'SELECT id, sfid, name FROM salesforce.account WHERE id > $1 ORDER BY id LIMIT 100000', [after]);
    if (rows.length === 0) break;
    for (const r of rows) {
      if (seen.has(r.sfid)) throw new Error(`sfid ${r.sfid} is on more than one row`);
      seen.add(r.sfid);
      const name = store.get('Account', r.sfid)?.Name;
      if (name !== r.name) throw new Error(`row ${r.id} (${r.name}) holds sfid ${r.sfid}, whose record is named ${String(name)}`);
    }
    rowsChecked += rows.length;
    after = rows[rows.length - 1].id;
  }
  if (rowsChecked !== records) throw new Error(`salesforce.account holds ${rowsChecked} rows, not ${records}`);
  log(`verified: ${records} rows, each with the sfid of its one record in the org`);
}

if (require.main === module) {
  runOutboundBench(process.argv.slice(2)).then(
    (line) => {
      console.log(line);
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
