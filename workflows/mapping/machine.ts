// The rules of one mapping's life, without Temporal: which step comes next (with the complete input of the
// activity that runs it), and how each step's outcome changes the state. The workflow (workflow.ts) is a thin
// loop: `nextStep`, run the step's activity, `apply` its outcome, wait when told to. Everything here is
// deterministic and carried across continue-as-new as plain JSON (`carry()`).
//
//   INITIAL ─prepare─► LOADING_BULK_JOB ─load─► DATA_SYNCED ◄──────────────┐
//                                                 │ poll due / sync now    │
//                                                 ▼                        │
//                                          POLLING_SF_CHANGES ─────────────┘
//   event-driven: DATA_SYNCED ─register─► STREAMING ─nudge─► apply ─► STREAMING (a catch-up polls first)
//   reload: RELOAD_TABLE (build beside, swap) ─► DATA_SYNCED
//   fields added: SCHEMA_CHANGED ─prepare─► RESYNC (load into the live table) ─► DATA_SYNCED
//   record filter changed: DATA_SYNCED ─filter-change (fetch new∧¬old, drop old∧¬new)─► DATA_SYNCED
//   formula_refresh_seconds: DATA_SYNCED ─formula-refresh (calculated fields only)─► DATA_SYNCED, on its schedule
//   halted: PAUSED · BAD_CONFIG · UNAUTHORIZED · SYSTEM_ERROR · API_BUDGET_EXHAUSTED (left by resume,
//   reconfigure, sync now, or — for the budget and system errors — by time)
//   delete: any state ─► DELETING (teardown) ─► the workflow completes
//   verify (drift detection and repair, verify.ts): due by interval or asked for, run between the other steps
//   visible retries (retries.ts): a failing poll, flush, sweep or stream apply waits its backoff beside the others
//   record filter changes and formula refreshes: when they come, filters-and-formulas.ts
import type { FilterChangeInput, FilterChangeResult } from '../../activities/apply-filter-change';
import type { LoadInput, LoadResult } from '../../activities/load-object';
import type { RefreshFormulasInput, RefreshFormulasResult } from '../../activities/refresh-formulas';
import type { FlushInput, FlushResult } from '../../activities/outbound/flush-outbound';
import type { SetAccessModeInput } from '../../activities/outbound/set-access-mode';
import type { PollInput, PollResult } from '../../activities/poll-changes';
import type { PreparedMapping } from '../../activities/prepare-mapping';
import type { ApplyStreamInput, ApplyStreamResult } from '../../activities/streaming/apply-stream-events';
import type { RegisterStreamInput, RegisterStreamResult } from '../../activities/streaming/register-stream';
import type { PurgeSweepInput, PurgeSweepResult } from '../../activities/sync-purged-deletes';
import type { TeardownInput, TeardownResult } from '../../activities/teardown-mapping';
import type { VerifyInput, VerifyResult } from '../../activities/verify-mapping';
import type { MappedField } from '../../domain/mapped-field';
import { PURGE_SWEEP_INTERVAL_MS } from '../../domain/sync-limits';
import { applyConfigPatch, mergeConfigPatch, type ConfigPatch } from '../../domain/mapping-patch';
import { pollOverlapMs, type Access, type MappingConfig } from '../../domain/mapping-rules';
import { pollWindowStart, purgeSweepWindow } from '../../domain/poll-window';
import type { MappingRef } from '../../salesforce/mapping-connection';
import type { MappingStatus } from './messages';
import {
  archiveDue, flushDueAtMs, initialOutbound, markFlushed, markFullBatch, markInstalled, markPending, needsCaptureInstall,
  type OutboundState, type OutboundView,
} from './outbound';
import {
  filterChangeDue, filterOf, filterStatus, formulaRefreshDueAtMs, formulasStatus, initialFormulas, markFormulasRefreshed, type FormulaState,
} from './filters-and-formulas';
import {
  earliestRetryAtMs, isRetriedBeside, markRecovered, markRetrying, retryAllNow, retryAtOf, retryingState, retryStatus,
  type RetriedStep, type RetryState,
} from './retries';
import { type MappingState } from './states';
import { applied, desiredStream, initialStream, registered, type StreamState } from './streaming';
import { initialVerify, markVerified, verifyDueAtMs, verifyStatus, type VerifyState } from './verify';

export { PURGE_SWEEP_INTERVAL_MS };
export { RETRIED_BESIDE, retryBackoffMs, type LastError, type RetriedStep, type StepRetry } from './retries';
export type { FormulaState } from './filters-and-formulas';

/** Wait after an unexpected failure before the step is tried again. */
export const SYSTEM_ERROR_RETRY_MS = 60_000;
/** Wait after a spent API budget when the ledger names no time. */
export const BUDGET_RETRY_MS = 60_000;

