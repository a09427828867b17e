// A mapping's drift verification as GET /mappings/{object} shows it (snake_case, like the rest of the status).
import type { VerifyStatus } from '../workflows/mapping/verify';

export interface VerifyView {
  interval_seconds: number | null;
  next_at: string | null;
  requested: boolean;
  waiting_for_budget_until: string | null;
  runs: number;
  last: {
    at: string; watermark: string | null; mode: string | null; buckets_compared: number; buckets_differing: number;
    rows_compared: number; missing: number; stale: number; extra: number; skipped: number; repaired: number;
    api_calls: number; estimated_api_calls: { low: number; high: number }; duration_ms: number;
  } | null;
}

export function verifyView(v: VerifyStatus): VerifyView {
  const l = v.last;
  return {
    interval_seconds: v.intervalSeconds, next_at: v.nextAt, requested: v.requested, waiting_for_budget_until: v.waitingForBudgetUntil, runs: v.runs,
    last: l && {
      at: l.at, watermark: l.watermark, mode: l.mode, buckets_compared: l.buckets, buckets_differing: l.bucketsDiffering,
      rows_compared: l.rowsCompared, missing: l.missing, stale: l.stale, extra: l.extra, skipped: l.skipped, repaired: l.repaired,
      api_calls: l.apiCalls, estimated_api_calls: l.estimate, duration_ms: l.durationMs,
    },
  };
}
