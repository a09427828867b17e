// Visible retries' part of a mapping's rules, without Temporal (runs with visible retries): a poll, flush, purge
// sweep or stream apply that still fails after its activity's few quick tries shows its error and waits its own
// backoff while the other steps go on. While one waits, a working mapping shows RETRYING (REQUEST_LIMIT_EXCEEDED
// when the org's request limit is why); when none is left, the last error becomes the previous one.
//
//   step fails ─► retrying[step] = attempts + 1, retry after 5 s · 2^(attempts-1) (30 s · … for the request limit)
//       ▲               │ backoff over: the step is due again
//       └─── fails ─────┤
//                       └─ succeeds ─► retrying[step] removed ─► none left: lastError ─► previousError
//   sync now, resume, reconfigure: every backoff ends now
import type { MappingState } from './states';

/**
 * Steps whose failures are retried beside the others (runs with visible retries): a failing flush does not
 * hold polls back, nor a failing poll the flushes. Each waits its own backoff and shows while it does.
 */
export const RETRIED_BESIDE = ['poll', 'flush', 'purge-sweep', 'stream-apply'] as const;
export type RetriedStep = (typeof RETRIED_BESIDE)[number];

/** A step's backoff after its `attempts`-th failed try: doubling from 5 s (30 s for the org's request limit). */
export function retryBackoffMs(type: string, attempts: number): number {
  const limit = type === 'RequestLimitExceeded';
  const base = limit ? 30_000 : 5_000;
  const max = limit ? 15 * 60_000 : 5 * 60_000;
  return Math.min(base * 2 ** Math.min(attempts - 1, 12), max);
}

/** A step failing now, retried after its backoff. */
export interface StepRetry {
  attempts: number;
  retryAtMs: number;
  error: LastError;
}

export interface LastError {
  type: string;
  message: string;
  atMs: number;
}

/** What retries keep of a mapping's carried state. */
export interface RetryState {
  lastError: LastError | null;
  /** Steps failing now and waiting out their backoff (runs with visible retries; absent before). */
  retrying?: Partial<Record<RetriedStep, StepRetry>>;
  /** The last error, once whatever failed recovered (with when it recovered). */
  previousError?: (LastError & { clearedAtMs: number }) | null;
}

export function isRetriedBeside(kind: string): kind is RetriedStep {
  return (RETRIED_BESIDE as readonly string[]).includes(kind);
}

/** The steps waiting out a backoff now. */
export function retriesOf(s: RetryState): [RetriedStep, StepRetry][] {
  return Object.entries(s.retrying ?? {}) as [RetriedStep, StepRetry][];
}

/** When a step backing off may run again (0: it is not backing off). */
export function retryAtOf(s: RetryState, kind: RetriedStep): number {
  return s.retrying?.[kind]?.retryAtMs ?? 0;
}

/** The earliest time a failing step tries again; null when none fails. */
export function earliestRetryAtMs(s: RetryState): number | null {
  const at = retriesOf(s).map(([, r]) => r.retryAtMs);
  return at.length === 0 ? null : Math.min(...at);
}

/** What a working mapping shows while steps back off; null when none does. */
export function retryingState(s: RetryState): Extract<MappingState, 'RETRYING' | 'REQUEST_LIMIT_EXCEEDED'> | null {
  const retries = retriesOf(s);
  if (retries.length === 0) return null;
  return retries.some(([, r]) => r.error.type === 'RequestLimitExceeded') ? 'REQUEST_LIMIT_EXCEEDED' : 'RETRYING';
}

/** A step failed after its quick tries: one more attempt counted, its next backoff, its error the last one. */
export function markRetrying(s: RetryState, kind: RetriedStep, failure: { type: string; message: string }, nowMs: number): void {
  const error: LastError = { type: failure.type, message: failure.message, atMs: nowMs };
  const attempts = (s.retrying?.[kind]?.attempts ?? 0) + 1;
  s.retrying = { ...s.retrying, [kind]: { attempts, retryAtMs: nowMs + retryBackoffMs(failure.type, attempts), error } };
  s.lastError = error;
}

/**
 * A step succeeded: its retries end; when nothing fails any more (and the mapping is not `halted`), the error
 * becomes the previous one.
 */
export function markRecovered(s: RetryState, kind: string, nowMs: number, halted: boolean): void {
  if (s.retrying && kind in s.retrying) s.retrying = Object.fromEntries(Object.entries(s.retrying).filter(([k]) => k !== kind));
  const left = retriesOf(s);
  if (left.length > 0) {
    s.lastError = left.map(([, r]) => r.error).reduce((a, b) => (b.atMs > a.atMs ? b : a));
    return;
  }
  if (s.lastError !== null && !halted) {
    s.previousError = { ...s.lastError, clearedAtMs: nowMs };
    s.lastError = null;
  }
}

/** Steps waiting out a backoff try again at once (the user asked for something). */
export function retryAllNow(s: RetryState): void {
  if (!s.retrying) return;
  s.retrying = Object.fromEntries(Object.entries(s.retrying).map(([k, r]) => [k, { ...r, retryAtMs: 0 }]));
}

export interface RetryStatus {
  retrying: { step: string; attempts: number; retryAt: string; error: { type: string; message: string; at: string } }[];
  previousError: { type: string; message: string; at: string; clearedAt: string } | null;
}

export function retryStatus(s: RetryState): RetryStatus {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    retrying: retriesOf(s).map(([step, r]) => ({ step, attempts: r.attempts, retryAt: iso(r.retryAtMs), error: { type: r.error.type, message: r.error.message, at: iso(r.error.atMs) } })),
    previousError: s.previousError ? { type: s.previousError.type, message: s.previousError.message, at: iso(s.previousError.atMs), clearedAt: iso(s.previousError.clearedAtMs) } : null,
  };
}
