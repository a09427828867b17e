// Conversions between Salesforce wire values and Postgres text, on the hot path of every synced row (millions
// on a full load): character loops and slices instead of per-value regexes or Date objects where possible.
//
// Inbound:  REST JSON value / Bulk 2.0 CSV cell  →  Postgres text (COPY line or query parameter), or null.
// Outbound: Postgres value (node-pg result or trigger-log text)  →  Salesforce JSON value.
// Timestamps are UTC on both sides: Postgres columns are `timestamp` (without time zone) holding UTC.

export class WireValueError extends Error {
  readonly code = 'WIRE_VALUE';
  constructor(message: string) {
    super(message);
    this.name = 'WireValueError';
  }
}

/** A value as Salesforce's REST API carries it. */
export type SfJsonValue = string | number | boolean | null;

const DATETIME_TYPES = new Set(['datetime']);
const NUMBER_TYPES = new Set(['int', 'long', 'double', 'currency', 'percent']);

// Separators of `YYYY-MM-DD?HH:MM:SS` by position; every other position of the first 19 must be a digit.
const SEPARATORS: Record<number, readonly number[]> = { 4: [45], 7: [45], 10: [84, 32], 13: [58], 16: [58] };

/** `YYYY-MM-DD?HH:MM:SS` in the first 19 characters (? = 'T' or ' '), checked without a regex. */
function hasDateTimeShape(text: string): boolean {
  if (text.length < 19) return false;
  for (let i = 0; i < 19; i++) {
    const c = text.charCodeAt(i);
    const sep = SEPARATORS[i];
    if (sep ? !sep.includes(c) : c < 48 || c > 57) return false;
  }
  return true;
}

/** Offsets as Date.parse wants them: Salesforce's `+0000` and Postgres' `+02` become `+00:00` and `+02:00`. */
function normalizeOffset(text: string): string {
  const m = /([+-])(\d\d):?(\d\d)?$/.exec(text.slice(19));
  if (!m) return text;
  return `${text.slice(0, text.length - m[0].length)}${m[1]}${m[2]}:${m[3] ?? '00'}`;
}

/**
 * `2024-01-02T03:04:05.000+0000` or `…Z` → `2024-01-02 03:04:05.000` (UTC, for a `timestamp` column). Other
 * offsets are converted to UTC (slow path; Salesforce itself always sends UTC).
 */
