// A SOQL query's records → a staging table with COPY. The REST page walk is the load's (load-object.ts copies
// each page in its own checkpointed transaction); copyQueryToStaging is the whole read for the steps that apply
// everything in one sync-writer transaction (record filter change, formula refresh): REST pages, or a Bulk 2.0
// job's result pages one after another when the query's first page counts more than BULK_THRESHOLD records.
import { Context } from '@temporalio/activity';
import type { Connection, QueryResult } from 'jsforce';
import type { MappedField } from '../../domain/mapped-field';
import { BULK_PAGE_RECORDS, BULK_THRESHOLD } from '../../domain/sync-limits';
import type { PoolClient } from '../../infra/db';
import { createBulkQueryJob, deleteBulkQueryJob, openBulkResultsPage, waitForBulkQueryJob } from '../../salesforce/bulk-query';
import { copyCsvStatement, copyLines, copyResultsPage } from './copy-page';
import { copyTextStatement, restRecordLines } from './rest-rows';

type SfRecord = Record<string, unknown>;

/** The first REST page of `soql` (2,000 records, nothing fetched beyond it); its totalSize counts them all. */
export async function queryFirstPage(conn: Connection, soql: string): Promise<QueryResult<SfRecord>> {
  return conn.query<SfRecord>(soql, { autoFetch: false, headers: { 'Sforce-Query-Options': 'batchSize=2000' } });
}

/** The REST pages from `first` on, each with the locator of the page after it (null: the last page). */
export async function* restPages(conn: Connection, first: QueryResult<SfRecord>): AsyncGenerator<{ records: SfRecord[]; next: string | null }> {
  let page = first;
  for (;;) {
    const next = page.done || !page.nextRecordsUrl ? null : page.nextRecordsUrl;
    yield { records: page.records, next };
    if (next === null) return;
    page = await conn.queryMore<SfRecord>(next);
  }
}

export interface StagingTarget {
  schema: string;
  /** The staging table (already created), one column per field in `fields` order. */
  staging: string;
  fields: readonly MappedField[];
  /** Records per Bulk 2.0 results page (default BULK_PAGE_RECORDS). */
  pageRecords?: number;
}

/** Copies every record of `soql` into the staging table on `client` (its transaction); heartbeats per page. */
export async function copyQueryToStaging(
  client: PoolClient, conn: Connection, soql: string, into: StagingTarget,
): Promise<{ mode: 'rest' | 'bulk'; records: number }> {
  const { schema, staging, fields } = into;
  const columns = fields.map((f) => f.column);
  const first = await queryFirstPage(conn, soql);
  const mode = first.totalSize > BULK_THRESHOLD ? 'bulk' : 'rest';
  let records = 0;
  if (mode === 'rest') {
    const sql = copyTextStatement(schema, staging, columns);
    for await (const page of restPages(conn, first)) {
      records += await copyLines(client, sql, restRecordLines(page.records, fields));
      Context.current().heartbeat({ records });
    }
  } else {
    const jobId = await createBulkQueryJob(conn, soql, false);
    try {
      await waitForBulkQueryJob(conn, jobId, () => Context.current().heartbeat({ jobId }), { expected: first.totalSize });
      const sql = copyCsvStatement(schema, staging, columns);
      let locator: string | null = null;
      do {
        const page = await openBulkResultsPage(conn, jobId, locator, into.pageRecords ?? BULK_PAGE_RECORDS);
        records += await copyResultsPage(client, sql, jobId, page);
        locator = page.next;
        Context.current().heartbeat({ jobId, records });
      } while (locator !== null);
    } finally {
      await deleteBulkQueryJob(conn, jobId);
    }
  }
  return { mode, records };
}
