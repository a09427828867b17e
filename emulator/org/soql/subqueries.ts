// Parent-to-child relationship subqueries (`SELECT Id, (SELECT Id, LastName FROM Contacts) FROM Account`):
// each parent row gets `{totalSize, done, records}` of its children, or null when it has none, as Salesforce
// returns them. The children of every parent are found through one scan of the child table, made the first
// time a row is read.
import { SfRequestError, type SfRow } from '../../contract.js';
import { childRelationshipsOf } from '../child-relationships.js';
import { DELETED, LIVE, type FieldSlot, type Table } from '../table.js';
import { compileWhere } from './conditions.js';
import { TEXT_TYPES, type Comparable } from './literals.js';
import type { ParsedSubquery } from './parse.js';
import { comparableGetter, resolvePath, rowBuilder, type TableLookup } from './paths.js';

export interface CompiledSubquery {
  /** The relationship name as the describe spells it (the key in each parent row). */
  name: string;
  /** The children of parent row `row`, or null. */
  get(row: number): { totalSize: number; done: true; records: SfRow[] } | null;
}

export function compileSubquery(lookup: TableLookup, parent: Table, sub: ParsedSubquery, opts: { scanAll: boolean; apiVersion: string; now: number }): CompiledSubquery {
  const rel = childRelationshipsOf(parent.def, lookup.objects()).find((r) => r.relationshipName.toLowerCase() === sub.relationshipName.toLowerCase());
  const child = rel ? lookup.tableByName(rel.childSObject) : undefined;
  if (!rel || !child) {
    throw new SfRequestError(400, 'INVALID_TYPE', `Didn't understand relationship '${sub.relationshipName}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`);
  }
  const ref = child.slot(rel.field) as FieldSlot;
  const selected = sub.fields.map((f) => resolvePath(lookup, child, f));
  const build = rowBuilder(selected, child, opts.apiVersion);
  const predicate = sub.where
    ? compileWhere<number>(sub.where, (path) => {
      const p = resolvePath(lookup, child, path);
      return { type: p.leaf.def.type, get: comparableGetter(p) };
    }, opts.now)
    : null;
  const sorters = sub.orderBy.map((o) => {
    const p = resolvePath(lookup, child, o.field);
    return { ...o, get: comparableGetter(p), foldCase: TEXT_TYPES.has(p.leaf.def.type) };
  });
  let byParent: Map<string, number[]> | undefined;
  const index = (): Map<string, number[]> => {
    if (byParent) return byParent;
    byParent = new Map();
    const col = ref.col!;
    for (let r = 0; r < child.size; r++) {
      const s = child.status[r];
      if (!(s === LIVE || (opts.scanAll && s === DELETED))) continue;
      const id = col.get(r) as string | null;
      if (id === null) continue;
      const list = byParent.get(id);
      if (list) list.push(r);
      else byParent.set(id, [r]);
    }
    return byParent;
  };
  return {
    name: rel.relationshipName,
    get(row) {
      let rows = index().get(parent.idOf(row)) ?? [];
      if (predicate) rows = rows.filter((r) => predicate(r));
      if (sorters.length) {
        const keyed = rows.map((r) => ({ r, keys: sorters.map((s) => fold(s.get(r), s.foldCase)) }));
        keyed.sort((a, b) => {
          for (let k = 0; k < sorters.length; k++) {
            const c = compare(a.keys[k], b.keys[k], sorters[k]);
            if (c !== 0) return c;
          }
          return a.r - b.r;
        });
        rows = keyed.map((x) => x.r);
      }
      if (sub.limit !== null) rows = rows.slice(0, sub.limit);
      if (rows.length === 0) return null;
      return { totalSize: rows.length, done: true, records: rows.map(build) };
    },
  };
}

const fold = (v: Comparable, foldCase: boolean): Comparable => (foldCase && typeof v === 'string' ? v.toLowerCase() : v);

/** SOQL ordering of two keys: nulls first ascending (last descending) unless NULLS says otherwise. */
export function compare(va: Comparable, vb: Comparable, s: { desc: boolean; nullsLast: boolean }): number {
  if (va === vb) return 0;
  if (va === null) return s.nullsLast ? 1 : -1;
  if (vb === null) return s.nullsLast ? -1 : 1;
  const c = va < vb ? -1 : 1;
  return s.desc ? -c : c;
}
