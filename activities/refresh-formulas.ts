// The mapping workflow's formula-refresh step: calculated fields (formulas, roll-up summaries) change in
// Salesforce without touching SystemModstamp, so polls and change events never carry them. This re-reads
// only those fields plus Id for the mapping's records (its filter ANDed in), in Id order — REST pages for
// small objects, a Bulk 2.0 job whose result pages are copied one by one above BULK_THRESHOLD — into a
// staging table, then updates only the rows whose values differ. All of it in one sync-writer transaction:
// the capture triggers never see it, so nothing is sent back to Salesforce, and a failure changes nothing.
import { Context } from '@temporalio/activity';
import type { Connection } from 'jsforce';
import { calculatedFields, formulaRefreshQuery, formulaUpdateStatement } from '../domain/formula-refresh';
import type { MappedField } from '../domain/mapped-field';
import { createStagingTable } from '../domain/sql-ddl';
import { fitIdent, qualified } from '../domain/sql-names';
import { BULK_PAGE_RECORDS, BULK_THRESHOLD } from '../domain/sync-limits';
import type { Pool, PoolClient } from '../infra/db';
import { createBulkQueryJob, deleteBulkQueryJob, fetchBulkResultsPage, waitForBulkQueryJob } from '../salesforce/bulk-query';
import type { MappingRef } from '../salesforce/mapping-connection';
import type { SalesforceSessions } from '../salesforce/session';
import { withSyncWriter } from '../store/sync-writer';
import { classifyFailure, connectMapping } from './errors';
import { copyCsvStatement, copyLines, copyText } from './load/copy-page';
import { copyTextStatement, restRecordLines } from './load/rest-rows';

export interface RefreshFormulasInput extends MappingRef {
  table: string;
  fields: MappedField[];
  /** Records per Bulk 2.0 results page (default BULK_PAGE_RECORDS). */
  pageRecords?: number;
}

export interface RefreshFormulasResult {
  mode: 'rest' | 'bulk' | null;
  /** Records read from Salesforce. */
  records: number;
  /** Rows whose calculated values differed and were written. */
  rowsChanged: number;
  apiCalls: number;
  apiCallsInWindow: number;
}

/** The staging table of a refresh: `account__ferry_formulas`. */
export function formulaStagingName(table: string): string {
  return fitIdent(`${table}__ferry_formulas`);
}

export function createRefreshFormulas(deps: { pool: Pool; sessions?: SalesforceSessions }) {
  return async function refreshFormulas(input: RefreshFormulasInput): Promise<RefreshFormulasResult> {
    const calculated = calculatedFields(input.fields);
    const idField = input.fields.find((f) => f.column === 'sfid');
    if (calculated.length === 0 || !idField) return { mode: null, records: 0, rowsChanged: 0, apiCalls: 0, apiCallsInWindow: 0 };
    const sf = await connectMapping(deps, input);
    try {
      const read = [idField, ...calculated];
      const soql = formulaRefreshQuery(input.config.objectName, calculated.map((f) => f.name), input.config);
      const result = await withSyncWriter(deps.pool, (client) => refreshInto(client, sf.conn, input, read, soql));
      Context.current().log.info('formula fields refreshed', { mapping: input.mappingId, ...result });
      return { ...result, apiCalls: sf.callsMade(), apiCallsInWindow: sf.usedInWindow() };
    } catch (err) {
      classifyFailure(err);
    }
  };
}

async function refreshInto(
  client: PoolClient, conn: Connection, input: RefreshFormulasInput, read: MappedField[], soql: string,
): Promise<{ mode: 'rest' | 'bulk'; records: number; rowsChanged: number }> {
  const { schema } = input.config;
  const staging = formulaStagingName(input.table);
  const columns = read.map((f) => f.column);
  for (const stmt of createStagingTable(schema, staging, read.map((f) => ({ name: f.column, pgType: f.pgType })))) await client.query(stmt);
  const first = await conn.query<Record<string, unknown>>(soql, { autoFetch: false, headers: { 'Sforce-Query-Options': 'batchSize=2000' } });
  const mode = first.totalSize > BULK_THRESHOLD ? 'bulk' : 'rest';
  let records = 0;
  if (mode === 'rest') {
    const sql = copyTextStatement(schema, staging, columns);
    let page = first;
    for (;;) {
      records += await copyLines(client, sql, restRecordLines(page.records, read));
      Context.current().heartbeat({ records });
      if (page.done || !page.nextRecordsUrl) break;
      page = await conn.queryMore<Record<string, unknown>>(page.nextRecordsUrl);
    }
  } else {
    const jobId = await createBulkQueryJob(conn, soql, false);
    try {
      await waitForBulkQueryJob(conn, jobId, () => Context.current().heartbeat({ jobId }));
      const sql = copyCsvStatement(schema, staging, columns);
      let locator: string | null = null;
      do {
        const page = await fetchBulkResultsPage(conn, jobId, locator, input.pageRecords ?? BULK_PAGE_RECORDS);
        records += await copyText(client, sql, page.csv);
        locator = page.next;
        Context.current().heartbeat({ jobId, records });
      } while (locator !== null);
    } finally {
      await deleteBulkQueryJob(conn, jobId);
    }
  }
  const updated = await client.query(formulaUpdateStatement(schema, input.table, staging, columns.filter((c) => c !== 'sfid')));
  await client.query(`DROP TABLE ${qualified(schema, staging)}`);
  return { mode, records, rowsChanged: updated.rowCount ?? 0 };
}
