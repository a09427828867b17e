// The daily API-call estimate for a ferry mapping as it runs today: domain/estimate.ts's formula plus the two
// kinds of calls ferry's workflow makes that the formula leaves out (found by measuring a real run against the
// emulator, test/integration/api-estimate.test.ts):
//   - every load starts with one `SELECT COUNT()` to choose REST or Bulk 2.0 (activities/load-object.ts);
//   - a purge sweep (`getDeleted`, one call) runs every PURGE_SWEEP_INTERVAL_MS (domain/sync-limits.ts), in
//     every sync mode, to drop records purged from the recycle bin.
// Bulk jobs are counted with the loads' and polls' own threshold and page size.
import { estimateDailyApiCalls, type CallRange, type Estimate, type EstimateInput } from './estimate.js';
import { BULK_PAGE_RECORDS, BULK_THRESHOLD, PURGE_SWEEP_INTERVAL_MS } from './sync-limits.js';

export const PURGE_SWEEP_MINUTES = PURGE_SWEEP_INTERVAL_MS / 60_000;
export const PURGE_SWEEPS_PER_DAY = Math.ceil((24 * 60) / PURGE_SWEEP_MINUTES);
/** The COUNT() query before each load. */
export const LOAD_COUNT_CALLS = 1;

export interface MappingEstimate extends Estimate {
  breakdown: Estimate['breakdown'] & { purgeSweeps: CallRange };
}

export function estimateMappingApiCalls(input: EstimateInput): MappingEstimate {
  const e = estimateDailyApiCalls({ bulkThreshold: BULK_THRESHOLD, bulkResultPageSize: BULK_PAGE_RECORDS, ...input });
  const sweeps = { low: PURGE_SWEEPS_PER_DAY, high: PURGE_SWEEPS_PER_DAY };
  const initialLoad = { low: e.breakdown.initialLoad.low + LOAD_COUNT_CALLS, high: e.breakdown.initialLoad.high + LOAD_COUNT_CALLS };
  const low = e.low + sweeps.low;
  const high = e.high + sweeps.high;
  return {
    low, high,
    firstDay: { low: low + initialLoad.low, high: high + initialLoad.high },
    breakdown: { ...e.breakdown, initialLoad, purgeSweeps: sweeps },
  };
}