export interface MappingCounts {
  loads: number;
  polls: number;
  inserted: number;
  updated: number;
  deleted: number;
}

/**
 * Everything a mapping carries across continue-as-new. Version it; give new fields defaults in `upgrade`.
 * (lastError, retrying, previousError: RetryState.)
 */
export interface CarriedStateV1 extends RetryState {
  v: 1;
  config: MappingConfig;
  state: MappingState;
  paused: boolean;
  table: string | null;
  fields: MappedField[];
  /** Fields whose columns exist and hold data (a load has completed with them). */
  loadedFields: string[];
  needsPrepare: boolean;
  reloadRequested: boolean;
  syncRequested: boolean;
  /**
   * How far polls (and the initial load) have covered the org, on the org's clock; the next poll reads from
   * the mapping's poll overlap behind it (domain/poll-window.ts). null until the initial load completed.
   * (Runs before the org's clock was used kept here the start of the next window; read as coverage, that
   * only makes one poll re-read a little more.)
   */
  watermarkMs: number | null;
  lastPollAtMs: number | null;
  lastPurgeSweepMs: number | null;
  /** How far purge sweeps have covered, on the org's clock (getDeleted's latestDateCovered); absent before the first. */
  purgeSweptMs?: number | null;
  lastLoad: { mode: 'bulk' | 'rest'; rows: number; finishedAtMs: number } | null;
  counts: MappingCounts;
  /** A halted state waiting to be retried at this time (budget, system error); null = wait for a message. */
  retryAtMs: number | null;
  apiCallsInWindow: number;
  apiCallsAsOfMs: number | null;
  /** Outbound capture and flushing (absent in states carried from before outbound sync; see upgrade). */
  outbound?: OutboundState;
  /** Event-driven sync (absent in states carried from before it; see upgrade). */
  stream?: StreamState;
  /**
   * The record filter the table reflects (what the last initial load, reload or filter change applied);
   * absent in states carried from before filters (then the config's, i.e. none). A config whose filter
   * differs gets a filter-change step.
   */
  scopeFilter?: string | null;
  /** Scheduled formula refreshes (absent before them). */
  formulas?: FormulaState;
  /** Drift verification (absent in states carried from before it; see upgrade). */
  verify?: VerifyState;
}

export type CarriedState = CarriedStateV1;

/** The activity each step runs, with its complete input. */
export type Step =
  | { kind: 'prepare'; input: MappingRef }
  | { kind: 'load'; input: LoadInput }
  | { kind: 'poll'; input: PollInput }
  | { kind: 'purge-sweep'; input: PurgeSweepInput }
  | { kind: 'set-access'; input: SetAccessModeInput }
  | { kind: 'flush'; input: FlushInput & { archive: boolean }; startedAtMs: number }
  /** `key`: what the subscription is for (see desiredStream); null unregisters. */
  | { kind: 'stream-register'; input: RegisterStreamInput; key: string | null }
  | { kind: 'stream-apply'; input: ApplyStreamInput }
  | { kind: 'teardown'; input: TeardownInput }
  | { kind: 'filter-change'; input: FilterChangeInput }
  | { kind: 'formula-refresh'; input: RefreshFormulasInput }
  | { kind: 'verify'; input: VerifyInput }
  | { kind: 'wait'; untilMs: number | null };

export type ActivityStep = Exclude<Step, { kind: 'wait' }>;

/** What each step's activity returns. */
export interface StepResults {
  prepare: PreparedMapping;
  load: LoadResult;
  poll: PollResult;
  'purge-sweep': PurgeSweepResult;
  'set-access': { access: Access };
  flush: FlushResult;
  'stream-register': RegisterStreamResult;
  'stream-apply': ApplyStreamResult;
  teardown: TeardownResult;
  'filter-change': FilterChangeResult;
  'formula-refresh': RefreshFormulasResult;
  verify: VerifyResult;
}

/** A step's failure as the activity boundary classified it (`type`: BadConfig, Unauthorized, …). */
export interface StepFailure {
  type: string;
  message: string;
  /** When a spent budget frees up again. */
  retryAtMs?: number;
}

export type StepOutcome<S extends ActivityStep = ActivityStep> =
  | { ok: true; result: StepResults[S['kind']] }
  | { ok: false; failure: StepFailure };

