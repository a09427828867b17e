// Loads a whole Salesforce object into Postgres: Bulk API 2.0 for large objects, REST for small ones
// (decided with COUNT()). Pages go into a table beside the live one with COPY, each page committed with its
// checkpoint, so a worker killed mid-load resumes where it stopped; one final step then makes that table's
// rows the live ones — exactly one row per record:
// - 'fresh': when the live table is empty (first load) or for a reload, pages go into a new, index-less
//   table; at the end it is indexed and swapped in for the live one in one transaction (readers see the old
//   table until then);
// - 'merge': when the live table already holds rows (fields added to a running mapping), pages go into an
//   UNLOGGED staging table, then one merge applies it under the SystemModstamp guard.
import { Context } from '@temporalio/activity';
import type { Connection } from 'jsforce';
import { createCaptureSchema, installCaptureTriggers } from '../domain/outbound-trigger-sql';
import { scopedCountQuery, scopedLoadQuery } from '../domain/record-filter';
import { addColumns, createMappingTable, createStagingTable } from '../domain/sql-ddl';
import { mergeFromStaging, type MergeCounts } from '../domain/sql-merge';
import { qualified, reloadTableName, stagingTableName } from '../domain/sql-names';
import { renameForSwap } from '../domain/sql-swap';
import { columnNameFor } from '../domain/type-map';
import { withTransaction, type Pool, type PoolClient } from '../infra/db';
import { classifyFailure, connectMapping } from './errors';
import { copyBulkPages } from './load/bulk-pages';
import { advanceCheckpoint, clearCheckpoint, readCheckpoint, resetCheckpoint, startCheckpoint, type LoadCheckpoint, type LoadTarget } from '../store/load-checkpoints';
import { copyCsvStatement, copyLines } from './load/copy-page';
import { queryFirstPage, restPages } from './load/query-to-staging';
import { copyTextStatement, restRecordLines } from './load/rest-rows';
import type { MappedField } from '../domain/mapped-field';
import { relationshipColumns } from '../store/relationship-columns';
import { createBulkQueryJob, deleteBulkQueryJob, waitForBulkQueryJob } from '../salesforce/bulk-query';
import { type MappingConnection, type MappingRef } from '../salesforce/mapping-connection';
import type { SalesforceSessions } from '../salesforce/session';
import { withSyncWriter } from '../store/sync-writer';

import { BULK_PAGE_RECORDS, BULK_THRESHOLD } from '../domain/sync-limits';

export { BULK_PAGE_RECORDS, BULK_THRESHOLD };
/** Pages copied at once: COPY's CSV parsing is what bounds a load, one core per session. */
export const COPY_PARALLELISM = 2;

export interface LoadInput extends MappingRef {
  table: string;
  fields: MappedField[];
  target: LoadTarget;
  /** Records per Bulk 2.0 results page (default BULK_PAGE_RECORDS). */
  pageRecords?: number;
}

export interface LoadProgress {
  mode: 'bulk' | 'rest';
  jobId: string | null;
  locator: string | null;
  rowsLoaded: number;
  rowsTotal: number | null;
}

export interface LoadResult extends MergeCounts {
  mode: 'bulk' | 'rest';
  rowsLoaded: number;
  /** The org's time before the load's query (its first response's Date): changes after it are left to polls. */
  startedAtMs: number;
  apiCalls: number;
  apiCallsInWindow: number;
}

interface Deps {
  pool: Pool;
  sessions?: SalesforceSessions;
}

interface Plan {
  input: LoadInput;
  columns: { name: string; pgType: string }[];
  /** The table pages are copied into. */
  into: string;
}

export function createLoadObject(deps: Deps) {
  return async function loadObject(input: LoadInput): Promise<LoadResult> {
    const sf = await connectMapping(deps, input);
    try {
      return await runLoad(deps.pool, sf, input);
    } catch (err) {
      classifyFailure(err);
    }
  };
}

