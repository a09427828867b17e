// Aggregate queries: GROUP BY with COUNT, COUNT_DISTINCT, SUM, AVG, MIN, MAX and HAVING, answered as
// Salesforce does: one AggregateResult row per group (`{attributes: {type: 'AggregateResult'}, Industry,
// expr0}`), unaliased aggregates named expr0, expr1 … in SELECT order, grouped fields by their field name.
// Without GROUP BY there is exactly one row, even over no records (COUNT 0, the others null).
import { SfRequestError, type QueryCursor, type SfFieldType, type SfRow, type SfValue } from '../../contract.js';
import type { Table } from '../table.js';
import { compileWhere, type Predicate } from './conditions.js';
import { NUMBER_TYPES, TEXT_TYPES, type Comparable } from './literals.js';
import type { AggregateFn, ParsedSoql } from './parse.js';
import { comparableGetter, resolvePath, wireGetter, type ResolvedPath, type TableLookup } from './paths.js';
import { compare } from './subqueries.js';

interface Spec {
  key: string;
  fn: AggregateFn;
  path: ResolvedPath | null;
}

interface Acc { count: number; sum: number; best: Comparable; bestWire: SfValue; distinct: Set<Comparable> | null }

interface Group { keys: SfValue[]; comparable: Comparable[]; accs: Acc[] }

const RESULT_TYPE: Record<AggregateFn, SfFieldType | null> = { COUNT: 'int', COUNT_DISTINCT: 'int', SUM: 'double', AVG: 'double', MIN: null, MAX: null };

