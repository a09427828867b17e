// Drives the mapping machine (workflows/mapping/machine.ts) the way the workflow does, without Temporal:
// take the next step, begin it, hand it a result (or a failure). Results are the activities' return shapes.
import type { MappedField } from '../../domain/mapped-field';
import type { MappingConfig } from '../../domain/mapping-rules';
import {
  MappingMachine, type ActivityStep, type MappingRun, type Step, type StepFailure, type StepResults,
} from '../../workflows/mapping/machine';

export const RUN: MappingRun = { mappingId: 'salesforce.account', workflowId: 'ferry-mapping:salesforce.account', outboundEnabled: true, pauseStreams: true };

export const FIELDS: MappedField[] = [
  { name: 'Id', column: 'sfid', sfType: 'id', pgType: 'varchar(18)' },
  { name: 'Name', column: 'name', sfType: 'string', pgType: 'varchar(255)' },
];

const counts = { inserted: 0, updated: 0, deleted: 0 };

/** A plain successful result per step kind; `over` changes what a case needs. */
export const result = {
  prepare: (over: Partial<StepResults['prepare']> = {}): StepResults['prepare'] => ({ table: 'account', fields: FIELDS, apiCalls: 1, apiCallsInWindow: 1, ...over }),
  load: (over: Partial<StepResults['load']> = {}): StepResults['load'] => ({ mode: 'bulk', rowsLoaded: 1, startedAtMs: 100_000, apiCalls: 3, apiCallsInWindow: 4, ...counts, inserted: 1, ...over }),
  poll: (over: Partial<StepResults['poll']> = {}): StepResults['poll'] => ({ mode: 'rest', records: 0, toMs: 100_000, newestStampMs: null, apiCalls: 1, apiCallsInWindow: 5, ...counts, ...over }),
  'purge-sweep': (over: Partial<StepResults['purge-sweep']> = {}): StepResults['purge-sweep'] => ({ deleted: 0, toMs: 100_000, apiCalls: 1, apiCallsInWindow: 6, ...over }),
  'set-access': (over: Partial<StepResults['set-access']> = {}): StepResults['set-access'] => ({ access: 'read_only', ...over }),
  flush: (over: Partial<StepResults['flush']> = {}): StepResults['flush'] => ({ claimed: 1, writes: 1, succeeded: 1, failed: 0, api: 'collections', remaining: false, apiCalls: 1, apiCallsInWindow: 7, ...over }),
  'stream-register': (over: Partial<StepResults['stream-register']> = {}): StepResults['stream-register'] => ({ channel: '/topic/ferry_Account', apiCalls: 2, apiCallsInWindow: 8, ...over }),
  'stream-apply': (over: Partial<StepResults['stream-apply']> = {}): StepResults['stream-apply'] => ({ events: 1, partial: 0, refetched: 0, remaining: false, catchUp: null, apiCalls: 0, apiCallsInWindow: null, ...counts, ...over }),
  teardown: (over: Partial<StepResults['teardown']> = {}): StepResults['teardown'] => ({ table: 'account', tableDropped: false, pushTopicLeft: null, ...over }),
  'filter-change': (over: Partial<StepResults['filter-change']> = {}): StepResults['filter-change'] => ({ fetched: 0, mode: null, apiCalls: 2, apiCallsInWindow: 9, ...counts, ...over }),
  'formula-refresh': (over: Partial<StepResults['formula-refresh']> = {}): StepResults['formula-refresh'] => ({ mode: 'rest', records: 1, rowsChanged: 0, apiCalls: 1, apiCallsInWindow: 10, ...over }),
  verify: (over: Partial<StepResults['verify']> = {}): StepResults['verify'] => ({
    deferred: false, retryAtMs: null, startedAtMs: 0, watermarkMs: 100_000, mode: 'rest', buckets: 1, bucketsDiffering: 0, rowsCompared: 2,
    missing: 0, stale: 0, extra: 0, skipped: 0, repaired: 0, estimate: { low: 1, high: 2 }, apiCalls: 1, apiCallsInWindow: 9, durationMs: 5, ...counts, ...over,
  }),
};

export function machine(config: MappingConfig, run: Partial<MappingRun> = {}, nowMs = 0): MappingMachine {
  return MappingMachine.startRun(config, undefined, { ...RUN, ...run }, nowMs);
}

/** Runs the next step (which must be of `kind`) to success with `r`; returns the step. */
export function succeed<K extends ActivityStep['kind']>(m: MappingMachine, kind: K, nowMs: number, r?: StepResults[K]): Extract<Step, { kind: K }> {
  const step = m.nextStep(nowMs);
  if (step.kind !== kind) throw new Error(`expected a ${kind} step at ${nowMs}, got ${JSON.stringify(step)}`);
  m.begin(step);
  const outcome = r ?? (result[kind] as () => StepResults[K])();
  m.apply(step as ActivityStep, { ok: true, result: outcome } as never, nowMs);
  return step as Extract<Step, { kind: K }>;
}

/** Runs the next step (which must be of `kind`) to a failure. */
export function fail(m: MappingMachine, kind: ActivityStep['kind'], nowMs: number, failure: StepFailure): void {
  const step = m.nextStep(nowMs);
  if (step.kind !== kind) throw new Error(`expected a ${kind} step at ${nowMs}, got ${JSON.stringify(step)}`);
  m.begin(step);
  m.apply(step, { ok: false, failure }, nowMs);
}

/** Prepare, capture, load, first poll and sweep, all at 100,000 ms: a mapping in its steady state. */
export function loaded(config: MappingConfig, run: Partial<MappingRun> = {}): MappingMachine {
  const m = machine(config, run);
  succeed(m, 'prepare', 100_000);
  succeed(m, 'set-access', 100_000, result['set-access']({ access: config.access }));
  succeed(m, 'load', 100_000);
  if (config.access === 'read_write') succeed(m, 'flush', 100_000);
  if (config.syncMode === 'event_driven') succeed(m, 'stream-register', 100_000, result['stream-register']({ channel: '/topic/ferry_Account' }));
  succeed(m, 'poll', 100_000);
  succeed(m, 'purge-sweep', 100_000);
  if (config.syncMode === 'event_driven') succeed(m, 'stream-apply', 100_000);
  return m;
}
