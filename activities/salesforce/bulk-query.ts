// Bulk API 2.0 query jobs, driven page by page through jsforce's QueryJobV2 so that a load can checkpoint
// after every page and resume from a stored locator (jsforce's own result() reads all pages in one go).
import type { Connection } from 'jsforce';
import { QueryJobV2 } from 'jsforce/lib/api/bulk2';
import type { Readable } from 'node:stream';

interface QueryRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path?: string;
  headers?: Record<string, string>;
  responseType?: string;
  body?: string;
}
/** jsforce keeps the request helper private; it is the one that handles Bulk 2.0's session refresh. */
interface QueryJobInternals {
  createQueryRequest(req: QueryRequest): Promise<unknown> & { stream(): Readable };
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
 * Waits for JobComplete, polling with a growing interval (each poll is an API call). Calls `onPoll` after
 * every poll (heartbeat). Returns the number of records the job produced.
 */
export async function waitForBulkQueryJob(conn: Connection, jobId: string, onPoll: (state: string) => void, maxIntervalMs = 5000): Promise<number> {
  const job = conn.bulk2.job('query', { id: jobId });
  let interval = 250;
  for (;;) {
    const info = await job.check();
    onPoll(info.state);
    if (info.state === 'JobComplete') return Number(info.numberRecordsProcessed ?? 0);
    if (info.state === 'Failed' || info.state === 'Aborted') {
      throw new BulkJobFailed(jobId, info.state, String((info as { errorMessage?: string }).errorMessage ?? ''));
    }
    await new Promise((r) => setTimeout(r, interval));
    interval = Math.min(interval * 2, maxIntervalMs);
  }
}

/**
 * One page of CSV results. `body` streams the CSV (header row first); `next` resolves, once the page has been
 * read, to the locator of the following page or null after the last one.
 */
export function fetchBulkResultsPage(conn: Connection, jobId: string, locator: string | null, maxRecords: number): { body: Readable; next: Promise<string | null> } {
  const job = conn.bulk2.job('query', { id: jobId }) as unknown as QueryJobInternals;
  const query = new URLSearchParams({ maxRecords: String(maxRecords) });
  if (locator) query.set('locator', locator);
  const request = job.createQueryRequest({ method: 'GET', path: `/${jobId}/results?${query.toString()}`, headers: { Accept: 'text/csv' } });
  const next = request.then(() => (job.locator && job.locator !== 'null' ? job.locator : null));
  return { body: request.stream(), next };
}
