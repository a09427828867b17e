// The rules a mapping configuration must satisfy, shared by the import parser (mapping-config.ts, with zod) and
// partial reconfiguration (mapping-patch.ts, plain, so workflow update validators can use it). Each check returns
// issues instead of throwing so one pass reports every problem at once.
import { isSalesforceApiName } from './sf-names.js';

export type Access = 'read_only' | 'read_write';
export type SyncMode = 'polling' | 'event_driven';
export type StreamingSource = 'pushtopic' | 'cdc' | 'pubsub';

export const ACCESS_VALUES: readonly Access[] = ['read_only', 'read_write'];
export const SYNC_MODES: readonly SyncMode[] = ['polling', 'event_driven'];
export const STREAMING_SOURCES: readonly StreamingSource[] = ['pushtopic', 'cdc', 'pubsub'];

/**
 * Objects Change Data Capture never covers: platform events, custom metadata, external and big objects, history,
 * share and feed objects, change events themselves, PushTopic. Whether the org has selected an object for CDC
 * is only known from Salesforce (the Pub/Sub topic exists or not), which the register step checks.
 */
const NO_CHANGE_EVENTS = /(__e|__mdt|__x|__b|History|Share|Feed|ChangeEvent)$|^PushTopic$/;

/**
 * The source of an event-driven mapping that names none: Change Data Capture over the Pub/Sub API, Salesforce's
 * supported path, for objects CDC can cover; PushTopic (CometD) otherwise, and for polling mappings, as before.
 */
export function defaultStreamingSource(objectName: string, syncMode: string): StreamingSource {
  return syncMode === 'event_driven' && !NO_CHANGE_EVENTS.test(objectName) ? 'pubsub' : 'pushtopic';
}

/** Heroku Connect's polling interval bounds: 2 to 60 minutes, 10 minutes by default. */
export const POLL_INTERVAL_MIN_SECONDS = 120;
export const POLL_INTERVAL_MAX_SECONDS = 3600;
export const POLL_INTERVAL_DEFAULT_SECONDS = 600;
/**
 * How far behind its start each poll re-reads (see domain/poll-window.ts): a change whose transaction becomes
 * visible up to this long after its SystemModstamp is still read. 5 minutes by default; 5 s to 6 h.
 */
export const POLL_OVERLAP_MIN_SECONDS = 5;
export const POLL_OVERLAP_MAX_SECONDS = 6 * 3600;
export const POLL_OVERLAP_DEFAULT_SECONDS = 300;
/** How often queued streaming events are flushed to Postgres. */
export const FLUSH_INTERVAL_MIN_SECONDS = 1;
export const FLUSH_INTERVAL_MAX_SECONDS = 60;
export const FLUSH_INTERVAL_DEFAULT_SECONDS = 10;
export const MAX_DAILY_API_CALLS_DEFAULT = 3000;
/** How often a mapping verifies itself against the org (drift detection): daily by default; 0 or null = never. */
export const VERIFY_INTERVAL_DEFAULT_SECONDS = 86_400;
export const VERIFY_INTERVAL_MIN_SECONDS = 60;
export const VERIFY_INTERVAL_MAX_SECONDS = 30 * 86_400;
export const DEFAULT_SCHEMA = 'salesforce';
export const SYNC_MODE_DEFAULT: SyncMode = 'polling';
export const ACCESS_DEFAULT: Access = 'read_only';
/** Fields every mapping syncs, whether listed or not: the key, the change cursor and the deletion flag. */
export const REQUIRED_FIELDS = ['Id', 'SystemModstamp', 'IsDeleted'] as const;

export interface MappingIndex { field: string; unique: boolean }

/** A mapping in ferry's internal, camelCase form (see mapping-config.ts for the Heroku Connect form). */
export interface MappingConfig {
  objectName: string;
  access: Access;
  pollIntervalSeconds: number;
  /** Overlap each poll re-reads; absent = POLL_OVERLAP_DEFAULT_SECONDS (mappings made before it existed). */
  pollOverlapSeconds?: number;
  /** Cap on this mapping's Salesforce API calls per rolling 24 h; null = no cap. */
  maxDailyApiCalls: number | null;
  /** Salesforce API names: Id first, then as given; SystemModstamp and IsDeleted always present. */
  fields: string[];
  indexes: MappingIndex[];
  upsertField: string | null;
  syncMode: SyncMode;
  streamingSource: StreamingSource;
  flushIntervalSeconds: number;
  /** Postgres schema of the mapping's table. */
  schema: string;
  /** SOQL WHERE condition choosing the records the mapping holds (domain/record-filter.ts); absent/null = all. */
  sfFilter?: string | null;
  /** How often calculated (formula, roll-up) fields are re-read (activities/refresh-formulas.ts); absent/null = never. */
  formulaRefreshSeconds?: number | null;
  /** Scheduled verify (drift detection) interval; absent = VERIFY_INTERVAL_DEFAULT_SECONDS, null or 0 = off. */
  verifyIntervalSeconds?: number | null;
}

