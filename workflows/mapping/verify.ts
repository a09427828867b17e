// Drift verification's part of a mapping's rules, without Temporal: when a verify is due (its interval after
// the last one, or asked for with the verify update), what waiting for the API budget means (the verify comes
// back `deferred` with the time the window has room; syncing goes on meanwhile), and what the status shows.
//
//   loaded ── interval elapsed / verify update ─► verify ─► done (last verify recorded, next one an interval on)
//                                                   └─ deferred (budget) ─► wait until the window has room ─► verify
import type { VerifyResult } from '../../activities/verify-mapping';
import { verifyIntervalMs, type MappingConfig } from '../../domain/mapping-rules';
import type { VerifyCounts } from '../../domain/verify-buckets';

export interface LastVerify extends VerifyCounts {
  atMs: number;
  watermarkMs: number | null;
  mode: string | null;
  estimate: { low: number; high: number };
  durationMs: number;
  phasesMs?: Record<string, number>;
}

export interface VerifyState {
  /** When the interval counts from: the last verify's end, or when verifying first applied to this mapping. */
  sinceMs: number | null;
  /** A verify was asked for (the verify update) and has not run yet. */
  requested: boolean;
  /** The budget had no room for the verify: not before this time. */
  notBeforeMs: number | null;
  runs: number;
  last: LastVerify | null;
}

export function initialVerify(): VerifyState {
  return { sinceMs: null, requested: false, notBeforeMs: null, runs: 0, last: null };
}

/** When the next verify is due (ms), or null when none is (scheduled verifies off and none asked for). */
export function verifyDueAtMs(v: VerifyState, config: MappingConfig): number | null {
  const interval = verifyIntervalMs(config);
  let due: number | null = v.requested ? 0 : interval === null || v.sinceMs === null ? null : v.sinceMs + interval;
  if (due !== null && v.notBeforeMs !== null) due = Math.max(due, v.notBeforeMs);
  return due;
}

/** Applies a verify's outcome; returns true when it ran (false: deferred for the budget). */
export function markVerified(v: VerifyState, r: VerifyResult, nowMs: number): boolean {
  if (r.deferred) {
    v.notBeforeMs = r.retryAtMs ?? nowMs + 60_000;
    return false;
  }
  v.requested = false;
  v.notBeforeMs = null;
  v.sinceMs = nowMs;
  v.runs += 1;
  v.last = {
    atMs: nowMs, watermarkMs: r.watermarkMs, mode: r.mode, buckets: r.buckets, bucketsDiffering: r.bucketsDiffering,
    rowsCompared: r.rowsCompared, missing: r.missing, stale: r.stale, extra: r.extra, skipped: r.skipped, repaired: r.repaired,
    apiCalls: r.apiCalls, estimate: r.estimate, durationMs: r.durationMs, phasesMs: r.phasesMs,
  };
  return true;
}

export interface VerifyStatus {
  intervalSeconds: number | null;
  nextAt: string | null;
  requested: boolean;
  /** Waiting for the API budget's window to have room for the verify. */
  waitingForBudgetUntil: string | null;
  runs: number;
  last: (Omit<LastVerify, 'atMs' | 'watermarkMs'> & { at: string; watermark: string | null }) | null;
}

export function verifyStatus(v: VerifyState, config: MappingConfig, loaded: boolean): VerifyStatus {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const interval = verifyIntervalMs(config);
  const { atMs, watermarkMs, ...rest } = v.last ?? { atMs: 0, watermarkMs: null };
  return {
    intervalSeconds: interval === null ? null : interval / 1000,
    nextAt: loaded ? iso(verifyDueAtMs(v, config)) : null,
    requested: v.requested,
    waitingForBudgetUntil: iso(v.notBeforeMs),
    runs: v.runs,
    last: v.last === null ? null : { ...(rest as Omit<LastVerify, 'atMs' | 'watermarkMs'>), at: iso(atMs)!, watermark: iso(watermarkMs) },
  };
}
