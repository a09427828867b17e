// Evaluates parsed SOQL against the emulator's tables. The plan picks the cheapest row source: the ids named
// by `Id =`/`Id IN`, an external-id index hit, the modstamp log (for `SystemModstamp >` windows and
// `ORDER BY SystemModstamp`, which it yields already sorted), or a scan in creation order. Matching rows are
// collected as row numbers (so totalSize is known up front, as Salesforce reports it) and turned into JSON
// rows or flat value arrays only when a page is read.
import { SfRequestError, type QueryCursor, type SfRow, type SfValue } from '../../contract.js';
import { DELETED, LIVE, type Table } from '../table.js';
import { parseDatetime } from '../values.js';
import { compileWhere, type Predicate } from './conditions.js';
import { TEXT_TYPES, unquote, type Comparable } from './literals.js';
import type { ParsedSoql } from './parse.js';
import { comparableGetter, resolvePath, rowBuilder, wireGetter, type TableLookup } from './paths.js';
import { conjuncts, type BoolExpr } from './where-tree.js';
import { runAggregate } from './aggregates.js';
import { compileSubquery } from './subqueries.js';
import { idRangeRows } from './id-ranges.js';

export interface EngineOptions {
  scanAll: boolean;
  apiVersion: string;
  now: number;
  /** A Bulk API query (compound fields refused). */
  bulk?: boolean;
  /** An extra condition on rows (SOSL's search term). */
  rowFilter?: (table: Table, row: number) => boolean;
}

const notFilterable = (path: string) => new SfRequestError(400, 'INVALID_FIELD', `field '${path}' can not be filtered in a query call`);
const notSortable = (path: string) => new SfRequestError(400, 'INVALID_FIELD', `field '${path}' can not be sorted in a query call`);

interface Source {
  rows: Iterable<number>;
  /** True when the source yields rows in SystemModstamp order. */
  modstampOrdered: boolean;
  /** How the rows are found (explain): a scan, or the index of `field`. */
  kind?: 'scan' | 'index';
  field?: string;
  /** Every row the source yields matches the WHERE (it is nothing but the index's condition). */
  exact?: boolean;
}

