// Streams one page of records into a staging table with COPY, in a transaction that also advances the load
// checkpoint, so a page is either fully loaded and recorded or not at all.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { PoolClient } from '../../infra/db';
import type { BulkResultsStream } from '../../salesforce/bulk-query';
import { qualified, quoteIdent } from '../../domain/sql-names';

/**
 * COPY statement for Bulk 2.0 CSV pages: Salesforce's columns arrive in SELECT order, header first; every
 * value may be quoted, and an empty value means null (FORCE_NULL treats a quoted empty cell as null too).
 */
export function copyCsvStatement(schema: string, staging: string, columns: readonly string[]): string {
  const cols = columns.map(quoteIdent).join(', ');
  return `COPY ${qualified(schema, staging)} (${cols}) FROM STDIN WITH (FORMAT csv, HEADER true, FORCE_NULL (${cols}))`;
}

/** Copies a byte stream (CSV or COPY text, matching `sql`) into the table; returns the rows copied. */
export async function copyStream(client: PoolClient, sql: string, source: NodeJS.ReadableStream): Promise<number> {
  const sink = client.query(copyFrom(sql));
  await pipeline(source, sink);
  return sink.rowCount;
}

/**
 * Copies one Bulk 2.0 results page as it streams in; fails (so its transaction rolls back) unless COPY took as
 * many rows as the org said the page holds.
 */
export async function copyResultsPage(client: PoolClient, sql: string, jobId: string, page: BulkResultsStream): Promise<number> {
  const n = await copyStream(client, sql, page.body).finally(() => page.body.destroy());
  if (page.records !== null && n !== page.records) {
    throw new Error(`Bulk 2.0 job ${jobId}: a results page said it held ${page.records} records, but COPY read ${n} rows from it`);
  }
  return n;
}

/** Copies COPY-text lines (from copyTextLine) into the table. */
export function copyLines(client: PoolClient, sql: string, lines: Iterable<string>): Promise<number> {
  return copyStream(client, sql, Readable.from(batchLines(lines), { objectMode: false }));
}

function* batchLines(lines: Iterable<string>): Generator<string> {
  let chunk = '';
  for (const line of lines) {
    chunk += line;
    if (chunk.length > 64 * 1024) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
