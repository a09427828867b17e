// The outbound half of a mapping's rules, without Temporal: when to install capture triggers, when to flush,
// and how a flush's outcome changes the state. The flush timer is armed only while work is pending (a
// signal from the worker's LISTEN connection says so), so an idle mapping adds nothing to its history.
//
//   write committed ─notify─► listener ─outboundPendingSignal─► pending (since t)
//   pending and t + flushIntervalSeconds reached ─► flush ─► more queued? flush again at once : idle
//   a full batch queued (the listener counts) ─► flush at once
import type { Access } from '../../domain/mapping-rules';

/** Processed trigger-log entries are archived at most this often (by the flush that comes next). */
export const ARCHIVE_INTERVAL_MS = 60 * 60_000;
/** Signals a run accepts before continuing as new (Temporal refuses more than 10,000 a run). */
export const MAX_SIGNALS_PER_RUN = 5_000;

export interface OutboundState {
  /** The access mode whose triggers are installed on `installedTable`; null before the first install. */
  installedAccess: Access | null;
  installedTable: string | null;
  pending: boolean;
  /** When the pending work was first signalled; the flush is due a flush interval later. */
  pendingSinceMs: number | null;
  /** Due at once rather than an interval after pendingSinceMs (capture just installed, or a backlog remains). */
  flushNow?: boolean;
  lastFlushAtMs: number | null;
  lastArchiveAtMs: number | null;
  flushes: number;
  sent: number;
  failed: number;
  /** Ordered writes held some back: flush again at this time (earlier than the interval); absent otherwise. */
  retryAtMs?: number | null;
}

export function initialOutbound(): OutboundState {
  return {
    installedAccess: null, installedTable: null, pending: false, pendingSinceMs: null, lastFlushAtMs: null,
    lastArchiveAtMs: null, flushes: 0, sent: 0, failed: 0,
  };
}

export interface OutboundView {
  access: Access;
  table: string | null;
  flushIntervalSeconds: number;
  o: OutboundState;
}

export function needsCaptureInstall(v: OutboundView): boolean {
  return v.table !== null && (v.o.installedAccess !== v.access || v.o.installedTable !== v.table);
}

/** When the next flush is due, or null when nothing is pending (no timer is armed). */
export function flushDueAtMs(v: OutboundView): number | null {
  if (v.access !== 'read_write' || !v.o.pending || v.o.installedAccess !== 'read_write') return null;
  const due = (v.o.pendingSinceMs ?? 0) + (v.o.flushNow ? 0 : v.flushIntervalSeconds * 1000);
  return v.o.retryAtMs != null ? Math.min(due, v.o.retryAtMs) : due;
}

/** Local writes may be waiting (a signal arrived, or a run starts and cannot know). */
export function markPending(o: OutboundState, nowMs: number, flushNow = false): void {
  if (!o.pending) {
    o.pending = true;
    o.pendingSinceMs = nowMs;
    o.flushNow = flushNow;
  }
}

/**
 * A whole flush's worth of entries is queued: the flush is due at once, since waiting gathers nothing more
 * into it. (A flush already running decides for itself, in markFlushed, whether to flush again at once.)
 */
export function markFullBatch(o: OutboundState): void {
  if (o.pending) o.flushNow = true;
}

/** Capture is installed: a read_write table may already hold writes (made before, or while it was read_only). */
export function markInstalled(o: OutboundState, access: Access, table: string, nowMs: number): void {
  o.installedAccess = access;
  o.installedTable = table;
  if (access === 'read_write') markPending(o, nowMs, true);
  else idle(o);
}

function idle(o: OutboundState): void {
  o.pending = false;
  o.pendingSinceMs = null;
  o.flushNow = false;
}

/**
 * After a flush that started at `startedAtMs`: flush again at once when entries remain, stay pending when a
 * signal came in while it ran (its entries may not have been claimed), otherwise disarm the timer.
 */
export function markFlushed(o: OutboundState, r: { succeeded: number; failed: number; remaining: boolean; archived: boolean; retryAfterMs?: number }, startedAtMs: number, lastSignalAtMs: number | null, nowMs: number): void {
  o.flushes += 1;
  // Only flush results that held writes back carry retryAfterMs (histories from before never do).
  if (o.retryAtMs != null) o.retryAtMs = null;
  o.sent += r.succeeded;
  o.failed += r.failed;
  o.lastFlushAtMs = nowMs;
  if (r.archived) o.lastArchiveAtMs = nowMs;
  if (r.remaining) {
    o.pending = true;
    o.pendingSinceMs = nowMs;
    o.flushNow = true;
  } else if (lastSignalAtMs !== null && lastSignalAtMs >= startedAtMs) {
    // Writes committed while the flush ran (none earlier than its start): keep the cadence of one flush
    // per interval, so no write waits longer than an interval plus a flush.
    o.pending = true;
    o.pendingSinceMs = startedAtMs;
    o.flushNow = false;
  } else {
    idle(o);
  }
  if (r.retryAfterMs !== undefined && r.retryAfterMs > 0) {
    // Held-back child writes: flush again after a short, bounded delay, when their parents have been sent.
    if (!o.pending) {
      o.pending = true;
      o.pendingSinceMs = nowMs;
    }
    o.retryAtMs = nowMs + r.retryAfterMs;
  }
}

export function archiveDue(o: OutboundState, nowMs: number): boolean {
  return o.lastArchiveAtMs === null || nowMs >= o.lastArchiveAtMs + ARCHIVE_INTERVAL_MS;
}
