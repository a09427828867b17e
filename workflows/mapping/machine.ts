// The rules of one mapping's life, without Temporal: what to do next, and how each outcome changes the
// state. The workflow (workflow.ts) is a thin loop that asks `nextStep`, runs the step's activity and feeds
// the outcome back. Everything here is deterministic and carried across continue-as-new as plain JSON.
//
//   INITIAL ─prepare─► LOADING_BULK_JOB ─load─► DATA_SYNCED ◄──────────────┐
//                                                 │ poll due / sync now    │
//                                                 ▼                        │
//                                          POLLING_SF_CHANGES ─────────────┘
//   reload: RELOAD_TABLE (build beside, swap) ─► DATA_SYNCED
//   fields added: SCHEMA_CHANGED ─prepare─► RESYNC (load into the live table) ─► DATA_SYNCED
//   halted: PAUSED · BAD_CONFIG · UNAUTHORIZED · SYSTEM_ERROR · API_BUDGET_EXHAUSTED (left by resume,
//   reconfigure, sync now, or — for the budget and system errors — by time)
import type { MappingConfig } from '../../domain/mapping-rules';
import type { MappingState } from '../../domain/mapping-state';
import type { MappedField } from '../../activities/prepare-mapping';
import {
  archiveDue, flushDueAtMs, flushed, initialOutbound, installed, needsCaptureInstall, type OutboundState, type OutboundView,
} from './outbound';
import { applied, desiredStream, initialStream, registered, type ApplyOutcome, type StreamState } from './streaming';

/** Records whose SystemModstamp is within this much of a window's end are read again by the next poll. */
export const POLL_OVERLAP_MS = 60_000;
/** How often records purged from the recycle bin are looked for (getDeleted). */
export const PURGE_SWEEP_INTERVAL_MS = 60 * 60_000;
/** Wait after an unexpected failure before the step is tried again. */
export const SYSTEM_ERROR_RETRY_MS = 60_000;

export interface LastError {
  type: string;
  message: string;
  atMs: number;
}

export interface MappingCounts {
  loads: number;
  polls: number;
  inserted: number;
  updated: number;
  deleted: number;
}

/** Everything a mapping carries across continue-as-new. Version it; give new fields defaults in `upgrade`. */
export interface CarriedStateV1 {
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
  /** Start of the next poll window (exclusive); null until the initial load completed. */
  watermarkMs: number | null;
  lastPollAtMs: number | null;
  lastPurgeSweepMs: number | null;
  lastLoad: { mode: 'bulk' | 'rest'; rows: number; finishedAtMs: number } | null;
  counts: MappingCounts;
  lastError: LastError | null;
  /** A halted state waiting to be retried at this time (budget, system error); null = wait for a message. */
  retryAtMs: number | null;
  apiCallsInWindow: number;
  apiCallsAsOfMs: number | null;
  /** Outbound capture and flushing (absent in states carried from before outbound sync; see upgrade). */
  outbound?: OutboundState;
  /** Event-driven sync (absent in states carried from before it; see upgrade). */
  stream?: StreamState;
}

export type CarriedState = CarriedStateV1;

export type Step =
  | { kind: 'prepare' }
  | { kind: 'load'; target: 'live' | 'reload' }
  | { kind: 'poll' }
  | { kind: 'purge-sweep' }
  | { kind: 'set-access' }
  | { kind: 'flush'; archive: boolean }
  | { kind: 'stream-register'; enabled: boolean }
  | { kind: 'stream-apply' }
  | { kind: 'wait'; untilMs: number | null };

const HALTING_FAILURES: Record<string, MappingState> = {
  BadConfig: 'BAD_CONFIG',
  Unauthorized: 'UNAUTHORIZED',
  ApiBudgetExhausted: 'API_BUDGET_EXHAUSTED',
};

export function initialState(config: MappingConfig): CarriedState {
  return {
    v: 1, config, state: 'INITIAL', paused: false, table: null, fields: [], loadedFields: [], needsPrepare: true,
    reloadRequested: false, syncRequested: false, watermarkMs: null, lastPollAtMs: null, lastPurgeSweepMs: null,
    lastLoad: null, counts: { loads: 0, polls: 0, inserted: 0, updated: 0, deleted: 0 }, lastError: null,
    retryAtMs: null, apiCallsInWindow: 0, apiCallsAsOfMs: null, outbound: initialOutbound(), stream: initialStream(),
  };
}

/** Brings a carried state of any earlier version up to the current one. */
export function upgrade(carried: CarriedState): CarriedState {
  return { ...carried, outbound: carried.outbound ?? initialOutbound(), stream: carried.stream ?? initialStream() };
}

export class MappingMachine {
  /** Off when replaying a history recorded before outbound sync existed (the workflow's patch decides). */
  outboundEnabled = true;
  /** When this run last heard of pending outbound work (not carried: a new run flushes once anyway). */
  lastSignalAtMs: number | null = null;

