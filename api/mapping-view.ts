// How a mapping looks in responses: its configuration in the Heroku Connect export shape (what was posted
// comes back in the same form) and its status in snake_case, with the live figures read from Postgres.
import { toMappingEntry, type HcMappingEntry } from '../domain/mapping-config';
import type { MappingConfig } from '../domain/mapping-rules';
import { STATE_LABEL, type MappingState } from '../workflows/mapping/states';
import type { MappingStatus } from '../workflows/mapping/messages';
import type { MappingRef } from './mapping-ids';
import type { CurrentProblem } from './mapping-overview';
import type { LoadProgress } from './mapping-telemetry';
import { verifyView, type VerifyView } from './verify-view';

export interface StatusView {
  state: MappingState;
  label: string;
  paused: boolean;
  table: string | null;
  watermark: string | null;
  last_poll_at: string | null;
  next_poll_at: string | null;
  last_load: { mode: 'bulk' | 'rest'; rows: number; finished_at: string } | null;
  counts: MappingStatus['counts'];
  last_error: { type: string; message: string; at: string } | null;
  /** An activity failing now (Temporal retries it): which, how many attempts, the error and since when. */
  current_problem: CurrentProblem | null;
  retry_at: string | null;
  /** Steps failing now, each retried after its backoff while the others go on. */
  retrying: { step: string; attempts: number; retry_at: string; error: { type: string; message: string; at: string } }[];
  /** The last error once what failed recovered (cleared_at: when). */
  previous_error: { type: string; message: string; at: string; cleared_at: string } | null;
  load_progress: LoadProgress | null;
  api_calls: { used_24h: number; cap: number | null };
  outbound: {
    access: string | null; pending: boolean; next_flush_at: string | null; last_flush_at: string | null;
    flushes: number; sent: number; failed: number;
  } | null;
  /** Event-driven mappings: the subscribed channel, events applied, and the last fallback to a poll and why. */
  streaming: {
    channel: string | null; applies: number; events: number; last_applied_at: string | null;
    fallbacks: number; last_fallback: { reason: string; at: string } | null;
  } | null;
  /** The record filter the table reflects and whether a changed one is still being applied. */
  record_filter?: { applied: string | null; change_pending: boolean };
  /** Scheduled refreshes of calculated fields: the last one (when, rows changed, records read, API calls). */
  formula_refresh?: {
    refresh_seconds: number | null; last_refresh_at: string | null; next_refresh_at: string | null; refreshes: number;
    last_rows_changed: number; last_records: number; last_api_calls: number;
  };
  /** Drift verification: interval, next due, and what the last verify found and repaired (api/verify-view.ts). */
  verify: VerifyView | null;
}

export interface MappingView extends HcMappingEntry {
  mapping_id: string;
  workflow_id: string;
  status: StatusView;
}

export function statusView(s: MappingStatus, live: { loadProgress?: LoadProgress; apiCalls24h: number; problem?: CurrentProblem | null }): StatusView {
  return {
    state: s.state,
    label: STATE_LABEL[s.state],
    paused: s.paused,
    table: s.table,
    watermark: s.watermark,
    last_poll_at: s.lastPollAt,
    next_poll_at: s.nextPollAt,
    last_load: s.lastLoad && { mode: s.lastLoad.mode, rows: s.lastLoad.rows, finished_at: s.lastLoad.finishedAt },
    counts: s.counts,
    last_error: s.lastError,
    current_problem: live.problem ?? null,
    retry_at: s.retryAt,
    retrying: (s.retrying ?? []).map((r) => ({ step: r.step, attempts: r.attempts, retry_at: r.retryAt, error: r.error })),
    previous_error: s.previousError ? { type: s.previousError.type, message: s.previousError.message, at: s.previousError.at, cleared_at: s.previousError.clearedAt } : null,
    load_progress: live.loadProgress ?? null,
    api_calls: { used_24h: live.apiCalls24h, cap: s.config.maxDailyApiCalls },
    outbound: s.outbound ? {
      access: s.outbound.access, pending: s.outbound.pending, next_flush_at: s.outbound.nextFlushAt,
      last_flush_at: s.outbound.lastFlushAt, flushes: s.outbound.flushes, sent: s.outbound.sent, failed: s.outbound.failed,
    } : null,
    streaming: s.streaming ? {
      channel: s.streaming.channel, applies: s.streaming.applies, events: s.streaming.events, last_applied_at: s.streaming.lastAppliedAt,
      fallbacks: s.streaming.fallbacks, last_fallback: s.streaming.lastFallback,
    } : null,
    ...(s.filter ? { record_filter: { applied: s.filter.applied, change_pending: s.filter.changePending } } : {}),
    ...(s.formulas ? { formula_refresh: {
      refresh_seconds: s.formulas.refreshSeconds, last_refresh_at: s.formulas.lastRefreshAt, next_refresh_at: s.formulas.nextRefreshAt,
      refreshes: s.formulas.refreshes, last_rows_changed: s.formulas.lastRowsChanged, last_records: s.formulas.lastRecords,
      last_api_calls: s.formulas.lastApiCalls,
    } } : {}),
    verify: s.verify ? verifyView(s.verify) : null,
  };
}

/** The status of a mapping that was started a moment ago and has not run a step. */
export function initialStatus(config: MappingConfig): MappingStatus {
  return {
    mappingId: '', objectName: config.objectName, state: 'INITIAL', paused: false, config, table: null, watermark: null,
    lastPollAt: null, lastPurgeSweepAt: null, nextPollAt: null, lastLoad: null, counts: { loads: 0, polls: 0, inserted: 0, updated: 0, deleted: 0 },
    lastError: null, retryAt: null, apiCalls: { usedInWindow: 0, asOf: null, cap: config.maxDailyApiCalls },
  };
}

export function mappingView(ref: MappingRef, config: MappingConfig, status: StatusView): MappingView {
  return { ...toMappingEntry(config), mapping_id: ref.mappingId, workflow_id: ref.workflowId, status };
}
