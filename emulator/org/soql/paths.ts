// Field paths (`Name`, `Account.Name`, `Account.Owner.Email`) resolved against the emulator's tables: getters
// by row number, and the nested row shape Salesforce's REST API returns for parent paths.
import { SfRequestError, type ObjectDef, type SfRow, type SfValue } from '../../contract.js';
import type { FieldSlot, Table } from '../table.js';
import type { Comparable } from './literals.js';

export interface TableLookup {
  tableByName(name: string): Table | undefined;
  /** Every object (child relationships of subqueries). */
  objects(): ObjectDef[];
}

interface Hop {
  ref: FieldSlot;
  target: Table;
}

export interface ResolvedPath {
  /** Canonical spelling, e.g. `Account.Name`. */
  path: string;
  hops: Hop[];
  leaf: FieldSlot;
  leafTable: Table;
}

const invalidField = (path: string, table: Table) =>
  new SfRequestError(400, 'INVALID_FIELD', `No such column '${path}' on entity '${table.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`);

export function resolvePath(lookup: TableLookup, table: Table, path: string): ResolvedPath {
  const segments = path.split('.');
  const hops: Hop[] = [];
  let current = table;
  const canonical: string[] = [];
  for (const seg of segments.slice(0, -1)) {
    const ref = current.relationships.get(seg.toLowerCase());
    const target = ref ? lookup.tableByName(ref.def.referenceTo[0]) : undefined;
    if (!ref || !target) throw invalidField(path, table);
    canonical.push(ref.def.relationshipName!);
    hops.push({ ref, target });
    current = target;
  }
  const leaf = current.slot(segments[segments.length - 1]);
  if (!leaf) throw invalidField(path, table);
  canonical.push(leaf.def.name);
  return { path: canonical.join('.'), hops, leaf, leafTable: current };
}

/** The row a path's last hop lands on, or -1 when a reference on the way is null or dangling. */
function follow(p: ResolvedPath, row: number): number {
  let r = row;
  for (const hop of p.hops) {
    const id = hop.ref.col!.get(r) as string | null;
    if (id === null) return -1;
    r = hop.target.rowOf(id);
    if (r < 0) return -1;
  }
  return r;
}

/** Comparable getter by row (dates as UTC-midnight ms, datetimes as ms). */
export function comparableGetter(p: ResolvedPath): (row: number) => Comparable {
  const { leaf, leafTable } = p;
  const isDate = leaf.def.type === 'date';
  const direct = (row: number): Comparable => {
    const v = leafTable.stored(leaf, row);
    return isDate && typeof v === 'string' ? Date.parse(`${v}T00:00:00Z`) : v;
  };
  if (p.hops.length === 0) return direct;
  return (row) => {
    const r = follow(p, row);
    return r < 0 ? null : direct(r);
  };
}

/** Wire getter by row (what REST JSON and Bulk CSV carry). */
export function wireGetter(p: ResolvedPath): (row: number) => SfValue {
  const { leaf, leafTable } = p;
  if (p.hops.length === 0) return (row) => leafTable.wire(leaf, row);
  return (row) => {
    const r = follow(p, row);
    return r < 0 ? null : leafTable.wire(leaf, r);
  };
}

interface ShapeNode {
  table: Table;
  fields: FieldSlot[];
  children: { name: string; ref: FieldSlot; node: ShapeNode }[];
}

/** Builds nested SfRows for a set of selected paths, as Salesforce returns them (`Account: {attributes, Name}`). */
export function rowBuilder(paths: ResolvedPath[], table: Table, apiVersion: string): (row: number) => SfRow {
  const root: ShapeNode = { table, fields: [], children: [] };
  for (const p of paths) {
    let node = root;
    for (const hop of p.hops) {
      let child = node.children.find((c) => c.ref === hop.ref);
      if (!child) {
        child = { name: hop.ref.def.relationshipName!, ref: hop.ref, node: { table: hop.target, fields: [], children: [] } };
        node.children.push(child);
      }
      node = child.node;
    }
    if (!node.fields.includes(p.leaf)) node.fields.push(p.leaf);
  }
  const base = `/services/data/v${apiVersion}/sobjects/`;
  const build = (node: ShapeNode, row: number): SfRow => {
    const t = node.table;
    const out: SfRow = { attributes: { type: t.name, url: `${base}${t.name}/${t.idOf(row)}` } };
    for (const f of node.fields) out[f.def.name] = t.wire(f, row);
    for (const c of node.children) {
      const id = c.ref.col!.get(row) as string | null;
      const r = id === null ? -1 : c.node.table.rowOf(id);
      out[c.name] = r < 0 ? null : build(c.node, r);
    }
    return out;
  };
  return (row) => build(root, row);
}
