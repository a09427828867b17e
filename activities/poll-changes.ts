// One incremental poll: every record whose SystemModstamp falls in (fromMs, toMs], deleted ones included
// (queryAll), ordered by SystemModstamp then Id, merged so an older version never overwrites a newer one.
// REST for up to BULK_THRESHOLD changes (its first page tells the count, so no COUNT() call is spent);
// Bulk API 2.0 above that, as Heroku Connect does.
import { Context } from '@temporalio/activity';
import type { Connection } from 'jsforce';
import { incrementalQuery } from '../domain/soql';
import { stagingColumnOrder } from '../domain/sql-columns';
import { createStagingTable } from '../domain/sql-ddl';
import { mergeFromStaging, mergeRowsFromParams, type MergeCounts } from '../domain/sql-merge';
import { qualified, stagingTableName } from '../domain/sql-names';
import type { Pool } from '../infra/db';
import { classifyFailure, connectMapping } from './errors';
import { copyCsvStatement, copyText } from './load/copy-page';
import { restRecordColumns } from './load/rest-rows';
import { BULK_PAGE_RECORDS, BULK_THRESHOLD } from '../domain/sync-limits';
import type { MappedField } from '../domain/mapped-field';
import { createBulkQueryJob, deleteBulkQueryJob, fetchBulkResultsPage, waitForBulkQueryJob } from '../salesforce/bulk-query';
import type { MappingRef } from '../salesforce/mapping-connection';
import type { SalesforceSessions } from '../salesforce/session';
import { withSyncWriter } from '../store/sync-writer';

export interface PollInput extends MappingRef {
  table: string;
  fields: MappedField[];
  fromMs: number;
}

export interface PollResult extends MergeCounts {
  mode: 'rest' | 'bulk';
  /** Records Salesforce returned for the window. */
  records: number;
  /** Upper bound of the window polled. */
  toMs: number;
  apiCalls: number;
  apiCallsInWindow: number;
}

export function createPollChanges(deps: { pool: Pool; sessions?: SalesforceSessions }) {
  return async function pollChanges(input: PollInput): Promise<PollResult> {
    const sf = await connectMapping(deps, input);
    try {
      const toMs = Date.now();
      const soql = incrementalQuery(input.config.objectName, input.fields.map((f) => f.name), input.fromMs, toMs);
      const first = await sf.conn.query<Record<string, unknown>>(soql, { scanAll: true, autoFetch: false, headers: { 'Sforce-Query-Options': 'batchSize=2000' } });
      Context.current().heartbeat({ records: first.totalSize });
      const merged = first.totalSize > BULK_THRESHOLD
        ? await mergeViaBulk(deps.pool, sf.conn, input, soql)
        : await mergeViaRest(deps.pool, sf.conn, input, first);
      Context.current().log.info('poll applied', { mapping: input.mappingId, mode: merged.mode, records: merged.records, ...merged.counts, ms: Date.now() - toMs });
      return { ...merged.counts, mode: merged.mode, records: merged.records, toMs, apiCalls: sf.callsMade(), apiCallsInWindow: sf.usedInWindow() };
    } catch (err) {
      classifyFailure(err);
    }
  };
}

interface Merged {
  counts: MergeCounts;
  mode: 'rest' | 'bulk';
  records: number;
}

async function mergeViaRest(pool: Pool, conn: Connection, input: PollInput, first: { records: Record<string, unknown>[]; done: boolean; nextRecordsUrl?: string }): Promise<Merged> {
  const records = [...first.records];
  let page = first;
  while (!page.done && page.nextRecordsUrl) {
    page = await conn.queryMore<Record<string, unknown>>(page.nextRecordsUrl);
    records.push(...page.records);
    Context.current().heartbeat({ records: records.length });
  }
  Context.current().log.info('poll read', { mapping: input.mappingId, records: records.length });
  if (records.length === 0) return { counts: { inserted: 0, updated: 0, deleted: 0 }, mode: 'rest', records: 0 };
  const columns = input.fields.map((f) => ({ name: f.column, pgType: f.pgType }));
  const byColumn = restRecordColumns(records, input.fields);
  const params = stagingColumnOrder(columns).map((c) => byColumn[input.fields.findIndex((f) => f.column === c)]);
  const { rows } = await withSyncWriter(pool, (client) => client.query<MergeCounts>(mergeRowsFromParams(input.config.schema, input.table, columns), params));
  return { counts: rows[0], mode: 'rest', records: records.length };
}

async function mergeViaBulk(pool: Pool, conn: Connection, input: PollInput, soql: string): Promise<Merged> {
  const { schema } = input.config;
  const staging = stagingTableName(input.table);
  const columns = input.fields.map((f) => ({ name: f.column, pgType: f.pgType }));
  const jobId = await createBulkQueryJob(conn, soql, true);
  await waitForBulkQueryJob(conn, jobId, () => Context.current().heartbeat({ jobId }));
  const sql = copyCsvStatement(schema, staging, input.fields.map((f) => f.column));
  return withSyncWriter(pool, async (client) => {
    for (const stmt of createStagingTable(schema, staging, columns)) await client.query(stmt);
    let locator: string | null = null;
    let records = 0;
    do {
      const page = await fetchBulkResultsPage(conn, jobId, locator, BULK_PAGE_RECORDS);
      records += await copyText(client, sql, page.csv);
      locator = page.next;
      Context.current().heartbeat({ jobId, records });
    } while (locator !== null);
    const { rows } = await client.query<MergeCounts>(mergeFromStaging(schema, input.table, staging, columns));
    await client.query(`DROP TABLE ${qualified(schema, staging)}`);
    return { counts: rows[0], mode: 'bulk' as const, records };
  }).finally(() => deleteBulkQueryJob(conn, jobId));
}
