// Parses SOQL with soql-parser-js and keeps only what ferry's emulator evaluates; anything else is refused
// with Salesforce's MALFORMED_QUERY rather than answered wrongly.
import { parseQuery, type Query } from '@jetstreamapp/soql-parser-js';
import { SfRequestError } from '../../contract.js';
import { buildWhereTree, type BoolExpr } from './where-tree.js';

export interface ParsedSoql {
  object: string;
  /** Selected paths as written; empty for COUNT(). */
  fields: string[];
  isCount: boolean;
  where: BoolExpr | null;
  orderBy: { field: string; desc: boolean; nullsLast: boolean }[];
  limit: number | null;
  offset: number;
}

const malformed = (message: string) => new SfRequestError(400, 'MALFORMED_QUERY', message);

export function parseSoql(soql: string): ParsedSoql {
  if (typeof soql !== 'string' || soql.trim() === '') throw malformed('empty query');
  let q: Query;
  try {
    q = parseQuery(soql);
  } catch (err) {
    const first = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    throw malformed(`${soql.slice(0, 200)}\n^\nERROR: ${first}`);
  }
  const unsupported = (['groupBy', 'having', 'for', 'update', 'withDataCategory', 'withSecurityEnforced', 'withAccessLevel'] as const)
    .filter((k) => (q as Record<string, unknown>)[k] !== undefined);
  if (unsupported.length) throw malformed(`${unsupported.join(', ')} is not supported by the emulator`);
  if (!q.sObject) throw malformed('missing FROM');
  if (q.sObjectAlias) throw malformed('object aliases are not supported by the emulator');

  const fields: string[] = [];
  let isCount = false;
  for (const f of q.fields ?? []) {
    if (f.type === 'Field') fields.push(f.field);
    else if (f.type === 'FieldRelationship') fields.push(f.rawValue ?? [...f.relationships, f.field].join('.'));
    else if (f.type === 'FieldFunctionExpression' && f.functionName.toUpperCase() === 'COUNT' && (f.parameters ?? []).length === 0) isCount = true;
    else throw malformed(`${f.type === 'FieldFunctionExpression' ? `${f.functionName}()` : f.type} is not supported by the emulator`);
  }
  if (isCount && fields.length) throw malformed('COUNT() must be the only element in the SELECT list');
  const lower = fields.map((f) => f.toLowerCase());
  const dup = lower.find((f, i) => lower.indexOf(f) !== i);
  if (dup) throw malformed(`duplicate field selected: ${fields[lower.indexOf(dup)]}`);

  const orderBy = (q.orderBy ? (Array.isArray(q.orderBy) ? q.orderBy : [q.orderBy]) : []).map((o) => {
    if (!('field' in o) || !o.field) throw malformed('ORDER BY supports plain fields only in the emulator');
    const desc = o.order === 'DESC';
    return { field: o.field, desc, nullsLast: o.nulls ? o.nulls === 'LAST' : desc };
  });

  return {
    object: q.sObject,
    fields,
    isCount,
    where: q.where ? buildWhereTree(q.where) : null,
    orderBy,
    limit: typeof q.limit === 'number' ? q.limit : null,
    offset: typeof q.offset === 'number' ? q.offset : 0,
  };
}
