// A mapping's record filter changed (PATCH sf_filter): only the difference is synced. The records now in
// scope that were not, `(new) AND NOT (old)`, are read (REST, or Bulk 2.0 when many) and merged; the records
// in scope before and not now, `(old) AND NOT (new)`, are read as Ids and removed locally. Salesforce
// evaluates both conditions. Everything is read first and applied in one sync-writer transaction, so a
// failed or retried step leaves the table as it was: the workflow's record of which filter the table
// reflects only moves when the step succeeded.
import { Context } from '@temporalio/activity';
import type { Connection } from 'jsforce';
import type { MappedField } from '../domain/mapped-field';
import { filterChangeQueries } from '../domain/record-filter';
import { createStagingTable } from '../domain/sql-ddl';
import { mergeFromStaging, type MergeCounts } from '../domain/sql-merge';
import { qualified, stagingTableName } from '../domain/sql-names';
import type { Pool, PoolClient } from '../infra/db';
import type { MappingRef } from '../salesforce/mapping-connection';
import type { SalesforceSessions } from '../salesforce/session';
import { deleteOutOfScope } from '../store/out-of-scope';
import { withSyncWriter } from '../store/sync-writer';
import { classifyFailure, connectMapping } from './errors';
import { copyQueryToStaging } from './load/query-to-staging';

export interface FilterChangeInput extends MappingRef {
  table: string;
  fields: MappedField[];
  /** The filter the table reflects (null: every record). */
  from: string | null;
  /** The filter it should reflect (the config's). */
  to: string | null;
}

export interface FilterChangeResult extends MergeCounts {
  /** Records read because they entered the scope. */
  fetched: number;
  mode: 'rest' | 'bulk' | null;
  apiCalls: number;
  apiCallsInWindow: number;
}

export function createApplyFilterChange(deps: { pool: Pool; sessions?: SalesforceSessions }) {
  return async function applyFilterChange(input: FilterChangeInput): Promise<FilterChangeResult> {
    const sf = await connectMapping(deps, input);
    try {
      const q = filterChangeQueries(input.config.objectName, input.fields.map((f) => f.name), input.from, input.to);
      const dropIds = q.drop === null ? [] : (await sf.conn.query<{ Id: string }>(q.drop, { autoFetch: true, maxFetch: 100_000_000 })).records.map((r) => r.Id);
      Context.current().heartbeat({ dropIds: dropIds.length });
      const result = await withSyncWriter(deps.pool, async (client) => {
        const fetched = q.fetch === null ? { counts: { inserted: 0, updated: 0, deleted: 0 }, records: 0, mode: null } : await fetchIntoTable(client, sf.conn, input, q.fetch);
        const removed = await deleteOutOfScope(client, input.config.schema, input.table, dropIds);
        return { ...fetched.counts, deleted: fetched.counts.deleted + removed, fetched: fetched.records, mode: fetched.mode };
      });
      Context.current().log.info('record filter change applied', { mapping: input.mappingId, from: input.from, to: input.to, ...result });
      return { ...result, apiCalls: sf.callsMade(), apiCallsInWindow: sf.usedInWindow() };
    } catch (err) {
      classifyFailure(err);
    }
  };
}

async function fetchIntoTable(
  client: PoolClient, conn: Connection, input: FilterChangeInput, soql: string,
): Promise<{ counts: MergeCounts; records: number; mode: 'rest' | 'bulk' }> {
  const { schema } = input.config;
  const staging = stagingTableName(input.table);
  const columns = input.fields.map((f) => ({ name: f.column, pgType: f.pgType }));
  await client.query(`DROP TABLE IF EXISTS ${qualified(schema, staging)}`);
  for (const stmt of createStagingTable(schema, staging, columns)) await client.query(stmt);
  const { records, mode } = await copyQueryToStaging(client, conn, soql, { schema, staging, fields: input.fields });
  const { rows } = await client.query<MergeCounts>(mergeFromStaging(schema, input.table, staging, columns));
  await client.query(`DROP TABLE ${qualified(schema, staging)}`);
  return { counts: rows[0], records, mode };
}
