// Turns the org's flat query values into the strings a Bulk API 2.0 result file holds: booleans true/false,
// numbers as written, datetimes in the CSV form `2024-01-02T03:04:05.000Z` (REST's `+0000` is JSON-only),
// null stays null (an empty cell).
import type { OrgStore, SfFieldType, SfValue } from '../contract.js';

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

/** Converts one row's wire values (column order) to CSV cell text, in place. */
export type CellFormatter = (values: SfValue[]) => (string | null)[];

export function cellFormatter(org: OrgStore, object: string, columns: readonly string[]): CellFormatter {
  const datetime = columns.map((c) => columnType(org, object, c) === 'datetime');
  return (values) => {
    const out = values as (string | null)[];
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === null || v === undefined) out[i] = null;
      else if (typeof v === 'string') out[i] = datetime[i] && v.endsWith('+0000') ? `${v.slice(0, -5)}Z` : v;
      else if (typeof v === 'boolean') out[i] = v ? 'true' : 'false';
      else out[i] = String(v);
    }
    return out;
  };
}
