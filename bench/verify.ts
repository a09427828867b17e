// `npm run bench -- verify --records N`: seeds N Accounts in the org emulator, loads them with a polling
// mapping (first poll and purge sweep done), then makes 0.1 % drift that no poll sees — 40 % org updates
// (the next poll is an hour away), 30 % rows deleted from the table behind ferry's back, 30 % records purged
// from the org — and times one verify (POST …/actions/verify's workflow update) from the activity's own clock.
// Last line: verify records=N rows_per_s=R api_calls=C repaired=K
//   R = records verified per second of the verify's wall time, C = the verify's API calls (from its ledger),
//   K = rows repaired (expected: the drift made).
import { parseArgs } from 'node:util';
import { parseMappingEntry } from '../domain/mapping-config';
import { FERRY_OBJECT } from '../infra/search-attributes';
import { diagnosticsWorkflow } from '../workflows/diagnostics';
import { statusQuery, verifyUpdate, type MappingStatus } from '../workflows/mapping/messages';
import { mappingWorkflow } from '../workflows/mapping/workflow';
import { startStack, type Stack } from './support/stack';

const FIELDS = ['Id', 'Name', 'Phone', 'Industry', 'NumberOfEmployees', 'AnnualRevenue', 'SystemModstamp', 'IsDeleted'];
const MAPPING = 'salesforce.account';

type Handle = Awaited<ReturnType<Stack['temporal']['workflow']['start']>>;

async function until(handle: Handle, what: string, ok: (s: MappingStatus) => boolean, timeoutMs = 1_800_000): Promise<MappingStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await handle.query(statusQuery);
    if (ok(s)) return s;
    if (s.lastError && s.state !== 'DATA_SYNCED') throw new Error(`${what}: ${s.lastError.type}: ${s.lastError.message}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The drift: org updates, table rows removed, org records purged; returns how many rows it touched. */
async function makeDrift(stack: Stack, records: number): Promise<number> {
  const drift = Math.max(10, Math.round(records * 0.001));
  const { rows } = await stack.pool.query<{ sfid: string }>('SELECT sfid FROM salesforce.account ORDER BY md5(sfid) LIMIT $1', [drift]);
  const ids = rows.map((r) => r.sfid);
  const updates = ids.slice(0, Math.round(drift * 0.4));
  const removed = ids.slice(updates.length, updates.length + Math.round(drift * 0.3));
  const purged = ids.slice(updates.length + removed.length);
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${stack.orgUrl}/__emulator${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  };
  for (const [i, id] of updates.entries()) await admin('PATCH', `/records/Account/${id}`, { Phone: `drift-${i}`, NumberOfEmployees: i });
  for (const id of purged) await admin('DELETE', `/records/Account/${id}?purge=true`);
  // ferry's mapping table has no capture triggers (read_only): a plain delete is an edit behind its back.
  await stack.pool.query('DELETE FROM salesforce.account WHERE sfid = ANY($1::varchar[])', [removed]);
  return updates.length + removed.length + purged.length;
}

export async function runVerifyBench(args: string[]): Promise<string> {
  const { values } = parseArgs({ args, options: { records: { type: 'string', default: '1000000' } } });
  const records = Number(values.records);
  if (!Number.isInteger(records) || records < 10_000) throw new Error('--records must be an integer ≥ 10000');
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  log(`starting Postgres, Temporal, the emulator with ${records} Accounts, a worker…`);
  const stack = await startStack({ seed: { Account: records } });
  try {
    await stack.temporal.workflow.execute(diagnosticsWorkflow, { taskQueue: stack.taskQueue, workflowId: `bench-ready-${Date.now()}` });
    const config = parseMappingEntry({ object_name: 'Account', config: {
      access: 'read_only', sf_polling_seconds: 3600, sf_max_daily_api_calls: null, verify_interval_seconds: 0, fields: Object.fromEntries(FIELDS.map((f) => [f, {}])),
    } });
    const handle = await stack.temporal.workflow.start(mappingWorkflow, {
      taskQueue: stack.taskQueue, workflowId: `bench-verify-${Date.now()}`,
      args: [{ mappingId: MAPPING, config }], typedSearchAttributes: [{ key: FERRY_OBJECT, value: 'Account' }],
    });
    const loadStarted = Date.now();
    await until(handle, 'the initial load, first poll and purge sweep', (s) => s.lastLoad !== null && s.counts.polls > 0 && s.lastPurgeSweepAt !== null && s.state === 'DATA_SYNCED');
    log(`loaded, polled and swept in ${Date.now() - loadStarted} ms`);
    const drift = await makeDrift(stack, records);
    log(`drift made: ${drift} rows`);
    // A verify leaves changes stamped within its watermark's last second (the org's Date header has whole
    // seconds) to the next poll; the drift must be older than that to be the verify's to find.
    await new Promise((r) => setTimeout(r, 2_000));
    await handle.executeUpdate(verifyUpdate);
    const s = await until(handle, 'the verify', (st) => (st.verify?.runs ?? 0) >= 1);
    const v = s.verify!.last!;
    const orgCount = Number((await (await fetch(`${stack.orgUrl}/__emulator/records/Account/count`)).json() as { count: number }).count);
    const tableCount = Number((await stack.pool.query('SELECT count(*) AS n FROM salesforce.account')).rows[0].n);
    log(`verify: ${v.mode}, ${v.buckets} buckets (${v.bucketsDiffering} differing), ${v.rowsCompared} rows compared (both sides), `
      + `missing=${v.missing} stale=${v.stale} extra=${v.extra}, ${v.durationMs} ms (${JSON.stringify(v.phasesMs)}), estimate ${v.estimate.low}–${v.estimate.high} calls; table ${tableCount} rows, org ${orgCount}`);
    if (tableCount !== orgCount) throw new Error(`after the verify the table holds ${tableCount} rows, the org ${orgCount}`);
    if (v.repaired !== drift) throw new Error(`the verify repaired ${v.repaired} rows (missing=${v.missing} stale=${v.stale} extra=${v.extra} skipped=${v.skipped}), the drift made was ${drift}`);
    await handle.terminate('benchmark done');
    return `verify records=${records} rows_per_s=${Math.round(records / (v.durationMs / 1000))} api_calls=${v.apiCalls} repaired=${v.repaired}`;
  } finally {
    await stack.stop();
  }
}

if (require.main === module) {
  runVerifyBench(process.argv.slice(2)).then((line) => console.log(line), (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
