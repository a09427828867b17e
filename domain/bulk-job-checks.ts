// When to check a Bulk API 2.0 query job again. Each check is one API call, and the job's latency is the
// load's or the poll's, so checks follow a doubling interval (cheap for long jobs) and, when the org reports
// how many records the job has processed so far, the job's expected end: a job seen 60 % done after 1.2 s is
// checked again at about 2 s, not at the doubling interval's next step, which can be seconds late.
//
//   interval: 50 ms, then doubling up to 3 s (one step per check)
//   delay = interval                                   no progress reported, or nothing expected
//   delay = clamp(eta + slack, interval / 4, interval) progress reported, and the delay before was not shortened
//   delay = interval                                   the delay before was shortened: at most every other
//                                                      check comes early, so a job whose progress misleads
//                                                      costs at most twice the checks of the interval alone

/** The first wait, and the shortest. */
export const FIRST_CHECK_MS = 50;
/** Longest wait between two checks. */
export const MAX_CHECK_INTERVAL_MS = 3000;
/** Added to an expected end: a check right at it would often find the last records still being written. */
export const ETA_SLACK_MS = 25;

export interface JobCheckState {
  /** The doubling interval's current step. */
  intervalMs: number;
  /** Whether the delay before the last check was shortened by the expected end. */
  shortened: boolean;
}

export interface JobProgress {
  /** Time since the wait began (the job was created just before). */
  elapsedMs: number;
  /** numberRecordsProcessed at this check. */
  processed: number;
  /** Records the job should produce (the COUNT() or REST totalSize read before it), null when unknown. */
  expected: number | null;
}

export function firstJobCheck(): JobCheckState {
  return { intervalMs: FIRST_CHECK_MS, shortened: false };
}

/** The delay before the next check, given what the check just made (`p`) saw, and the state after that delay. */
export function nextJobCheck(s: JobCheckState, p: JobProgress, maxIntervalMs = MAX_CHECK_INTERVAL_MS): { delayMs: number; next: JobCheckState } {
  const interval = Math.min(s.intervalMs, maxIntervalMs);
  const following = Math.min(interval * 2, maxIntervalMs);
  const eta = expectedRemainingMs(p);
  if (eta === null || s.shortened || eta + ETA_SLACK_MS >= interval) return { delayMs: interval, next: { intervalMs: following, shortened: false } };
  const delayMs = Math.max(Math.round(eta + ETA_SLACK_MS), FIRST_CHECK_MS, Math.floor(interval / 4));
  return { delayMs, next: { intervalMs: following, shortened: delayMs < interval } };
}

/** Time left at the job's average rate so far, or null when progress says nothing (none yet, or past the expected count). */
export function expectedRemainingMs(p: JobProgress): number | null {
  if (p.expected === null || p.processed <= 0 || p.processed >= p.expected || p.elapsedMs <= 0) return null;
  return (p.elapsedMs * (p.expected - p.processed)) / p.processed;
}
