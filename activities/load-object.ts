// Loads a whole Salesforce object into Postgres: Bulk API 2.0 for large objects, REST for small ones
// (decided with COUNT()). Pages stream into an UNLOGGED staging table with COPY; each page commits with the
// checkpoint, so a worker killed mid-load resumes from the last page; one merge then applies the staging
// table to the target (the live table, or a new table beside it for a reload) — exactly one row per record.
import { Context } from '@temporalio/activity';
import type { Connection } from 'jsforce';
import { SET_SYNC_WRITER } from '../domain/outbound-trigger-sql';
import { fullLoadQuery } from '../domain/soql';
import { createMappingTable, createStagingTable } from '../domain/sql-ddl';
import { mergeFromStaging, type MergeCounts } from '../domain/sql-merge';
import { qualified, reloadTableName, stagingTableName } from '../domain/sql-names';
import { columnNameFor } from '../domain/type-map';
import { withTransaction, type Pool } from '../infra/db';
import { classifyFailure } from './errors';
import { advanceCheckpoint, clearCheckpoint, readCheckpoint, resetCheckpoint, startCheckpoint, type LoadCheckpoint, type LoadTarget } from './load/checkpoint';
import { copyCsvStatement, copyLines, copyStream } from './load/copy-page';
import { restRecordLines, copyTextStatement } from './load/rest-rows';
import type { MappedField } from './prepare-mapping';
import { createBulkQueryJob, fetchBulkResultsPage, waitForBulkQueryJob } from './salesforce/bulk-query';
import { connectForMapping, type MappingConnection, type MappingRef } from './salesforce/for-mapping';
import type { SalesforceSessions } from './salesforce/session';

/** Above this many records a load uses Bulk API 2.0 (as Heroku Connect does). */
export const BULK_THRESHOLD = 10_000;
export const BULK_PAGE_RECORDS = 100_000;

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
  /** When the load's query was issued: changes after it are left to the next poll. */
  startedAtMs: number;
  apiCalls: number;
  apiCallsInWindow: number;
}

interface Deps {
  pool: Pool;
  sessions?: SalesforceSessions;
}

export function createLoadObject(deps: Deps) {
  return async function loadObject(input: LoadInput): Promise<LoadResult> {
    const sf = await connectForMapping(deps, input);
    try {
      return await runLoad(deps.pool, sf, input);
    } catch (err) {
      classifyFailure(err);
    }
  };
}

async function runLoad(pool: Pool, sf: MappingConnection, input: LoadInput): Promise<LoadResult> {
  const { schema } = input.config;
  const destination = input.target === 'live' ? input.table : reloadTableName(input.table);
  const staging = stagingTableName(destination);
  const columns = input.fields.map((f) => ({ name: f.column, pgType: f.pgType }));
  let cp = await readCheckpoint(pool, input.mappingId, input.target);
  if (!cp) cp = await beginLoad(pool, sf.conn, input, staging, destination, columns);

  const heartbeat = () => Context.current().heartbeat({ mode: cp!.mode, jobId: cp!.jobId, locator: cp!.locator, rowsLoaded: cp!.rowsLoaded, rowsTotal: cp!.rowsTotal } satisfies LoadProgress);
  heartbeat();
  if (cp.mode === 'bulk') await copyBulkPages(pool, sf.conn, input, staging, cp, heartbeat);
  else await copyRestPages(pool, sf.conn, input, staging, cp, heartbeat);

  const counts = await withTransaction(pool, async (client) => {
    // ferry's own write: the outbound capture triggers neither mark nor log it.
    await client.query(SET_SYNC_WRITER);
    const { rows } = await client.query<MergeCounts>(mergeFromStaging(schema, destination, staging, columns));
    await client.query(`DROP TABLE ${qualified(schema, staging)}`);
    await clearCheckpoint(client, input.mappingId, input.target);
    return rows[0];
  });
  return { ...counts, mode: cp.mode, rowsLoaded: cp.rowsLoaded, startedAtMs: cp.startedAtMs, apiCalls: sf.callsMade(), apiCallsInWindow: sf.usedInWindow() };
}

