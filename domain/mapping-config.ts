// Heroku Connect's mapping export format ↔ ferry's MappingConfig. Importing an existing Heroku Connect export
// unchanged is the migration path, so unknown keys (applied_at, features, …) are ignored, never fatal; ferry's
// own keys (sync_mode, streaming_source, flush_interval_seconds, schema) are optional additions.
import { z } from 'zod';
import {
  ConfigError, DEFAULT_SCHEMA, FLUSH_INTERVAL_DEFAULT_SECONDS, MAX_DAILY_API_CALLS_DEFAULT,
  POLL_INTERVAL_DEFAULT_SECONDS, SYNC_MODE_DEFAULT, checkAccess, checkApiName, checkFieldReferences, checkFlushInterval,
  checkFormulaRefresh, checkMaxDailyApiCalls, checkPollInterval, checkSfFilter, checkVerifyInterval, checkPollOverlap, checkSchemaName, checkStreamingSource, checkSyncMode, defaultStreamingSource, normalizeFields,
  type Access, type ConfigIssue, type MappingConfig, type StreamingSource, type SyncMode,
} from './mapping-rules.js';

export {
  ConfigError, type Access, type ConfigIssue, type MappingConfig, type MappingIndex, type StreamingSource,
  type SyncMode,
} from './mapping-rules.js';
export { applyConfigPatch, type ConfigPatch } from './mapping-patch.js';

/** One entry of an export's `mappings` array, as Heroku Connect writes it plus ferry's keys. */
export interface HcMappingEntry {
  object_name: string;
  config: {
    access: Access;
    sf_notify_enabled: boolean;
    sf_polling_seconds: number;
    sf_max_daily_api_calls: number | null;
    fields: Record<string, Record<string, unknown>>;
    indexes: Record<string, { unique: boolean }>;
    upsert_field: string | null;
    sync_mode: SyncMode;
    streaming_source: StreamingSource;
    flush_interval_seconds: number;
    /** ferry key; absent = the default (POLL_OVERLAP_DEFAULT_SECONDS). */
    poll_overlap_seconds?: number;
    /** ferry key (Heroku Connect has no record filter); absent = every record. */
    sf_filter?: string;
    /** ferry key; absent = formula fields are not refreshed on a schedule. */
    formula_refresh_seconds?: number;
    /** ferry key: scheduled drift verification; absent = daily, null or 0 = off. */
    verify_interval_seconds?: number | null;
    schema: string;
  };
}

/** The export's `connection` block: schema_name plus whatever else Heroku Connect wrote (kept for export). */
export interface HcConnection {
  schema_name: string;
  app_name?: string;
  organization_id?: string;
  exported_at?: string;
  features?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface HcExport { version: 1; connection: HcConnection; mappings: MappingConfig[] }

// Structure and types only; ranges, names and enums are checked by mapping-rules so that import and
// reconfiguration report the same rule names.
export const hcEntrySchema = z.object({
  object_name: z.string(),
  config: z.object({
    access: z.string(),
    sf_notify_enabled: z.boolean().optional(),
    sf_polling_seconds: z.number().optional(),
    sf_max_daily_api_calls: z.number().nullable().optional(),
    fields: z.record(z.string(), z.looseObject({})),
    indexes: z.record(z.string(), z.looseObject({ unique: z.boolean().optional() })).optional(),
    upsert_field: z.string().nullable().optional(),
    sync_mode: z.string().optional(),
    streaming_source: z.string().optional(),
    flush_interval_seconds: z.number().optional(),
    poll_overlap_seconds: z.number().optional(),
    sf_filter: z.string().nullable().optional(),
    formula_refresh_seconds: z.number().nullable().optional(),
    verify_interval_seconds: z.number().nullable().optional(),
    schema: z.string().optional(),
  }),
});

const hcExportSchema = z.object({
  version: z.literal(1),
  connection: z.looseObject({ schema_name: z.string().optional() }).optional(),
  mappings: z.array(z.unknown()),
});

function formatPath(prefix: string, path: readonly PropertyKey[]): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let v = json;
  for (const part of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[part];
  }
  return v;
}

const RULE_OF_CODE: Record<string, string> = { invalid_type: 'type', invalid_value: 'enum', too_small: 'range', too_big: 'range' };

