// A mapping's record filter (`sf_filter`): a SOQL WHERE condition that decides which of the object's records
// the mapping holds, e.g. `IsActive__c = true AND CreatedDate = LAST_N_DAYS:365`. Salesforce evaluates it
// (every query ferry sends carries it), never ferry: date literals depend on the org's time zone and a
// filter may name fields the mapping does not sync, so the org is the one judge of membership.
//
// Validation (validateRecordFilter) parses the condition alone with soql-parser-js and checks it against the
// object's describe; the text is then used as written, always inside parentheses, so a validated filter can
// never change the shape of the query around it.
import { parseQuery } from '@jetstreamapp/soql-parser-js';
import { SF_FILTER_MAX_CHARS, type ConfigIssue } from './mapping-rules.js';
import type { SfFieldDescribe, SfObjectDescribe } from './sf-describe.js';
import { fullLoadQuery, formatSoqlDatetime } from './soql.js';

/** Longest filter accepted: it is repeated in poll queries and must leave room in 20,000-character queries. */
export const MAX_FILTER_CHARS = SF_FILTER_MAX_CHARS;

const TEXT = new Set(['string', 'textarea', 'picklist', 'multipicklist', 'email', 'phone', 'url', 'combobox', 'encryptedstring']);
const NUMBER = new Set(['int', 'double', 'currency', 'percent', 'long']);
const DATE_LITERALS = new Set(['DATE_LITERAL', 'DATE_N_LITERAL']);

/** Which literal types each field type accepts (NULL is accepted everywhere). */
const LITERALS_OF_TYPE: Record<string, { accepts: readonly string[]; hint: string }> = {
  text: { accepts: ['STRING'], hint: 'a quoted string' },
  id: { accepts: ['STRING'], hint: 'a quoted 15- or 18-character record id' },
  number: { accepts: ['INTEGER', 'DECIMAL', 'DECIMAL_WITH_CURRENCY_PREFIX'], hint: 'an unquoted number' },
  boolean: { accepts: ['BOOLEAN'], hint: 'true or false (unquoted)' },
  date: { accepts: ['DATE', 'DATE_LITERAL', 'DATE_N_LITERAL'], hint: 'a date (2024-01-31) or a date literal (LAST_N_DAYS:30)' },
  datetime: { accepts: ['DATETIME', 'DATE_LITERAL', 'DATE_N_LITERAL'], hint: 'a datetime (2024-01-31T00:00:00Z) or a date literal (LAST_N_DAYS:30)' },
  time: { accepts: ['TIME', 'STRING'], hint: 'a time' },
};

function kindOf(type: string): string | undefined {
  if (TEXT.has(type)) return 'text';
  if (NUMBER.has(type)) return 'number';
  if (type === 'id' || type === 'reference') return 'id';
  if (type === 'boolean' || type === 'date' || type === 'datetime' || type === 'time') return type;
  return undefined;
}

interface Condition {
  field?: string;
  fn?: unknown;
  operator: string;
  value?: unknown;
  literalType?: string | string[];
  valueQuery?: unknown;
}

interface WhereNode {
  left: Condition | null;
  operator?: string;
  right?: WhereNode;
}

function conditions(where: WhereNode | undefined): Condition[] {
  const out: Condition[] = [];
  for (let node = where; node; node = node.right) {
    // `(NOT …` is a left holding only the parenthesis, before the NOT operator: no condition of its own.
    const parensOnly = node.left && node.left.field === undefined && node.left.fn === undefined && node.operator === 'NOT';
    if (node.left && !parensOnly) out.push(node.left);
  }
  return out;
}

function literalTypes(c: Condition): string[] {
  const values = Array.isArray(c.value) ? c.value : [c.value];
  const lt = c.literalType;
  return values.map((_v, i) => (Array.isArray(lt) ? lt[i] ?? lt[lt.length - 1] : lt) ?? 'STRING');
}

function isRecordIdLiteral(raw: unknown): boolean {
  return typeof raw === 'string' && /^'([A-Za-z0-9]{15}|[A-Za-z0-9]{18})'$/.test(raw);
}

