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
//  INITIAL ──► RELOAD_TABLE ──► WAIT_BULK_LOAD ◄──► LOADING_BULK_JOB
//                   │                                     │
//                   └───────── (REST load) ─────────┐     │
//                                                   ▼     ▼
//  SCHEMA_CHANGED ──► RESYNC ───────────────────► DATA_SYNCED ◄──────────────┐
//        ▲                                        │   │   │                  │
//        └─────────── config change ──────────────┘   │   └─► STREAMING ─────┤ (event-driven)
//                                                     ▼           │          │
//                                         POLLING_SF_CHANGES ◄────┘ catch-up │
//                                                     │  └───────────────────┤
//                                                     ▼                      │
//                                         POLLING_SF_BULK ───────────────────┘
//
//  Also: SCHEMA_CHANGED ─► DATA_SYNCED when fields were only removed; RESYNC loads new columns through the bulk
//  states when large; any state ─► RELOAD_TABLE (a user reload).
//  Halted states — PAUSED, UNAUTHORIZED, SYSTEM_ERROR, BAD_CONFIG, API_BUDGET_EXHAUSTED — are entered from any
//  state and left to any state (the workflow resumes where it stopped, or moves to another halted state).

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
const NEXT: Readonly<Record<WorkingState, readonly WorkingState[]>> = {
  INITIAL: ['RELOAD_TABLE'],
  RELOAD_TABLE: ['WAIT_BULK_LOAD', 'LOADING_BULK_JOB', 'DATA_SYNCED'],
  WAIT_BULK_LOAD: ['LOADING_BULK_JOB'],
  LOADING_BULK_JOB: ['WAIT_BULK_LOAD', 'DATA_SYNCED'],
  SCHEMA_CHANGED: ['RESYNC', 'DATA_SYNCED'],
  RESYNC: ['WAIT_BULK_LOAD', 'LOADING_BULK_JOB', 'DATA_SYNCED'],
  DATA_SYNCED: ['POLLING_SF_CHANGES', 'POLLING_SF_BULK', 'STREAMING', 'SCHEMA_CHANGED'],
  POLLING_SF_CHANGES: ['POLLING_SF_BULK', 'DATA_SYNCED'],
  POLLING_SF_BULK: ['DATA_SYNCED'],
  STREAMING: ['DATA_SYNCED', 'POLLING_SF_CHANGES', 'SCHEMA_CHANGED'],
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
 * other state, out of a halted state to any state, and into RELOAD_TABLE from anywhere (a user reload).
 * Staying in the same state is not a transition.
 */
export function canTransition(from: MappingState, to: MappingState): boolean {
  if (from === to) return false;
  if (isHalted(to) || isHalted(from)) return true;
  if (to === 'RELOAD_TABLE') return true;
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
