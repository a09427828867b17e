// Bulk API 2.0 query jobs, driven page by page through jsforce's QueryJobV2 so that a load can checkpoint
// after every page and resume from a stored locator (jsforce's own result() reads all pages in one go).
import type { Connection } from 'jsforce';
import { QueryJobV2 } from 'jsforce/lib/api/bulk2';
import { firstJobCheck, nextJobCheck } from '../domain/bulk-job-checks';

interface QueryRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path?: string;
  headers?: Record<string, string>;
  responseType?: string;
  body?: string;
}
/** jsforce keeps the request helper private; it is the one that handles Bulk 2.0's session refresh. */
interface QueryJobInternals {
  createQueryRequest(req: QueryRequest): Promise<unknown>;
  locator?: string;
}

export class BulkJobFailed extends Error {
  constructor(readonly jobId: string, readonly state: string, detail: string) {
    super(`Bulk 2.0 query job ${jobId} ended ${state}${detail ? `: ${detail}` : ''}`);
    this.name = 'BulkJobFailed';
  }
}

export async function createBulkQueryJob(conn: Connection, soql: string, scanAll: boolean): Promise<string> {
  const job = new QueryJobV2(conn, { bodyParams: { query: soql, operation: scanAll ? 'queryAll' : 'query' }, pollingOptions: conn.bulk2 });
  const info = await job.open();
  return info.id;
}

/**
 * Waits for JobComplete, checking at a doubling interval from 50 ms up to `maxIntervalMs`, earlier when the
 * job's reported progress (numberRecordsProcessed against `expected`) says it ends sooner
 * (domain/bulk-job-checks.ts). Each check is an API call; calls `onPoll` after every check (heartbeat).
 * Returns the number of records the job produced.
 */
export async function waitForBulkQueryJob(
  conn: Connection, jobId: string, onPoll: (state: string) => void,
  opts: { expected?: number | null; maxIntervalMs?: number } = {},
): Promise<number> {
  const job = conn.bulk2.job('query', { id: jobId });
  const started = Date.now();
  let checks = firstJobCheck();
  for (;;) {
    const info = await job.check();
    onPoll(info.state);
    const processed = Number(info.numberRecordsProcessed ?? 0);
    if (info.state === 'JobComplete') return processed;
    if (info.state === 'Failed' || info.state === 'Aborted') {
      throw new BulkJobFailed(jobId, info.state, String((info as { errorMessage?: string }).errorMessage ?? ''));
    }
    const { delayMs, next } = nextJobCheck(checks, { elapsedMs: Date.now() - started, processed, expected: opts.expected ?? null }, opts.maxIntervalMs);
    checks = next;
    await new Promise((r) => setTimeout(r, delayMs));
  }
}

/** One page of CSV results (header row first) and the locator of the next page, null after the last one. */
export interface BulkResultsPage {
  csv: string;
  next: string | null;
}

export async function fetchBulkResultsPage(conn: Connection, jobId: string, locator: string | null, maxRecords: number): Promise<BulkResultsPage> {
  const job = conn.bulk2.job('query', { id: jobId }) as unknown as QueryJobInternals;
  const query = new URLSearchParams({ maxRecords: String(maxRecords) });
  if (locator) query.set('locator', locator);
  // responseType text/plain: jsforce would otherwise parse the whole page into record objects, which ferry
  // never uses (the CSV text goes straight into COPY). jsforce holds the page in memory either way, so
  // memory is bounded by the page size, not the object's.
  const csv = await job.createQueryRequest({
    method: 'GET', path: `/${jobId}/results?${query.toString()}`, headers: { Accept: 'text/csv' }, responseType: 'text/plain',
  });
  return { csv: typeof csv === 'string' ? csv : '', next: job.locator && job.locator !== 'null' ? job.locator : null };
}

/** Deletes a finished query job and its stored results (Salesforce keeps them for 7 days otherwise). Best effort. */
export async function deleteBulkQueryJob(conn: Connection, jobId: string): Promise<void> {
  try {
    await conn.bulk2.job('query', { id: jobId }).delete();
  } catch {
    // A job that cannot be deleted now (budget spent, org busy) expires by itself.
  }
}
