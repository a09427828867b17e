// Poll windows on Salesforce's clock. A poll asks for every record stamped at or after `coveredMs − overlap`
// (no upper bound) and learns from its own response how far it has covered: the org's time when the query
// ran (the response's `Date` header, at one-second resolution), never the worker's clock. The next poll
// starts `overlap` behind that, so
// - a worker clock ahead of or behind the org's changes nothing: no time of the worker's enters a window;
// - a change whose transaction commits (becomes visible) within `overlap − 1 s` of its SystemModstamp is read
//   by a later poll even when an earlier poll passed its stamp before it was visible;
// - records sharing a stamp at a window's start are read again together (the bound is inclusive), never split
//   between windows: within a poll the query orders by (SystemModstamp, Id) and pages through one cursor.
// Re-reading the overlap costs no row writes (the merge skips a version it already holds) and no API call
// unless the overlap's records push the window past a page (2,000 records).
//
//   covered ──────────────┐
//   ... ─────[ overlap ]──┤ poll n reads SystemModstamp >= covered − overlap ─► covered := org time of its response
import { formatSoqlDatetime, fullLoadQuery } from './soql.js';

/** The Date header counts whole seconds: the org's time of a response is known to within this much. */
export const DATE_HEADER_RESOLUTION_MS = 1000;

/**
 * `Sun, 06 Dec 2026 01:21:00 GMT` (RFC 9110 IMF-fixdate, as Salesforce sends it) → epoch ms; null when the
 * header is absent or not a date.
 */
export function parseHttpDate(header: string | null | undefined): number | null {
  if (typeof header !== 'string' || header.trim() === '') return null;
  const ms = Date.parse(header);
  return Number.isFinite(ms) ? ms : null;
}

/** The first stamp a poll reads (inclusive): the overlap behind what earlier polls covered. */
export function pollWindowStart(coveredMs: number, overlapMs: number): number {
  if (!Number.isFinite(coveredMs)) throw new RangeError(`Not a timestamp: ${coveredMs}`);
  if (!(overlapMs >= 0)) throw new RangeError(`The poll overlap must be ≥ 0 ms, got ${overlapMs}`);
  return coveredMs - overlapMs;
}

/**
 * The poll's query, open-ended so its response's time closes the window:
 * `SELECT Id,Name FROM Contact WHERE SystemModstamp >= 2024-01-02T03:04:05.000Z ORDER BY SystemModstamp,Id`.
 * Run it with queryAll so deletions (IsDeleted true) come back too.
 */
export function pollQuery(object: string, fields: readonly string[], fromMs: number, scope: string | null = null): string {
  // `scope`: a filtered mapping's parenthesized filter (domain/record-filter.ts filterWhere).
  return `${fullLoadQuery(object, fields)} WHERE SystemModstamp >= ${formatSoqlDatetime(fromMs)}${scope === null ? '' : ` AND ${scope}`} ORDER BY SystemModstamp,Id`;
}

export interface PollOutcome {
  /** The org's time of the query's response (its Date header); null when the response had none. */
  orgTimeMs: number | null;
  /** The newest SystemModstamp the poll read (the org's clock too); null when it read nothing. */
  newestStampMs: number | null;
}

/**
 * How far the org is covered after a poll (or a load) that started from `previousMs`: the org's time of the
 * response. Without a Date header, the newest stamp read (which the org's clock had reached); without either,
 * coverage stays where it was. Never moves backwards, so a response from a lagging edge server cannot make a
 * later poll skip less than it should… nor more.
 */
export function coveredAfterPoll(previousMs: number | null, outcome: PollOutcome): number | null {
  const reached = outcome.orgTimeMs ?? outcome.newestStampMs;
  if (reached === null) return previousMs;
  return previousMs === null ? reached : Math.max(previousMs, reached);
}

/** Salesforce keeps deletions for getDeleted 15 days; a start further back is refused. */
export const GET_DELETED_LOOKBACK_MS = 15 * 24 * 3600 * 1000;
/** getDeleted ignores seconds and refuses windows shorter than a minute. */
export const GET_DELETED_MIN_WINDOW_MS = 60_000;

/**
 * The getDeleted window of a purge sweep, all on the org's clock: from `overlap` behind what earlier sweeps
 * covered (their `latestDateCovered`) to `orgTimeMs`, the org's time as the mapping's last poll learned it
 * (so the end is never in the org's future). At least a minute long; the start kept inside the 15-day lookback.
 */
export function purgeSweepWindow(sweptMs: number, overlapMs: number, orgTimeMs: number): { startMs: number; endMs: number } {
  const endMs = orgTimeMs;
  // A day short of the limit: Salesforce counts the 15 days from the day of the call.
  const oldest = orgTimeMs - GET_DELETED_LOOKBACK_MS + 24 * 3600 * 1000;
  const startMs = Math.min(Math.max(pollWindowStart(sweptMs, overlapMs), oldest), endMs - GET_DELETED_MIN_WINDOW_MS);
  return { startMs, endMs };
}
