// The event-driven half of a mapping's rules, without Temporal. The workflow registers a subscription (the
// worker's supervisor then runs a listener that stages events in Postgres and nudges the workflow) and applies
// staged events when nudged. Polling goes on underneath at the mapping's interval; a catch-up the listener or
// the apply step asks for (new subscription, expired replay id, CDC gap) becomes an immediate poll.
//
//   event_driven, table loaded ─register─► subscribed (STREAMING) ─nudge─► apply ─► STREAMING
//                                                  │ catch-up reported ─► poll now (POLLING_SF_CHANGES) ─► STREAMING
//   polling again ─register(off)─► no subscription (DATA_SYNCED)
import type { MappingConfig } from '../../domain/mapping-rules';

export interface StreamState {
  /** What the registered subscription is for (`source|fields`); null when none is registered. */
  registered: string | null;
  channel: string | null;
  /** A nudge arrived (or a run started with a subscription): staged events may be waiting. */
  pending: boolean;
  /** The subscription is marked paused in Postgres: its listener stages nothing until it is resumed. */
  paused?: boolean;
  applies: number;
  events: number;
  lastAppliedAtMs: number | null;
  fallbacks: number;
  lastFallback: { reason: string; atMs: number } | null;
}

export function initialStream(): StreamState {
  return { registered: null, channel: null, pending: false, applies: 0, events: 0, lastAppliedAtMs: null, fallbacks: 0, lastFallback: null };
}

/** The subscription a mapping should have now: only once its table is loaded, and only in event-driven mode. */
export function desiredStream(config: MappingConfig, table: string | null, watermarkMs: number | null, fields: readonly { name: string }[]): string | null {
  if (config.syncMode !== 'event_driven' || table === null || watermarkMs === null) return null;
  return `${config.streamingSource}|${fields.map((f) => f.name).join(',')}`;
}

export function registered(st: StreamState, key: string | null, channel: string | null, paused = false): void {
  st.registered = key;
  st.channel = channel;
  st.paused = key !== null && paused;
  // Apply once at once: the listener may have reported a catch-up, or staged events under an earlier registration.
  st.pending = key !== null;
}

export interface ApplyOutcome {
  events: number;
  remaining: boolean;
  catchUp: string | null;
}

/** After an apply step; returns whether a catch-up poll is needed now. */
export function applied(st: StreamState, r: ApplyOutcome, nowMs: number): boolean {
  st.applies += 1;
  st.events += r.events;
  if (r.events > 0) st.lastAppliedAtMs = nowMs;
  if (r.remaining) st.pending = true;
  if (r.catchUp === null) return false;
  st.fallbacks += 1;
  st.lastFallback = { reason: r.catchUp, atMs: nowMs };
  return true;
}
