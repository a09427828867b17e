// Identifier quoting and the names ferry gives to Postgres objects. Every identifier that reaches SQL text goes
// through quoteIdent; values never do (they travel as parameters or through COPY).
import { shortHash } from './fnv1a.js';

/** Postgres truncates identifiers to 63 bytes (NAMEDATALEN − 1); ferry shortens long names itself, with a hash. */
export const MAX_IDENT_BYTES = 63;

export class SqlBuildError extends Error {
  readonly code = 'SQL_BUILD';
  constructor(message: string) {
    super(message);
    this.name = 'SqlBuildError';
  }
}

/** `contact` → `"contact"`, `we"ird` → `"we""ird"`. Rejects empty names and NUL (Postgres cannot store it). */
export function quoteIdent(name: string): string {
  if (name.length === 0) throw new SqlBuildError('Empty SQL identifier');
  if (name.includes('\u0000')) throw new SqlBuildError('SQL identifier contains a NUL character');
  return `"${name.replaceAll('"', '""')}"`;
}

/** `qualified('salesforce', 'contact')` → `"salesforce"."contact"`. */
export function qualified(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** UTF-8 byte length without TextEncoder (not every sandbox has it). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) { bytes += 4; i++; } // surrogate pair: one 4-byte code point
    else bytes += 3;
  }
  return bytes;
}

/**
 * `name` if it fits in 63 bytes, else a prefix plus `_` and a 7-character hash of the whole name, so two long
 * names that share a prefix still differ (Postgres would silently truncate both to the same identifier).
 */
export function fitIdent(name: string): string {
  if (utf8Length(name) <= MAX_IDENT_BYTES) return name;
  const suffix = `_${shortHash(name)}`;
  let prefix = name.slice(0, MAX_IDENT_BYTES - suffix.length);
  while (utf8Length(prefix) + suffix.length > MAX_IDENT_BYTES) prefix = prefix.slice(0, -1);
  return prefix + suffix;
}

/** Heroku Connect's unique index name: `hcu_idx_contact_sfid`. */
export function uniqueIndexName(table: string, column: string): string {
  return fitIdent(`hcu_idx_${table}_${column}`);
}

/** Heroku Connect's non-unique index name: `hc_idx_contact_systemmodstamp`. */
export function indexName(table: string, column: string): string {
  return fitIdent(`hc_idx_${table}_${column}`);
}

/** The UNLOGGED table inbound pages are copied into before the merge: `contact__ferry_stage`. */
export function stagingTableName(table: string): string {
  return fitIdent(`${table}__ferry_stage`);
}

/** The table a reload builds beside the live one before swapping: `contact__ferry_reload`. */
export function reloadTableName(table: string): string {
  return fitIdent(`${table}__ferry_reload`);
}
