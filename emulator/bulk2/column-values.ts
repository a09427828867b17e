// Turns the org's flat query values into the lines of a Bulk API 2.0 result file: every value quoted, null
// as an empty cell, booleans true/false, numbers as written, datetimes in the CSV form
// `2024-01-02T03:04:05.000Z` (REST's `+0000` is JSON-only). This is the hot loop of every result download,
// so each column gets an encoder chosen once from its type: ids and numbers skip the quote check, datetimes
// are cut rather than reparsed.
import type { OrgStore, SfFieldType, SfValue } from '../contract.js';
import type { CsvDialect } from './csv-format.js';

/** The type of a SELECT column, following relationship names through the describes; undefined when unknown. */
export function columnType(org: OrgStore, object: string, column: string): SfFieldType | undefined {
  const parts = column.split('.');
  let def = org.describe(object);
  for (let i = 0; def && i < parts.length - 1; i++) {
    const rel = parts[i].toLowerCase();
    const field = def.fields.find((f) => f.relationshipName?.toLowerCase() === rel);
    def = field && field.referenceTo.length > 0 ? org.describe(field.referenceTo[0]) : undefined;
  }
  const last = parts[parts.length - 1].toLowerCase();
  return def?.fields.find((f) => f.name.toLowerCase() === last)?.type;
}

/**
 * A number as JavaScript's String() writes it. Salesforce amounts mostly have two decimals, and building
 * those from integers is several times cheaper than the general double-to-text conversion.
 */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return `${n}`;
  const cents = Math.round(n * 100);
  if (cents / 100 !== n || cents > 0x7fffffff || cents < -0x7fffffff) return String(n);
  const abs = cents < 0 ? -cents : cents;
  const whole = (abs / 100) | 0;
  const frac = abs - whole * 100;
  const text = frac % 10 === 0 ? `${whole}.${frac / 10}` : `${whole}.${frac < 10 ? '0' : ''}${frac}`;
  return cents < 0 ? `-${text}` : text;
}

/** Encodes one cell together with what precedes it (the delimiter, or nothing for the first column). */
type CellEncoder = (v: SfValue) => string;
type EncoderFactory = (lead: string) => CellEncoder;

function escaped(lead: string, v: SfValue): string {
  const s = typeof v === 'string' ? v : String(v);
  return s.includes('"') ? `${lead}"${s.replace(/"/g, '""')}"` : `${lead}"${s}"`;
}

const quoted: EncoderFactory = (lead) => (v) => (v === null ? lead : `${lead}"${v as string}"`);
const text: EncoderFactory = (lead) => (v) => (v === null ? lead : escaped(lead, v));
const numeric: EncoderFactory = (lead) => (v) => (v === null ? lead : typeof v === 'number' ? `${lead}"${formatNumber(v)}"` : escaped(lead, v));
const bool: EncoderFactory = (lead) => {
  const yes = `${lead}"true"`;
  const no = `${lead}"false"`;
  return (v) => (v === null ? lead : v === true || v === 'true' ? yes : no);
};
const datetime: EncoderFactory = (lead) => (v) => {
  if (v === null) return lead;
  const s = v as string;
  return s.endsWith('+0000') ? `${lead}"${s.slice(0, -5)}Z"` : escaped(lead, s);
};
/** Unknown types: decide per value. */
const anyValue: EncoderFactory = (lead) => {
  const [n, b, t] = [numeric(lead), bool(lead), text(lead)];
  return (v) => (typeof v === 'number' ? n(v) : typeof v === 'boolean' ? b(v) : t(v));
};

const BY_TYPE: Partial<Record<SfFieldType, EncoderFactory>> = {
  id: quoted, reference: quoted,
  int: numeric, double: numeric, currency: numeric, percent: numeric,
  boolean: bool, datetime,
};

/** Encodes one row of wire values (column order) as a complete CSV line. */
export type LineEncoder = (values: SfValue[]) => string;

export function lineEncoder(org: OrgStore, object: string, columns: readonly string[], dialect: CsvDialect): LineEncoder {
  const cells = columns.map((c, i) => {
    const type = columnType(org, object, c);
    const factory = type === undefined ? anyValue : (BY_TYPE[type] ?? text);
    return factory(i === 0 ? '' : dialect.delimiter);
  });
  const { eol } = dialect;
  const n = cells.length;
  if (n === 0) return () => eol;
  return (values) => {
    let line = cells[0](values[0] ?? null);
    for (let i = 1; i < n; i++) line += cells[i](values[i] ?? null);
    return line + eol;
  };
}