/** What the machine knows about the run it lives in (not carried: each run is told again). */
export interface MappingRun {
  mappingId: string;
  workflowId: string;
  /** Records per Bulk 2.0 results page for loads (undefined: the activity's default). */
  bulkPageRecords?: number;
  /** Off when replaying a history recorded before outbound sync existed (the workflow's patch decides). */
  outboundEnabled: boolean;
  /** Pausing stops the mapping's streaming listener (off when replaying a history from before it did). */
  pauseStreams?: boolean;
  /**
   * Activities are tried a few times only; a step that still fails shows its error and waits its own backoff
   * while the other steps go on (off when replaying a history from before, where Temporal retried them long).
   */
  visibleRetries?: boolean;
  /** A reconfigure or resume lifts a spent-budget halt at once (off when replaying a history from before). */
  liftBudget?: boolean;
  /** Filter changes and formula refreshes are scheduled (off when replaying a history from before them). */
  filtersAndFormulas?: boolean;
  /** Drift verification runs (off when replaying a history recorded before it existed). */
  verifyEnabled?: boolean;
}

const HALTING_FAILURES: Record<string, MappingState> = {
  BadConfig: 'BAD_CONFIG',
  Unauthorized: 'UNAUTHORIZED',
  ApiBudgetExhausted: 'API_BUDGET_EXHAUSTED',
};

const HALTED: readonly MappingState[] = ['BAD_CONFIG', 'UNAUTHORIZED', 'SYSTEM_ERROR', 'API_BUDGET_EXHAUSTED'];

export function initialState(config: MappingConfig): CarriedState {
  return {
    v: 1, config, state: 'INITIAL', paused: false, table: null, fields: [], loadedFields: [], needsPrepare: true,
    reloadRequested: false, syncRequested: false, watermarkMs: null, lastPollAtMs: null, lastPurgeSweepMs: null,
    lastLoad: null, counts: { loads: 0, polls: 0, inserted: 0, updated: 0, deleted: 0 }, lastError: null,
    retryAtMs: null, apiCallsInWindow: 0, apiCallsAsOfMs: null, outbound: initialOutbound(), stream: initialStream(),
    verify: initialVerify(),
  };
}

/** Brings a carried state of any earlier version up to the current one. */
export function upgrade(carried: CarriedState): CarriedState {
  return {
    ...carried, outbound: carried.outbound ?? initialOutbound(), stream: carried.stream ?? initialStream(),
    scopeFilter: carried.scopeFilter === undefined ? filterOf(carried.config) : carried.scopeFilter,
    formulas: carried.formulas ?? initialFormulas(), verify: carried.verify ?? initialVerify(),
  };
}

export class MappingMachine {
  private readonly carried: CarriedState;
  private readonly outbound: OutboundState;
  private readonly stream: StreamState;
  private readonly verify: VerifyState;
  /** When this run last heard of pending outbound work (not carried: a new run flushes once anyway). */
  private lastSignalAtMs: number | null = null;
  /** A deletion asked for in this run (the teardown step comes before anything else). */
  private deletion: { dropTable: boolean; result: TeardownResult | null; retryAtMs: number | null } | null = null;

  constructor(carried: CarriedState, private readonly run: MappingRun) {
    this.carried = upgrade(carried);
    this.outbound = this.carried.outbound!;
    this.stream = this.carried.stream!;
    this.verify = this.carried.verify!;
  }

  /** The machine of a new run: pending work that arrived while no run listened is looked for once. */
  static startRun(config: MappingConfig, carried: CarriedState | undefined, run: MappingRun, nowMs: number): MappingMachine {
    const m = new MappingMachine(carried ?? initialState(config), run);
    // A new run cannot know whether events were staged while no run listened: apply once.
    if (m.stream.registered !== null) m.stream.pending = true;
    // Nor whether writes were captured meanwhile: look once.
    if (run.outboundEnabled && m.outbound.installedAccess === 'read_write') markPending(m.outbound, nowMs);
    // The verify interval counts from the first run that knows about verifying.
    if (run.verifyEnabled) m.verify.sinceMs ??= nowMs;
    return m;
  }

  /** The state shown: a working mapping with a step failing beside the others shows that it is retrying. */
  get state(): MappingState {
    const s = this.carried;
    if (s.paused || s.state === 'DELETING' || HALTED.includes(s.state)) return s.state;
    return retryingState(s) ?? s.state;
  }

  get halted(): boolean {
    return this.carried.paused || HALTED.includes(this.carried.state);
  }

  /** A deletion was asked for and has not run yet (its update waits for the teardown). */
  get deletionRequested(): boolean {
    return this.deletion !== null && this.deletion.result === null;
  }

  /** The teardown has run: the workflow completes with this result. */
  get deleted(): TeardownResult | null {
    return this.deletion?.result ?? null;
  }

  /** What the next run starts from (continue-as-new). */
  carry(): CarriedState {
    return this.carried;
  }

  // ── steps ────────────────────────────────────────────────────────────────────────────────────────────

  /** Where the next poll starts reading (inclusive), on the org's clock. */
  private pollFromMs(): number {
    return pollWindowStart(this.carried.watermarkMs!, pollOverlapMs(this.carried.config));
  }

