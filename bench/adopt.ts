// `npm run bench -- adopt --records N`: what taking over a Heroku Connect table of N rows costs, beside
// reloading it. The org emulator holds N Accounts (seeded over 30 days of SystemModstamps); ferry's API runs
// in this process against the benchmark stack (Postgres, Temporal, emulator and worker in their own processes).
//  1. Reload: POST /import of the Account mapping; timed until the initial load completed (Bulk 2.0 query,
//     COPY, indexes) and the first poll ran.
//  2. A Heroku Connect database of the same rows (schema `hc`: its trigger log, functions and triggers, the rows
//     as Heroku Connect's sync leaves them, 100 app writes queued NEW through its triggers), built untimed.
//  3. Adoption: POST /import?adopt=true of the same mapping in schema `hc`; timed until the response and
//     until the first poll and the flush of the queued writes ran.
// Salesforce API calls are the emulator's own count of requests over each phase (every request, whoever made
// it: the API's describes and count check, the mapping's load, polls, sweeps and flushes).
// Last line: adopt records=N reload_ms=… reload_api_calls=… adopt_ms=… adopt_caught_up_ms=… adopt_api_calls=…
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { SalesforceSessions } from '../salesforce/session';
import { buildApp } from '../api/app';
import { createLogger } from '../infra/logger';
import { buildHerokuConnectDatabase } from '../test/support/heroku-connect-db';
import { diagnosticsWorkflow } from '../workflows/diagnostics';
import { startStack, type Stack } from './support/stack';

const TOKEN = 'bench-token-0123456789abcdef';
const FIELDS = ['Id', 'Name', 'AccountNumber', 'Industry', 'AnnualRevenue', 'NumberOfEmployees', 'CreatedDate', 'SystemModstamp', 'IsDeleted'];
const QUEUED = 100;

interface Status { state: string; last_load: { rows: number } | null; counts: { polls: number; loads: number }; outbound: { pending: boolean; flushes: number }; last_error: { message: string } | null }

function exportFor(schema: string) {
  return {
    version: 1,
    connection: { app_name: 'bench', schema_name: schema, features: { poll_db_no_merge: true }, api_version: '59.0' },
    mappings: [{ object_name: 'Account', config: {
      access: 'read_write', sf_notify_enabled: false, sf_polling_seconds: 3600, sf_max_daily_api_calls: null,
      fields: Object.fromEntries(FIELDS.map((f) => [f, {}])), indexes: { Name: { unique: false } }, applied_at: '2023-02-14T01:40:34.070538Z',
    } }],
  };
}