  constructor(public s: CarriedState) {}

  get outbound(): OutboundState {
    this.s.outbound ??= initialOutbound();
    return this.s.outbound;
  }

  get stream(): StreamState {
    this.s.stream ??= initialStream();
    return this.s.stream;
  }

  /** The subscription this mapping should have registered now (null: none). */
  desiredStream(): string | null {
    return desiredStream(this.s.config, this.s.table, this.s.watermarkMs, this.s.fields);
  }

  private outboundView(): OutboundView {
    return { access: this.s.config.access, table: this.s.table, flushIntervalSeconds: this.s.config.flushIntervalSeconds, o: this.outbound };
  }

  /** When the next outbound flush is due; null when none is pending (or outbound sync is off). */
  flushDueAtMs(): number | null {
    return this.outboundEnabled ? flushDueAtMs(this.outboundView()) : null;
  }

  get halted(): boolean {
    return this.s.paused || ['BAD_CONFIG', 'UNAUTHORIZED', 'SYSTEM_ERROR', 'API_BUDGET_EXHAUSTED'].includes(this.s.state);
  }

  nextPollAtMs(): number {
    if (this.s.syncRequested || this.s.lastPollAtMs === null) return 0;
    return this.s.lastPollAtMs + this.s.config.pollIntervalSeconds * 1000;
  }

  nextStep(nowMs: number): Step {
    const s = this.s;
    if (s.paused) return { kind: 'wait', untilMs: null };
    if (this.halted) {
      if (s.retryAtMs !== null && nowMs < s.retryAtMs) return { kind: 'wait', untilMs: s.retryAtMs };
      if (s.retryAtMs === null) return { kind: 'wait', untilMs: null };
    }
    if (s.needsPrepare) return { kind: 'prepare' };
    if (this.outboundEnabled && needsCaptureInstall(this.outboundView())) return { kind: 'set-access' };
    if (s.reloadRequested) return { kind: 'load', target: 'reload' };
    const newFields = s.fields.some((f) => !s.loadedFields.includes(f.name));
    if (s.watermarkMs === null || newFields) return { kind: 'load', target: 'live' };
    const flushAt = this.flushDueAtMs();
    if (flushAt !== null && nowMs >= flushAt) return { kind: 'flush', archive: archiveDue(this.outbound, nowMs) };
    const stream = this.desiredStream();
    if (stream !== this.stream.registered) return { kind: 'stream-register', enabled: stream !== null };
    if (nowMs >= this.nextPollAtMs()) return { kind: 'poll' };
    if (s.lastPurgeSweepMs === null || nowMs >= s.lastPurgeSweepMs + PURGE_SWEEP_INTERVAL_MS) return { kind: 'purge-sweep' };
    // After polls and sweeps, so a continuous stream of events never starves them.
    if (this.stream.pending && this.stream.registered !== null) return { kind: 'stream-apply' };
    return { kind: 'wait', untilMs: Math.min(this.nextPollAtMs(), s.lastPurgeSweepMs + PURGE_SWEEP_INTERVAL_MS, flushAt ?? Infinity) };
  }

  /** The state to show while a step runs. */
  stateFor(step: Step): MappingState {
    const s = this.s;
    switch (step.kind) {
      case 'prepare':
        return s.table === null ? 'INITIAL' : 'SCHEMA_CHANGED';
      case 'load':
        if (step.target === 'reload') return 'RELOAD_TABLE';
        return s.watermarkMs === null ? 'LOADING_BULK_JOB' : 'RESYNC';
      case 'poll':
        return 'POLLING_SF_CHANGES';
      case 'stream-apply':
        return 'STREAMING';
      default:
        return s.state;
    }
  }

  begin(step: Step): void {
    this.s.state = this.stateFor(step);
  }

  prepared(table: string, fields: MappedField[]): void {
    this.s.table = table;
    this.s.fields = fields;
    this.s.needsPrepare = false;
    // Columns of removed fields stay (data left alone); fields still mapped keep their loaded status.
    this.s.loadedFields = this.s.loadedFields.filter((f) => fields.some((m) => m.name === f));
    this.succeeded();
  }

  loaded(target: 'live' | 'reload', r: { mode: 'bulk' | 'rest'; rowsLoaded: number; startedAtMs: number; inserted: number; updated: number; deleted: number }, nowMs: number): void {
    const s = this.s;
    s.loadedFields = s.fields.map((f) => f.name);
    if (target === 'reload') {
      s.reloadRequested = false;
      // The swapped-in table has no capture triggers yet.
      if (s.outbound) s.outbound.installedAccess = null;
    }
    // A backfill or reload restarts the poll window from the load's start only when that is earlier.
    const from = r.startedAtMs - POLL_OVERLAP_MS;
    s.watermarkMs = s.watermarkMs === null ? from : Math.min(s.watermarkMs, from);
    s.lastLoad = { mode: r.mode, rows: r.rowsLoaded, finishedAtMs: nowMs };
    s.counts.loads += 1;
    this.count(r);
    this.succeeded();
  }

