// Streams one page of records into a staging table with COPY, in a transaction that also advances the load
// checkpoint, so a page is either fully loaded and recorded or not at all.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { PoolClient } from '../../infra/db';
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
 * Copies a whole text (a CSV page) into the table, in 64 KB pieces: writing the page at once would make one
 * more page-sized buffer per page in flight.
 */
export function copyText(client: PoolClient, sql: string, text: string): Promise<number> {
  return copyStream(client, sql, Readable.from(slices(text, 64 * 1024)));
}

function* slices(text: string, size: number): Generator<string> {
  for (let i = 0; i < text.length; i += size) yield text.slice(i, i + size);
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