export async function runAdoptBench(args: string[]): Promise<string> {
  const { values } = parseArgs({ args, options: { records: { type: 'string', default: '1000000' } } });
  const records = Number(values.records);
  if (!Number.isInteger(records) || records < 1000) throw new Error('--records must be an integer ≥ 1000');
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  log(`starting Postgres, Temporal, the emulator with ${records} Accounts, a worker…`);
  const stack = await startStack({ seed: { Account: records } });
  const api = await startApi(stack);
  try {
    await stack.temporal.workflow.execute(diagnosticsWorkflow, { taskQueue: stack.taskQueue, workflowId: `bench-ready-${Date.now()}` });
    const orgCalls = async () => ((await (await fetch(`${stack.orgUrl}/__emulator/counters`)).json()) as { api: { total: number } }).api.total;
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${api.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };
    const waitFor = async (path: string, what: string, ok: (s: Status) => boolean): Promise<Status> => {
      for (;;) {
        const s = (await call('GET', path)).status as Status;
        if (s.last_error && s.state !== 'DATA_SYNCED') throw new Error(`${what}: ${s.last_error.message}`);
        if (ok(s)) return s;
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    // 1. Reload.
    let before = await orgCalls();
    let started = Date.now();
    await call('POST', '/import', exportFor('salesforce'));
    const loaded = await waitFor('/mappings/salesforce.Account', 'reload', (s) => s.last_load !== null && s.counts.polls > 0);
    const reloadMs = Date.now() - started;
    const reloadCalls = (await orgCalls()) - before;
    if (loaded.last_load!.rows !== records) throw new Error(`the reload loaded ${loaded.last_load!.rows} rows, expected ${records}`);
    log(`reload: ${records} rows in ${reloadMs} ms, ${reloadCalls} Salesforce API calls`);

    // 2. The same rows in a Heroku Connect database, with app writes queued.
    await buildHc(stack);
    log('Heroku Connect database built (schema hc)');

    // 3. Adoption.
    before = await orgCalls();
    started = Date.now();
    const adopted = await call('POST', '/import?adopt=true', exportFor('hc'));
    const adoptMs = Date.now() - started;
    const report = (adopted.mappings as { adoption: { rows: number; carried_writes: number; count_check: unknown } }[])[0].adoption;
    await waitFor('/mappings/hc.Account', 'adoption', (s) => s.counts.polls > 0 && s.outbound.flushes > 0 && !s.outbound.pending);
    const caughtUpMs = Date.now() - started;
    const adoptCalls = (await orgCalls()) - before;
    const left = Number((await stack.pool.query("SELECT count(*) AS n FROM hc._trigger_log WHERE state IN ('NEW', 'PENDING')")).rows[0].n);
    if (left !== 0 || report.carried_writes !== QUEUED) throw new Error(`carried ${report.carried_writes} writes, ${left} still queued`);
    log(`adoption: ${report.rows} rows, ${report.carried_writes} queued writes carried and sent, count check ${JSON.stringify(report.count_check)}`);
    log(`adoption: response in ${adoptMs} ms, first poll and flush done after ${caughtUpMs} ms, ${adoptCalls} Salesforce API calls`);
    return `adopt records=${records} reload_ms=${reloadMs} reload_api_calls=${reloadCalls} adopt_ms=${adoptMs} adopt_caught_up_ms=${caughtUpMs} adopt_api_calls=${adoptCalls}`;
  } finally {
    await api.stop();
    await stack.stop();
  }
}

async function startApi(stack: Stack): Promise<{ url: string; stop(): Promise<void> }> {
  const e = stack.orgEnv;
  const app = buildApp({
    pool: stack.pool, temporal: stack.temporal, namespace: 'default', log: createLogger('bench-api', 'warn'), taskQueue: stack.taskQueue,
    apiToken: TOKEN, schema: 'salesforce',
    salesforce: new SalesforceSessions({ loginUrl: e.SF_LOGIN_URL, clientId: e.SF_CLIENT_ID, clientSecret: e.SF_CLIENT_SECRET, username: e.SF_USERNAME, password: e.SF_PASSWORD, apiVersion: '62.0' }),
    // A count on a million-row object, and index builds, take longer than the default deadlines.
    deadlines: { salesforceMs: 300_000, postgresMs: 600_000 },
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

async function buildHc(stack: Stack): Promise<void> {
  const cols = "name varchar(255), accountnumber varchar(40), industry varchar(255), annualrevenue double precision, numberofemployees integer, createddate timestamp";
  const { rows } = await stack.pool.query<{ name: string; type: string }>(
    "SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'salesforce.account'::regclass AND attnum > 0 AND NOT attisdropped");
  const types = new Map(rows.map((r) => [r.name, r.type]));
  const columns = cols.split(', ').map((c) => c.split(' ')[0]).map((c) => [c, types.get(c)!] as [string, string]);
  await buildHerokuConnectDatabase(stack.pool, 'hc', [{ table: 'account', access: 'read_write', columns }]);
  const names = ['sfid', 'systemmodstamp', 'isdeleted', ...columns.map(([c]) => c)].join(', ');
  const client = await stack.pool.connect();
  try {
    // The rows as Heroku Connect's sync leaves them (SYNCED, nothing logged), written with the triggers
    // bypassed: its status trigger reads pg_settings twice per row, which for a million rows on this shared
    // machine took longer than the whole benchmark. The app writes below go through its triggers.
    await client.query('BEGIN');
    await client.query("SET LOCAL session_replication_role = 'replica'");
    await client.query(`INSERT INTO hc.account (${names}, _hc_lastop) SELECT ${names}, 'SYNCED' FROM salesforce.account ORDER BY id`);
    await client.query('COMMIT');
    await client.query('ANALYZE hc.account');
    // Apps kept writing while Heroku Connect was paused.
    await client.query(`UPDATE hc.account SET accountnumber = 'QUEUED-' || id WHERE id IN (SELECT id FROM hc.account ORDER BY id LIMIT ${QUEUED})`);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
