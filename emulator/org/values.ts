// Converting field values between the wire (JSON or CSV text, as REST and Bulk send them) and the stored
// column form, with the per-value checks Salesforce makes and its error codes.
import type { SfError, SfValue } from '../contract.js';
import type { StoredValue } from './columns.js';
import type { EmulatorFieldDef } from './field-defs.js';
import { toId18 } from './ids.js';

const DAY_MS = 86_400_000;
const TWO = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const dayPrefixes = new Map<number, string>();

let lastFormattedMs = NaN;
let lastFormatted = '';

/**
 * `2024-01-02T03:04:05.000+0000`, the datetime form Salesforce's REST API returns. Query results format
 * millions of these, so the date part is cached per day and the time part built from lookup tables. The last
 * result is kept too: a record's CreatedDate, LastModifiedDate and SystemModstamp often share one stamp, as do
 * the thousands of records a bulk job commits in one millisecond, and a change event keeps each one it formats.
 */
export function formatDatetime(ms: number): string {
  if (ms === lastFormattedMs) return lastFormatted;
  lastFormattedMs = ms;
  lastFormatted = formatNewDatetime(ms);
  return lastFormatted;
}

function formatNewDatetime(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    prefix = new Date(day * DAY_MS).toISOString().slice(0, 11);
    if (dayPrefixes.size > 100_000) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  let rest = ms - day * DAY_MS;
  const milli = rest % 1000;
  rest = (rest - milli) / 1000;
  const sec = rest % 60;
  rest = (rest - sec) / 60;
  const min = rest % 60;
  const hour = (rest - min) / 60;
  return `${prefix}${TWO[hour]}:${TWO[min]}:${TWO[sec]}.${THREE[Math.floor(milli)]}+0000`;
}

const DATETIME_RE = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Epoch ms of an ISO datetime as Salesforce accepts it (`Z`, `+0000`, `+00:00`); NaN when malformed. */
export function parseDatetime(text: string): number {
  const m = DATETIME_RE.exec(text.trim());
  if (!m) return NaN;
  let zone = m[6] ?? 'Z';
  if (zone !== 'Z' && !zone.includes(':')) zone = `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4] ?? '00'}${(m[5] ?? '.000').padEnd(4, '0')}${zone}`);
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True for a real calendar date `YYYY-MM-DD` (Bulk loads check one per cell, so no Date objects here). */
export function isValidDate(text: string): boolean {
  if (!DATE_RE.test(text)) return false;
  const y = Number(text.slice(0, 4));
  const m = Number(text.slice(5, 7));
  const d = Number(text.slice(8, 10));
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = m === 2 && ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0);
  return d <= MONTH_DAYS[m - 1] + (leap ? 1 : 0);
}

export function fieldError(statusCode: string, message: string, fields: string[] = []): SfError {
  return { statusCode, message, fields };
}

const typeError = (f: EmulatorFieldDef, v: unknown) =>
  fieldError('INVALID_TYPE_ON_FIELD_IN_RECORD', `${f.label}: value not of required type: ${String(v)}`, [f.name]);

/** A value coerceValue refuses, with Salesforce's error for it. */
export class InvalidValue {
  constructor(readonly error: SfError) {}
}

/** A stored value, or why there is none (no result object per value: Bulk loads coerce every cell). */
type Coerced = StoredValue | InvalidValue;

/**
 * The stored form of `raw` for field `f`. Strings are accepted for every type (Bulk sends CSV text) and
 * empty strings mean null, as in Salesforce.
 */
export function coerceValue(f: EmulatorFieldDef, raw: SfValue | undefined): Coerced {
  if (raw === null || raw === undefined || raw === '') return null;
  if (typeof raw === 'object') return new InvalidValue(typeError(f, JSON.stringify(raw)));
  switch (f.type) {
    case 'int': case 'double': case 'currency': case 'percent': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(n) || (f.type === 'int' && !Number.isInteger(n))) return new InvalidValue(typeError(f, raw));
      if (f.precision > 0 && Math.abs(Math.trunc(n)) >= 10 ** Math.max(f.precision - f.scale, 1)) {
        return new InvalidValue(fieldError('NUMBER_OUTSIDE_VALID_RANGE', `${f.label}: value outside of valid range on numeric field: ${n}`, [f.name]));
      }
      return n;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const s = String(raw).toLowerCase();
      if (s === 'true' || s === '1') return true;
      if (s === 'false' || s === '0') return false;
      return new InvalidValue(typeError(f, raw));
    }
    case 'datetime': {
      const ms = typeof raw === 'string' ? parseDatetime(raw) : NaN;
      return Number.isNaN(ms) ? new InvalidValue(typeError(f, raw)) : ms;
    }
    case 'date': {
      const s = typeof raw === 'string' ? raw.trim() : '';
      const ok = isValidDate(s) || (s.length > 10 && isValidDate(s.slice(0, 10)) && !Number.isNaN(parseDatetime(s)));
      return ok ? s.slice(0, 10) : new InvalidValue(typeError(f, raw));
    }
    case 'reference': case 'id': {
      const id = typeof raw === 'string' ? toId18(raw) : undefined;
      if (!id) return new InvalidValue(fieldError('MALFORMED_ID', `${f.label}: id value of incorrect type: ${String(raw)}`, [f.name]));
      return id;
    }
    default:
      return coerceText(f, typeof raw === 'string' ? raw : String(raw));
  }
}

const ALLOWED = new WeakMap<EmulatorFieldDef, Set<string>>();

function coerceText(f: EmulatorFieldDef, s: string): Coerced {
  if (f.length > 0 && s.length > f.length) {
    return new InvalidValue(fieldError('STRING_TOO_LONG', `${f.label}: data value too large: ${s.slice(0, 40)} (max length=${f.length})`, [f.name]));
  }
  if (f.type === 'email' && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s)) {
    return new InvalidValue(fieldError('INVALID_EMAIL_ADDRESS', `${f.label}: invalid email address: ${s}`, [f.name]));
  }
  if ((f.type === 'picklist' || f.type === 'multipicklist') && f.restrictedPicklist) {
    let allowed = ALLOWED.get(f);
    if (!allowed) ALLOWED.set(f, (allowed = new Set(f.picklistValues.map((p) => p.value))));
    const values = f.type === 'multipicklist' ? s.split(';') : [s];
    if (values.some((v) => !allowed.has(v))) {
      return new InvalidValue(fieldError('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `${f.label}: bad value for restricted picklist field: ${s}`, [f.name]));
    }
  }
  return s;
}

/** The wire form of a stored value. */
export function wireValue(type: string, v: StoredValue): SfValue {
  if (v === null) return null;
  if (type === 'datetime') return formatDatetime(v as number);
  return v;
}