export function runQuery(lookup: TableLookup, parsed: ParsedSoql, opts: EngineOptions): QueryCursor {
  const table = lookup.tableByName(parsed.object);
  if (!table) {
    throw new SfRequestError(400, 'INVALID_TYPE', `sObject type '${parsed.object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`);
  }
  const selected = parsed.fields.map((f) => resolvePath(lookup, table, f));
  if (opts.bulk && selected.some((p) => p.leaf.compound)) {
    throw new SfRequestError(400, 'FUNCTIONALITY_NOT_ENABLED', 'Selecting compound data not supported in Bulk Query');
  }
  const source = pickSource(table, parsed.where);
  const where: Predicate<number> | null = parsed.where && !source.exact
    ? compileWhere<number>(parsed.where, (path) => {
      const p = resolvePath(lookup, table, path);
      if (p.leaf.compound) throw notFilterable(p.path);
      return { type: p.leaf.def.type, get: comparableGetter(p) };
    }, opts.now)
    : null;
  const rowFilter = opts.rowFilter;
  const predicate: Predicate<number> | null = rowFilter
    ? (where ? (r) => where(r) && rowFilter(table, r) : (r) => rowFilter(table, r))
    : where;
  const status = table.status;
  const visible = opts.scanAll ? (r: number) => status[r] === LIVE || status[r] === DELETED : (r: number) => status[r] === LIVE;
  if (parsed.aggregate) return runAggregate(lookup, table, parsed, source.rows, visible, predicate, opts.now);
  const sorters = parsed.orderBy.map((o) => {
    const p = resolvePath(lookup, table, o.field);
    if (p.leaf.compound) throw notSortable(p.path);
    return { ...o, get: comparableGetter(p), foldCase: TEXT_TYPES.has(p.leaf.def.type) };
  });
  const subqueries = parsed.subqueries.map((sub) => compileSubquery(lookup, table, sub, opts));

  const modstampOnly = sorters.length > 0 && sorters[0].field.toLowerCase() === 'systemmodstamp' && !sorters[0].desc
    && sorters.slice(1).every((s) => s.field.toLowerCase() === 'id' && !s.desc);
  const needsSort = sorters.length > 0 && !(modstampOnly && source.modstampOrdered);
  const rows = needsSort && modstampOnly && !source.modstampOrdered ? logOrdered(table) : source;
  const sortStillNeeded = needsSort && !(modstampOnly && rows.modstampOrdered);
  const stopAfter = !sortStillNeeded && parsed.limit !== null ? parsed.offset + parsed.limit : Infinity;

  // Changes may share a SystemModstamp (one bulk chunk commits in the same millisecond), so a modstamp-ordered
  // source still needs its ties put in Id order, and a LIMIT may only cut after the last tie it reaches.
  const stamps = table.modstamp.data;
  const breakTies = modstampOnly && rows.modstampOrdered;
  let matched: number[] = [];
  let cutStamp = NaN;
  for (const r of rows.rows) {
    if (!Number.isNaN(cutStamp) && stamps[r] !== cutStamp) break;
    if (!visible(r) || (predicate && !predicate(r))) continue;
    matched.push(r);
    if (matched.length >= stopAfter && Number.isNaN(cutStamp)) {
      if (!breakTies) break;
      cutStamp = stamps[r];
    }
  }
  if (sortStillNeeded) matched = sortRows(matched, sorters);
  else if (breakTies) sortTies(matched, stamps);
  const end = parsed.limit === null ? matched.length : Math.min(matched.length, parsed.offset + parsed.limit);
  const page = parsed.offset > 0 || end < matched.length ? matched.slice(parsed.offset, end) : matched;

  if (parsed.isCount) {
    return { object: table.name, columns: [], count: page.length, size: 0, row: () => ({}), values: () => [] };
  }
  if (parsed.forClause) markViewed(table, page, parsed.forClause, opts.now);
  const plain = rowBuilder(selected, table, opts.apiVersion);
  const build = subqueries.length === 0 ? plain : (r: number) => {
    const out = plain(r);
    for (const sub of subqueries) out[sub.name] = sub.get(r) as unknown as SfRow;
    return out;
  };
  const getters = selected.map((p) => wireGetter(p));
  return {
    object: table.name,
    columns: selected.map((p) => p.path),
    count: null,
    size: page.length,
    row: (i) => build(page[i]),
    values: (i) => {
      const r = page[i];
      const out = new Array<SfValue>(getters.length);
      for (let k = 0; k < getters.length; k++) out[k] = getters[k](r);
      return out;
    },
  };
}

/** FOR VIEW sets LastViewedDate and LastReferencedDate, FOR REFERENCE LastReferencedDate, of the returned records. */
function markViewed(table: Table, rows: number[], clause: 'VIEW' | 'REFERENCE', now: number): void {
  const cols = (clause === 'VIEW' ? ['LastViewedDate', 'LastReferencedDate'] : ['LastReferencedDate'])
    .map((name) => table.slot(name)?.col).filter((c) => c !== undefined && c !== null);
  for (const col of cols) for (const r of rows) col.set(r, now);
}

/** The plan Salesforce's query `explain` would describe: the leading operation, the rows it expects, the cost. */
export function explainQuery(lookup: TableLookup, parsed: ParsedSoql, opts: EngineOptions) {
  const table = lookup.tableByName(parsed.object);
  const cursor = runQuery(lookup, parsed, opts);
  const source = table ? pickSource(table, parsed.where) : null;
  const indexed = source?.kind === 'index';
  const total = table?.liveCount ?? 0;
  const cardinality = cursor.count ?? cursor.size;
  return {
    plans: [{
      cardinality,
      fields: indexed ? [source.field!] : [],
      leadingOperationType: indexed ? 'Index' : 'TableScan',
      notes: [],
      relativeCost: total === 0 ? 0 : Math.round((indexed ? cardinality / total : 1) * 1000) / 1000,
      sobjectCardinality: total,
      sobjectType: table?.name ?? parsed.object,
    }],
  };
}

type Sorter = { desc: boolean; nullsLast: boolean; foldCase: boolean; get: (row: number) => Comparable };

