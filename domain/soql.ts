// SOQL text builders for inbound sync. Object and field names must be Salesforce API names (checked here);
// datetimes are unquoted SOQL literals; record ids are checked to be 15/18-character ids before quoting.
import { shortHash } from './fnv1a.js';
import { isSalesforceApiName } from './sf-names.js';

/** Salesforce refuses SOQL longer than 20,000 characters (REST query; the URL encodes it further). */
export const MAX_SOQL_CHARS = 20_000;
/** PushTopic.Query may hold at most 1,300 characters. */
export const MAX_PUSHTOPIC_QUERY_CHARS = 1_300;
/** PushTopic.Name may hold at most 25 characters. */
export const MAX_PUSHTOPIC_NAME_CHARS = 25;

export class SoqlBuildError extends Error {
  readonly code = 'SOQL_BUILD';
  constructor(message: string) {
    super(message);
    this.name = 'SoqlBuildError';
  }
}

function checkName(kind: 'object' | 'field', name: string): string {
  if (!isSalesforceApiName(name)) throw new SoqlBuildError(`Invalid Salesforce ${kind} name "${name}"`);
  return name;
}

function selectList(fields: readonly string[]): string {
  if (fields.length === 0) throw new SoqlBuildError('A query needs at least one field');
  return fields.map((f) => checkName('field', f)).join(',');
}

/** `1704164645000` → `2024-01-02T03:04:05.000Z`, an unquoted SOQL datetime literal (always UTC). */
export function formatSoqlDatetime(ms: number): string {
  if (!Number.isFinite(ms)) throw new SoqlBuildError(`Not a timestamp: ${ms}`);
  return new Date(ms).toISOString();
}

/** `SELECT Id,Name,SystemModstamp FROM Contact` — the whole object (REST queryAll or a Bulk 2.0 job). */
export function fullLoadQuery(object: string, fields: readonly string[]): string {
  return `SELECT ${selectList(fields)} FROM ${checkName('object', object)}`;
}

/**
 * Changes in the half-open window (fromMs, toMs], oldest first:
 * `SELECT Id,Name FROM Contact WHERE SystemModstamp > 2024-01-02T03:04:05.000Z AND SystemModstamp <= 2024-01-02T03:14:05.000Z ORDER BY SystemModstamp,Id`.
 * Run it with queryAll so deletions (IsDeleted true) come back too. Half-open windows chain without overlap:
 * the next poll starts where this one ended.
 */
export function incrementalQuery(object: string, fields: readonly string[], fromMs: number, toMs: number): string {
  if (!(toMs >= fromMs)) throw new SoqlBuildError(`Empty polling window: ${fromMs} > ${toMs}`);
  return `${fullLoadQuery(object, fields)} WHERE SystemModstamp > ${formatSoqlDatetime(fromMs)} `
    + `AND SystemModstamp <= ${formatSoqlDatetime(toMs)} ORDER BY SystemModstamp,Id`;
}

function isRecordId(id: string): boolean {
  if (id.length !== 15 && id.length !== 18) return false;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122))) return false;
  }
  return true;
}

/**
 * `SELECT Id,Name FROM Contact WHERE Id IN ('003…','003…')`, split into as many queries as needed to keep each
 * under 20,000 characters. Duplicate ids are sent once; no ids → no queries.
 */
export function recordsByIdQuery(
  object: string, fields: readonly string[], ids: readonly string[], maxChars = MAX_SOQL_CHARS, scope: string | null = null,
): string[] {
  // `scope`: a filtered mapping's parenthesized filter, ANDed in before the id list (domain/record-filter.ts).
  const head = `${fullLoadQuery(object, fields)} WHERE ${scope === null ? '' : `${scope} AND `}Id IN (`;
  const queries: string[] = [];
  let current: string[] = [];
  let length = 0; // of head + quoted ids + commas + ")"
  for (const id of new Set(ids)) {
    if (!isRecordId(id)) throw new SoqlBuildError(`Invalid record id "${id}"`);
    const quoted = `'${id}'`;
    if (current.length > 0 && length + 1 + quoted.length > maxChars) {
      queries.push(`${head}${current.join(',')})`);
      current = [];
    }
    if (current.length === 0) {
      length = head.length + quoted.length + 1;
      if (length > maxChars) throw new SoqlBuildError(`Field list too long for a query by id on ${object}`);
    } else {
      length += 1 + quoted.length;
    }
    current.push(quoted);
  }
  if (current.length > 0) queries.push(`${head}${current.join(',')})`);
  return queries;
}

/**
 * The PushTopic query for event-driven mode: `SELECT Id,Name,SystemModstamp FROM Contact`. Throws when longer
 * than 1,300 characters — such mappings must use CDC (streaming_source "cdc") or fewer fields.
 */
export function pushTopicQuery(object: string, fields: readonly string[]): string {
  const query = fullLoadQuery(object, fields);
  if (query.length > MAX_PUSHTOPIC_QUERY_CHARS) {
    throw new SoqlBuildError(`The PushTopic query for ${object} has ${query.length} characters; Salesforce allows `
      + `${MAX_PUSHTOPIC_QUERY_CHARS}. Map fewer fields or use streaming_source "cdc".`);
  }
  return query;
}

/**
 * A deterministic PushTopic name of at most 25 characters: `ferry_Contact`; names that are too long or need
 * cleaning (double underscores) become a prefix plus a hash of the object name: `ferry_Employee_c_0k3x9za`.
 */
export function pushTopicName(object: string): string {
  checkName('object', object);
  const plain = `ferry_${object}`;
  if (plain.length <= MAX_PUSHTOPIC_NAME_CHARS && !object.includes('__')) return plain;
  const hash = shortHash(object);
  const room = MAX_PUSHTOPIC_NAME_CHARS - 'ferry_'.length - 1 - hash.length;
  const cleaned = object.replace(/_+/g, '_').slice(0, room).replace(/_+$/, '');
  return `ferry_${cleaned}_${hash}`;
}