/** The verify interval in ms, or null when scheduled verifies are off. */
export function verifyIntervalMs(cfg: Pick<MappingConfig, 'verifyIntervalSeconds'>): number | null {
  const s = cfg.verifyIntervalSeconds === undefined ? VERIFY_INTERVAL_DEFAULT_SECONDS : cfg.verifyIntervalSeconds;
  return s === null || s === 0 ? null : s * 1000;
}

/** The overlap a mapping's polls re-read, in ms. */
export function pollOverlapMs(cfg: Pick<MappingConfig, 'pollOverlapSeconds'>): number {
  return (cfg.pollOverlapSeconds ?? POLL_OVERLAP_DEFAULT_SECONDS) * 1000;
}

/** One problem with a configuration: `path` like `config.sf_polling_seconds`, `rule` a stable machine name. */
export interface ConfigIssue { path: string; rule: string; message: string }

/** An issue as one line naming its path once (most messages already begin with it). */
export function issueText(i: ConfigIssue): string {
  return i.path === '' || i.message.startsWith(i.path) ? i.message : `${i.path}: ${i.message}`;
}

export class ConfigError extends Error {
  readonly code = 'BAD_CONFIG';
  constructor(readonly issues: ConfigIssue[]) {
    super(issues.length === 1 ? issues[0].message : `${issues.length} configuration problems: `
      + issues.map(issueText).join('; '));
    this.name = 'ConfigError';
  }
}

type Check = (value: unknown, path: string) => ConfigIssue[];

function intInRange(min: number, max: number, what: string): Check {
  return (value, path) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return [{ path, rule: 'type', message: `${what} must be a number` }];
    }
    if (!Number.isInteger(value)) return [{ path, rule: 'integer', message: `${what} must be a whole number, got ${value}` }];
    if (value < min || value > max) {
      return [{ path, rule: 'range', message: `${what} must be between ${min} and ${max}, got ${value}` }];
    }
    return [];
  };
}

export const checkPollInterval: Check = intInRange(POLL_INTERVAL_MIN_SECONDS, POLL_INTERVAL_MAX_SECONDS,
  'Polling interval (seconds)');
export const checkPollOverlap: Check = intInRange(POLL_OVERLAP_MIN_SECONDS, POLL_OVERLAP_MAX_SECONDS,
  'Poll overlap (seconds)');
/** null or 0 (off), or a whole number of seconds in range. */
export const checkVerifyInterval: Check = (value, path) => (value === null || value === 0 ? []
  : intInRange(VERIFY_INTERVAL_MIN_SECONDS, VERIFY_INTERVAL_MAX_SECONDS, 'Verify interval (seconds; 0 or null = off)')(value, path));
export const checkFlushInterval: Check = intInRange(FLUSH_INTERVAL_MIN_SECONDS, FLUSH_INTERVAL_MAX_SECONDS,
  'Flush interval (seconds)');

/** Formula refresh bounds: 1 minute to 1 day; off (null) by default. */
export const FORMULA_REFRESH_MIN_SECONDS = 60;
export const FORMULA_REFRESH_MAX_SECONDS = 86_400;
/** Longest record filter (the same bound domain/record-filter.ts enforces with the parser). */
export const SF_FILTER_MAX_CHARS = 4_000;

export const checkFormulaRefresh: Check = (value, path) => {
  if (value === null) return [];
  return intInRange(FORMULA_REFRESH_MIN_SECONDS, FORMULA_REFRESH_MAX_SECONDS, 'Formula refresh interval (seconds)')(value, path);
};

/**
 * The record filter's shape only (a string or null, not blank, not too long): its syntax and fields are checked
 * against the org's describe by the API (domain/record-filter.ts), which workflow code cannot reach.
 */
export const checkSfFilter: Check = (value, path) => {
  if (value === null) return [];
  if (typeof value !== 'string') return [{ path, rule: 'type', message: 'sf_filter must be a SOQL WHERE condition (a string) or null' }];
  if (value.trim() === '') return [{ path, rule: 'empty', message: 'sf_filter is empty; use null for no filter' }];
  if (value.length > SF_FILTER_MAX_CHARS) return [{ path, rule: 'too_long', message: `sf_filter has ${value.length} characters; at most ${SF_FILTER_MAX_CHARS} are allowed` }];
  return [];
};

