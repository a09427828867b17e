// One incremental poll: every record whose SystemModstamp is at or after fromMs, deleted ones included
// (queryAll), ordered by SystemModstamp then Id, merged so an older version never overwrites a newer one and a
// version already held is not written again. The window is closed by the org's clock: the poll reports the
// org's time of its query's response (domain/poll-window.ts), never the worker's.
// REST for up to BULK_THRESHOLD changes (its first page tells the count, so no COUNT() call is spent);
// Bulk API 2.0 above that, as Heroku Connect does.
import { Context } from '@temporalio/activity';
import type { Connection } from 'jsforce';
import { coveredAfterPoll, pollQuery } from '../domain/poll-window';
import { stagingColumnOrder } from '../domain/sql-columns';
import { createStagingTable } from '../domain/sql-ddl';
import { mergeFromStaging, mergeRowsFromParams, type MergeCounts } from '../domain/sql-merge';
import { qualified, stagingTableName } from '../domain/sql-names';
import type { Pool } from '../infra/db';
import { classifyFailure, connectMapping } from './errors';
import { copyCsvStatement, copyResultsPage } from './load/copy-page';
import { restRecordColumns } from './load/rest-rows';
import { BULK_PAGE_RECORDS, BULK_THRESHOLD } from '../domain/sync-limits';
import type { MappedField } from '../domain/mapped-field';
import { createBulkQueryJob, deleteBulkQueryJob, openBulkResultsPage, waitForBulkQueryJob } from '../salesforce/bulk-query';
import type { MappingRef } from '../salesforce/mapping-connection';
import type { SalesforceSessions } from '../salesforce/session';
import { withSyncWriter } from '../store/sync-writer';
import { filterWhere, leftScopeQuery } from '../domain/record-filter';
import { deleteOutOfScope } from '../store/out-of-scope';

export interface PollInput extends MappingRef {
  table: string;
  fields: MappedField[];
  /** First SystemModstamp to read (inclusive), on the org's clock: the overlap behind what polls covered. */
  fromMs: number;
}

export interface PollResult extends MergeCounts {
  mode: 'rest' | 'bulk';
  /** Records Salesforce returned for the window. */
  records: number;
  /**
   * How far this poll covered, on the org's clock: the org's time of the query's response (Date header), or
   * the newest stamp read when the response had no Date; null when neither is known (coverage stays).
   */
  toMs: number | null;
  /** The newest SystemModstamp read (null: none). */
  newestStampMs: number | null;
  apiCalls: number;
  apiCallsInWindow: number;
}

export function createPollChanges(deps: { pool: Pool; sessions?: SalesforceSessions }) {
  return async function pollChanges(input: PollInput): Promise<PollResult> {
    const sf = await connectMapping(deps, input);
    try {
      const startedMs = Date.now();
      // A filtered mapping reads only its scope, then drops the records changed out of it (removeLeftScope).
      const soql = pollQuery(input.config.objectName, input.fields.map((f) => f.name), input.fromMs, filterWhere(input.config));
      const first = await sf.conn.query<Record<string, unknown>>(soql, { scanAll: true, autoFetch: false, headers: { 'Sforce-Query-Options': 'batchSize=2000' } });
      // Read before any further page: later responses are later than the query's snapshot.
      const orgTimeMs = sf.orgTimeMs();
      Context.current().heartbeat({ records: first.totalSize });
      const merged = first.totalSize > BULK_THRESHOLD
        ? await mergeViaBulk(deps.pool, sf.conn, input, soql, first.totalSize)
        : await mergeViaRest(deps.pool, sf.conn, input, first);
      merged.counts.deleted += await removeLeftScope(deps.pool, sf.conn, input);
      const toMs = coveredAfterPoll(null, { orgTimeMs, newestStampMs: merged.newestStampMs });
      Context.current().log.info('poll applied', {
        mapping: input.mappingId, mode: merged.mode, records: merged.records, ...merged.counts, fromMs: input.fromMs, toMs, ms: Date.now() - startedMs,
      });
      return {
        ...merged.counts, mode: merged.mode, records: merged.records, toMs, newestStampMs: merged.newestStampMs,
        apiCalls: sf.callsMade(), apiCallsInWindow: sf.usedInWindow(),
      };
    } catch (err) {
      classifyFailure(err);
    }
  };
}

interface Merged {
  counts: MergeCounts;
  mode: 'rest' | 'bulk';
  records: number;
  newestStampMs: number | null;
}