  /** The getDeleted window of the next purge sweep, on the org's clock (the poll coverage closes it). */
  private purgeSweepWindow(): { startMs: number; endMs: number } {
    const s = this.carried;
    const covered = s.watermarkMs!;
    return purgeSweepWindow(s.purgeSweptMs ?? covered, pollOverlapMs(s.config), covered);
  }

  nextStep(nowMs: number): Step {
    const s = this.carried;
    if (this.deletion && this.deletion.result === null) {
      const retryAtMs = this.deletion.retryAtMs;
      if (retryAtMs !== null && nowMs < retryAtMs) return { kind: 'wait', untilMs: retryAtMs };
      return { kind: 'teardown', input: this.teardownInput(this.deletion.dropTable) };
    }
    if (s.paused) {
      if (this.run.pauseStreams && this.stream.registered !== null && !this.stream.paused) return this.streamPause(true);
      return { kind: 'wait', untilMs: null };
    }
    if (this.halted) {
      if (s.retryAtMs !== null && nowMs < s.retryAtMs) return { kind: 'wait', untilMs: s.retryAtMs };
      if (s.retryAtMs === null) return { kind: 'wait', untilMs: null };
    }
    const ref = this.ref();
    if (s.needsPrepare) return { kind: 'prepare', input: ref };
    const table = s.table!;
    if (this.run.outboundEnabled && needsCaptureInstall(this.outboundView())) {
      return { kind: 'set-access', input: { ...ref, table, workflowId: this.run.workflowId } };
    }
    const load = (target: LoadInput['target']): Step => ({ kind: 'load', input: { ...ref, table, fields: s.fields, target, pageRecords: this.run.bulkPageRecords } });
    if (s.reloadRequested) return load('reload');
    const newFields = s.fields.some((f) => !s.loadedFields.includes(f.name));
    if (s.watermarkMs === null || newFields) return load('live');
    const filterChange = this.run.filtersAndFormulas ? filterChangeDue(s.config, s.scopeFilter) : null;
    if (filterChange !== null) return { kind: 'filter-change', input: { ...ref, table, fields: s.fields, ...filterChange } };
    const flushAt = this.flushDueAtMs();
    if (flushAt !== null && nowMs >= flushAt) {
      return { kind: 'flush', input: { ...ref, table, fields: s.fields, archive: archiveDue(this.outbound, nowMs) }, startedAtMs: nowMs };
    }
    const stream = this.desiredStream();
    if (stream !== this.stream.registered) {
      const input: RegisterStreamInput = { ...ref, table, fields: s.fields, workflowId: this.run.workflowId, enabled: stream !== null };
      // Polling again (or another source): the PushTopic this mapping registered goes from the org.
      if (this.stream.registered?.startsWith('pushtopic|') && !stream?.startsWith('pushtopic|')) input.removePushTopic = true;
      return { kind: 'stream-register', key: stream, input };
    }
    if (this.stream.registered !== null && this.stream.paused) return this.streamPause(false);
    if (nowMs >= this.nextPollAtMs()) return { kind: 'poll', input: { ...ref, table, fields: s.fields, fromMs: this.pollFromMs() } };
    const sweepAt = s.lastPurgeSweepMs === null ? this.retryAtOf('purge-sweep') : Math.max(s.lastPurgeSweepMs + PURGE_SWEEP_INTERVAL_MS, this.retryAtOf('purge-sweep'));
    if (nowMs >= sweepAt) {
      const w = this.purgeSweepWindow();
      return { kind: 'purge-sweep', input: { ...ref, table, fromMs: w.startMs, toMs: w.endMs } };
    }
    const refreshAt = this.nextFormulaRefreshAtMs();
    if (refreshAt !== null && nowMs >= refreshAt) {
      return { kind: 'formula-refresh', input: { ...ref, table, fields: s.fields, pageRecords: this.run.bulkPageRecords } };
    }
    // After polls and sweeps, so a continuous stream of events never starves them.
    const applyAt = this.stream.pending && this.stream.registered !== null ? this.retryAtOf('stream-apply') : null;
    if (applyAt !== null && nowMs >= applyAt) return { kind: 'stream-apply', input: { ...ref, table, fields: s.fields } };
    const verifyAt = this.verifyDueAtMs();
    if (verifyAt !== null && nowMs >= verifyAt) return { kind: 'verify', input: { ...ref, table, fields: s.fields } };
    return { kind: 'wait', untilMs: Math.min(this.nextPollAtMs(), sweepAt, flushAt ?? Infinity, applyAt ?? Infinity, refreshAt ?? Infinity, verifyAt ?? Infinity) };
  }

