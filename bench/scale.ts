// `npm run bench -- scale [--records 10000000] [--minutes 10]`: ferry at scale. Seeds N records of a 20-field custom
// object (plus --reload-records Accounts) in the org emulator, times the initial load of a read_write mapping of
// it, then runs an hour of a busy mapping's traffic compressed into --minutes minutes, all at once:
// - polls: every minute, --changes records (default 100,000) are updated in the org (one Bulk 2.0 update job),
//   then a "sync now" poll applies them; each poll is timed from the request until the workflow counted it;
// - outbound: --outbound-per-min inserts a minute (default 100,000) committed into the table in steps of
//   1/20 of that every 3 s, sent to the org by ferry's flushes;
// - a reload of a second mapping (Account, --reload-records rows, default 1,000,000) one minute in.
// Then it verifies that the org and Postgres agree: every outbound row has its sfid, the object's row count
// equals the org's, every poll's records carry that poll's value (exactly --changes rows each), and the
// reloaded table holds all the org's Accounts.
// Last line: scale records=N load_s=L rss_mb=M poll_p99_ms=P outbound_per_min=O db_gb=G
//   rss_mb: the worker's peak resident memory over the load and the traffic; db_gb: pg_database_size at the end.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Connection, OAuth2 } from 'jsforce';
import { parseMappingEntry } from '../domain/mapping-config';
import { FERRY_OBJECT } from '../infra/search-attributes';
import { reloadUpdate, statusQuery, syncNowUpdate, type MappingStatus } from '../workflows/mapping/messages';
import { diagnosticsWorkflow } from '../workflows/diagnostics';
import { mappingWorkflow } from '../workflows/mapping/workflow';
import { ITEM_FIELDS } from './support/item-fields';
import { startStack, type Stack } from './support/stack';

const OBJECT = 'Scale_Item__c';
const TABLE = 'salesforce.scale_item__c';
/** Twenty custom fields of the types mappings meet most. */
const FIELDS = [
  ...ITEM_FIELDS,
  { name: 'Region__c', type: 'string', length: 40 },
  { name: 'Category__c', type: 'picklist', picklist: ['Hardware', 'Software', 'Service', 'Support'] },
  { name: 'Price__c', type: 'currency', precision: 12, scale: 2 },
  { name: 'Weight__c', type: 'double', precision: 8, scale: 3 },
  { name: 'Stock__c', type: 'int', precision: 6 },
  { name: 'Shipped__c', type: 'boolean' },
  { name: 'Shipped_At__c', type: 'datetime' },
  { name: 'Contact_Phone__c', type: 'phone' },
  { name: 'Website__c', type: 'url' },
  { name: 'Notes__c', type: 'string', length: 255 },
];
const ACCOUNT_FIELDS = ['Id', 'Name', 'AccountNumber', 'Type', 'Industry', 'Phone', 'AnnualRevenue', 'SystemModstamp', 'IsDeleted'];

