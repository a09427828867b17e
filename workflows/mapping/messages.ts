// The messages a mapping workflow answers. Updates run a validator first: a refused request never reaches
// the workflow's state and the caller gets the reason (the API turns it into a 422).
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { TeardownResult } from '../../activities/teardown-mapping';
import type { ConfigPatch } from '../../domain/mapping-patch';
import type { MappingConfig } from '../../domain/mapping-rules';
import type { FilterStatus, FormulasStatus } from './filters-and-formulas';
import type { RetryStatus } from './retries';
import type { MappingState } from './states';
import type { LastError, MappingCounts } from './machine';
import type { VerifyStatus } from './verify';

export interface MappingStatus {
  mappingId: string;
  objectName: string;
  state: MappingState;
  paused: boolean;
  config: MappingConfig;
  table: string | null;
  /** Start of the next poll window, ISO; null before the initial load. */
  watermark: string | null;
  lastPollAt: string | null;
  /** Last getDeleted sweep for records purged from the recycle bin. */
  lastPurgeSweepAt: string | null;
  nextPollAt: string | null;
  lastLoad: { mode: 'bulk' | 'rest'; rows: number; finishedAt: string } | null;
  counts: MappingCounts;
  lastError: (Omit<LastError, 'atMs'> & { at: string }) | null;
  /** When a halted mapping tries again by itself (API budget, unexpected error), or the earliest failing step. */
  retryAt: string | null;
  /** Steps failing now, each waiting its backoff while the others go on (runs with visible retries). */
  retrying?: RetryStatus['retrying'];
  /** The last error once what failed recovered, with when it did. */
  previousError?: RetryStatus['previousError'];
  apiCalls: { usedInWindow: number; asOf: string | null; cap: number | null };
  /** Outbound sync: installed capture, whether a flush is pending, and what flushes did. */
  outbound?: {
    access: MappingConfig['access'] | null;
    pending: boolean;
    nextFlushAt: string | null;
    lastFlushAt: string | null;
    flushes: number;
    sent: number;
    failed: number;
  };
  /** The record filter the table reflects, and whether a changed one is still to be applied. */
  filter?: FilterStatus;
  /** Scheduled refreshes of calculated fields: the last one's figures. */
  formulas?: FormulasStatus;
  /** Event-driven sync: the subscribed channel, what was applied, and the last fallback to a poll and why. */
  streaming?: {
    channel: string | null;
    applies: number;
    events: number;
    lastAppliedAt: string | null;
    fallbacks: number;
    lastFallback: { reason: string; at: string } | null;
  };
  /** Drift verification: the interval, when the next one is due, and what the last one found and repaired. */
  verify?: VerifyStatus;
}

export const statusQuery = defineQuery<MappingStatus>('status');

/** Partial reconfiguration in the Heroku Connect config shape (see domain/mapping-patch.ts). */
export const reconfigureUpdate = defineUpdate<MappingConfig, [patch: ConfigPatch]>('reconfigure');
export const pauseUpdate = defineUpdate<MappingStatus>('pause');
export const resumeUpdate = defineUpdate<MappingStatus>('resume');
export const syncNowUpdate = defineUpdate<MappingStatus>('syncNow');
export const reloadUpdate = defineUpdate<MappingStatus>('reload');
/** Verify the table against the org now (drift detection and repair); refused before the initial load. */
export const verifyUpdate = defineUpdate<MappingStatus>('verify');
/**
 * Ends the mapping: the workflow stops syncing, runs the teardown (capture triggers, ferry's rows for the
 * mapping, its PushTopic, the table when `dropTable`), answers with what it removed, and completes.
 */
export const deleteUpdate = defineUpdate<TeardownResult, [options: { dropTable: boolean }]>('delete');

/** A nudge with no payload: something may need the workflow's attention now (e.g. pending outbound work). */
export const wakeSignal = defineSignal('wake');
/**
 * Local writes were captured in the mapping's trigger log (sent by the worker's LISTEN connection, debounced).
 * `fullBatch`: a whole flush's worth of entries is queued, so waiting out the flush interval gathers nothing
 * more into the next flush (signals without it, like those of earlier workers, only start the interval).
 */
export interface OutboundPending {
  fullBatch?: boolean;
}
export const outboundPendingSignal = defineSignal<[OutboundPending?]>('outboundPending');
/** Streamed events were staged in ferry.stream_events for this mapping (sent by its listener, debounced). */
export const streamEventsSignal = defineSignal('streamEvents');
