// The states a mapping reports, named as Heroku Connect names them where it has the same state (so
// dashboards, scripts and habits carry over), plus ferry's own. The machine (machine.ts) decides which one a
// mapping is in; the API shows them with their labels and lists them through the FerryState search attribute.
//
// From Heroku Connect's mapping states: INITIAL, RELOAD_TABLE, LOADING_BULK_JOB, SCHEMA_CHANGED, RESYNC,
// DATA_SYNCED, POLLING_SF_CHANGES; from its connection states (tracked per mapping here): PAUSED, UNAUTHORIZED,
// SYSTEM_ERROR. ferry's own: STREAMING, BAD_CONFIG, API_BUDGET_EXHAUSTED, DELETING, and — while a step fails
// and waits its backoff as the others go on — RETRYING, or REQUEST_LIMIT_EXCEEDED when the org refused for its
// own API limit.

export const WORKING_STATES = [
  'INITIAL', 'RELOAD_TABLE', 'LOADING_BULK_JOB', 'SCHEMA_CHANGED', 'RESYNC', 'DATA_SYNCED', 'POLLING_SF_CHANGES',
  'STREAMING', 'DELETING', 'RETRYING', 'REQUEST_LIMIT_EXCEEDED',
] as const;
export const HALTED_STATES = ['PAUSED', 'UNAUTHORIZED', 'SYSTEM_ERROR', 'BAD_CONFIG', 'API_BUDGET_EXHAUSTED'] as const;
export const MAPPING_STATES = [...WORKING_STATES, ...HALTED_STATES] as const;

export type HaltedState = (typeof HALTED_STATES)[number];
export type MappingState = (typeof MAPPING_STATES)[number];

/** Short status text, Heroku Connect's dashboard wording where it has one. */
export const STATE_LABEL: Readonly<Record<MappingState, string>> = {
  INITIAL: 'Creating',
  RELOAD_TABLE: 'Reloading',
  LOADING_BULK_JOB: 'Loading bulk job',
  SCHEMA_CHANGED: 'Altering DB schema',
  RESYNC: 'Loading new columns',
  DATA_SYNCED: 'OK',
  POLLING_SF_CHANGES: 'Polling SF',
  STREAMING: 'Streaming',
  DELETING: 'Deleting',
  RETRYING: 'Retrying after an error',
  REQUEST_LIMIT_EXCEEDED: 'SF request limit exceeded',
  PAUSED: 'Paused',
  UNAUTHORIZED: 'SF Auth Failed',
  SYSTEM_ERROR: 'Unexpected error',
  BAD_CONFIG: 'Bad configuration',
  API_BUDGET_EXHAUSTED: 'API budget exhausted',
};

export function isMappingState(value: unknown): value is MappingState {
  return typeof value === 'string' && (MAPPING_STATES as readonly string[]).includes(value);
}

/** Halted: nothing syncs until a user or a retry moves the mapping on. */
export function isHalted(state: MappingState): state is HaltedState {
  return (HALTED_STATES as readonly string[]).includes(state);
}