const log = (line: string) => process.stderr.write(`bench: ${new Date().toISOString().slice(11, 19)} ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Handle = Awaited<ReturnType<Stack['temporal']['workflow']['start']>>;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function positiveInt(name: string, value: string | undefined): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

export async function runScaleBench(args: string[]): Promise<string> {
  const { values } = parseArgs({
    args,
    options: {
      records: { type: 'string', default: '10000000' }, minutes: { type: 'string', default: '10' }, changes: { type: 'string', default: '100000' },
      'outbound-per-min': { type: 'string', default: '100000' }, 'reload-records': { type: 'string', default: '1000000' },
    },
  });
  const records = positiveInt('records', values.records);
  const minutes = positiveInt('minutes', values.minutes);
  const changes = positiveInt('changes', values.changes);
  const outboundPerMin = positiveInt('outbound-per-min', values['outbound-per-min']);
  const reloadRecords = positiveInt('reload-records', values['reload-records']);
  if (changes * minutes > records) throw new Error(`--changes × --minutes (${changes * minutes}) must not exceed --records (${records}): each poll changes records no other poll did`);

  const dir = resolve(__dirname, '../.data/bench');
  mkdirSync(dir, { recursive: true });
  const schemaFile = join(dir, `scale-schema-${process.pid}.json`);
  writeFileSync(schemaFile, JSON.stringify({ objects: [{ name: OBJECT, label: 'Scale Item', labelPlural: 'Scale Items', keyPrefix: 'a0S', fields: FIELDS }] }));
  log(`starting Postgres, Temporal, the emulator with ${records} ${OBJECT} and ${reloadRecords} Accounts, a worker…`);
  const stack = await startStack({
    seed: { [OBJECT]: records, Account: reloadRecords },
    emulatorArgs: ['--schema', schemaFile, '--daily-api-requests', '100000000'],
    emulatorHeapMb: 12_000,
  }).finally(() => rmSync(schemaFile, { force: true }));
  const handles: Handle[] = [];
  try {
    log(`emulator resident after seeding: ${stack.emulatorPeakRssMb()} MB`);
    await stack.temporal.workflow.execute(diagnosticsWorkflow, { taskQueue: stack.taskQueue, workflowId: `bench-ready-${Date.now()}` });
    stack.resetWorkerPeakRss();
    const conn = new Connection({ oauth2: new OAuth2({ loginUrl: stack.orgUrl, clientId: stack.orgEnv.SF_CLIENT_ID, clientSecret: stack.orgEnv.SF_CLIENT_SECRET }), version: '62.0' });
    await conn.login(stack.orgEnv.SF_USERNAME, stack.orgEnv.SF_PASSWORD);

    // The big mapping: its initial load is what load_s times.
    const config = parseMappingEntry({ object_name: OBJECT, config: {
      access: 'read_write', sf_polling_seconds: 3600, sf_max_daily_api_calls: null,
      fields: Object.fromEntries(['Id', 'Name', 'SystemModstamp', 'IsDeleted', ...FIELDS.map((f) => f.name)].map((f) => [f, {}])),
    } });
    const started = Date.now();
    const item = await stack.temporal.workflow.start(mappingWorkflow, {
      taskQueue: stack.taskQueue, workflowId: `bench-scale-${started}`, args: [{ mappingId: TABLE, config }],
      typedSearchAttributes: [{ key: FERRY_OBJECT, value: OBJECT }],
    });
    handles.push(item);
    const loaded = await waitForLoad(item, null);
    const loadS = (Date.parse(loaded.finishedAt) - started) / 1000;
    log(`initial load: ${loaded.rows} rows in ${loadS.toFixed(1)} s (${Math.round(loaded.rows / loadS)} rows/s, ${loaded.mode}); worker peak ${stack.workerPeakRssMb()} MB; emulator ${stack.emulatorPeakRssMb()} MB`);
    await waitFor(item, (s) => s.counts.polls > 0 && s.outbound?.access === 'read_write' && !s.outbound.pending);

    // The second mapping, loaded before the traffic starts (untimed); it is reloaded during the traffic.
    const accounts = await stack.temporal.workflow.start(mappingWorkflow, {
      taskQueue: stack.taskQueue, workflowId: `bench-scale-account-${Date.now()}`,
      args: [{ mappingId: 'salesforce.account', config: parseMappingEntry({ object_name: 'Account', config: {
        access: 'read_only', sf_polling_seconds: 3600, sf_max_daily_api_calls: null, fields: Object.fromEntries(ACCOUNT_FIELDS.map((f) => [f, {}])),
      } }) }],
      typedSearchAttributes: [{ key: FERRY_OBJECT, value: 'Account' }],
    });
    handles.push(accounts);
    const firstAccountLoad = await waitForLoad(accounts, null);
    await waitFor(accounts, (s) => s.counts.polls > 0);
    log(`Account mapping loaded: ${firstAccountLoad.rows} rows`);

    // The records each poll changes: disjoint, chosen before any traffic.
    const ids = (await stack.pool.query<{ sfid: string }>(`SELECT sfid FROM ${TABLE} ORDER BY sfid LIMIT $1`, [changes * minutes])).rows.map((r) => r.sfid);
    log(`traffic for ${minutes} min: a poll of ${changes} changes a minute, ${outboundPerMin} outbound inserts a minute, a reload of ${reloadRecords} Accounts`);
    const windowStart = Date.now();
    const windowEnd = windowStart + minutes * 60_000;
    const pollMs: number[] = [];
    const polls = (async () => {
      for (let k = 0; k < minutes; k++) {
        await sleepUntil(windowStart + k * 60_000);
        const slice = ids.slice(k * changes, (k + 1) * changes);
        const csv = `Id,Title__c\n${slice.map((id) => `${id},poll-${k}`).join('\n')}\n`;
        const results = await conn.bulk2.loadAndWaitForResults({ object: OBJECT, operation: 'update', input: csv, pollTimeout: 600_000 });
        if (results.failedResults.length > 0) throw new Error(`org update ${k} failed for ${results.failedResults.length} records`);
        const ms = await timePoll(item);
        pollMs.push(ms);
        log(`poll ${k + 1}/${minutes} of ${changes} org changes (and the echoes of outbound writes): ${ms} ms`);
      }
    })();
    let inserted = 0;
    const outbound = (async () => {
      const step = Math.max(1, Math.round(outboundPerMin / 20));
      while (Date.now() < windowEnd) {
        const due = Math.min(Math.floor(((Date.now() - windowStart) * outboundPerMin) / 60_000) + step, Math.floor((minutes * outboundPerMin)));
        if (due > inserted) {
          await stack.pool.query(
            `INSERT INTO ${TABLE} (code__c, title__c, quantity__c, active__c) SELECT 'ob-' || g, 'outbound ' || g, g % 1000, g % 2 = 0 FROM generate_series($1::int, $2::int) g`,
            [inserted, due - 1]);
          inserted = due;
        }
        await sleep(3000);
      }
    })();
    const reload = (async () => {
      await sleepUntil(windowStart + Math.min(60_000, (minutes * 60_000) / 4));
      const before = (await accounts.query(statusQuery)).lastLoad!.finishedAt;
      const t0 = Date.now();
      await accounts.executeUpdate(reloadUpdate);
      const done = await waitForLoad(accounts, before);
      log(`reload of ${done.rows} Accounts: ${Date.parse(done.finishedAt) - t0} ms`);
    })();
    await Promise.all([polls, outbound, reload]);
    log(`traffic done after ${Math.round((Date.now() - windowStart) / 1000)} s; ${inserted} outbound inserts committed, waiting for them to reach the org…`);

    // Outbound: every inserted row has its sfid back (written back as the org committed it).
    let lastSynced = Date.now();
    for (const deadline = Date.now() + 30 * 60_000; ;) {
      const pending = Number((await stack.pool.query(`SELECT count(*) AS n FROM ${TABLE} WHERE sfid IS NULL`)).rows[0].n);
      lastSynced = Date.now();
      if (pending === 0) break;
      if (Date.now() > deadline) throw new Error(`${pending} outbound rows never reached the org`);
      await sleep(2000);
    }
    const outboundPerMinMeasured = Math.round((inserted / (lastSynced - windowStart)) * 60_000);
    const failed = Number((await stack.pool.query("SELECT count(*) AS n FROM salesforce._trigger_log WHERE state = 'FAILED'")).rows[0].n);
    if (failed > 0) throw new Error(`${failed} outbound writes failed`);
    log(`outbound: ${inserted} rows in the org, ${outboundPerMinMeasured}/min`);

    // Org equals Postgres: counts, every poll's changes, the reloaded table.
    await timePoll(item);
    const orgCount = (await conn.query(`SELECT COUNT() FROM ${OBJECT}`)).totalSize;
    const pgCount = Number((await stack.pool.query(`SELECT count(*) AS n FROM ${TABLE} WHERE NOT isdeleted`)).rows[0].n);
    if (orgCount !== records + inserted || pgCount !== orgCount) throw new Error(`${OBJECT}: org holds ${orgCount}, Postgres ${pgCount}, expected ${records + inserted}`);
    const perPoll = (await stack.pool.query<{ title__c: string; n: string }>(`SELECT title__c, count(*) AS n FROM ${TABLE} WHERE title__c LIKE 'poll-%' GROUP BY 1`)).rows;
    for (let k = 0; k < minutes; k++) {
      const n = Number(perPoll.find((r) => r.title__c === `poll-${k}`)?.n ?? 0);
      if (n !== changes) throw new Error(`poll ${k}: Postgres holds ${n} records with its value, the org ${changes}`);
    }
    const accountsPg = Number((await stack.pool.query('SELECT count(*) AS n FROM salesforce.account')).rows[0].n);
    if (accountsPg !== reloadRecords) throw new Error(`the reloaded Account table holds ${accountsPg} rows, the org ${reloadRecords}`);
    log(`verified: ${OBJECT} ${pgCount} rows in both, ${minutes} polls × ${changes} changes applied, ${accountsPg} Accounts reloaded`);

    const rssMb = stack.workerPeakRssMb();
    const dbGb = Number((await stack.pool.query('SELECT pg_database_size(current_database()) AS b')).rows[0].b) / 1e9;
    const tableGb = Number((await stack.pool.query(`SELECT pg_total_relation_size('${TABLE}') AS b`)).rows[0].b) / 1e9;
    const sorted = [...pollMs].sort((a, b) => a - b);
    log(`polls (ms): ${pollMs.join(' ')}; ${OBJECT} table with indexes ${tableGb.toFixed(2)} GB; emulator peak ${stack.emulatorPeakRssMb()} MB`);
    return `scale records=${records} load_s=${loadS.toFixed(1)} rss_mb=${rssMb} poll_p99_ms=${percentile(sorted, 99)} outbound_per_min=${outboundPerMinMeasured} db_gb=${dbGb.toFixed(2)}`;
  } finally {
    for (const h of handles) await h.terminate('benchmark done').catch(() => undefined);
    await stack.stop();
  }
}

async function sleepUntil(at: number): Promise<void> {
  const ms = at - Date.now();
  if (ms > 0) await sleep(ms);
}

type Status = MappingStatus;

async function waitFor(handle: Handle, done: (s: Status) => boolean, everyMs = 200): Promise<Status> {
  for (;;) {
    const s = await handle.query(statusQuery);
    if (s.lastError) throw new Error(`${handle.workflowId} failed: ${s.lastError.type}: ${s.lastError.message}`);
    if (done(s)) return s;
    await sleep(everyMs);
  }
}

/** Waits for a load that finished after `previous` (null: the first load). */
async function waitForLoad(handle: Handle, previous: string | null): Promise<NonNullable<Status['lastLoad']>> {
  const s = await waitFor(handle, (st) => st.lastLoad !== null && st.lastLoad.finishedAt !== previous);
  return s.lastLoad!;
}

/** A "sync now" poll, timed from the request until the workflow counted it. */
async function timePoll(handle: Handle): Promise<number> {
  const before = (await handle.query(statusQuery)).counts.polls;
  const started = Date.now();
  await handle.executeUpdate(syncNowUpdate);
  await waitFor(handle, (s) => s.counts.polls > before, 25);
  return Date.now() - started;
}

if (require.main === module) {
  runScaleBench(process.argv.slice(2)).then((line) => {
    console.log(line);
    process.exit(0);
  }, (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
