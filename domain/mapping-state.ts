// The states a mapping's workflow reports, named as Heroku Connect names them where Heroku Connect has the
// same state (so dashboards, scripts and habits carry over), plus ferry's own. Pure and workflow-safe.
//
// Heroku Connect documents these MAPPING states (Mapping States Reference): INITIAL, RELOAD_TABLE, RESYNC,
// SCHEMA_CHANGED, WAIT_BULK_LOAD, LOADING_BULK_JOB, DATA_SYNCED, POLLING_SF_CHANGES, POLLING_SF_BULK (it also
// has POLLING_SF_FOR_DELETES and WAIT_BULK_UPDATE, which ferry does not need: deletions come with queryAll).
// PAUSED, UNAUTHORIZED and SYSTEM_ERROR are Heroku Connect CONNECTION states; ferry tracks them per mapping.
// POLLING_DB_CHANGES is a connection state for outbound writes and is not a mapping state in either product.
// BAD_CONFIG, STREAMING and API_BUDGET_EXHAUSTED are ferry's.
//
//                               ┌── user reload, from any state
//                               ▼
//   INITIAL ──────────────► RELOAD_TABLE ──┬──► WAIT_BULK_LOAD ◄──► LOADING_BULK_JOB ──┐
//      │                                   │                                          │
//      └── (table created) ──► DATA_SYNCED ◄┴──────────────────────────────────────────┤
//                              │  │  │  │                                             │
//        (load of a new table) ┘  │  │  └──► RESYNC (load new columns) ─────────────────┘
//                                 │  └──► STREAMING (event-driven) ── catch-up ──┐
//                                 └──► POLLING_SF_CHANGES ◄──────────────────────┘
//                                          └──► POLLING_SF_BULK (over the bulk threshold) ──► DATA_SYNCED
//
//   SCHEMA_CHANGED ◄── a config change, from any state once the table exists; then RESYNC, a load or DATA_SYNCED.
//
//  Every step that completes returns to DATA_SYNCED; DATA_SYNCED starts the next step (a load of new columns
//  as RESYNC or of a new table as LOADING_BULK_JOB, a poll, streaming). Any state ─► RELOAD_TABLE (a user
//  reload). Halted states — PAUSED, UNAUTHORIZED, SYSTEM_ERROR, BAD_CONFIG, API_BUDGET_EXHAUSTED — are entered
//  from any state and left to any state (the workflow resumes where it stopped, or moves to another halted state).

export const WORKING_STATES = [
  'INITIAL', 'RELOAD_TABLE', 'WAIT_BULK_LOAD', 'LOADING_BULK_JOB', 'SCHEMA_CHANGED', 'RESYNC', 'DATA_SYNCED',
  'POLLING_SF_CHANGES', 'POLLING_SF_BULK', 'STREAMING',
] as const;
export const HALTED_STATES = ['PAUSED', 'UNAUTHORIZED', 'SYSTEM_ERROR', 'BAD_CONFIG', 'API_BUDGET_EXHAUSTED'] as const;
export const MAPPING_STATES = [...WORKING_STATES, ...HALTED_STATES] as const;

export type WorkingState = (typeof WORKING_STATES)[number];
export type HaltedState = (typeof HALTED_STATES)[number];
export type MappingState = (typeof MAPPING_STATES)[number];

/** States whose names and meaning come from Heroku Connect (mapping or connection states). */
export const HEROKU_CONNECT_STATES: readonly MappingState[] = [
  'INITIAL', 'RELOAD_TABLE', 'WAIT_BULK_LOAD', 'LOADING_BULK_JOB', 'SCHEMA_CHANGED', 'RESYNC', 'DATA_SYNCED',
  'POLLING_SF_CHANGES', 'POLLING_SF_BULK', 'PAUSED', 'UNAUTHORIZED', 'SYSTEM_ERROR',
];

/** Short status text, Heroku Connect's dashboard wording where it has one. */
export const STATE_LABEL: Readonly<Record<MappingState, string>> = {
  INITIAL: 'Creating',
  RELOAD_TABLE: 'Reloading',
  WAIT_BULK_LOAD: 'Waiting for bulk job',
  LOADING_BULK_JOB: 'Loading bulk job',
  SCHEMA_CHANGED: 'Altering DB schema',
  RESYNC: 'Loading new columns',
  DATA_SYNCED: 'OK',
  POLLING_SF_CHANGES: 'Polling SF',
  POLLING_SF_BULK: 'Polling SF [bulk]',
  STREAMING: 'Streaming',
  PAUSED: 'Paused',
  UNAUTHORIZED: 'SF Auth Failed',
  SYSTEM_ERROR: 'Unexpected error',
  BAD_CONFIG: 'Bad configuration',
  API_BUDGET_EXHAUSTED: 'API budget exhausted',
};

// Forward moves between working states; halted states and reloads are handled by the general rules below.
const LOADS: readonly WorkingState[] = ['WAIT_BULK_LOAD', 'LOADING_BULK_JOB', 'DATA_SYNCED'];
const NEXT: Readonly<Record<WorkingState, readonly WorkingState[]>> = {
  INITIAL: ['RELOAD_TABLE', ...LOADS],
  RELOAD_TABLE: LOADS,
  WAIT_BULK_LOAD: ['LOADING_BULK_JOB'],
  LOADING_BULK_JOB: ['WAIT_BULK_LOAD', 'DATA_SYNCED'],
  SCHEMA_CHANGED: ['RESYNC', ...LOADS],
  RESYNC: LOADS,
  DATA_SYNCED: ['POLLING_SF_CHANGES', 'POLLING_SF_BULK', 'STREAMING', 'RESYNC', 'WAIT_BULK_LOAD', 'LOADING_BULK_JOB'],
  POLLING_SF_CHANGES: ['POLLING_SF_BULK', 'DATA_SYNCED'],
  POLLING_SF_BULK: ['DATA_SYNCED'],
  STREAMING: ['DATA_SYNCED', 'POLLING_SF_CHANGES'],
};

export function isMappingState(value: unknown): value is MappingState {
  return typeof value === 'string' && (MAPPING_STATES as readonly string[]).includes(value);
}

/** Halted: nothing syncs until a user or a retry moves the mapping on. */
export function isHalted(state: MappingState): state is HaltedState {
  return (HALTED_STATES as readonly string[]).includes(state);
}

/**
 * Whether a mapping may go from `from` to `to`: forward along the diagram, into any halted state from any
 * other state, out of a halted state to any state, into RELOAD_TABLE from anywhere (a user reload) and into
 * SCHEMA_CHANGED from anywhere but INITIAL (a config change once the table exists).
 * Staying in the same state is not a transition.
 */
export function canTransition(from: MappingState, to: MappingState): boolean {
  if (from === to) return false;
  if (isHalted(to) || isHalted(from)) return true;
  if (to === 'RELOAD_TABLE') return true;
  if (to === 'SCHEMA_CHANGED') return from !== 'INITIAL';
  return NEXT[from].includes(to);
}

export class InvalidTransitionError extends Error {
  readonly code = 'INVALID_TRANSITION';
  constructor(readonly from: MappingState, readonly to: MappingState) {
    super(`A mapping cannot go from ${from} to ${to}`);
    this.name = 'InvalidTransitionError';
  }
}

/** `to`, or InvalidTransitionError when the move is not allowed (a bug in the caller, not a user error). */
export function transition(from: MappingState, to: MappingState): MappingState {
  if (!canTransition(from, to)) throw new InvalidTransitionError(from, to);
  return to;
}