async function runLoad(pool: Pool, sf: MappingConnection, input: LoadInput): Promise<LoadResult> {
  const log = Context.current().log;
  const columns = input.fields.map((f) => ({ name: f.column, pgType: f.pgType }));
  const cp = (await readCheckpoint(pool, input.mappingId, input.target)) ?? (await beginLoad(pool, sf, input, columns));
  const plan: Plan = { input, columns, into: cp.strategy === 'fresh' ? reloadTableName(input.table) : stagingTableName(input.table) };
  log.info('load started', { mapping: input.mappingId, target: input.target, mode: cp.mode, strategy: cp.strategy, jobId: cp.jobId, resumeFrom: cp.rowsLoaded });
  const heartbeat = () => Context.current().heartbeat({ mode: cp.mode, jobId: cp.jobId, locator: cp.locator, rowsLoaded: cp.rowsLoaded, rowsTotal: cp.rowsTotal } satisfies LoadProgress);
  heartbeat();
  if (cp.mode === 'bulk') await copyBulk(pool, sf.conn, plan, cp, heartbeat);
  else await copyRest(pool, sf.conn, plan, cp, heartbeat);
  // ferry's own write: outbound capture neither marks nor logs it.
  const counts = await withSyncWriter(pool, (client) => finishLoad(client, plan, cp));
  if (cp.jobId) await deleteBulkQueryJob(sf.conn, cp.jobId);
  log.info('load finished', { mapping: input.mappingId, rows: cp.rowsLoaded, ...counts });
  return { ...counts, mode: cp.mode, rowsLoaded: cp.rowsLoaded, startedAtMs: cp.startedAtMs, apiCalls: sf.callsMade(), apiCallsInWindow: sf.usedInWindow() };
}

async function beginLoad(pool: Pool, sf: MappingConnection, input: LoadInput, columns: Plan['columns']): Promise<LoadCheckpoint> {
  const { schema, objectName } = input.config;
  const conn = sf.conn;
  // A filtered mapping loads (and counts) only the records in its scope.
  const count = await conn.query(scopedCountQuery(objectName, input.config));
  // The org's time before the load's query runs (the count's response), so every change after it is seen by
  // the first poll; the worker's clock only when the org sent no Date header.
  const startedAtMs = sf.orgTimeMs() ?? Date.now();
  const mode = count.totalSize > BULK_THRESHOLD ? 'bulk' : 'rest';
  const liveEmpty = (await pool.query(`SELECT NOT EXISTS (SELECT 1 FROM ${qualified(schema, input.table)}) AS empty`)).rows[0].empty as boolean;
  const strategy = input.target === 'reload' || liveEmpty ? 'fresh' : 'merge';
  const soql = scopedLoadQuery(objectName, input.fields.map((f) => f.name), input.config);
  const jobId = mode === 'bulk' ? await createBulkQueryJob(conn, soql, false) : null;
  const cp: LoadCheckpoint = { mode, strategy, jobId, locator: null, done: false, rowsLoaded: 0, rowsTotal: count.totalSize, startedAtMs };
  await withTransaction(pool, async (client) => {
    if (strategy === 'fresh') {
      const fresh = reloadTableName(input.table);
      await client.query(`DROP TABLE IF EXISTS ${qualified(schema, fresh)}`);
      // The table alone; its indexes are built once, after the last page (faster than row by row).
      await client.query(createMappingTable(schema, fresh, columns)[0]);
      await client.query(`ALTER TABLE ${qualified(schema, fresh)} ALTER COLUMN _hc_lastop SET DEFAULT 'SYNCED'`);
      // Relationship external ID columns: not loaded (Salesforce has no such field), but part of the table.
      for (const sql of addColumns(schema, fresh, await relationshipColumns(client, input.mappingId))) await client.query(sql);
    } else {
      for (const sql of createStagingTable(schema, stagingTableName(input.table), columns)) await client.query(sql);
    }
    await startCheckpoint(client, input.mappingId, input.target, cp);
  });
  return cp;
}

