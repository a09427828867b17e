// Accounting of a mapping's Salesforce API calls over a rolling 24 h window, stored in Temporal workflow state
// and in Postgres: pure, immutable, JSON-serializable, and safe in the workflow sandbox (no zod, no clock —
// every function takes `nowMs`).
//
// Calls are counted in 5-minute buckets: at most 24 h / 5 min + 1 = 289 buckets are live at once. A bucket's
// calls count until the LAST instant they could have been made ages out (bucket start + 5 min + 24 h), so the
// budget errs on the side of spending less than the cap, never more.

export const WINDOW_MS = 24 * 60 * 60 * 1000;
export const BUCKET_MS = 5 * 60 * 1000;

/** [bucket start in epoch ms (a multiple of BUCKET_MS), calls made in that bucket]. */
export type BudgetBucket = readonly [startMs: number, calls: number];

export interface ApiBudget {
  /** Buckets with at least one call, oldest first. */
  readonly buckets: readonly BudgetBucket[];
}

export function emptyBudget(): ApiBudget {
  return { buckets: [] };
}

function bucketStart(ms: number): number {
  return Math.floor(ms / BUCKET_MS) * BUCKET_MS;
}

/** When the calls of a bucket stop counting. */
function expiresAt(startMs: number): number {
  return startMs + BUCKET_MS + WINDOW_MS;
}

function checkTime(nowMs: number): void {
  if (!Number.isFinite(nowMs)) throw new RangeError(`nowMs must be a finite number, got ${nowMs}`);
}

/** The budget without buckets that have aged out of the window at `nowMs` (the same object if none did). */
export function prune(budget: ApiBudget, nowMs: number): ApiBudget {
  checkTime(nowMs);
  let drop = 0;
  while (drop < budget.buckets.length && expiresAt(budget.buckets[drop][0]) <= nowMs) drop++;
  return drop === 0 ? budget : { buckets: budget.buckets.slice(drop) };
}

/** Record `calls` API calls made at `nowMs`. */
export function spend(budget: ApiBudget, calls: number, nowMs: number): ApiBudget {
  if (!Number.isInteger(calls) || calls < 0) throw new RangeError(`calls must be a non-negative integer, got ${calls}`);
  const pruned = prune(budget, nowMs);
  if (calls === 0) return pruned;
  const start = bucketStart(nowMs);
  const buckets = pruned.buckets.slice();
  // Usually the newest bucket; a clock that stepped back lands earlier in the list (kept sorted).
  let i = buckets.length;
  while (i > 0 && buckets[i - 1][0] > start) i--;
  if (i > 0 && buckets[i - 1][0] === start) buckets[i - 1] = [start, buckets[i - 1][1] + calls];
  else buckets.splice(i, 0, [start, calls]);
  return { buckets };
}

/** Calls that still count against the window at `nowMs`. */
export function usedInWindow(budget: ApiBudget, nowMs: number): number {
  checkTime(nowMs);
  let used = 0;
  for (const [start, calls] of budget.buckets) if (expiresAt(start) > nowMs) used += calls;
  return used;
}

/** Calls left under `cap` at `nowMs` (never negative); Infinity when there is no cap. */
export function remaining(budget: ApiBudget, cap: number | null, nowMs: number): number {
  if (cap === null) return Infinity;
  return Math.max(0, cap - usedInWindow(budget, nowMs));
}

/**
 * The earliest time ≥ nowMs at which `callsNeeded` calls fit under `cap`, as old buckets age out; `nowMs` when
 * they fit already or there is no cap; null when they can never fit (callsNeeded > cap).
 */
export function nextAvailableAt(budget: ApiBudget, cap: number | null, callsNeeded: number, nowMs: number): number | null {
  if (cap === null) return nowMs;
  if (callsNeeded > cap) return null;
  const live = prune(budget, nowMs).buckets;
  let used = usedInWindow(budget, nowMs);
  if (used + callsNeeded <= cap) return nowMs;
  for (const [start, calls] of live) {
    used -= calls;
    if (used + callsNeeded <= cap) return expiresAt(start);
  }
  return null; // unreachable: with every bucket expired, used is 0 and callsNeeded <= cap
}

/**
 * How to split `n` records into calls of at most `maxPerCall` records when only `callsAvailable` calls may be
 * spent now: the batch sizes to send now (the rest waits for the budget). `splitBatches(450, 2, 200)` → [200, 200].
 */
export function splitBatches(n: number, callsAvailable: number, maxPerCall: number): number[] {
  if (maxPerCall < 1) throw new RangeError('maxPerCall must be at least 1');
  const batches: number[] = [];
  let left = Math.max(0, Math.floor(n));
  const calls = Number.isFinite(callsAvailable) ? Math.max(0, Math.floor(callsAvailable)) : Infinity;
  while (left > 0 && batches.length < calls) {
    const size = Math.min(left, maxPerCall);
    batches.push(size);
    left -= size;
  }
  return batches;
}

/** Whether `value` (e.g. read back from Postgres JSON) is a well-formed budget. */
export function isApiBudget(value: unknown): value is ApiBudget {
  if (typeof value !== 'object' || value === null || !('buckets' in value)) return false;
  const { buckets } = value as { buckets: unknown };
  if (!Array.isArray(buckets)) return false;
  let previous = -Infinity;
  for (const b of buckets as unknown[]) {
    if (!Array.isArray(b) || b.length !== 2) return false;
    const [start, calls] = b as unknown[];
    if (typeof start !== 'number' || typeof calls !== 'number' || !(start > previous) || calls < 0) return false;
    previous = start;
  }
  return true;
}
