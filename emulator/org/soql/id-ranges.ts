// The Id index for range conditions, as Salesforce's primary key index serves PK chunking and id-range
// queries: `Id >= 'a' AND Id < 'b'`, or an OR of such ranges, reads only the rows in those ranges. The
// emulator's ids encode their row (ids.ts), and within one object they sort as their rows do, so a range of
// ids is a range of rows. The rows found are candidates: the WHERE predicate still decides each one.
import { decodeSeq, toId18 } from '../ids.js';
import type { Table } from '../table.js';
import { unquote } from './literals.js';
import { conjuncts, type BoolExpr } from './where-tree.js';

/**
 * Inclusive row bounds, or null when the terms set no Id bound this index can use; `exact` when every term is
 * such a bound (the rows in range are then exactly the matches).
 */
function rowBounds(table: Table, terms: readonly BoolExpr[]): { lo: number; hi: number; exact: boolean } | null {
  let lo = 0;
  let hi = table.size - 1;
  let bounded = false;
  let exact = true;
  for (const term of terms) {
    const bound = term.kind === 'cond' ? idBound(table, term.cond) : undefined;
    if (bound === null) return null;
    if (bound === undefined) {
      exact = false;
      continue;
    }
    // Row r has seq r + 1; ids of one object and pod sort as their seqs.
    if (bound.op === '>=') lo = Math.max(lo, bound.seq - 1);
    else if (bound.op === '>') lo = Math.max(lo, bound.seq);
    else if (bound.op === '<') hi = Math.min(hi, bound.seq - 2);
    else hi = Math.min(hi, bound.seq - 1);
    bounded = true;
  }
  return bounded ? { lo, hi, exact } : null;
}

/** An Id bound on this table (undefined: the term is something else; null: an Id bound it cannot serve). */
function idBound(table: Table, cond: Extract<BoolExpr, { kind: 'cond' }>['cond']): { op: string; seq: number } | null | undefined {
  const { field, operator, value, literalType } = cond;
  if (typeof field !== 'string' || field.toLowerCase() !== 'id' || literalType !== 'STRING' || typeof value !== 'string') return undefined;
  if (!['>', '>=', '<', '<='].includes(operator)) return undefined;
  const id = unquote(value);
  // A bound of another object or pod: leave it to the predicate (a scan).
  if (id.slice(0, 3) !== table.def.keyPrefix || toId18(id) === undefined) return null;
  const seq = decodeSeq(id);
  return seq === undefined ? null : { op: operator, seq };
}

/**
 * Candidate rows (ascending) for a WHERE whose top level is an Id range or an OR of them; null otherwise.
 * `exact`: the WHERE is nothing but those ranges, so every candidate matches.
 */
export function idRangeRows(table: Table, where: BoolExpr): { rows: number[]; exact: boolean } | null {
  const alternatives = where.kind === 'or' ? where.parts : [where];
  const ranges: { lo: number; hi: number }[] = [];
  let exact = true;
  for (const alt of alternatives) {
    const b = rowBounds(table, conjuncts(alt));
    if (b === null) return null;
    exact &&= b.exact;
    if (b.lo <= b.hi) ranges.push(b);
  }
  ranges.sort((a, b) => a.lo - b.lo);
  const rows: number[] = [];
  let next = 0;
  for (const r of ranges) {
    for (let row = Math.max(r.lo, next); row <= r.hi; row++) rows.push(row);
    next = Math.max(next, r.hi + 1);
  }
  return { rows, exact };
}

/** True when the WHERE tree mentions `field` anywhere (case-insensitive). */
export function whereMentions(tree: BoolExpr, field: string): boolean {
  const f = field.toLowerCase();
  switch (tree.kind) {
    case 'and':
    case 'or':
      return tree.parts.some((p) => whereMentions(p, field));
    case 'not':
      return whereMentions(tree.part, field);
    case 'cond':
      return typeof tree.cond.field === 'string' && tree.cond.field.toLowerCase() === f;
  }
}
