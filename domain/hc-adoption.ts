// Adopting a live Heroku Connect database, without I/O: what a mapping's table must look like for ferry to
// take it over as it is (columns, types, the sfid unique index, only Heroku Connect's or ferry's triggers),
// where the first poll after adoption starts, and which keys of an export ferry does not use.
import { statusTriggerName, logTriggerName, notifyTriggerName } from './outbound-trigger-sql.js';
import { fitIdent } from './sql-names.js';

/** How far before the newest SystemModstamp in the table the first poll after adoption starts. */
export const ADOPTION_OVERLAP_MS = 10 * 60_000;

/** A column as the mapping needs it. */
export interface ExpectedColumn { name: string; pgType: string }

/** Columns Heroku Connect (and ferry) put in every mapping table, with the types ferry relies on. */
export const SYSTEM_COLUMNS: readonly ExpectedColumn[] = [
  { name: 'id', pgType: 'integer' },
  { name: 'sfid', pgType: 'varchar(18)' },
  { name: 'systemmodstamp', pgType: 'timestamp' },
  { name: 'isdeleted', pgType: 'boolean' },
  { name: '_hc_lastop', pgType: 'varchar(32)' },
  { name: '_hc_err', pgType: 'text' },
];

/** ferry's type spelling → Postgres's format_type spelling: `varchar(80)` → `character varying(80)`. */
export function formatPgType(t: string): string {
  const s = t.trim().toLowerCase();
  const varchar = /^(?:varchar|character varying)(?:\((\d+)\))?$/.exec(s);
  if (varchar) return varchar[1] ? `character varying(${varchar[1]})` : 'character varying';
  if (s === 'timestamp' || s === 'timestamp without time zone') return 'timestamp without time zone';
  if (s === 'timestamptz' || s === 'timestamp with time zone') return 'timestamp with time zone';
  if (s === 'time' || s === 'time without time zone') return 'time without time zone';
  if (s === 'int' || s === 'int4' || s === 'integer' || s === 'serial') return 'integer';
  if (s === 'int8' || s === 'bigint' || s === 'bigserial') return 'bigint';
  if (s === 'float8' || s === 'double precision') return 'double precision';
  if (s === 'bool' || s === 'boolean') return 'boolean';
  return s;
}

/**
 * Whether a column of type `actual` (format_type) holds what ferry writes for `expected` without loss: the
 * same type, a longer varchar, text for any varchar, bigint for integer.
 */
export function compatibleType(expected: string, actual: string): boolean {
  const e = formatPgType(expected);
  const a = formatPgType(actual);
  if (e === a) return true;
  const ev = /^character varying\((\d+)\)$/.exec(e);
  if (ev) {
    if (a === 'text' || a === 'character varying') return true;
    const av = /^character varying\((\d+)\)$/.exec(a);
    return av !== null && Number(av[1]) >= Number(ev[1]);
  }
  return e === 'integer' && a === 'bigint';
}

/** Everything wrong with a table's columns, one message each, naming the table and the column. */
export function columnProblems(table: string, expected: readonly ExpectedColumn[], actual: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  for (const c of [...SYSTEM_COLUMNS, ...expected]) {
    const have = actual.get(c.name);
    if (have === undefined) problems.push(`${table}: column "${c.name}" is missing (the mapping needs ${formatPgType(c.pgType)})`);
    else if (!compatibleType(c.pgType, have)) {
      problems.push(`${table}: column "${c.name}" is ${have}, the mapping needs ${formatPgType(c.pgType)}`);
    }
  }
  return problems;
}

/** Heroku Connect's trigger names on a mapping table. */
export function herokuConnectTriggerNames(table: string): string[] {
  return [fitIdent(`hc_${table}_logtrigger`), fitIdent(`hc_${table}_status_trigger`)];
}

/** ferry's trigger names on a mapping table (the status trigger has Heroku Connect's name). */
export function ferryTriggerNames(table: string): string[] {
  return [statusTriggerName(table), logTriggerName(table, 'insert'), logTriggerName(table, 'update'), logTriggerName(table, 'delete'), notifyTriggerName(table)];
}

/** A table's triggers sorted into Heroku Connect's, ferry's and unknown ones (which block adoption). */
export function classifyTriggers(table: string, names: readonly string[]): { herokuConnect: string[]; ferry: string[]; unknown: string[] } {
  const hc = new Set(herokuConnectTriggerNames(table));
  const ferry = new Set(ferryTriggerNames(table));
  const out = { herokuConnect: [] as string[], ferry: [] as string[], unknown: [] as string[] };
  for (const n of names) {
    if (hc.has(n)) out.herokuConnect.push(n);
    else if (ferry.has(n)) out.ferry.push(n);
    else out.unknown.push(n);
  }
  return out;
}

/**
 * The watermark of an adopted mapping: the table's newest SystemModstamp less ADOPTION_OVERLAP_MS (records
 * changed since are read by the first poll; the merge keeps a row's newer version, so re-reading is safe).
 * An empty table (or one without stamps) starts at the epoch: the first poll reads the whole object.
 */
export function adoptionWatermarkMs(maxSystemModstampMs: number | null, overlapMs = ADOPTION_OVERLAP_MS): number {
  return maxSystemModstampMs === null ? 0 : maxSystemModstampMs - overlapMs;
}

const USED_TOP = new Set(['version', 'connection', 'mappings']);
const USED_CONNECTION = new Set(['schema_name', 'features']);
const USED_FEATURES = new Set(['poll_db_no_merge']);
const USED_MAPPING = new Set(['object_name', 'config']);
const USED_CONFIG = new Set([
  'access', 'sf_notify_enabled', 'sf_polling_seconds', 'sf_max_daily_api_calls', 'fields', 'indexes', 'upsert_field',
  'sync_mode', 'streaming_source', 'flush_interval_seconds', 'schema', 'sf_filter', 'formula_refresh_seconds',
]);

function unused(obj: unknown, used: ReadonlySet<string>, prefix: string): string[] {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return [];
  return Object.keys(obj).filter((k) => !used.has(k)).map((k) => `${prefix}${k}`);
}

/**
 * Keys of a Heroku Connect export that ferry accepts and does not use (applied_at, api_version, logplex…),
 * as paths: `connection.api_version`, `connection.features.disable_bulk_writes`, `mappings[0].config.applied_at`.
 */
export function ignoredExportKeys(json: unknown): string[] {
  if (typeof json !== 'object' || json === null) return [];
  const file = json as { connection?: { features?: unknown }; mappings?: unknown };
  const out = [...unused(json, USED_TOP, ''), ...unused(file.connection, USED_CONNECTION, 'connection.'),
    ...unused(file.connection?.features, USED_FEATURES, 'connection.features.')];
  if (Array.isArray(file.mappings)) {
    file.mappings.forEach((m: unknown, i) => {
      out.push(...unused(m, USED_MAPPING, `mappings[${i}].`));
      out.push(...unused((m as { config?: unknown } | null)?.config, USED_CONFIG, `mappings[${i}].config.`));
    });
  }
  return out;
}