async function copyBulk(pool: Pool, conn: Connection, plan: Plan, cp: LoadCheckpoint, heartbeat: () => void): Promise<void> {
  if (cp.done) return;
  const records = await waitForBulkQueryJob(conn, cp.jobId!, heartbeat, { expected: cp.rowsTotal });
  Context.current().log.info('bulk query job complete', { jobId: cp.jobId, records });
  cp.rowsLoaded = await copyBulkPages({
    pool, conn, jobId: cp.jobId!, mapping: plan.input.mappingId, target: plan.input.target,
    copySql: copyCsvStatement(plan.input.config.schema, plan.into, plan.input.fields.map((f) => f.column)),
    pageRecords: plan.input.pageRecords ?? BULK_PAGE_RECORDS, parallel: COPY_PARALLELISM,
    onPage: (rows, locator) => {
      cp.rowsLoaded = rows;
      cp.locator = locator;
      Context.current().log.info('load page committed', { jobId: cp.jobId, rows });
      heartbeat();
    },
  });
  cp.done = true;
}

async function copyRest(pool: Pool, conn: Connection, plan: Plan, cp: LoadCheckpoint, heartbeat: () => void): Promise<void> {
  if (cp.done) return;
  const { input } = plan;
  const sql = copyTextStatement(input.config.schema, plan.into, input.fields.map((f) => f.column));
  const soql = scopedLoadQuery(input.config.objectName, input.fields.map((f) => f.name), input.config);
  // REST locators expire after ~15 minutes; a small object is simply read again from the start.
  if (cp.locator !== null || cp.rowsLoaded > 0) {
    await withTransaction(pool, async (client) => {
      await client.query(`TRUNCATE ${qualified(input.config.schema, plan.into)}`);
      await resetCheckpoint(client, input.mappingId, input.target);
    });
    cp.rowsLoaded = 0;
  }
  for await (const page of restPages(conn, await queryFirstPage(conn, soql))) {
    await withTransaction(pool, async (client) => {
      const rows = await copyLines(client, sql, restRecordLines(page.records, input.fields));
      await advanceCheckpoint(client, input.mappingId, input.target, page.next, rows);
      cp.rowsLoaded += rows;
    });
    heartbeat();
  }
  cp.done = true;
}

/** The one final step, in one transaction: swap the fresh table in, or merge the staging table. */
async function finishLoad(client: PoolClient, plan: Plan, cp: LoadCheckpoint): Promise<MergeCounts> {
  const { input, columns, into } = plan;
  const { schema } = input.config;
  const indexes = input.config.indexes.map((ix) => ({ column: columnNameFor(ix.field), unique: ix.unique }));
  await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ferry.ddl.${schema}`]);
  let counts: MergeCounts;
  const liveEmpty = (await client.query(`SELECT NOT EXISTS (SELECT 1 FROM ${qualified(schema, input.table)}) AS empty`)).rows[0].empty as boolean;
  if (cp.strategy === 'fresh' && (input.target === 'reload' || liveEmpty)) {
    await client.query(`ALTER TABLE ${qualified(schema, into)} ALTER COLUMN _hc_lastop DROP DEFAULT`);
    for (const sql of createMappingTable(schema, into, columns, indexes).slice(1)) await client.query(sql);
    for (const sql of renameForSwap(schema, input.table, into, indexes)) await client.query(sql);
    // The swapped-in table needs the capture triggers the old one had.
    for (const sql of createCaptureSchema(schema)) await client.query(sql);
    for (const sql of installCaptureTriggers(schema, input.table, input.config.access)) await client.query(sql);
    counts = { inserted: cp.rowsLoaded, updated: 0, deleted: 0 };
  } else {
    // Someone wrote to the live table during a first load, or this is a back-fill: merge under the guard.
    counts = (await client.query<MergeCounts>(mergeFromStaging(schema, input.table, into, columns))).rows[0];
    await client.query(`DROP TABLE ${qualified(schema, into)}`);
  }
  await clearCheckpoint(client, input.mappingId, input.target);
  return counts;
}
