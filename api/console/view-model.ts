// Pure presentation rules of the console: what a state looks like (a tone that colour AND a symbol and words
// carry, never colour alone), the current problem in one sentence, ages and numbers as people read them.
import { STATE_LABEL, type MappingState } from '../../workflows/mapping/states';
import type { MappingStatus } from '../../workflows/mapping/messages';
import type { MappingFigures } from '../mapping-overview';

export type Tone = 'ok' | 'busy' | 'paused' | 'warn' | 'error' | 'unknown';

const TONES: Record<MappingState, Tone> = {
  INITIAL: 'busy', RELOAD_TABLE: 'busy', LOADING_BULK_JOB: 'busy', SCHEMA_CHANGED: 'busy', RESYNC: 'busy', DELETING: 'busy',
  DATA_SYNCED: 'ok', POLLING_SF_CHANGES: 'ok', STREAMING: 'ok',
  RETRYING: 'warn', REQUEST_LIMIT_EXCEEDED: 'warn',
  PAUSED: 'paused', API_BUDGET_EXHAUSTED: 'warn', UNAUTHORIZED: 'error', SYSTEM_ERROR: 'error', BAD_CONFIG: 'error',
};

/** Shown beside the state's words (aria-hidden: the words say it). */
export const TONE_SYMBOL: Record<Tone, string> = { ok: '✓', busy: '↻', paused: '‖', warn: '⚠', error: '✕', unknown: '?' };

/** A working mapping whose activity keeps failing is a warning even while its state still says it works. */
export function toneOf(state: MappingState | null, failing: boolean): Tone {
  if (state === null) return 'unknown';
  const tone = TONES[state];
  return failing && (tone === 'ok' || tone === 'busy') ? 'warn' : tone;
}

export function stateText(state: MappingState | null): string {
  return state === null ? 'Unknown' : STATE_LABEL[state];
}

const ACTIVITY_WORDS: Record<string, string> = {
  prepareMapping: 'Preparing the table', loadObject: 'The load', pollChanges: 'The poll', flushOutbound: 'The outbound flush',
  setAccessMode: 'Installing write capture', registerStream: 'Subscribing to the stream', applyStreamEvents: 'Applying streamed changes',
  syncPurgedDeletes: 'The purged-deletes sweep', swapReloadedTable: 'Swapping in the reloaded table',
  verifyMapping: 'The verify', applyFilterChange: 'Applying the record filter', refreshFormulas: 'The formula refresh',
};

export function activityWords(activity: string): string {
  return ACTIVITY_WORDS[activity] ?? activity;
}

/** "3 s", "4 min", "2 h 5 min", "3 d" — how long ago (or from now, for a future time) an instant is. */
export function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
  return `${Math.floor(h / 24)} d`;
}

export function ago(iso: string | null | undefined, nowMs: number): string {
  if (!iso) return 'never';
  const d = nowMs - Date.parse(iso);
  return d >= 0 ? `${duration(d)} ago` : `in ${duration(d)}`;
}

export function count(n: number | null | undefined): string {
  return n === null || n === undefined ? '—' : n.toLocaleString('en-US');
}

/** The mapping's current problem in one sentence, or null when there is none. */
export function problemSentence(status: MappingStatus | null, f: MappingFigures | undefined, nowMs: number): string | null {
  if (status === null) return 'The mapping workflow did not answer: is a ferry worker running?';
  // A halted mapping runs nothing: the error that halted it is the problem (and when it tries again).
  const halted = ['UNAUTHORIZED', 'SYSTEM_ERROR', 'BAD_CONFIG', 'API_BUDGET_EXHAUSTED'].includes(status.state);
  if (halted && status.lastError) {
    const retry = status.retryAt ? ` — ferry tries again ${ago(status.retryAt, nowMs)}` : '';
    return `${STATE_LABEL[status.state]}: ${status.lastError.message}${retry}`;
  }
  const p = f?.problem;
  if (p) {
    const tries = p.attempts === 1 ? '1st attempt' : `attempt ${p.attempts}`;
    return `${activityWords(p.activity)} is failing (${tries}, since ${ago(p.since, nowMs)}): ${p.last_error.type}: ${p.last_error.message}`;
  }
  if (f && f.outbound.failed > 0) return `Salesforce refused ${f.outbound.failed === 1 ? '1 write' : `${count(f.outbound.failed)} writes`}: see the mapping's failed writes`;
  return null;
}

/** Calls used against the cap, e.g. "1,204 / 3,000 (40 %)"; uncapped says so. */
export function budgetText(used: number, cap: number | null): string {
  if (cap === null) return `${count(used)} (no cap)`;
  return `${count(used)} / ${count(cap)} (${Math.round((used / cap) * 100)} %)`;
}

export function syncModeText(status: MappingStatus): string {
  const c = status.config;
  if (c.syncMode === 'event_driven') return `event-driven (${c.streamingSource === 'cdc' ? 'CDC' : 'PushTopic'})`;
  return `polling, ${duration(c.pollIntervalSeconds * 1000)}`;
}