  polled(r: { toMs: number; inserted: number; updated: number; deleted: number }, nowMs: number): void {
    const s = this.s;
    s.watermarkMs = Math.max(s.watermarkMs ?? 0, r.toMs - POLL_OVERLAP_MS);
    s.lastPollAtMs = nowMs;
    s.syncRequested = false;
    s.counts.polls += 1;
    this.count(r);
    this.succeeded();
  }

  swept(r: { deleted: number }, nowMs: number): void {
    this.s.lastPurgeSweepMs = nowMs;
    this.s.counts.deleted += r.deleted;
    this.succeeded();
  }

  accessSet(access: MappingConfig['access'], nowMs: number): void {
    installed(this.outbound, access, this.s.table!, nowMs);
    this.succeeded();
  }

  flushed(r: { succeeded: number; failed: number; remaining: boolean; archived: boolean }, startedAtMs: number, lastSignalAtMs: number | null, nowMs: number): void {
    flushed(this.outbound, r, startedAtMs, lastSignalAtMs, nowMs);
    this.succeeded();
  }

  streamRegistered(key: string | null, channel: string | null): void {
    registered(this.stream, key, channel);
    this.succeeded();
  }

  /** After a stream-apply step: counts, and an immediate poll when the listener or a gap asked for a catch-up. */
  streamApplied(r: ApplyOutcome & { inserted: number; updated: number; deleted: number }, nowMs: number): void {
    if (applied(this.stream, r, nowMs)) this.s.syncRequested = true;
    this.count(r);
    this.succeeded();
  }

  apiUsage(callsInWindow: number, nowMs: number): void {
    this.s.apiCallsInWindow = callsInWindow;
    this.s.apiCallsAsOfMs = nowMs;
  }

  /** An activity failed for good: halt visibly (config, auth, budget) or retry later (anything else). */
  failed(type: string, message: string, nowMs: number, retryAtMs?: number): void {
    const s = this.s;
    s.lastError = { type, message, atMs: nowMs };
    const halted = HALTING_FAILURES[type];
    s.state = halted ?? 'SYSTEM_ERROR';
    // A denied stream handshake (or a source that cannot work, e.g. CDC not enabled) is recorded on the
    // subscription: registering again (after the user acts) clears it.
    if ((halted === 'UNAUTHORIZED' || halted === 'BAD_CONFIG') && s.stream) s.stream.registered = null;
    if (halted === 'API_BUDGET_EXHAUSTED') s.retryAtMs = retryAtMs ?? nowMs + 60_000;
    else if (halted) s.retryAtMs = null;
    else s.retryAtMs = nowMs + SYSTEM_ERROR_RETRY_MS;
  }

  private succeeded(): void {
    this.s.state = this.s.stream?.registered ? 'STREAMING' : 'DATA_SYNCED';
    this.s.retryAtMs = null;
  }

  private count(r: { inserted: number; updated: number; deleted: number }): void {
    this.s.counts.inserted += r.inserted;
    this.s.counts.updated += r.updated;
    this.s.counts.deleted += r.deleted;
  }

  // ── messages ─────────────────────────────────────────────────────────────────────────────────────────
  reconfigure(next: MappingConfig): void {
    const s = this.s;
    const fieldsChanged = next.fields.join(',').toLowerCase() !== s.config.fields.join(',').toLowerCase()
      || JSON.stringify(next.indexes) !== JSON.stringify(s.config.indexes);
    s.config = next;
    if (fieldsChanged) s.needsPrepare = true;
    this.unhalt();
  }

  pause(): void {
    this.s.paused = true;
    this.s.state = 'PAUSED';
  }

  resume(): void {
    this.s.paused = false;
    this.unhalt();
  }

  syncNow(): void {
    this.s.syncRequested = true;
    this.unhalt();
  }

  reload(): void {
    this.s.reloadRequested = true;
    this.unhalt();
  }

  /** A message from the user is the signal to try again after a halt (except for the budget, which only time cures). */
  private unhalt(): void {
    const s = this.s;
    if (s.paused) return;
    if (s.state === 'API_BUDGET_EXHAUSTED') return;
    if (this.halted || s.state === 'PAUSED') {
      if (s.state === 'BAD_CONFIG' || s.state === 'UNAUTHORIZED') s.needsPrepare = true;
      s.state = s.watermarkMs === null ? 'INITIAL' : 'DATA_SYNCED';
      s.retryAtMs = null;
    }
  }
}
