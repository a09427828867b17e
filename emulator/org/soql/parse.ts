// Parses SOQL with soql-parser-js and keeps only what ferry's emulator evaluates; anything else is refused
// with Salesforce's MALFORMED_QUERY rather than answered wrongly.
import { parseQuery, type FieldFunctionExpression, type FieldType, type FunctionExp, type Query, type QueryBase } from '@jetstreamapp/soql-parser-js';
import { SfRequestError } from '../../contract.js';
import { buildWhereTree, type BoolExpr, type ConditionNode } from './where-tree.js';

export type AggregateFn = 'COUNT' | 'COUNT_DISTINCT' | 'SUM' | 'AVG' | 'MIN' | 'MAX';
export const AGGREGATE_FNS = new Set<string>(['COUNT', 'COUNT_DISTINCT', 'SUM', 'AVG', 'MIN', 'MAX']);

/** One element of an aggregate query's SELECT list. */
export type AggregateItem =
  | { kind: 'field'; path: string; alias: string | null }
  | { kind: 'fn'; fn: AggregateFn; param: string | null; alias: string | null; raw: string };

export interface OrderTerm { field: string; desc: boolean; nullsLast: boolean; fn?: { fn: AggregateFn; param: string | null } }

export interface ParsedSubquery {
  relationshipName: string;
  fields: string[];
  where: BoolExpr | null;
  orderBy: OrderTerm[];
  limit: number | null;
}

export interface ParsedSoql {
  object: string;
  /** Selected paths as written; empty for COUNT(). */
  fields: string[];
  isCount: boolean;
  where: BoolExpr | null;
  orderBy: OrderTerm[];
  limit: number | null;
  offset: number;
  /** Parent-to-child subqueries (`(SELECT Id FROM Contacts)`), in SELECT order. */
  subqueries: ParsedSubquery[];
  /** Aggregate queries (GROUP BY, or aggregate functions in SELECT): null otherwise. */
  aggregate: { items: AggregateItem[]; groupBy: string[]; having: BoolExpr | null } | null;
  /** FOR VIEW / FOR REFERENCE: the returned records' LastViewedDate / LastReferencedDate are set. */
  forClause: 'VIEW' | 'REFERENCE' | null;
}

const malformed = (message: string) => new SfRequestError(400, 'MALFORMED_QUERY', message);

function fnOf(f: FieldFunctionExpression | FunctionExp): { fn: AggregateFn; param: string | null } {
  const name = (f.functionName ?? '').toUpperCase();
  if (!AGGREGATE_FNS.has(name)) throw malformed(`${f.functionName ?? 'function'}() is not supported by the emulator`);
  const params = f.parameters ?? [];
  if (params.length > 1 || params.some((p) => typeof p !== 'string')) throw malformed(`${name}() takes one field`);
  const param = (params[0] as string | undefined) ?? null;
  if (param === null && name !== 'COUNT') throw malformed(`${name}() needs a field`);
  return { fn: name as AggregateFn, param };
}

function orderTerms(q: QueryBase): OrderTerm[] {
  return (q.orderBy ? (Array.isArray(q.orderBy) ? q.orderBy : [q.orderBy]) : []).map((o) => {
    const desc = o.order === 'DESC';
    const nullsLast = o.nulls ? o.nulls === 'LAST' : desc;
    if ('fn' in o && o.fn) {
      const fn = fnOf(o.fn);
      return { field: o.fn.rawValue ?? `${fn.fn}(${fn.param ?? ''})`, desc, nullsLast, fn };
    }
    if (!('field' in o) || !o.field) throw malformed('ORDER BY supports plain fields only in the emulator');
    return { field: o.field, desc, nullsLast };
  });
}

const pathOf = (f: FieldType): string | null => {
  if (f.type === 'Field') return f.field;
  if (f.type === 'FieldRelationship') return f.rawValue ?? [...f.relationships, f.field].join('.');
  return null;
};

function checkClauses(q: QueryBase, where: string): void {
  const unsupported = (['withDataCategory', 'withSecurityEnforced', 'withAccessLevel'] as const)
    .filter((k) => (q as Record<string, unknown>)[k] !== undefined);
  if (unsupported.length) throw malformed(`${unsupported.join(', ')} is not supported by the emulator`);
  if (q.for === 'UPDATE') throw malformed(`FOR UPDATE is only allowed in Apex${where}`);
  if (q.sObjectAlias) throw malformed('object aliases are not supported by the emulator');
}

