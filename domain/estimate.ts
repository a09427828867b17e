// Estimated Salesforce API calls per day for a mapping that does not exist yet, as a range, so a user can pick
// a polling interval and a cap before spending their org's allowance. Pure arithmetic on stated assumptions.
//
// Notation: N records, C Salesforce changes/day, W Postgres writes/day (read_write), I polling interval (s),
// F flush interval (s), T bulk threshold (10,000), R REST page (2,000), B Bulk 2.0 result page (100,000 unless
// given: the API's estimate passes the 25,000 ferry's loads and polls read, see mapping-api-estimate.ts),
// K record ids per query by id (800: 18-char ids keep a query under 20,000 chars), S collection size (200).
//
// initialLoad (one-off; reported apart from the daily range):
//   1 describe (+ 2 to find/create the PushTopic in event-driven pushtopic mode)
//   N ≤ T: max(1, ⌈N/R⌉) query + queryMore pages
//   N > T: a Bulk 2.0 job: 1 create + status polls (low 1, high BULK_POLLS_HIGH) + ⌈N/B⌉ result pages
// polling (syncMode polling): P = ⌈86400/I⌉ polls/day, each at least one query; a poll that finds c changes costs
//   pages(c) = max(1, ⌈c/R⌉) (c ≤ T) or a bulk job as above (c > T).
//   uniform: P × pages(C'/P)        all at once: (P − 1) + pages(C')
//   low = the smaller, high = the larger (spreading changes is not always cheaper: many small polls can cost more
//   pages than one bulk job). C' = C + W: ferry's own writes come back as Salesforce changes (new SystemModstamp).
// streaming (syncMode event_driven):
//   pushtopic: events carry every mapped field → 0 calls per event (CometD traffic is not an API call).
//   cdc: UPDATE events carry only changed fields → one query by id per flush with updates, ⌈k/K⌉ for k records.
//   Over G = ⌈86400/F⌉ flushes: uniform (high) min(G, C') × ⌈(C'/min(G, C'))/K⌉; all at once (low) ⌈C'/K⌉.
// outbound (access read_write): ⌈w/S⌉ sObject Collection calls per flush that has w writes.
//   uniform (high) min(G, W) × ⌈(W/min(G, W))/S⌉; all at once (low) ⌈W/S⌉.
// low/high = sum of polling, streaming and outbound; firstDay adds initialLoad.

export interface EstimateInput {
  recordCount: number;
  changesPerDay: number;
  pollIntervalSeconds: number;
  syncMode: 'polling' | 'event_driven';
  streamingSource: 'pushtopic' | 'cdc' | 'pubsub';
  /** Postgres-side inserts/updates/deletes per day sent to Salesforce; 0 for read_only. */
  writesPerDay: number;
  flushIntervalSeconds?: number;
  bulkThreshold?: number;
  restBatchSize?: number;
  collectionSize?: number;
  bulkResultPageSize?: number;
  idsPerQuery?: number;
}

export interface CallRange { low: number; high: number }

export interface Estimate extends CallRange {
  firstDay: CallRange;
  breakdown: { initialLoad: CallRange; polling: CallRange; streaming: CallRange; outbound: CallRange };
}

const DAY_SECONDS = 86_400;
/**
 * How many status checks a Bulk 2.0 job may need before it completes (high end: about 42 s of processing at the
 * doubling interval of domain/bulk-job-checks.ts; a check brought forward by the job's reported progress usually
 * replaces one, since the job is then done).
 */
export const BULK_POLLS_HIGH = 20;

interface Params { threshold: number; rest: number; bulkPage: number }

function bulkJobCalls(records: number, p: Params): CallRange {
  const pages = Math.max(1, Math.ceil(records / p.bulkPage));
  return { low: 1 + 1 + pages, high: 1 + BULK_POLLS_HIGH + pages };
}

/** Calls for one fetch of `records` changes/records, REST below the threshold and a bulk job above it. */
function fetchCalls(records: number, p: Params): CallRange {
  if (records > p.threshold) return bulkJobCalls(records, p);
  const pages = Math.max(1, Math.ceil(records / p.rest));
  return { low: pages, high: pages };
}

/** Calls when `total` items over a day are handled in `slots` rounds, `size` items per call. */
function batched(total: number, slots: number, size: number): CallRange {
  if (total <= 0) return { low: 0, high: 0 };
  const busy = Math.min(slots, Math.ceil(total));
  return { low: Math.ceil(total / size), high: busy * Math.ceil(total / busy / size) };
}

function checkInput(input: EstimateInput): void {
  for (const key of ['recordCount', 'changesPerDay', 'writesPerDay'] as const) {
    if (!(input[key] >= 0) || !Number.isFinite(input[key])) throw new RangeError(`${key} must be a non-negative number`);
  }
  if (!(input.pollIntervalSeconds > 0)) throw new RangeError('pollIntervalSeconds must be positive');
  if (input.flushIntervalSeconds !== undefined && !(input.flushIntervalSeconds > 0)) {
    throw new RangeError('flushIntervalSeconds must be positive');
  }
}

/** The daily API-call range and its breakdown; see the formula above. */
export function estimateDailyApiCalls(input: EstimateInput): Estimate {
  checkInput(input);
  const p: Params = {
    threshold: input.bulkThreshold ?? 10_000,
    rest: input.restBatchSize ?? 2_000,
    bulkPage: input.bulkResultPageSize ?? 100_000,
  };
  const flushes = Math.ceil(DAY_SECONDS / (input.flushIntervalSeconds ?? 10));
  const inbound = input.changesPerDay + input.writesPerDay;

  const setup = 1 + (input.syncMode === 'event_driven' && input.streamingSource === 'pushtopic' ? 2 : 0);
  const load = fetchCalls(input.recordCount, p);
  const initialLoad = { low: setup + load.low, high: setup + load.high };

  let polling: CallRange = { low: 0, high: 0 };
  let streaming: CallRange = { low: 0, high: 0 };
  if (input.syncMode === 'polling') {
    const polls = Math.ceil(DAY_SECONDS / input.pollIntervalSeconds);
    const each = fetchCalls(inbound / polls, p);
    const burst = fetchCalls(inbound, p);
    const uniform = { low: polls * each.low, high: polls * each.high };
    const allAtOnce = { low: polls - 1 + burst.low, high: polls - 1 + burst.high };
    polling = { low: Math.min(uniform.low, allAtOnce.low), high: Math.max(uniform.high, allAtOnce.high) };
  } else if (input.streamingSource === 'cdc' || input.streamingSource === 'pubsub') {
    streaming = batched(inbound, flushes, input.idsPerQuery ?? 800);
  }
  const outbound = batched(input.writesPerDay, flushes, input.collectionSize ?? 200);

  const low = polling.low + streaming.low + outbound.low;
  const high = polling.high + streaming.high + outbound.high;
  return {
    low, high,
    firstDay: { low: low + initialLoad.low, high: high + initialLoad.high },
    breakdown: { initialLoad, polling, streaming, outbound },
  };
}