function zodIssues(error: z.ZodError, json: unknown, prefix: string): ConfigIssue[] {
  return error.issues.map((issue) => {
    const path = formatPath(prefix, issue.path);
    const missing = valueAt(json, issue.path) === undefined;
    return missing
      ? { path, rule: 'required', message: `${path} is required` }
      : { path, rule: RULE_OF_CODE[issue.code] ?? issue.code, message: `${path}: ${issue.message}` };
  });
}

function join(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}.${key}`;
}

function parseEntry(json: unknown, prefix: string, defaultSchema: string): { cfg?: MappingConfig; issues: ConfigIssue[] } {
  const parsed = hcEntrySchema.safeParse(json);
  if (!parsed.success) return { issues: zodIssues(parsed.error, json, prefix) };
  const { object_name: objectName, config: c } = parsed.data;
  const at = (key: string): string => join(prefix, `config.${key}`);
  const issues: ConfigIssue[] = [...checkApiName(objectName, join(prefix, 'object_name'), 'object')];
  issues.push(...checkAccess(c.access, at('access')));
  const pollIntervalSeconds = c.sf_polling_seconds ?? POLL_INTERVAL_DEFAULT_SECONDS;
  issues.push(...checkPollInterval(pollIntervalSeconds, at('sf_polling_seconds')));
  const maxDailyApiCalls = c.sf_max_daily_api_calls === undefined ? MAX_DAILY_API_CALLS_DEFAULT : c.sf_max_daily_api_calls;
  issues.push(...checkMaxDailyApiCalls(maxDailyApiCalls, at('sf_max_daily_api_calls')));
  const syncMode = c.sync_mode ?? (c.sf_notify_enabled === true ? 'event_driven' : SYNC_MODE_DEFAULT);
  issues.push(...checkSyncMode(syncMode, at('sync_mode')));
  const streamingSource = c.streaming_source ?? defaultStreamingSource(objectName, syncMode);
  issues.push(...checkStreamingSource(streamingSource, at('streaming_source')));
  const flushIntervalSeconds = c.flush_interval_seconds ?? FLUSH_INTERVAL_DEFAULT_SECONDS;
  issues.push(...checkFlushInterval(flushIntervalSeconds, at('flush_interval_seconds')));
  if (c.poll_overlap_seconds !== undefined) issues.push(...checkPollOverlap(c.poll_overlap_seconds, at('poll_overlap_seconds')));
  if (c.sf_filter !== undefined) issues.push(...checkSfFilter(c.sf_filter, at('sf_filter')));
  if (c.formula_refresh_seconds !== undefined) issues.push(...checkFormulaRefresh(c.formula_refresh_seconds, at('formula_refresh_seconds')));
  if (c.verify_interval_seconds !== undefined) issues.push(...checkVerifyInterval(c.verify_interval_seconds, at('verify_interval_seconds')));
  // The default comes from the connection block, which the caller validates.
  const schema = c.schema ?? defaultSchema;
  if (c.schema !== undefined) issues.push(...checkSchemaName(c.schema, at('schema')));
  const { fields, issues: fieldIssues } = normalizeFields(Object.keys(c.fields), (name) => at(`fields.${name}`));
  issues.push(...fieldIssues);
  const indexes = Object.entries(c.indexes ?? {}).map(([field, ix]) => ({ field, unique: ix.unique === true }));
  const upsertField = c.upsert_field ?? null;
  issues.push(...checkFieldReferences({ fields, indexes, upsertField },
    { index: (field) => at(`indexes.${field}`), upsertField: at('upsert_field') }));
  if (issues.length > 0) return { issues };
  const cfg: MappingConfig = {
    objectName, access: c.access as Access, pollIntervalSeconds, maxDailyApiCalls, fields, indexes, upsertField,
    syncMode: syncMode as SyncMode, streamingSource: streamingSource as StreamingSource, flushIntervalSeconds, schema,
  };
  if (c.poll_overlap_seconds !== undefined) cfg.pollOverlapSeconds = c.poll_overlap_seconds;
  if (typeof c.sf_filter === 'string') cfg.sfFilter = c.sf_filter.trim();
  if (typeof c.formula_refresh_seconds === 'number') cfg.formulaRefreshSeconds = c.formula_refresh_seconds;
  if (c.verify_interval_seconds !== undefined) cfg.verifyIntervalSeconds = c.verify_interval_seconds;
  return { cfg, issues };
}

/** One Heroku Connect mapping entry → MappingConfig, or ConfigError listing every problem. */
export function parseMappingEntry(json: unknown, defaultSchema = DEFAULT_SCHEMA): MappingConfig {
  const { cfg, issues } = parseEntry(json, '', defaultSchema);
  if (!cfg) throw new ConfigError(issues);
  return cfg;
}

/** MappingConfig → a Heroku Connect mapping entry with ferry's keys; parseMappingEntry gives it back unchanged. */
export function toMappingEntry(cfg: MappingConfig): HcMappingEntry {
  return {
    object_name: cfg.objectName,
    config: {
      access: cfg.access,
      sf_notify_enabled: cfg.syncMode === 'event_driven',
      sf_polling_seconds: cfg.pollIntervalSeconds,
      sf_max_daily_api_calls: cfg.maxDailyApiCalls,
      fields: Object.fromEntries(cfg.fields.map((f) => [f, {}])),
      indexes: Object.fromEntries(cfg.indexes.map((ix) => [ix.field, { unique: ix.unique }])),
      upsert_field: cfg.upsertField,
      sync_mode: cfg.syncMode,
      streaming_source: cfg.streamingSource,
      flush_interval_seconds: cfg.flushIntervalSeconds,
      ...(cfg.pollOverlapSeconds === undefined ? {} : { poll_overlap_seconds: cfg.pollOverlapSeconds }),
      // Written only when set, as ferry keys: an export of unfiltered mappings stays what Heroku Connect writes,
      // and a filtered mapping re-imported keeps its scope instead of silently syncing every record.
      ...(typeof cfg.sfFilter === 'string' ? { sf_filter: cfg.sfFilter } : {}),
      ...(typeof cfg.formulaRefreshSeconds === 'number' ? { formula_refresh_seconds: cfg.formulaRefreshSeconds } : {}),
      ...(cfg.verifyIntervalSeconds === undefined ? {} : { verify_interval_seconds: cfg.verifyIntervalSeconds }),
      schema: cfg.schema,
    },
  };
}

/**
 * A whole export file `{version: 1, connection: {…}, mappings: […]}` → HcExport. Mappings without their own
 * `schema` use connection.schema_name (default "salesforce"). Issue paths are like
 * `mappings[2].config.sf_polling_seconds`. One mapping per object.
 */
export function parseHcExport(json: unknown): HcExport {
  const parsed = hcExportSchema.safeParse(json);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error, json, '');
    throw new ConfigError(issues.map((i) => (i.path === 'version' && i.rule !== 'required'
      ? { ...i, rule: 'version', message: 'Only version 1 exports are supported' } : i)));
  }
  const connection: HcConnection = { ...parsed.data.connection, schema_name: parsed.data.connection?.schema_name ?? DEFAULT_SCHEMA };
  const issues: ConfigIssue[] = [...checkSchemaName(connection.schema_name, 'connection.schema_name')];
  const mappings: MappingConfig[] = [];
  const seen = new Map<string, number>();
  parsed.data.mappings.forEach((entry, i) => {
    const result = parseEntry(entry, `mappings[${i}]`, connection.schema_name);
    issues.push(...result.issues);
    if (!result.cfg) return;
    const key = result.cfg.objectName.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({ path: `mappings[${i}].object_name`, rule: 'duplicate',
        message: `${result.cfg.objectName} is mapped twice (also mappings[${first}])` });
      return;
    }
    seen.set(key, i);
    mappings.push(result.cfg);
  });
  if (issues.length > 0) throw new ConfigError(issues);
  return { version: 1, connection, mappings };
}

/** Mappings and connection → an export file Heroku Connect's format (and parseHcExport) reads back. */
export function toHcExport(
  mappings: readonly MappingConfig[], connection: Partial<HcConnection> = {},
): { version: 1; connection: HcConnection; mappings: HcMappingEntry[] } {
  const schemaName = connection.schema_name ?? mappings[0]?.schema ?? DEFAULT_SCHEMA;
  return { version: 1, connection: { ...connection, schema_name: schemaName }, mappings: mappings.map(toMappingEntry) };
}
