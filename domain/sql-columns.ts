// The column model shared by the SQL builders: which columns every mapping table has, and the normalized list
// of mapped columns (their order is the contract between staging rows, COPY lines and unnest parameters).
import { SqlBuildError, quoteIdent } from './sql-names.js';

/** A mapped column: Postgres name (lower-cased Salesforce name; `Id` maps to `sfid`) and type from pgTypeFor. */
export interface ColumnDef { name: string; pgType: string }

/** Columns every mapping table has, in Heroku Connect's layout; builders add them and skip them in `columns`. */
export const FIXED_COLUMNS = ['id', 'sfid', 'systemmodstamp', 'isdeleted', '_hc_lastop', '_hc_err'] as const;
/** Columns of staging tables and of merge sources, before the mapped columns. */
export const KEY_COLUMNS = ['sfid', 'systemmodstamp', 'isdeleted'] as const;

const FIXED = new Set<string>(FIXED_COLUMNS);
// A Postgres type as pgTypeFor produces it: words and an optional (n) or (p,s) modifier. Anything else is refused
// so that a type string can never smuggle SQL into DDL.
const PG_TYPE = /^[a-z][a-z ]*[a-z](\(\d+(,\d+)?\))?$/;

/**
 * Lower-cases names, drops the fixed columns (and `id`, which Heroku Connect stores as `sfid`), refuses
 * duplicates and unexpected types. Builders and callers agree on column order through this function.
 */
export function mappedColumns(columns: readonly ColumnDef[]): ColumnDef[] {
  const seen = new Set<string>();
  const out: ColumnDef[] = [];
  for (const c of columns) {
    const name = c.name.toLowerCase();
    if (FIXED.has(name)) continue;
    if (seen.has(name)) throw new SqlBuildError(`Column "${name}" is listed twice`);
    if (!PG_TYPE.test(c.pgType)) throw new SqlBuildError(`Column "${name}" has an unexpected type "${c.pgType}"`);
    seen.add(name);
    out.push({ name, pgType: c.pgType });
  }
  return out;
}

export function columnList(cols: readonly ColumnDef[]): string {
  return cols.map((c) => `${quoteIdent(c.name)} ${c.pgType}`).join(', ');
}

/** Column names in the order staging rows, COPY lines and unnest parameters use: sfid, systemmodstamp, isdeleted, mapped… */
export function stagingColumnOrder(columns: readonly ColumnDef[]): string[] {
  return [...KEY_COLUMNS, ...mappedColumns(columns).map((c) => c.name)];
}