  /** A step starts: the state it shows while it runs. */
  begin(step: ActivityStep): void {
    const s = this.carried;
    switch (step.kind) {
      case 'prepare':
        s.state = s.table === null ? 'INITIAL' : 'SCHEMA_CHANGED';
        break;
      case 'load':
        if (step.input.target === 'reload') s.state = 'RELOAD_TABLE';
        else s.state = s.watermarkMs === null ? 'LOADING_BULK_JOB' : 'RESYNC';
        break;
      case 'poll':
        s.state = 'POLLING_SF_CHANGES';
        break;
      case 'stream-apply':
        s.state = 'STREAMING';
        // Consumed now: a nudge that arrives while the step runs sets it again.
        this.stream.pending = false;
        break;
      case 'teardown':
        s.state = 'DELETING';
        break;
      default:
        break;
    }
  }

  /** A step's activity finished (or failed for good): its outcome, at `nowMs`. */
  apply<S extends ActivityStep>(step: S, outcome: StepOutcome<S>, nowMs: number): void {
    if (!outcome.ok) {
      // A failed teardown is tried again after a while, whatever the failure: the user asked for the end.
      if (step.kind === 'teardown') this.deletion!.retryAtMs = nowMs + SYSTEM_ERROR_RETRY_MS;
      if (this.run.visibleRetries && isRetriedBeside(step.kind) && !HALTING_FAILURES[outcome.failure.type]) this.retryLater(step.kind, outcome.failure, nowMs);
      else this.fail(outcome.failure, nowMs);
      return;
    }
    const handlers: { [K in ActivityStep['kind']]: (step: Extract<ActivityStep, { kind: K }>, r: StepResults[K]) => void } = {
      prepare: (_step, r) => this.markPrepared(r, nowMs),
      load: (st, r) => this.markLoaded(st.input.target, r, nowMs, st.input.config),
      poll: (_step, r) => this.markPolled(r, nowMs),
      'purge-sweep': (_step, r) => this.markSwept(r, nowMs),
      'set-access': (st) => this.markCaptureInstalled(st.input.config.access, nowMs),
      flush: (st, r) => this.markFlushed(st, r, nowMs),
      'stream-register': (st, r) => this.markStreamRegistered(st, r, nowMs),
      'stream-apply': (_step, r) => this.markStreamApplied(r, nowMs),
      verify: (_step, r) => this.markVerified(r, nowMs),
      teardown: (_step, r) => {
        this.deletion!.result = r;
      },
      'filter-change': (st, r) => this.markFilterChanged(st, r, nowMs),
      'formula-refresh': (_step, r) => this.markFormulasRefreshed(r, nowMs),
    };
    (handlers[step.kind] as (s: S, r: StepResults[S['kind']]) => void)(step, outcome.result);
    if (this.run.visibleRetries) this.recovered(step.kind, nowMs);
  }

  /**
   * A step that runs beside the others failed after its few quick tries: it shows its error and waits its
   * backoff (a longer one each time) while the other steps go on; sync now, resume or a reconfigure cut it short.
   */
  private retryLater(kind: RetriedStep, failure: StepFailure, nowMs: number): void {
    const s = this.carried;
    markRetrying(s, kind, failure, nowMs);
    // The step's own state ends (a failed poll is no longer polling); the events of a failed apply stay staged.
    if (kind === 'stream-apply') this.stream.pending = true;
    if (!s.paused && !HALTED.includes(s.state)) s.state = this.stream.registered ? 'STREAMING' : 'DATA_SYNCED';
  }

  /** A step succeeded: its retries end; when nothing fails any more, the error becomes the previous one. */
  private recovered(kind: ActivityStep['kind'], nowMs: number): void {
    markRecovered(this.carried, kind, nowMs, this.halted);
  }

  /** Steps waiting out a backoff try again at once (the user asked for something). */
  private retryNow(): void {
    retryAllNow(this.carried);
  }

  /** When a step backing off may run again (0: it is not backing off). */
  private retryAtOf(kind: RetriedStep): number {
    return retryAtOf(this.carried, kind);
  }

  private markPrepared(r: PreparedMapping, nowMs: number): void {
    const s = this.carried;
    this.apiUsage(r.apiCallsInWindow, nowMs);
    s.table = r.table;
    s.fields = r.fields;
    s.needsPrepare = false;
    // Columns of removed fields stay (data left alone); fields still mapped keep their loaded status.
    s.loadedFields = s.loadedFields.filter((f) => r.fields.some((m) => m.name === f));
    this.succeeded();
  }

