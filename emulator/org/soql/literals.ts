// SOQL literal text → comparable values for one field type. Comparable values: numbers for numeric types,
// epoch ms for dates and datetimes (dates at UTC midnight), 18-char ids for id/reference, lower-cased strings
// for text (SOQL compares text case-insensitively), booleans.
import { SfRequestError, type SfFieldType } from '../../contract.js';
import { toId18 } from '../ids.js';
import { isValidDate, parseDatetime } from '../values.js';
import { dateLiteralRange, type DateRange } from './date-literals.js';

export type Comparable = string | number | boolean | null;
export type Literal = Comparable | DateRange;

export const TEXT_TYPES = new Set<SfFieldType>(['string', 'textarea', 'picklist', 'multipicklist', 'email', 'phone', 'url', 'time']);
export const NUMBER_TYPES = new Set<SfFieldType>(['int', 'double', 'currency', 'percent']);
export const isIdType = (t: SfFieldType) => t === 'id' || t === 'reference';
export const isDateType = (t: SfFieldType) => t === 'date' || t === 'datetime';

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\' };

/** The text inside a quoted SOQL string; `\%` and `\_` stay escaped (only LIKE gives them meaning). */
export function unquote(raw: string): string {
  const inner = raw.startsWith("'") && raw.endsWith("'") && raw.length >= 2 ? raw.slice(1, -1) : raw;
  return inner.replace(/\\(.)/g, (m, c: string) => (c === '%' || c === '_' ? m : ESCAPES[c] ?? c));
}

const invalid = (field: string, type: SfFieldType, detail: string) =>
  new SfRequestError(400, 'INVALID_FIELD', `value of filter criterion for field '${field}' must be of type ${type}${detail}`);

/** A comparable literal for `field` of `type`; a DateRange for date literals. */
export function parseLiteral(field: string, type: SfFieldType, literalType: string, raw: string, now: number): Literal {
  if (literalType === 'NULL') return null;
  if (literalType === 'DATE_LITERAL' || literalType === 'DATE_N_LITERAL') {
    if (!isDateType(type)) throw invalid(field, type, ' and should not be a date literal');
    return dateLiteralRange(raw, now);
  }
  if (TEXT_TYPES.has(type)) {
    if (literalType !== 'STRING') throw invalid(field, type, ' and should be enclosed in quotes');
    return unquote(raw).replace(/\\([%_])/g, '$1').toLowerCase();
  }
  if (isIdType(type)) {
    if (literalType !== 'STRING') throw invalid(field, type, ' and should be enclosed in quotes');
    const id = toId18(unquote(raw));
    if (!id) throw new SfRequestError(400, 'INVALID_QUERY_FILTER_OPERATOR', `invalid ID field: ${unquote(raw)}`);
    return id;
  }
  if (NUMBER_TYPES.has(type)) {
    if (literalType !== 'INTEGER' && literalType !== 'DECIMAL' && literalType !== 'DECIMAL_WITH_CURRENCY_PREFIX') throw invalid(field, type, ' and should not be enclosed in quotes');
    const n = Number(raw.replace(/^[A-Z]{3}/, ''));
    if (!Number.isFinite(n)) throw invalid(field, type, '');
    return n;
  }
  if (type === 'boolean') {
    if (literalType !== 'BOOLEAN') throw invalid(field, type, ' and should not be enclosed in quotes');
    return raw.toUpperCase() === 'TRUE';
  }
  if (type === 'datetime') {
    const ms = literalType === 'DATETIME' ? parseDatetime(raw) : NaN;
    if (Number.isNaN(ms)) throw invalid(field, 'datetime' as SfFieldType, ' and should not be enclosed in quotes');
    return ms;
  }
  if (type === 'date') {
    if (literalType !== 'DATE' || !isValidDate(raw)) throw invalid(field, type, ' and should not be enclosed in quotes');
    return Date.parse(`${raw}T00:00:00Z`);
  }
  throw invalid(field, type, '');
}

/** `LIKE` pattern → anchored, case-insensitive RegExp (`%` any run, `_` one char, `\%` `\_` literal). */
export function likeToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && (pattern[i + 1] === '%' || pattern[i + 1] === '_')) {
      re += pattern[++i];
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}