export const checkMaxDailyApiCalls: Check = (value, path) => {
  if (value === null) return [];
  return intInRange(1, Number.MAX_SAFE_INTEGER, 'Daily API call cap')(value, path);
};

function oneOf<T extends string>(values: readonly T[], what: string): Check {
  return (value, path) => (typeof value === 'string' && (values as readonly string[]).includes(value) ? [] : [
    { path, rule: 'enum', message: `${what} must be one of ${values.join(', ')}, got ${JSON.stringify(value)}` },
  ]);
}

export const checkAccess: Check = oneOf(ACCESS_VALUES, 'Access');
export const checkSyncMode: Check = oneOf(SYNC_MODES, 'Sync mode');
export const checkStreamingSource: Check = oneOf(STREAMING_SOURCES, 'Streaming source');

export function checkApiName(value: string, path: string, what: 'object' | 'field'): ConfigIssue[] {
  return isSalesforceApiName(value) ? [] : [
    { path, rule: 'api_name', message: `"${value}" is not a valid Salesforce ${what} API name` },
  ];
}

/** The schema of ferry's own tables (ledger, checkpoints, outbound attempts): never a mapping's target. */
export const FERRY_OWN_SCHEMA = 'ferry';

/** Why `schema` may not hold mapping tables, or undefined for an ordinary user schema. */
export function reservedSchemaReason(schema: string): string | undefined {
  if (schema === FERRY_OWN_SCHEMA) return 'it holds ferry\'s own tables';
  if (schema === 'information_schema') return 'it is Postgres\'s system catalog view schema';
  // pg_catalog, pg_toast, pg_temp_N …: Postgres reserves every pg_ name (CREATE SCHEMA refuses them).
  if (schema.startsWith('pg_')) return 'Postgres reserves schema names starting with pg_ for its system schemas';
  return undefined;
}

/**
 * Postgres schema names ferry accepts: unquoted-style lower-case identifiers, at most 63 bytes, and only
 * ordinary user schemas (never a system schema or ferry's own).
 */
export const checkSchemaName: Check = (value, path) => {
  if (!(typeof value === 'string' && /^[a-z_][a-z0-9_]{0,62}$/.test(value))) {
    return [{ path, rule: 'pg_identifier', message: `Schema must be a lower-case Postgres identifier, got ${JSON.stringify(value)}` }];
  }
  const reason = reservedSchemaReason(value);
  return reason ? [{ path, rule: 'reserved_schema', message: `Schema "${value}" cannot hold mapping tables: ${reason}` }] : [];
};

/**
 * The field list as stored: names checked, case-insensitive duplicates reported, `Id` moved to the front and
 * SystemModstamp / IsDeleted appended when missing. `pathOf(name, index)` builds each field's issue path.
 */
export function normalizeFields(
  given: readonly string[], pathOf: (name: string, index: number) => string,
): { fields: string[]; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, string>();
  const rest: string[] = [];
  given.forEach((name, index) => {
    const path = pathOf(name, index);
    const bad = checkApiName(name, path, 'field');
    if (bad.length > 0) { issues.push(...bad); return; }
    const key = name.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      issues.push({ path, rule: 'duplicate', message: `Field "${name}" is listed twice (also as "${earlier}")` });
      return;
    }
    seen.set(key, name);
    if (key !== 'id') rest.push(name);
  });
  const fields = ['Id', ...rest];
  for (const required of REQUIRED_FIELDS.slice(1)) {
    if (!seen.has(required.toLowerCase())) fields.push(required);
  }
  return { fields, issues };
}

/** Cross-field rules: indexed and upsert fields must be mapped. */
export function checkFieldReferences(
  cfg: Pick<MappingConfig, 'fields' | 'indexes' | 'upsertField'>,
  paths: { index: (field: string) => string; upsertField: string },
): ConfigIssue[] {
  const mapped = new Set(cfg.fields.map((f) => f.toLowerCase()));
  const issues: ConfigIssue[] = [];
  for (const ix of cfg.indexes) {
    const path = paths.index(ix.field);
    const bad = checkApiName(ix.field, path, 'field');
    if (bad.length > 0) issues.push(...bad);
    else if (!mapped.has(ix.field.toLowerCase())) {
      issues.push({ path, rule: 'not_mapped', message: `Index on "${ix.field}", which is not a mapped field` });
    }
  }
  if (cfg.upsertField !== null) {
    const bad = checkApiName(cfg.upsertField, paths.upsertField, 'field');
    if (bad.length > 0) issues.push(...bad);
    else if (!mapped.has(cfg.upsertField.toLowerCase())) {
      issues.push({ path: paths.upsertField, rule: 'not_mapped', message: `Upsert field "${cfg.upsertField}" is not a mapped field` });
    }
  }
  return issues;
}