async function beginLoad(
  pool: Pool, conn: Connection, input: LoadInput, staging: string, destination: string, columns: { name: string; pgType: string }[],
): Promise<LoadCheckpoint> {
  const { schema, objectName } = input.config;
  // Taken before the query runs: every change after this instant is seen by the first poll.
  const startedAtMs = Date.now();
  const count = await conn.query(`SELECT COUNT() FROM ${objectName}`);
  const mode = count.totalSize > BULK_THRESHOLD ? 'bulk' : 'rest';
  const soql = fullLoadQuery(objectName, input.fields.map((f) => f.name));
  const jobId = mode === 'bulk' ? await createBulkQueryJob(conn, soql, false) : null;
  const cp: LoadCheckpoint = { mode, jobId, locator: null, done: false, rowsLoaded: 0, rowsTotal: count.totalSize, startedAtMs };
  await withTransaction(pool, async (client) => {
    if (input.target === 'reload') {
      await client.query(`DROP TABLE IF EXISTS ${qualified(schema, destination)}`);
      const indexes = input.config.indexes.map((ix) => ({ column: columnNameFor(ix.field), unique: ix.unique }));
      for (const sql of createMappingTable(schema, destination, columns, indexes)) await client.query(sql);
    }
    for (const sql of createStagingTable(schema, staging, columns)) await client.query(sql);
    await startCheckpoint(client, input.mappingId, input.target, cp);
  });
  return cp;
}

async function copyBulkPages(pool: Pool, conn: Connection, input: LoadInput, staging: string, cp: LoadCheckpoint, heartbeat: () => void): Promise<void> {
  if (cp.done) return;
  await waitForBulkQueryJob(conn, cp.jobId!, heartbeat);
  const sql = copyCsvStatement(input.config.schema, staging, input.fields.map((f) => f.column));
  while (!cp.done) {
    await withTransaction(pool, async (client) => {
      const page = fetchBulkResultsPage(conn, cp.jobId!, cp.locator, input.pageRecords ?? BULK_PAGE_RECORDS);
      const rows = await copyStream(client, sql, page.body);
      const next = await page.next;
      await advanceCheckpoint(client, input.mappingId, input.target, next, rows);
      cp.locator = next;
      cp.done = next === null;
      cp.rowsLoaded += rows;
    });
    heartbeat();
  }
}

async function copyRestPages(pool: Pool, conn: Connection, input: LoadInput, staging: string, cp: LoadCheckpoint, heartbeat: () => void): Promise<void> {
  if (cp.done) return;
  const sql = copyTextStatement(input.config.schema, staging, input.fields.map((f) => f.column));
  const soql = fullLoadQuery(input.config.objectName, input.fields.map((f) => f.name));
  // REST locators expire after ~15 minutes; a small object is simply read again from the start.
  if (cp.locator !== null || cp.rowsLoaded > 0) {
    await withTransaction(pool, async (client) => {
      await client.query(`TRUNCATE ${qualified(input.config.schema, staging)}`);
      await resetCheckpoint(client, input.mappingId, input.target);
    });
    cp.rowsLoaded = 0;
  }
  let page = await conn.query<Record<string, unknown>>(soql, { autoFetch: false, headers: { 'Sforce-Query-Options': 'batchSize=2000' } });
  for (;;) {
    const next = page.done ? null : (page.nextRecordsUrl ?? null);
    await withTransaction(pool, async (client) => {
      const rows = await copyLines(client, sql, restRecordLines(page.records, input.fields));
      await advanceCheckpoint(client, input.mappingId, input.target, next, rows);
      cp.rowsLoaded += rows;
    });
    heartbeat();
    if (next === null) break;
    page = await conn.queryMore<Record<string, unknown>>(next);
  }
  cp.done = true;
}
