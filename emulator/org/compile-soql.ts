// SOQL compiled to a matcher over wire records (ChangeEvent.record), for the streaming surface: a PushTopic
// fires for a change only when the changed record satisfies its query's WHERE clause. Parent paths in WHERE
// are followed through the store's tables.
import { SfRequestError, type CompiledSoql, type SfRecord } from '../contract.js';
import { compileWhere } from './soql/conditions.js';
import type { Comparable } from './soql/literals.js';
import { parseSoql } from './soql/parse.js';
import { comparableGetter, resolvePath, type TableLookup } from './soql/paths.js';
import { parseDatetime } from './values.js';

export function compileSoqlMatcher(lookup: TableLookup, soql: string, now: number): CompiledSoql {
  const parsed = parseSoql(soql);
  if (parsed.aggregate || parsed.subqueries.length || parsed.isCount) {
    throw new SfRequestError(400, 'INVALID_FIELD', 'Aggregate queries and relationship subqueries are not supported in a PushTopic query');
  }
  const table = lookup.tableByName(parsed.object);
  if (!table) throw new SfRequestError(400, 'INVALID_TYPE', `sObject type '${parsed.object}' is not supported.`);
  const fields = parsed.fields.map((f) => resolvePath(lookup, table, f).path);
  const whereFields = new Set<string>();
  const matches = parsed.where
    ? compileWhere<SfRecord>(parsed.where, (path) => {
      const p = resolvePath(lookup, table, path);
      whereFields.add(p.path);
      const type = p.leaf.def.type;
      if (p.hops.length === 0) {
        const name = p.leaf.def.name;
        const get = (rec: SfRecord): Comparable => {
          const v = rec[name] ?? null;
          if (v === null || typeof v !== 'string') return v;
          if (type === 'datetime') return parseDatetime(v);
          if (type === 'date') return Date.parse(`${v}T00:00:00Z`);
          return v;
        };
        return { type, get };
      }
      // Parent path: read the first reference from the record, then follow it through the tables.
      const first = p.hops[0];
      const rest = { ...p, hops: p.hops.slice(1) };
      const viaTable = comparableGetter(rest);
      return {
        type,
        get: (rec) => {
          const id = rec[first.ref.def.name];
          const row = typeof id === 'string' ? first.target.rowOf(id) : -1;
          return row < 0 ? null : viaTable(row);
        },
      };
    }, now)
    : () => true;
  return { object: table.name, fields, whereFields: [...whereFields], matches };
}