function conditionProblems(c: Condition, f: SfFieldDescribe | undefined, object: string, path: string): ConfigIssue[] {
  const problem = (rule: string, message: string): ConfigIssue[] => [{ path, rule, message: `sf_filter: ${message}` }];
  if (c.fn || !c.field) return problem('filter_function', 'functions (CALENDAR_YEAR(…), …) are not supported in a record filter; compare a field with a literal');
  if (c.valueQuery) return problem('filter_subquery', `the semi-join on ${c.field} is not supported in a record filter; compare a field with literals`);
  if (c.field.includes('.')) return problem('filter_relationship', `"${c.field}" is a relationship path; a record filter may only name fields of ${object}`);
  if (!f) return problem('unknown_field', `field "${c.field}" does not exist on ${object}`);
  if (f.filterable === false) return problem('not_filterable', `field "${f.name}" on ${object} cannot be filtered on (${f.type})`);
  const kind = kindOf(f.type);
  if (!kind) return problem('unsupported_type', `field "${f.name}" on ${object} has type ${f.type}, which a record filter cannot compare`);
  const op = c.operator.toUpperCase();
  if (op === 'LIKE' && kind !== 'text') return problem('bad_operator', `LIKE needs a text field; "${f.name}" is ${f.type}`);
  if ((op === 'INCLUDES' || op === 'EXCLUDES') && f.type !== 'multipicklist') {
    return problem('bad_operator', `${op} needs a multi-select picklist; "${f.name}" is ${f.type}`);
  }
  if (kind === 'boolean' && !['=', '!=', '<>', 'IN', 'NOT IN'].includes(op)) {
    return problem('bad_operator', `${op} cannot compare the checkbox "${f.name}"; use = true or = false`);
  }
  const { accepts, hint } = LITERALS_OF_TYPE[kind];
  const values = Array.isArray(c.value) ? c.value : [c.value];
  const types = literalTypes(c);
  for (let i = 0; i < types.length; i++) {
    const lt = types[i];
    if (lt === 'NULL') continue;
    if (!accepts.includes(lt)) {
      return problem('bad_literal', `${String(values[i])} is not a valid value for "${f.name}" (${f.type}); expected ${hint}`);
    }
    if (DATE_LITERALS.has(lt) && (op === 'IN' || op === 'NOT IN')) {
      return problem('bad_literal', `date literals cannot be used in ${op} lists ("${f.name}")`);
    }
    if (kind === 'id' && !isRecordIdLiteral(values[i])) {
      return problem('bad_literal', `${String(values[i])} is not a record id for "${f.name}"; expected ${hint}`);
    }
  }
  return [];
}

/**
 * Every reason `filter` cannot be the record filter of `describe`'s object: not a boolean condition (or more
 * than one: `LIMIT`, `ORDER BY`, … are refused), unknown or unfilterable fields, literals of the wrong type,
 * functions, subqueries and relationship paths. Field names match case-insensitively, as in Salesforce.
 */
export function validateRecordFilter(filter: unknown, describe: SfObjectDescribe, path = 'config.sf_filter'): ConfigIssue[] {
  if (filter === null || filter === undefined) return [];
  const issue = (rule: string, message: string): ConfigIssue[] => [{ path, rule, message: `sf_filter: ${message}` }];
  if (typeof filter !== 'string') return issue('type', 'must be a SOQL WHERE condition (a string) or null');
  if (filter.trim() === '') return issue('empty', 'is empty; use null for no filter');
  if (filter.length > MAX_FILTER_CHARS) return issue('too_long', `has ${filter.length} characters; at most ${MAX_FILTER_CHARS} are allowed`);
  let parsed: ReturnType<typeof parseQuery>;
  try {
    parsed = parseQuery(`SELECT Id FROM ${describe.name} WHERE ${filter}`);
  } catch (err) {
    const detail = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    return issue('not_a_condition', `"${filter}" is not a SOQL WHERE condition (${detail})`);
  }
  const extra = Object.keys(parsed).filter((k) => !['fields', 'sObject', 'where'].includes(k));
  if (extra.length > 0 || !parsed.where) {
    return issue('not_a_condition', `must be a WHERE condition only; found ${extra.map((k) => k.toUpperCase()).join(', ') || 'no condition'}`);
  }
  const fields = new Map(describe.fields.map((f) => [f.name.toLowerCase(), f]));
  const problems: ConfigIssue[] = [];
  for (const c of conditions(parsed.where as WhereNode)) {
    problems.push(...conditionProblems(c, c.field ? fields.get(c.field.toLowerCase()) : undefined, describe.name, path));
  }
  return problems;
}