export function runAggregate(lookup: TableLookup, table: Table, parsed: ParsedSoql, rows: Iterable<number>, visible: (r: number) => boolean, where: Predicate<number> | null, now: number): QueryCursor {
  const agg = parsed.aggregate!;
  const groupPaths = agg.groupBy.map((g) => resolvePath(lookup, table, g));
  for (const g of groupPaths) {
    if (g.leaf.compound || g.leaf.def.type === 'textarea') throw new SfRequestError(400, 'INVALID_FIELD', `field '${g.path}' can not be grouped in a query call`);
  }
  const specs: Spec[] = [];
  const specOf = (fn: AggregateFn, param: string | null): number => {
    const path = param === null ? null : resolvePath(lookup, table, param);
    if (path && (fn === 'SUM' || fn === 'AVG') && !NUMBER_TYPES.has(path.leaf.def.type)) {
      throw new SfRequestError(400, 'INVALID_FIELD', `field ${path.path} does not support aggregate operator ${fn}`);
    }
    if (path && (path.leaf.compound || path.leaf.def.type === 'textarea')) {
      throw new SfRequestError(400, 'INVALID_FIELD', `field ${path.path} does not support aggregate operator ${fn}`);
    }
    const key = `${fn}(${path?.path.toLowerCase() ?? ''})`;
    const at = specs.findIndex((s) => s.key === key);
    if (at >= 0) return at;
    specs.push({ key, fn, path });
    return specs.length - 1;
  };
  const groupIndexOf = (path: string): number => {
    const canonical = resolvePath(lookup, table, path).path.toLowerCase();
    return groupPaths.findIndex((g) => g.path.toLowerCase() === canonical);
  };

  let expr = 0;
  const columns: { name: string; value: (g: Group) => SfValue }[] = agg.items.map((item) => {
    if (item.kind === 'field') {
      const i = groupIndexOf(item.path);
      return { name: item.alias ?? groupPaths[i].leaf.def.name, value: (g: Group) => g.keys[i] };
    }
    const s = specOf(item.fn, item.param);
    return { name: item.alias ?? `expr${expr++}`, value: (g: Group) => resultOf(specs[s], g.accs[s]) };
  });

  const fnRef = /^([A-Z_]+)\((.*)\)$/i;
  const having = agg.having
    ? compileWhere<Group>(agg.having, (path) => {
      const m = fnRef.exec(path);
      if (m) {
        const s = specOf(m[1].toUpperCase() as AggregateFn, m[2] === '' ? null : m[2]);
        const spec = specs[s];
        const type = RESULT_TYPE[spec.fn] ?? spec.path!.leaf.def.type;
        return { type, get: (g) => comparableResult(spec, g.accs[s]) };
      }
      const i = groupIndexOf(path);
      if (i < 0) throw new SfRequestError(400, 'MALFORMED_QUERY', `Field must be grouped or aggregated: ${path}`);
      return { type: groupPaths[i].leaf.def.type, get: (g) => g.comparable[i] };
    }, now)
    : null;
  const sorters = parsed.orderBy.map((o) => {
    if (o.fn) {
      const s = specOf(o.fn.fn, o.fn.param);
      return { ...o, get: (g: Group) => comparableResult(specs[s], g.accs[s]) };
    }
    const i = groupIndexOf(o.field);
    if (i < 0) throw new SfRequestError(400, 'MALFORMED_QUERY', `Ordered field must be grouped or aggregated: ${o.field}`);
    const text = TEXT_TYPES.has(groupPaths[i].leaf.def.type);
    return { ...o, get: (g: Group) => (text && typeof g.comparable[i] === 'string' ? (g.comparable[i] as string).toLowerCase() : g.comparable[i]) };
  });

  const keyWire = groupPaths.map((p) => wireGetter(p));
  const keyComparable = groupPaths.map((p) => comparableGetter(p));
  const specGetters = specs.map((s) => (s.path ? { cmp: comparableGetter(s.path), wire: wireGetter(s.path) } : null));
  const groups = new Map<string, Group>();
  const newGroup = (keys: SfValue[], comparable: Comparable[]): Group => ({
    keys, comparable, accs: specs.map((s) => ({ count: 0, sum: 0, best: null, bestWire: null, distinct: s.fn === 'COUNT_DISTINCT' ? new Set() : null })),
  });
  for (const r of rows) {
    if (!visible(r) || (where && !where(r))) continue;
    const comparable = keyComparable.map((get) => get(r));
    const groupKey = JSON.stringify(comparable.map((v) => (typeof v === 'string' ? v.toLowerCase() : v)));
    let g = groups.get(groupKey);
    if (!g) {
      g = newGroup(keyWire.map((get) => get(r)), comparable);
      groups.set(groupKey, g);
    }
    for (let s = 0; s < specs.length; s++) {
      const acc = g.accs[s];
      const getters = specGetters[s];
      if (!getters) {
        acc.count++;
        continue;
      }
      const v = getters.cmp(r);
      if (v === null) continue;
      acc.count++;
      const fn = specs[s].fn;
      if (fn === 'SUM' || fn === 'AVG') acc.sum += v as number;
      else if (fn === 'COUNT_DISTINCT') acc.distinct!.add(typeof v === 'string' ? v.toLowerCase() : v);
      else if ((fn === 'MIN' || fn === 'MAX') && (acc.best === null || (fn === 'MIN' ? v < acc.best : v > acc.best))) {
        acc.best = v;
        acc.bestWire = getters.wire(r);
      }
    }
  }
  if (groupPaths.length === 0 && groups.size === 0) groups.set('[]', newGroup([], []));
  let list = [...groups.values()];
  if (having) list = list.filter((g) => having(g));
  if (sorters.length) {
    list.sort((a, b) => {
      for (const s of sorters) {
        const c = compare(s.get(a), s.get(b), s);
        if (c !== 0) return c;
      }
      return 0;
    });
  }
  const end = parsed.limit === null ? list.length : Math.min(list.length, parsed.offset + parsed.limit);
  list = list.slice(parsed.offset, end);
  return {
    object: table.name,
    columns: columns.map((c) => c.name),
    count: null,
    size: list.length,
    row: (i) => {
      const out: SfRow = { attributes: { type: 'AggregateResult' } };
      for (const c of columns) out[c.name] = c.value(list[i]);
      return out;
    },
    values: (i) => columns.map((c) => c.value(list[i])),
  };
}

function resultOf(spec: Spec, acc: Acc): SfValue {
  switch (spec.fn) {
    case 'COUNT': return acc.count;
    case 'COUNT_DISTINCT': return acc.distinct!.size;
    case 'SUM': return acc.count ? acc.sum : null;
    case 'AVG': return acc.count ? acc.sum / acc.count : null;
    default: return acc.bestWire;
  }
}

function comparableResult(spec: Spec, acc: Acc): Comparable {
  if (spec.fn === 'MIN' || spec.fn === 'MAX') return acc.best;
  return resultOf(spec, acc) as Comparable;
}
