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
import type { Pool, PoolClient } from '../infra/db';
import type { MappingRef } from '../salesforce/mapping-connection';
import type { SalesforceSessions } from '../salesforce/session';
import { withSyncWriter } from '../store/sync-writer';
import { classifyFailure, connectMapping } from './errors';
import { copyQueryToStaging } from './load/query-to-staging';

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
  const { mode, records } = await copyQueryToStaging(client, conn, soql, { schema, staging, fields: read, pageRecords: input.pageRecords });
  const updated = await client.query(formulaUpdateStatement(schema, input.table, staging, columns.filter((c) => c !== 'sfid')));
  await client.query(`DROP TABLE ${qualified(schema, staging)}`);
  return { mode, records, rowsChanged: updated.rowCount ?? 0 };
}