  private markLoaded(target: LoadInput['target'], r: LoadResult, nowMs: number, loaded?: MappingConfig): void {
    const s = this.carried;
    this.apiUsage(r.apiCallsInWindow, nowMs);
    // A whole-object load (the first, or a reload) read the scope of the filter it ran with.
    if (loaded && (target === 'reload' || s.watermarkMs === null)) s.scopeFilter = filterOf(loaded);
    s.loadedFields = s.fields.map((f) => f.name);
    if (target === 'reload') {
      s.reloadRequested = false;
      // The swapped-in table has no capture triggers yet.
      this.outbound.installedAccess = null;
    }
    // The load covered the org up to its start (the org's time of its first response); a backfill or reload
    // moves the coverage back to it only when that is earlier.
    s.watermarkMs = s.watermarkMs === null ? r.startedAtMs : Math.min(s.watermarkMs, r.startedAtMs);
    // The first purge sweep starts from the initial load too: a record deleted and purged before the first poll
    // never shows in its queryAll.
    s.purgeSweptMs ??= r.startedAtMs;
    s.lastLoad = { mode: r.mode, rows: r.rowsLoaded, finishedAtMs: nowMs };
    s.counts.loads += 1;
    this.count(r);
    this.succeeded();
  }

  private markPolled(r: PollResult, nowMs: number): void {
    const s = this.carried;
    this.apiUsage(r.apiCallsInWindow, nowMs);
    // Coverage never moves back; a poll that learned nothing of the org's time leaves it.
    if (r.toMs !== null) s.watermarkMs = Math.max(s.watermarkMs ?? r.toMs, r.toMs);
    s.lastPollAtMs = nowMs;
    s.syncRequested = false;
    s.counts.polls += 1;
    this.count(r);
    this.succeeded();
  }

  private markFilterChanged(step: Extract<Step, { kind: 'filter-change' }>, r: FilterChangeResult, nowMs: number): void {
    this.apiUsage(r.apiCallsInWindow, nowMs);
    // The table now reflects the filter the step applied (a change made meanwhile is the next step).
    this.carried.scopeFilter = step.input.to;
    this.count(r);
    this.succeeded();
  }

  private markFormulasRefreshed(r: RefreshFormulasResult, nowMs: number): void {
    if (r.apiCalls > 0) this.apiUsage(r.apiCallsInWindow, nowMs);
    markFormulasRefreshed(this.carried.formulas!, r, nowMs);
    this.carried.counts.updated += r.rowsChanged;
    this.succeeded();
  }

  private markSwept(r: PurgeSweepResult, nowMs: number): void {
    this.apiUsage(r.apiCallsInWindow, nowMs);
    this.carried.lastPurgeSweepMs = nowMs;
    if (typeof r.toMs === 'number') this.carried.purgeSweptMs = Math.max(this.carried.purgeSweptMs ?? r.toMs, r.toMs);
    this.carried.counts.deleted += r.deleted;
    this.succeeded();
  }

  private markVerified(r: VerifyResult, nowMs: number): void {
    if (markVerified(this.verify, r, nowMs)) {
      this.apiUsage(r.apiCallsInWindow, nowMs);
      this.count(r);
    }
    this.succeeded();
  }

  private markCaptureInstalled(access: Access, nowMs: number): void {
    markInstalled(this.outbound, access, this.carried.table!, nowMs);
    this.succeeded();
  }

  private markFlushed(step: Extract<Step, { kind: 'flush' }>, r: FlushResult, nowMs: number): void {
    this.apiUsage(r.apiCallsInWindow, nowMs);
    markFlushed(this.outbound, { ...r, archived: step.input.archive }, step.startedAtMs, this.lastSignalAtMs, nowMs);
    this.succeeded();
  }

  private markStreamRegistered(step: Extract<Step, { kind: 'stream-register' }>, r: RegisterStreamResult, nowMs: number): void {
    if (r.apiCallsInWindow !== null) this.apiUsage(r.apiCallsInWindow, nowMs);
    registered(this.stream, step.key, r.channel, step.input.paused === true);
    // Pausing a stream is part of pausing the mapping, which stays PAUSED.
    if (!this.carried.paused) this.succeeded();
  }

  /** Counts, and an immediate poll when the listener or a gap asked for a catch-up. */
  private markStreamApplied(r: ApplyStreamResult, nowMs: number): void {
    if (r.apiCallsInWindow !== null) this.apiUsage(r.apiCallsInWindow, nowMs);
    if (applied(this.stream, r, nowMs)) this.carried.syncRequested = true;
    this.count(r);
    this.succeeded();
  }

  /** An activity failed for good: halt visibly (config, auth, budget) or retry later (anything else). */
  private fail(failure: StepFailure, nowMs: number): void {
    const s = this.carried;
    s.lastError = { type: failure.type, message: failure.message, atMs: nowMs };
    const halted = HALTING_FAILURES[failure.type];
    s.state = halted ?? 'SYSTEM_ERROR';
    // A denied stream handshake (or a source that cannot work, e.g. CDC not enabled) is recorded on the
    // subscription: registering again (after the user acts) clears it.
    if (halted === 'UNAUTHORIZED' || halted === 'BAD_CONFIG') this.stream.registered = null;
    if (halted === 'API_BUDGET_EXHAUSTED') s.retryAtMs = failure.retryAtMs ?? nowMs + BUDGET_RETRY_MS;
    else if (halted) s.retryAtMs = null;
    else s.retryAtMs = nowMs + SYSTEM_ERROR_RETRY_MS;
  }