function sortRows(rows: number[], sorters: Sorter[]): number[] {
  // Extract keys once (text lower-cased: SOQL sorts it case-insensitively; ids keep their case, which is
  // their order), then sort an index array.
  const keys = sorters.map((s) => rows.map((r) => {
    const v = s.get(r);
    return s.foldCase && typeof v === 'string' ? v.toLowerCase() : v;
  }));
  const idx = rows.map((_, i) => i);
  idx.sort((a, b) => {
    for (let k = 0; k < sorters.length; k++) {
      const va = keys[k][a];
      const vb = keys[k][b];
      if (va === vb) continue;
      const s = sorters[k];
      if (va === null) return s.nullsLast ? 1 : -1;
      if (vb === null) return s.nullsLast ? -1 : 1;
      const c = va < vb ? -1 : 1;
      return s.desc ? -c : c;
    }
    return rows[a] - rows[b];
  });
  return idx.map((i) => rows[i]);
}

/** Sorts each run of equal stamps by row number (= Id order: ids encode the row). */
function sortTies(rows: number[], stamps: Float64Array): void {
  let start = 0;
  for (let i = 1; i <= rows.length; i++) {
    if (i < rows.length && stamps[rows[i]] === stamps[rows[start]]) continue;
    if (i - start > 1) {
      const run = rows.slice(start, i).sort((a, b) => a - b);
      for (let k = 0; k < run.length; k++) rows[start + k] = run[k];
    }
    start = i;
  }
}

function* range(n: number): Generator<number> {
  for (let r = 0; r < n; r++) yield r;
}

function logOrdered(table: Table): Source {
  return { rows: table.logRowsFrom(0, Infinity, true), modstampOrdered: true };
}

/** The narrowest row source the top-level AND terms allow. */
function pickSource(table: Table, where: BoolExpr | null): Source {
  if (!where) return { rows: range(table.size), modstampOrdered: false };
  const byIdRange = idRangeRows(table, where);
  if (byIdRange !== null) return { rows: byIdRange.rows, modstampOrdered: false, kind: 'index', field: 'Id', exact: byIdRange.exact };
  let from = -Infinity;
  let fromInclusive = true;
  let to = Infinity;
  let toInclusive = true;
  for (const term of conjuncts(where)) {
    if (term.kind !== 'cond') continue;
    const { field, operator, value, literalType } = term.cond;
    if (typeof field !== 'string') continue;
    const name = field.toLowerCase();
    if (name === 'id' && (operator === '=' || operator === 'IN') && literalType !== 'NULL') {
      const ids = (Array.isArray(value) ? value : [value]).map((v) => unquote(String(v)));
      const rows = [...new Set(ids.map((id) => table.rowOf(id)).filter((r) => r >= 0))].sort((a, b) => a - b);
      return { rows, modstampOrdered: false, kind: 'index', field: 'Id' };
    }
    if (operator === '=' && literalType === 'STRING' && table.uniqueIndex.has(name)) {
      const rows = table.indexLookup(name, unquote(String(value)).replace(/\\([%_])/g, '$1').toLowerCase());
      return { rows: [...rows].sort((a, b) => a - b), modstampOrdered: false, kind: 'index', field: table.slot(name)!.def.name };
    }
    if (name === 'systemmodstamp' && literalType === 'DATETIME' && typeof value === 'string') {
      const ms = parseDatetime(value);
      if (Number.isNaN(ms)) continue;
      if ((operator === '>' || operator === '>=') && ms >= from) {
        from = ms;
        fromInclusive = operator === '>=';
      } else if ((operator === '<' || operator === '<=') && ms <= to) {
        to = ms;
        toInclusive = operator === '<=';
      }
    }
  }
  if (from === -Infinity && to === Infinity) return { rows: range(table.size), modstampOrdered: false };
  const start = from === -Infinity ? 0 : table.logSearch(from, fromInclusive);
  return { rows: table.logRowsFrom(start, to, toInclusive), modstampOrdered: true, kind: 'index', field: 'SystemModstamp' };
}

/** A page of rows of a cursor as JSON rows. */
export function pageRows(cursor: QueryCursor, from: number, to: number): SfRow[] {
  const out: SfRow[] = [];
  for (let i = from; i < to; i++) out.push(cursor.row(i));
  return out;
}