function parseSubquery(sub: QueryBase & { relationshipName: string }): ParsedSubquery {
  checkClauses(sub, ' (subquery)');
  if (sub.groupBy || sub.having) throw malformed('GROUP BY is not allowed in a relationship subquery');
  const fields: string[] = [];
  for (const f of sub.fields ?? []) {
    const path = pathOf(f);
    if (path === null) throw malformed(`${f.type} is not supported in a relationship subquery by the emulator`);
    fields.push(path);
  }
  return {
    relationshipName: sub.relationshipName,
    fields,
    where: sub.where ? buildWhereTree(sub.where) : null,
    orderBy: orderTerms(sub),
    limit: typeof sub.limit === 'number' ? sub.limit : null,
  };
}

/** HAVING conditions name aggregates (`COUNT(Id) > 1`): they become fields named after the expression. */
function havingTree(having: unknown): BoolExpr {
  const tree = buildWhereTree(having);
  const visit = (t: BoolExpr): void => {
    if (t.kind === 'cond') {
      const cond = t.cond as ConditionNode & { fn?: FunctionExp };
      if (cond.fn) {
        const { fn, param } = fnOf(cond.fn);
        cond.field = `${fn}(${param ?? ''})`;
        delete cond.fn;
      }
    } else if (t.kind === 'not') visit(t.part);
    else t.parts.forEach(visit);
  };
  visit(tree);
  return tree;
}

export function parseSoql(soql: string): ParsedSoql {
  if (typeof soql !== 'string' || soql.trim() === '') throw malformed('empty query');
  let q: Query;
  try {
    q = parseQuery(soql);
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw malformed(`${soql.slice(0, 200)}\n^\nERROR: ${first}`);
  }
  checkClauses(q, '');
  if (!q.sObject) throw malformed('missing FROM');

  const fields: string[] = [];
  const subqueries: ParsedSubquery[] = [];
  const items: AggregateItem[] = [];
  let isCount = false;
  let hasAggregateFn = false;
  for (const f of q.fields ?? []) {
    const path = pathOf(f);
    if (path !== null) {
      fields.push(path);
      items.push({ kind: 'field', path, alias: (f as { alias?: string }).alias ?? null });
    } else if (f.type === 'FieldSubquery') {
      subqueries.push(parseSubquery(f.subquery));
    } else if (f.type === 'FieldFunctionExpression' && f.functionName.toUpperCase() === 'COUNT' && (f.parameters ?? []).length === 0 && !f.alias) {
      isCount = true;
    } else if (f.type === 'FieldFunctionExpression') {
      const { fn, param } = fnOf(f);
      hasAggregateFn = true;
      items.push({ kind: 'fn', fn, param, alias: f.alias ?? null, raw: f.rawValue ?? `${fn}(${param ?? ''})` });
    } else throw malformed(`${f.type} is not supported by the emulator`);
  }
  const groupBy = (q.groupBy ? (Array.isArray(q.groupBy) ? q.groupBy : [q.groupBy]) : []).map((g) => {
    if (!('field' in g) || !g.field) throw malformed('GROUP BY supports plain fields only in the emulator (no ROLLUP, CUBE or date functions)');
    return g.field;
  });
  const isAggregate = hasAggregateFn || groupBy.length > 0;
  if (isCount && (fields.length || subqueries.length || isAggregate)) throw malformed('COUNT() must be the only element in the SELECT list');
  if (q.having && groupBy.length === 0) throw malformed('HAVING requires a GROUP BY');
  if (isAggregate) {
    if (subqueries.length) throw malformed('Relationship subqueries are not allowed in aggregate queries');
    const grouped = new Set(groupBy.map((g) => g.toLowerCase()));
    for (const item of items) {
      if (item.kind === 'field' && !grouped.has(item.path.toLowerCase())) {
        throw malformed(`Field must be grouped or aggregated: ${item.path}`);
      }
    }
  }
  const lower = fields.map((f) => f.toLowerCase());
  const dup = lower.find((f, i) => lower.indexOf(f) !== i);
  if (dup && !isAggregate) throw malformed(`duplicate field selected: ${fields[lower.indexOf(dup)]}`);
  const orderBy = orderTerms(q);
  if (!isAggregate && orderBy.some((o) => o.fn)) throw malformed('Ordering by an aggregate requires an aggregate query');

  return {
    object: q.sObject,
    fields: isAggregate ? [] : fields,
    isCount,
    where: q.where ? buildWhereTree(q.where) : null,
    orderBy,
    limit: typeof q.limit === 'number' ? q.limit : null,
    offset: typeof q.offset === 'number' ? q.offset : 0,
    subqueries,
    aggregate: isAggregate ? { items, groupBy, having: q.having ? havingTree(q.having) : null } : null,
    forClause: q.for === 'VIEW' || q.for === 'REFERENCE' ? q.for : null,
  };
}
