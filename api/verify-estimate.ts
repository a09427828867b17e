// What verifying a mapping costs, for POST /estimate: one verify (the comparison read, REST or Bulk 2.0 by
// size, plus re-fetching the differing buckets) and the verifies a day at the given interval. Reported beside
// the daily range (a verify on demand costs the same as a scheduled one). Formula: domain/verify-buckets.ts.
import { estimateVerifyCalls } from '../domain/verify-buckets';

export function verifyEstimate(recordCount: number, intervalSeconds: number | null, driftRecords?: number) {
  const e = estimateVerifyCalls(recordCount, driftRecords);
  const perDay = intervalSeconds === null || intervalSeconds === 0 ? 0 : Math.ceil(86_400 / intervalSeconds);
  return {
    interval_seconds: intervalSeconds === 0 ? null : intervalSeconds,
    per_verify: { low: e.low, high: e.high },
    compare: e.compare,
    repair: e.repair,
    verifies_per_day: perDay,
    daily: { low: perDay * e.low, high: perDay * e.high },
  };
}
