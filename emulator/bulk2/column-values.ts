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

/** The text of one cell between its quotes (inner quotes doubled), or null for an empty cell. */
type CellText = (v: SfValue) => string | null;

const asIs: CellText = (v) => (v === null ? null : (v as string));
const text: CellText = (v) => {
  if (v === null) return null;
  const s = typeof v === 'string' ? v : String(v);
  return s.includes('"') ? s.replace(/"/g, '""') : s;
};
const numeric: CellText = (v) => (v === null ? null : typeof v === 'number' ? formatNumber(v) : text(v));
const bool: CellText = (v) => (v === null ? null : v === true || v === 'true' ? 'true' : 'false');
const datetime: CellText = (v) => {
  if (v === null) return null;
  const s = v as string;
  return s.endsWith('+0000') ? `${s.slice(0, -5)}Z` : text(s);
};
/** Unknown types: decide per value. */
const anyValue: CellText = (v) => (typeof v === 'number' ? numeric(v) : typeof v === 'boolean' ? bool(v) : text(v));

const BY_TYPE: Partial<Record<SfFieldType, CellText>> = {
  id: asIs, reference: asIs,
  int: numeric, double: numeric, currency: numeric, percent: numeric,
  boolean: bool, datetime,
};

/** Encodes one row of wire values (column order) as a complete CSV line. */
export type LineEncoder = (values: SfValue[]) => string;

export function lineEncoder(org: OrgStore, object: string, columns: readonly string[], dialect: CsvDialect): LineEncoder {
  const cells = columns.map((c) => {
    const type = columnType(org, object, c);
    return type === undefined ? anyValue : (BY_TYPE[type] ?? text);
  });
  const { delimiter: d, eol } = dialect;
  const n = cells.length;
  if (n === 0) return () => eol;
  // The quotes around values are folded into the separators, so a cell costs one or two string joins
  // instead of four: `","` between two values, `",` / `,"` next to an empty cell, `,` between empty cells.
  const between = `"${d}"`;
  const close = `"${d}`;
  const open = `${d}"`;
  const closeEol = `"${eol}`;
  return (values) => {
    let t = cells[0](values[0] ?? null);
    let line = t === null ? '' : `"${t}`;
    let empty = t === null;
    for (let i = 1; i < n; i++) {
      t = cells[i](values[i] ?? null);
      if (t === null) {
        line += empty ? d : close;
        empty = true;
      } else {
        line = line + (empty ? open : between) + t;
        empty = false;
      }
    }
    return empty ? line + eol : line + closeEol;
  };
}