  private succeeded(): void {
    this.carried.state = this.stream.registered ? 'STREAMING' : 'DATA_SYNCED';
    this.carried.retryAtMs = null;
  }

  private apiUsage(callsInWindow: number, nowMs: number): void {
    this.carried.apiCallsInWindow = callsInWindow;
    this.carried.apiCallsAsOfMs = nowMs;
  }

  private count(r: { inserted: number; updated: number; deleted: number }): void {
    this.carried.counts.inserted += r.inserted;
    this.carried.counts.updated += r.updated;
    this.carried.counts.deleted += r.deleted;
  }

  // ── messages ─────────────────────────────────────────────────────────────────────────────────────────

  /** The configuration a patch would give; throws ConfigError naming what is wrong (the update's validator). */
  checkReconfigure(patch: unknown): MappingConfig {
    return applyConfigPatch(this.carried.config, patch);
  }

  /** Applies a patch the validator (checkReconfigure) accepted; returns the new configuration. */
  reconfigure(patch: ConfigPatch): MappingConfig {
    const s = this.carried;
    const next = mergeConfigPatch(s.config, patch);
    const fieldsChanged = next.fields.join(',').toLowerCase() !== s.config.fields.join(',').toLowerCase()
      || JSON.stringify(next.indexes) !== JSON.stringify(s.config.indexes);
    s.config = next;
    if (fieldsChanged) s.needsPrepare = true;
    this.retryNow();
    // A changed configuration (a raised or removed cap above all) is tried at once, a spent budget included.
    this.unhalt(this.run.liftBudget === true);
    return next;
  }

  pause(): void {
    this.carried.paused = true;
    this.carried.state = 'PAUSED';
  }

  resume(): void {
    this.carried.paused = false;
    this.retryNow();
    this.unhalt(this.run.liftBudget === true);
  }

  syncNow(): void {
    this.carried.syncRequested = true;
    this.retryNow();
    this.unhalt();
  }

  /** Throws when there is nothing to verify yet (the verify update's validator). */
  checkVerify(): void {
    if (!this.run.verifyEnabled) throw new Error('This mapping\'s workflow predates verifying; it verifies after its next continue-as-new');
    if (this.carried.watermarkMs === null) throw new Error('The initial load has not completed yet; there is nothing to verify');
  }

  /** A verify on demand: runs as the next step it can (after a due flush, poll or sweep). */
  requestVerify(): void {
    this.verify.requested = true;
    this.unhalt();
  }

  /** Throws when there is nothing to reload yet (the update's validator). */
  checkReload(): void {
    if (this.carried.watermarkMs === null) throw new Error('The initial load has not completed yet; there is nothing to reload');
  }

  reload(): void {
    this.carried.reloadRequested = true;
    this.unhalt();
  }

  /** Ends the mapping: the next step tears down what it made (triggers, ferry's rows, the PushTopic, the table if asked). */
  requestDeletion(dropTable: boolean): void {
    this.deletion ??= { dropTable, result: null, retryAtMs: null };
    this.deletion.dropTable ||= dropTable;
  }

  /** Local writes were captured (the worker's outbound listener); `fullBatch`: a whole flush's worth waits. */
  outboundSignalled(nowMs: number, fullBatch = false): void {
    this.lastSignalAtMs = nowMs;
    markPending(this.outbound, nowMs);
    if (fullBatch) markFullBatch(this.outbound);
  }

  /** Streamed events were staged (the mapping's listener). */
  streamEventsSignalled(): void {
    this.stream.pending = true;
  }

  /**
   * A message from the user is the signal to try again after a halt. A spent budget is tried again only when
   * `budget` (a reconfigure — the cap raised or removed — or a resume; the next call is checked against the
   * ledger, costing the org nothing): sync now cannot free calls.
   */
  private unhalt(budget = false): void {
    const s = this.carried;
    if (s.paused) return;
    if (s.state === 'API_BUDGET_EXHAUSTED' && !budget) return;
    if (this.halted || s.state === 'PAUSED') {
      if (s.state === 'BAD_CONFIG' || s.state === 'UNAUTHORIZED') s.needsPrepare = true;
      s.state = s.watermarkMs === null ? 'INITIAL' : 'DATA_SYNCED';
      s.retryAtMs = null;
    }
  }

  // ── what it shows ────────────────────────────────────────────────────────────────────────────────────

