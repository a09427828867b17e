// Calls to Temporal, Postgres and Salesforce with a deadline, so an outage answers 503 within seconds instead
// of hanging the request. Only failures that mean "the service is not there" become 503; a refused request
// (unknown workflow, failed update, SQL error) keeps its own meaning for the caller to map.
import type { Client } from '@temporalio/client';
import { ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { Unavailable } from './problem';

export interface Deadlines {
  /** A single Temporal RPC (start, describe, query, update, list). */
  temporalMs: number;
  postgresMs: number;
  salesforceMs: number;
}

export const DEFAULT_DEADLINES: Deadlines = { temporalMs: 10_000, postgresMs: 5_000, salesforceMs: 20_000 };

class TimedOut extends Error {}

function timeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

// gRPC status codes that mean the server could not be reached or did not answer in time.
const GRPC_OUTAGE = new Set([4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */, 1 /* CANCELLED */]);

function grpcCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; cause?: { code?: unknown } };
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.cause?.code === 'number') return e.cause.code;
  return undefined;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

export const NO_WORKER = 'no ferry worker is polling the task queue, so the workflow cannot answer (start a worker: npm run worker)';

/**
 * Whether a ferry worker polls the task queue now (false: none; undefined: unknown). Asked when a workflow call
 * runs out of time, so the answer names the missing worker as soon as it is gone — Temporal itself refuses
 * queries for lack of pollers only after a while, and not at all for updates.
 */
export type WorkerPresence = () => Promise<boolean | undefined>;

const WORKER_HINT = ' (is a ferry worker running?)';

/**
 * A workflow call Temporal did not complete: the missing worker when none polls the task queue, else `reason`
 * (with the worker hint when `hint` is 'when-present' and a worker is seen: it may be stopping mid-call).
 */
async function unanswered(reason: string, workerPresent: WorkerPresence | undefined, hint: 'always' | 'when-present'): Promise<Unavailable> {
  const present = await workerPresent?.().catch(() => undefined);
  if (present === false) return new Unavailable('Temporal', NO_WORKER);
  return new Unavailable('Temporal', hint === 'always' || present === true ? `${reason}${WORKER_HINT}` : reason);
}

/** The gRPC error's own first line when the client wrapped it (e.g. "Failed to query Workflow"). */
function causeLine(err: unknown): string {
  const cause = (err as { cause?: unknown })?.cause;
  return cause instanceof Error && cause.message ? firstLine(cause) : firstLine(err);
}

/** Runs a Temporal client call under a gRPC deadline (plus a guard for connecting); outages → 503. */
export async function callTemporal<T>(client: Client, ms: number, fn: () => Promise<T>, workerPresent?: WorkerPresence): Promise<T> {
  try {
    return await timeout(client.withDeadline(Date.now() + ms, fn), ms + 1000);
  } catch (err) {
    if (err instanceof TimedOut) throw await unanswered(err.message, workerPresent, 'always');
    if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) throw await unanswered('the workflow did not answer in time', workerPresent, 'always');
    const code = grpcCode(err);
    // Temporal refuses a query outright once no worker has polled the task queue for a while.
    const cause = (err as { cause?: { message?: unknown } })?.cause?.message;
    if (code === 9 /* FAILED_PRECONDITION */ && /no poller/i.test(`${firstLine(err)} ${typeof cause === 'string' ? cause : ''}`)) {
      throw new Unavailable('Temporal', NO_WORKER);
    }
    if (code === 4) throw await unanswered(`no answer within ${ms} ms`, workerPresent, 'always');
    // Cancelled or unavailable while Temporal itself answers: a worker stopping mid-call is the usual cause.
    if (code !== undefined && GRPC_OUTAGE.has(code)) throw await unanswered(causeLine(err), workerPresent, 'when-present');
    if (err instanceof ServiceError && /connect|unavailable|deadline/i.test(err.message)) throw new Unavailable('Temporal', firstLine(err));
    if (err instanceof Error && /Failed to connect before the deadline/i.test(err.message)) throw new Unavailable('Temporal', firstLine(err));
    throw err;
  }
}

/**
 * Whether Temporal refused an update because the workflow task carrying it failed ("Unable to perform workflow
 * execution update due to unexpected workflow task failure"): seen when signals poured in while the task ran
 * and the server failed it to hand the worker the new events. The update was not applied; sending it again is
 * safe.
 */
export function isUpdateTaskFailure(err: unknown): boolean {
  const cause = (err as { cause?: { message?: unknown; details?: unknown } })?.cause;
  const text = `${firstLine(err)} ${typeof cause?.message === 'string' ? cause.message : ''} ${typeof cause?.details === 'string' ? cause.details : ''}`;
  return grpcCode(err) === 9 /* FAILED_PRECONDITION */ && /unexpected workflow task failure/i.test(text);
}

/** Sends a workflow update, again (up to `attempts` times in all) when Temporal refused it for a failed workflow task. */
export async function sendUpdate<T>(send: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (attempt >= attempts || !isUpdateTaskFailure(err)) throw err;
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

// Errors node-postgres raises when the server is not there (no SQLSTATE) and SQLSTATE classes 08 / 57P.
const PG_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'EPIPE']);

export function isPostgresOutage(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string') return PG_NETWORK_CODES.has(code) || code.startsWith('08') || code.startsWith('57P');
  return err instanceof Error && /Connection terminated|timeout exceeded when trying to connect/i.test(err.message);
}

export async function callPostgres<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await timeout(fn(), ms);
  } catch (err) {
    if (err instanceof TimedOut) throw new Unavailable('Postgres', err.message);
    if (isPostgresOutage(err)) throw new Unavailable('Postgres', firstLine(err));
    throw err;
  }
}

/** Salesforce: a deadline only; the caller maps Salesforce's own refusals (unknown object, bad login). */
export async function callSalesforce<T>(ms: number, fn: () => Promise<T>): Promise<T> {
  try {
    return await timeout(fn(), ms);
  } catch (err) {
    if (err instanceof TimedOut) throw new Unavailable('Salesforce', err.message);
    const code = (err as { code?: unknown })?.code;
    if (typeof code === 'string' && PG_NETWORK_CODES.has(code)) throw new Unavailable('Salesforce', firstLine(err));
    throw err;
  }
}