function newestStamp(records: readonly Record<string, unknown>[]): number | null {
  const last = records.at(-1)?.SystemModstamp;
  if (typeof last !== 'string') return null;
  const ms = Date.parse(last);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * Merges each page of the query as it arrives, the next page fetched while the one before it merges (one merge
 * at a time, in order): the poll takes about the longer of reading and merging instead of their sum, and holds
 * two pages, not all of them. Each page commits on its own; a poll retried after a failure merges again what
 * was merged, which changes nothing (a row keeps the newest SystemModstamp it saw).
 */
async function mergeViaRest(pool: Pool, conn: Connection, input: PollInput, first: { records: Record<string, unknown>[]; done: boolean; nextRecordsUrl?: string }): Promise<Merged> {
  const columns = input.fields.map((f) => ({ name: f.column, pgType: f.pgType }));
  const sql = mergeRowsFromParams(input.config.schema, input.table, columns);
  const order = stagingColumnOrder(columns).map((c) => input.fields.findIndex((f) => f.column === c));
  const counts: MergeCounts = { inserted: 0, updated: 0, deleted: 0 };
  const mergePage = async (records: Record<string, unknown>[]) => {
    const byColumn = restRecordColumns(records, input.fields);
    const { rows } = await withSyncWriter(pool, (client) => client.query<MergeCounts>(sql, order.map((i) => byColumn[i])));
    counts.inserted += rows[0].inserted;
    counts.updated += rows[0].updated;
    counts.deleted += rows[0].deleted;
  };
  let merging: Promise<void> = Promise.resolve();
  let records = 0;
  let newestStampMs: number | null = null;
  let page = first;
  for (;;) {
    if (page.records.length > 0) {
      await merging;
      const m = mergePage(page.records);
      m.catch(() => undefined); // awaited below; a failure must not count as unhandled while the next page is read
      merging = m;
      records += page.records.length;
      // Ordered by SystemModstamp: the last record read is the newest.
      newestStampMs = newestStamp(page.records) ?? newestStampMs;
    }
    if (page.done || !page.nextRecordsUrl) break;
    page = await conn.queryMore<Record<string, unknown>>(page.nextRecordsUrl);
    Context.current().heartbeat({ records });
  }
  await merging;
  Context.current().log.info('poll read', { mapping: input.mappingId, records });
  return { counts, mode: 'rest', records, newestStampMs };
}

async function mergeViaBulk(pool: Pool, conn: Connection, input: PollInput, soql: string, expected: number): Promise<Merged> {
  const { schema } = input.config;
  const staging = stagingTableName(input.table);
  const columns = input.fields.map((f) => ({ name: f.column, pgType: f.pgType }));
  const jobId = await createBulkQueryJob(conn, soql, true);
  await waitForBulkQueryJob(conn, jobId, () => Context.current().heartbeat({ jobId }), { expected });
  const sql = copyCsvStatement(schema, staging, input.fields.map((f) => f.column));
  return withSyncWriter(pool, async (client) => {
    for (const stmt of createStagingTable(schema, staging, columns)) await client.query(stmt);
    let locator: string | null = null;
    let records = 0;
    do {
      const page = await openBulkResultsPage(conn, jobId, locator, BULK_PAGE_RECORDS);
      records += await copyResultsPage(client, sql, jobId, page);
      locator = page.next;
      Context.current().heartbeat({ jobId, records });
    } while (locator !== null);
    const { rows } = await client.query<MergeCounts>(mergeFromStaging(schema, input.table, staging, columns));
    const newest = await client.query<{ ms: string | null }>(`SELECT (extract(epoch FROM max(systemmodstamp)) * 1000)::bigint AS ms FROM ${qualified(schema, staging)}`);
    await client.query(`DROP TABLE ${qualified(schema, staging)}`);
    const ms = newest.rows[0]?.ms;
    return { counts: rows[0], mode: 'bulk' as const, records, newestStampMs: ms === null || ms === undefined ? null : Number(ms) };
  }).finally(() => deleteBulkQueryJob(conn, jobId));
}

/**
 * A filtered mapping: the records changed in the poll's window that are outside the filter now (an update
 * made it false, or they were deleted outside it) are removed locally. Salesforce judges membership (date
 * literals, fields the mapping does not sync); one Id-only queryAll per poll, more pages only when many left.
 */
async function removeLeftScope(pool: Pool, conn: Connection, input: PollInput): Promise<number> {
  const soql = leftScopeQuery(input.config.objectName, input.fromMs, input.config);
  if (soql === null) return 0;
  const result = await conn.query<{ Id: string }>(soql, { scanAll: true, autoFetch: true, maxFetch: 10_000_000 });
  const ids = result.records.map((r) => r.Id);
  if (ids.length === 0) return 0;
  return withSyncWriter(pool, (client) => deleteOutOfScope(client, input.config.schema, input.table, ids));
}
