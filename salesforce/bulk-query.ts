// Bulk API 2.0 query jobs, driven page by page through jsforce's QueryJobV2 so that a load can checkpoint
// after every page and resume from a stored locator (jsforce's own result() reads all pages in one go).
import { Readable } from 'node:stream';
import type { Connection, Schema } from 'jsforce';
import HttpApi from 'jsforce/lib/http-api';
import type { HttpResponse } from 'jsforce/lib/types';
import { QueryJobV2 } from 'jsforce/lib/api/bulk2';
import { firstJobCheck, nextJobCheck } from '../domain/bulk-job-checks';
import { BODY_IDLE, STREAM_BODY, streamsBodies, type BodyReader } from './streamed-body';

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

/** One page of results as a stream: CSV, header row first, read once by whoever copies it. */
export interface BulkResultsStream {
  body: Readable;
  next: string | null;
  /** Records in the page, from its Sforce-NumberOfRecords header (null when the org sent none). */
  records: number | null;
}

/** jsforce's Bulk 2.0 request class, whose error and session rules a streamed results request keeps. */
class BulkResultsApi extends HttpApi<Schema> {
  override hasErrorInResponseBody(body: unknown): boolean {
    return Array.isArray(body) && typeof body[0] === 'object' && body[0] !== null && 'errorCode' in body[0];
  }
  override isSessionExpired(response: HttpResponse): boolean {
    return response.statusCode === 401 && String(response.body).includes('INVALID_SESSION_ID');
  }
  /** Bulk 2.0 answers errors as `[{errorCode, message}]`; a text request gets that JSON unparsed. */
  override parseError(body: unknown): unknown {
    let parsed = body;
    if (typeof body === 'string') {
      try {
        parsed = JSON.parse(body);
      } catch {
        return body;
      }
    }
    const first = Array.isArray(parsed) ? (parsed[0] as { errorCode?: unknown; message?: unknown } | undefined) : undefined;
    return first && typeof first.errorCode === 'string' ? { errorCode: first.errorCode, message: String(first.message ?? '') } : parsed;
  }
}

/**
 * Opens one results page and resolves when its headers arrive; the page's CSV is then read from `body` as
 * the org sends it (salesforce/streamed-body.ts), never held whole. On a connection whose transport cannot
 * stream, the page is fetched as text and handed over the same way. A body that sends nothing for `idleMs`
 * (BODY_IDLE_MS by default) fails.
 */
export async function openBulkResultsPage(
  conn: Connection, jobId: string, locator: string | null, maxRecords: number, opts: { idleMs?: number } = {},
): Promise<BulkResultsStream> {
  if (!streamsBodies(conn)) {
    const page = await fetchBulkResultsPage(conn, jobId, locator, maxRecords);
    return { body: Readable.from(textSlices(page.csv)), next: page.next, records: null };
  }
  const query = new URLSearchParams({ maxRecords: String(maxRecords) });
  if (locator) query.set('locator', locator);
  const url = new URL(`services/data/v${conn.version}/jobs/query/${jobId}/results?${query.toString()}`, conn.instanceUrl).toString();
  let body: Readable | undefined;
  const reader: BodyReader = (b) => {
    body?.destroy();
    body = b;
  };
  const api = new BulkResultsApi(conn, { responseType: 'text/plain', [STREAM_BODY]: reader, ...(opts.idleMs ? { [BODY_IDLE]: opts.idleMs } : {}) });
  let headers: Record<string, string> = {};
  api.on('response', (response: HttpResponse) => {
    headers = response.headers;
  });
  try {
    await api.request<string>({ method: 'GET', url, headers: { Accept: 'text/csv' } });
  } catch (err) {
    (body as Readable | undefined)?.destroy();
    throw err;
  }
  if (!body) throw new Error(`Bulk 2.0 results of job ${jobId}: the response's body never arrived`);
  const next = headers['sforce-locator'];
  const count = headers['sforce-numberofrecords'];
  return { body: body as Readable, next: next && next !== 'null' ? next : null, records: count !== undefined && /^\d+$/.test(count) ? Number(count) : null };
}

function* textSlices(text: string): Generator<string> {
  for (let i = 0; i < text.length; i += 64 * 1024) yield text.slice(i, i + 64 * 1024);
}

/** Deletes a finished query job and its stored results (Salesforce keeps them for 7 days otherwise). Best effort. */
export async function deleteBulkQueryJob(conn: Connection, jobId: string): Promise<void> {
  try {
    await conn.bulk2.job('query', { id: jobId }).delete();
  } catch {
    // A job that cannot be deleted now (budget spent, org busy) expires by itself.
  }
}
