// The Salesforce side of a verify, read through the mapping's metered connection (every call in its ledger):
// `Id, SystemModstamp` of every record for the comparison (REST pages for small objects, one Bulk 2.0 job with
// large pages for big ones, parsed as it streams in), and the differing buckets again with all mapped fields.
import { Context } from '@temporalio/activity';
import type { Connection } from 'jsforce';
import { chooseFetch, parseStampMs, REST_PAGE_RECORDS, type FetchMode } from '../../domain/verify-buckets';
import { createBulkQueryJob, deleteBulkQueryJob, fetchBulkResultsPage, waitForBulkQueryJob } from '../../salesforce/bulk-query';

type QueryPage = { records: Record<string, unknown>[]; done: boolean; nextRecordsUrl?: string; totalSize: number };

const REST_HEADERS = { 'Sforce-Query-Options': `batchSize=${REST_PAGE_RECORDS}` };

function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // outside an activity (bench, unit use)
  }
}

/**
 * Reads (Id, SystemModstamp) of every record `soql` selects. `ready` runs once the first call has answered
 * (the org's time is then known) and before any row is handed to `onRow`; with Bulk it runs while the job is
 * processed. A REST read whose first page shows a Bulk job would be cheaper switches to one. Returns the mode used.
 */
export async function readStamps(
  conn: Connection, soql: string, mode: FetchMode, pageRecords: number,
  ready: () => Promise<void>, onRow: (id: string, ms: number) => void,
): Promise<FetchMode> {
  if (mode === 'rest') {
    let page = await conn.query<Record<string, unknown>>(soql, { autoFetch: false, headers: REST_HEADERS }) as QueryPage;
    if (chooseFetch(page.totalSize, pageRecords) === 'rest' || page.done) {
      await ready();
      for (;;) {
        for (const r of page.records) onRow(String(r.Id), parseStampMs(String(r.SystemModstamp ?? '')));
        heartbeat({ rows: page.records.length });
        if (page.done || !page.nextRecordsUrl) return 'rest';
        page = await conn.queryMore<Record<string, unknown>>(page.nextRecordsUrl) as QueryPage;
      }
    }
  }
  const jobId = await createBulkQueryJob(conn, soql, false);
  try {
    await Promise.all([ready(), waitForBulkQueryJob(conn, jobId, () => heartbeat({ jobId }))]);
    let locator: string | null = null;
    do {
      const page = await fetchBulkResultsPage(conn, jobId, locator, pageRecords);
      parseStampCsv(page.csv, onRow);
      locator = page.next;
      heartbeat({ jobId, locator });
    } while (locator !== null);
    return 'bulk';
  } finally {
    await deleteBulkQueryJob(conn, jobId);
  }
}

/** A Bulk 2.0 CSV page of `Id,SystemModstamp` (header first, values maybe quoted) → rows. */
export function parseStampCsv(csv: string, onRow: (id: string, ms: number) => void): number {
  let start = csv.indexOf('\n') + 1;
  if (start === 0) return 0;
  let rows = 0;
  const length = csv.length;
  while (start < length) {
    let end = csv.indexOf('\n', start);
    if (end === -1) end = length;
    let lineEnd = end;
    if (csv.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    if (lineEnd > start) {
      const comma = csv.indexOf(',', start);
      // Values may be quoted ("…"); ids and stamps never hold a quote or comma.
      const q1 = csv.charCodeAt(start) === 34 ? 1 : 0;
      const q2 = csv.charCodeAt(comma + 1) === 34 ? 1 : 0;
      onRow(csv.slice(start + q1, comma - q1), parseStampMs(csv.slice(comma + 1 + q2, lineEnd - q2)));
      rows++;
    }
    start = end + 1;
  }
  return rows;
}

/**
 * Reads every record `soql` selects with all its fields, as Bulk 2.0 CSV pages (`onCsv`) or REST records
 * (`onRecords`), whichever `mode` says. Returns the records read.
 */
export async function readRecords(
  conn: Connection, soql: string, mode: FetchMode, pageRecords: number,
  onCsv: (csv: string) => Promise<number>, onRecords: (records: Record<string, unknown>[]) => Promise<number>,
): Promise<number> {
  let read = 0;
  if (mode === 'rest') {
    let page = await conn.query<Record<string, unknown>>(soql, { autoFetch: false, headers: REST_HEADERS }) as QueryPage;
    for (;;) {
      if (page.records.length > 0) read += await onRecords(page.records);
      heartbeat({ read });
      if (page.done || !page.nextRecordsUrl) return read;
      page = await conn.queryMore<Record<string, unknown>>(page.nextRecordsUrl) as QueryPage;
    }
  }
  const jobId = await createBulkQueryJob(conn, soql, false);
  try {
    await waitForBulkQueryJob(conn, jobId, () => heartbeat({ jobId }));
    let locator: string | null = null;
    do {
      const page = await fetchBulkResultsPage(conn, jobId, locator, pageRecords);
      read += await onCsv(page.csv);
      locator = page.next;
      heartbeat({ jobId, read });
    } while (locator !== null);
    return read;
  } finally {
    await deleteBulkQueryJob(conn, jobId);
  }
}
