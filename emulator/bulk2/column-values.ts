// Turns the org's query rows into the strings a Bulk API 2.0 result file holds: booleans true/false, numbers
// as written, datetimes in the CSV form `2024-01-02T03:04:05.000Z` (REST's `+0000` is JSON-only), parent paths
// such as `Account.Name` read from the nested row, null stays null (an empty cell).
import type { OrgStore, SfFieldType, SfRow, SfValue } from '../contract.js';

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

function formatValue(v: SfValue | SfRow | undefined, datetime: boolean): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return datetime && v.endsWith('+0000') ? `${v.slice(0, -5)}Z` : v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  return null;
}

/** Reads one row's cells in column order. */
export type RowReader = (row: SfRow) => (string | null)[];

export function rowReader(org: OrgStore, object: string, columns: readonly string[]): RowReader {
  const cols = columns.map((c) => ({
    path: c.split('.'),
    datetime: columnType(org, object, c) === 'datetime',
  }));
  return (row) => {
    const out = new Array<string | null>(cols.length);
    for (let i = 0; i < cols.length; i++) {
      const { path, datetime } = cols[i];
      let v: SfValue | SfRow | undefined = row[path[0]];
      // The org nests parent fields (`{ Account: { Name } }`); a null parent leaves every path below it empty.
      for (let k = 1; k < path.length && v !== null && v !== undefined; k++) v = typeof v === 'object' ? v[path[k]] : undefined;
      out[i] = formatValue(v, datetime);
    }
    return out;
  };
}