/** The names of the fields a (validated) filter compares, as written. */
export function filterFields(filter: string, object = 'X'): string[] {
  const parsed = parseQuery(`SELECT Id FROM ${object} WHERE ${filter}`);
  return [...new Set(conditions(parsed.where as WhereNode).map((c) => c.field).filter((f): f is string => typeof f === 'string'))];
}

/** A filter as the config carries it: absent, null and blank all mean "every record". */
export function normalizeFilter(filter: string | null | undefined): string | null {
  return typeof filter === 'string' && filter.trim() !== '' ? filter.trim() : null;
}

/**
 * The WHERE condition of a mapping's scope, parenthesized, or null when it has no filter:
 * `(IsActive__c = true AND CreatedDate = LAST_N_DAYS:365)`. Every query that reads the mapping's records
 * (load, poll, streaming re-reads, verify) ANDs it in; `andScope` does that.
 */
export function filterWhere(cfg: { sfFilter?: string | null }): string | null {
  const f = normalizeFilter(cfg.sfFilter);
  return f === null ? null : `(${f})`;
}

/** `where` restricted to the mapping's scope: `SystemModstamp >= … AND (IsActive__c = true)`; `where` may be null. */
export function andScope(where: string | null, cfg: { sfFilter?: string | null }): string | null {
  const scope = filterWhere(cfg);
  if (scope === null) return where;
  return where === null ? scope : `${where} AND ${scope}`;
}

/** `SELECT Id,Name FROM Contact WHERE (IsActive__c = true)`: the load of a filtered mapping. */
export function scopedLoadQuery(object: string, fields: readonly string[], cfg: { sfFilter?: string | null }): string {
  const where = filterWhere(cfg);
  return where === null ? fullLoadQuery(object, fields) : `${fullLoadQuery(object, fields)} WHERE ${where}`;
}

/** `SELECT COUNT() FROM Contact WHERE (IsActive__c = true)`: how many records a filtered load reads. */
export function scopedCountQuery(object: string, cfg: { sfFilter?: string | null }): string {
  const where = filterWhere(cfg);
  return `SELECT COUNT() FROM ${object}${where === null ? '' : ` WHERE ${where}`}`;
}

/**
 * The Ids of records changed since `fromMs` that are outside the filter now (deleted ones included, with
 * queryAll): a poll removes them locally, since a record that left the filter is no longer the mapping's.
 * `SELECT Id FROM Contact WHERE SystemModstamp >= 2024-01-02T03:04:05.000Z AND NOT (IsActive__c = true)`.
 * null for an unfiltered mapping.
 */
export function leftScopeQuery(object: string, fromMs: number, cfg: { sfFilter?: string | null }): string | null {
  const where = filterWhere(cfg);
  if (where === null) return null;
  return `${fullLoadQuery(object, ['Id'])} WHERE SystemModstamp >= ${formatSoqlDatetime(fromMs)} AND NOT ${where}`;
}

/**
 * What a filter change from `from` to `to` reads (null filters mean every record):
 * - `fetch`: the records now in scope that were not, `(to) AND NOT (from)`; null when nothing can be new;
 * - `drop`: the Ids of records in scope before and not now, `(from) AND NOT (to)`; null when nothing left.
 */
export function filterChangeQueries(
  object: string, fields: readonly string[], from: string | null, to: string | null,
): { fetch: string | null; drop: string | null } {
  const f = normalizeFilter(from);
  const t = normalizeFilter(to);
  if (f === t) return { fetch: null, drop: null };
  const where = (inScope: string | null, outOfScope: string | null): string | null => {
    if (outOfScope === null) return null; // everything was (is) in scope: nothing to add (remove)
    return inScope === null ? `NOT (${outOfScope})` : `(${inScope}) AND NOT (${outOfScope})`;
  };
  const fetchWhere = where(t, f);
  const dropWhere = where(f, t);
  return {
    fetch: fetchWhere === null ? null : `${fullLoadQuery(object, fields)} WHERE ${fetchWhere}`,
    drop: dropWhere === null ? null : `${fullLoadQuery(object, ['Id'])} WHERE ${dropWhere}`,
  };
}