  status(): MappingStatus {
    const s = this.carried;
    const o = this.outbound;
    const st = this.stream;
    return {
      mappingId: this.run.mappingId,
      objectName: s.config.objectName,
      state: this.state,
      paused: s.paused,
      config: s.config,
      table: s.table,
      watermark: iso(s.watermarkMs),
      lastPollAt: iso(s.lastPollAtMs),
      lastPurgeSweepAt: iso(s.lastPurgeSweepMs),
      nextPollAt: s.watermarkMs === null || this.halted ? null : iso(Math.max(this.nextPollAtMs(), s.lastPollAtMs ?? 0)),
      lastLoad: s.lastLoad && { mode: s.lastLoad.mode, rows: s.lastLoad.rows, finishedAt: iso(s.lastLoad.finishedAtMs)! },
      counts: s.counts,
      lastError: s.lastError && { type: s.lastError.type, message: s.lastError.message, at: iso(s.lastError.atMs)! },
      retryAt: iso(s.retryAtMs ?? earliestRetryAtMs(s)),
      ...(this.run.visibleRetries ? retryStatus(s) : {}),
      apiCalls: { usedInWindow: s.apiCallsInWindow, asOf: iso(s.apiCallsAsOfMs), cap: s.config.maxDailyApiCalls },
      outbound: {
        access: o.installedAccess,
        pending: o.pending,
        nextFlushAt: iso(this.flushDueAtMs()),
        lastFlushAt: iso(o.lastFlushAtMs),
        flushes: o.flushes,
        sent: o.sent,
        failed: o.failed,
      },
      filter: filterStatus(s.config, s.scopeFilter),
      formulas: formulasStatus(s.formulas!, s.config, this.nextFormulaRefreshAtMs()),
      streaming: {
        channel: st.channel,
        applies: st.applies,
        events: st.events,
        lastAppliedAt: iso(st.lastAppliedAtMs),
        fallbacks: st.fallbacks,
        lastFallback: st.lastFallback && { reason: st.lastFallback.reason, at: iso(st.lastFallback.atMs)! },
      },
      ...(this.run.verifyEnabled ? { verify: verifyStatus(this.verify, s.config, s.watermarkMs !== null && !this.halted) } : {}),
    };
  }

  // ── derived ──────────────────────────────────────────────────────────────────────────────────────────

  private ref(): MappingRef {
    return { mappingId: this.run.mappingId, config: this.carried.config };
  }

  /** Marks the registered subscription paused or not; its listener stops or resumes where it stood. */
  private streamPause(paused: boolean): Step {
    const s = this.carried;
    return {
      kind: 'stream-register', key: this.stream.registered,
      input: { ...this.ref(), table: s.table!, fields: s.fields, workflowId: this.run.workflowId, enabled: true, paused },
    };
  }

  private teardownInput(dropTable: boolean): TeardownInput {
    const s = this.carried;
    // Only a mapping that may have registered a PushTopic asks the org about it (a query and a delete).
    const pushTopic = s.config.streamingSource === 'pushtopic' && (s.config.syncMode === 'event_driven' || this.stream.registered !== null);
    return { ...this.ref(), table: s.table, dropTable, pushTopic };
  }

  /** The subscription this mapping should have registered now (null: none). */
  private desiredStream(): string | null {
    return desiredStream(this.carried.config, this.carried.table, this.carried.watermarkMs, this.carried.fields);
  }

  private outboundView(): OutboundView {
    const s = this.carried;
    return { access: s.config.access, table: s.table, flushIntervalSeconds: s.config.flushIntervalSeconds, o: this.outbound };
  }

  /** When the next outbound flush is due (a failing flush: after its backoff); null when nothing waits to be sent. */
  flushDueAtMs(): number | null {
    const due = this.run.outboundEnabled ? flushDueAtMs(this.outboundView()) : null;
    return due === null ? null : Math.max(due, this.retryAtOf('flush'));
  }

  /** When the next formula refresh is due; null when off, before the initial load, or with no calculated field mapped. */
  private nextFormulaRefreshAtMs(): number | null {
    const s = this.carried;
    if (!this.run.filtersAndFormulas) return null;
    return formulaRefreshDueAtMs(s.formulas!, s.config, s.fields, s.watermarkMs);
  }

  /** When the next verify is due; null when none is (or verifying is off in this run). */
  private verifyDueAtMs(): number | null {
    if (!this.run.verifyEnabled || this.carried.watermarkMs === null) return null;
    return verifyDueAtMs(this.verify, this.carried.config);
  }

  private nextPollAtMs(): number {
    const s = this.carried;
    const backoff = this.retryAtOf('poll');
    if (s.syncRequested || s.lastPollAtMs === null) return backoff;
    return Math.max(s.lastPollAtMs + s.config.pollIntervalSeconds * 1000, backoff);
  }
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