export function sfDatetimeToPg(text: string): string {
  if (!hasDateTimeShape(text)) throw new WireValueError(`Not a Salesforce datetime: "${text}"`);
  if (text.charCodeAt(10) === 84 /* T */) {
    if (text.endsWith('Z')) return `${text.slice(0, 10)} ${text.slice(11, -1)}`;
    if (text.endsWith('+0000')) return `${text.slice(0, 10)} ${text.slice(11, -5)}`;
    if (text.endsWith('+00:00')) return `${text.slice(0, 10)} ${text.slice(11, -6)}`;
  }
  const ms = Date.parse(normalizeOffset(text));
  if (Number.isNaN(ms)) throw new WireValueError(`Not a Salesforce datetime: "${text}"`);
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, -1)}`;
}

/** `03:04:05.000Z` → `03:04:05.000` (for a `time` column). */
function sfTimeToPg(text: string): string {
  return text.endsWith('Z') ? text.slice(0, -1) : text;
}

/**
 * A REST JSON field value → Postgres text: datetime as UTC `YYYY-MM-DD HH:MM:SS.sss`, time without `Z`,
 * booleans `true`/`false`, numbers in JavaScript notation, strings and dates unchanged, null/absent → null.
 * Compound values (address, location objects) are refused: map their component fields instead.
 */
export function sfJsonToPgText(value: unknown, sfType: string): string | null {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
      if (DATETIME_TYPES.has(sfType)) return sfDatetimeToPg(value);
      if (sfType === 'time') return sfTimeToPg(value);
      return value;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new WireValueError(`Not a finite number: ${value}`);
      return String(value);
    default:
      throw new WireValueError(`Unsupported ${sfType} value of type ${typeof value} (compound fields are not synced)`);
  }
}

/**
 * A Bulk 2.0 query CSV cell (already unquoted by the CSV parser) → Postgres text. Bulk writes null as an empty
 * cell, booleans as `true`/`false`, datetimes as `2024-01-02T03:04:05.000Z`.
 */
export function bulkCsvToPgText(cell: string, sfType: string): string | null {
  if (cell.length === 0) return null;
  if (DATETIME_TYPES.has(sfType)) return sfDatetimeToPg(cell);
  if (sfType === 'time') return sfTimeToPg(cell);
  return cell;
}

function escapeCopyText(value: string): string {
  // Fast path: most values contain nothing to escape.
  let i = 0;
  for (; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 92 || c < 32) break;
  }
  if (i === value.length) return value;
  let out = value.slice(0, i);
  for (; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 92) out += '\\\\';
    else if (c === 9) out += '\\t';
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 0) throw new WireValueError('Postgres text cannot contain NUL characters');
    else out += value[i];
  }
  return out;
}

/**
 * One line of COPY text format (tab-separated, `\N` for null, backslash/tab/newline/CR escaped), with the
 * trailing newline: `['003…', null, 'a\tb']` → `003…\t\N\ta\\tb\n`.
 */
export function copyTextLine(values: readonly (string | null)[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += '\t';
    const v = values[i];
    line += v === null ? '\\N' : escapeCopyText(v);
  }
  return `${line}\n`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/** `2024-01-02 03:04:05.123456` or `2024-01-02T03:04:05` (UTC) → `2024-01-02T03:04:05.123Z`. */
function pgTimestampTextToSf(text: string): string {
  if (!hasDateTimeShape(text)) throw new WireValueError(`Not a timestamp: "${text}"`);
  const hasZone = text.endsWith('Z') || /[+-]\d\d(:?\d\d)?$/.test(text.slice(19));
  if (!hasZone) {
    const frac = text.length > 20 && text.charCodeAt(19) === 46 ? text.slice(20, 23).padEnd(3, '0') : '000';
    return `${text.slice(0, 10)}T${text.slice(11, 19)}.${frac}Z`;
  }
  const ms = Date.parse(normalizeOffset(text.replace(' ', 'T')));
  if (Number.isNaN(ms)) throw new WireValueError(`Not a timestamp: "${text}"`);
  return new Date(ms).toISOString();
}

/** `03:04:05.123456` → `03:04:05.123Z`. */
function pgTimeTextToSf(text: string): string {
  if (text.length < 8) throw new WireValueError(`Not a time: "${text}"`);
  const frac = text.length > 9 && text.charCodeAt(8) === 46 ? text.slice(9, 12).padEnd(3, '0') : '000';
  return `${text.slice(0, 8)}.${frac}Z`;
}

function toBoolean(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 't' || value === 'true') return true;
  if (value === 'f' || value === 'false') return false;
  throw new WireValueError(`Not a boolean: ${String(value)}`);
}

function toNumber(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new WireValueError(`Not a number: ${String(value)}`);
  return n;
}

/**
 * A Postgres value (as node-pg returns it, or as text from the trigger log) → the JSON value Salesforce expects
 * for a field of `sfType`: datetime → `2024-01-02T03:04:05.000Z`, date → `YYYY-MM-DD`, time → `HH:MM:SS.sssZ`,
 * numbers (also numeric/bigint strings) → number, booleans (also `t`/`f`) → boolean, null → null.
 * A JS Date for a `timestamp` column must have been parsed as UTC; a JS Date for a `date` column is read in
 * local time, as node-pg builds it (prefer raw strings: pg.types.setTypeParser(1082/1114, identity)).
 */
export function pgToSfJson(value: unknown, sfType: string): SfJsonValue {
  if (value === null || value === undefined) return null;
  if (sfType === 'datetime') {
    if (value instanceof Date) return value.toISOString();
    return pgTimestampTextToSf(String(value));
  }
  if (sfType === 'date') {
    if (value instanceof Date) return `${pad(value.getFullYear(), 4)}-${pad(value.getMonth() + 1, 2)}-${pad(value.getDate(), 2)}`;
    const text = String(value);
    if (text.length < 10) throw new WireValueError(`Not a date: "${text}"`);
    return text.slice(0, 10);
  }
  if (sfType === 'time') return pgTimeTextToSf(String(value));
  if (sfType === 'boolean') return toBoolean(value);
  if (NUMBER_TYPES.has(sfType)) return toNumber(value);
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new WireValueError(`Cannot send a ${typeof value} as Salesforce ${sfType}`);
}
