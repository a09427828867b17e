// `npm run bench -- inbound --records N`: seeds N Accounts in the org emulator, times ferry's initial load end
// to end (workflow start → table complete), then a raw COPY of the same rows into an identical table as the
// physical reference, then one incremental poll applying 10,000 changed records.
// Last line: inbound records=N rows_per_s=R ratio_vs_copy=Q peak_rss_mb=M poll_10k_ms=P
import { createReadStream, createWriteStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { Connection, OAuth2 } from 'jsforce';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { parseMappingEntry } from '../domain/mapping-config';
import { FERRY_OBJECT } from '../infra/search-attributes';
import { statusQuery, syncNowUpdate } from '../workflows/mapping/messages';
import { diagnosticsWorkflow } from '../workflows/diagnostics';
import { mappingWorkflow } from '../workflows/mapping/workflow';
import { startStack, type Stack } from './support/stack';

const FIELDS = ['Id', 'Name', 'AccountNumber', 'Type', 'Industry', 'Phone', 'Website', 'AnnualRevenue', 'NumberOfEmployees', 'Description', 'CreatedDate', 'SystemModstamp', 'IsDeleted'];
const CHANGED = 10_000;

export async function runInboundBench(args: string[]): Promise<string> {
  const { values } = parseArgs({ args, options: { records: { type: 'string', default: '1000000' } } });
  const records = Number(values.records);
  if (!Number.isInteger(records) || records < CHANGED) throw new Error(`--records must be an integer ≥ ${CHANGED}`);
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  log(`starting Postgres, Temporal, the emulator with ${records} Accounts, a worker…`);
  const stack = await startStack({ seed: { Account: records } });
  try {
    // The worker is ready once it has run a workflow; the load is timed from then on.
    await stack.temporal.workflow.execute(diagnosticsWorkflow, { taskQueue: stack.taskQueue, workflowId: `bench-ready-${Date.now()}` });
    stack.resetWorkerPeakRss();
    log(`worker resident before the load: ${stack.workerPeakRssMb()} MB`);
    const config = parseMappingEntry({ object_name: 'Account', config: { access: 'read_only', sf_polling_seconds: 3600, sf_max_daily_api_calls: null, fields: Object.fromEntries(FIELDS.map((f) => [f, {}])) } });
    const started = Date.now();
    const handle = await stack.temporal.workflow.start(mappingWorkflow, {
      taskQueue: stack.taskQueue, workflowId: `bench-inbound-${started}`,
      args: [{ mappingId: 'salesforce.account', config }], typedSearchAttributes: [{ key: FERRY_OBJECT, value: 'Account' }],
    });
    let status = await handle.query(statusQuery);
    while (status.lastLoad === null) {
      if (status.lastError) throw new Error(`load failed: ${status.lastError.type}: ${status.lastError.message}`);
      await new Promise((r) => setTimeout(r, 100));
      status = await handle.query(statusQuery);
    }
    const loadMs = status.lastLoad && Date.parse(status.lastLoad.finishedAt) - started;
    const loaded = Number((await stack.pool.query('SELECT count(*) AS n FROM salesforce.account')).rows[0].n);
    if (loaded !== records) throw new Error(`table holds ${loaded} rows, expected ${records}`);
    const rowsPerS = records / (loadMs! / 1000);
    log(`initial load: ${records} rows in ${loadMs} ms (${Math.round(rowsPerS)} rows/s, ${status.lastLoad!.mode})`);
    const peakRss = stack.workerPeakRssMb();

    const copyRowsPerS = await rawCopyReference(stack, records);
    log(`raw COPY into an identical table: ${Math.round(copyRowsPerS)} rows/s`);

    await waitForFirstPoll(handle);
    const pollMs = await timeIncrementalPoll(stack, handle);
    log(`incremental poll of ${CHANGED} changes: ${pollMs} ms`);
    await handle.terminate('benchmark done');
    return `inbound records=${records} rows_per_s=${Math.round(rowsPerS)} ratio_vs_copy=${(rowsPerS / copyRowsPerS).toFixed(2)} peak_rss_mb=${peakRss} poll_10k_ms=${pollMs}`;
  } finally {
    await stack.stop();
  }
}

/** COPY of the very rows ferry loaded, from a file, into a table with the same DDL and indexes. */
async function rawCopyReference(stack: Stack, records: number): Promise<number> {
  const dir = resolve(__dirname, '../.data/bench');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'account.copy');
  const cols = 'sfid, systemmodstamp, isdeleted, _hc_lastop, _hc_err, name, accountnumber, type, industry, phone, website, annualrevenue, numberofemployees, description, createddate';
  const client = await stack.pool.connect();
  try {
    await pipeline(client.query(copyTo(`COPY salesforce.account (${cols}) TO STDOUT`)), createWriteStream(file));
    await client.query('DROP TABLE IF EXISTS salesforce.account_copy_reference');
    await client.query('CREATE TABLE salesforce.account_copy_reference (LIKE salesforce.account INCLUDING ALL)');
    const started = process.hrtime.bigint();
    await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), client.query(copyFrom(`COPY salesforce.account_copy_reference (${cols}) FROM STDIN`)));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    process.stderr.write(`bench: reference file ${(statSync(file).size / 1e6).toFixed(0)} MB\n`);
    await client.query('DROP TABLE salesforce.account_copy_reference');
    return records / seconds;
  } finally {
    client.release();
    rmSync(file, { force: true });
  }
}

type Handle = Awaited<ReturnType<Stack['temporal']['workflow']['start']>>;

async function waitForFirstPoll(handle: Handle): Promise<void> {
  while ((await handle.query(statusQuery)).counts.polls === 0) await new Promise((r) => setTimeout(r, 100));
}

/** Changes 10,000 records in the org (one Bulk 2.0 update), then times a "sync now" poll applying them. */
async function timeIncrementalPoll(stack: Stack, handle: Handle): Promise<number> {
  const conn = new Connection({ oauth2: new OAuth2({ loginUrl: stack.orgUrl, clientId: stack.orgEnv.SF_CLIENT_ID, clientSecret: stack.orgEnv.SF_CLIENT_SECRET }), version: '62.0' });
  await conn.login(stack.orgEnv.SF_USERNAME, stack.orgEnv.SF_PASSWORD);
  const ids = (await stack.pool.query<{ sfid: string }>('SELECT sfid FROM salesforce.account ORDER BY random() LIMIT $1', [CHANGED])).rows;
  const csv = `Id,Name,NumberOfEmployees\n${ids.map((r, i) => `${r.sfid},Changed ${i},${i}`).join('\n')}\n`;
  const results = await conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'update', input: csv, pollTimeout: 600_000 });
  if (results.failedResults.length > 0) throw new Error(`org update failed for ${results.failedResults.length} records`);
  const before = (await handle.query(statusQuery)).counts;
  const started = Date.now();
  await handle.executeUpdate(syncNowUpdate);
  let status = await handle.query(statusQuery);
  while (status.counts.polls === before.polls) {
    await new Promise((r) => setTimeout(r, 20));
    status = await handle.query(statusQuery);
  }
  const elapsed = Date.now() - started;
  const applied = status.counts.updated - before.updated;
  if (applied < CHANGED) throw new Error(`the poll applied ${applied} updates, expected ${CHANGED}`);
  return elapsed;
}

if (require.main === module) {
  runInboundBench(process.argv.slice(2)).then((line) => console.log(line), (err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
