// The Id index for range conditions, as Salesforce's primary key index serves PK chunking and id-range
// queries: `Id >= 'a' AND Id < 'b'`, or an OR of such ranges, reads only the rows in those ranges. The
// emulator's ids encode their row (ids.ts), and within one object they sort as their rows do, so a range of
// ids is a range of rows. The rows found are candidates: the WHERE predicate still decides each one.
import { decodeSeq } from '../ids.js';
import type { Table } from '../table.js';
import { unquote } from './literals.js';
import { conjuncts, type BoolExpr } from './where-tree.js';

/** Inclusive row bounds, or null when the term sets no Id bound this index can use. */
function rowBounds(table: Table, terms: readonly BoolExpr[]): { lo: number; hi: number } | null {
  let lo = 0;
  let hi = table.size - 1;
  let bounded = false;
  for (const term of terms) {
    if (term.kind !== 'cond') continue;
    const { field, operator, value, literalType } = term.cond;
    if (typeof field !== 'string' || field.toLowerCase() !== 'id' || literalType !== 'STRING' || typeof value !== 'string') continue;
    if (!['>', '>=', '<', '<='].includes(operator)) continue;
    const id = unquote(value);
    // A bound of another object or pod is outside this table's range: leave it to the predicate (a scan).
    if (id.slice(0, 3) !== table.def.keyPrefix) return null;
    const seq = decodeSeq(id);
    if (seq === undefined) return null;
    if (operator === '>' || operator === '>=') lo = Math.max(lo, seq - 1);
    else hi = Math.min(hi, seq - 1);
    bounded = true;
  }
  return bounded ? { lo, hi } : null;
}

/** Candidate rows (ascending) for a WHERE whose top level is an Id range or an OR of them; null otherwise. */
export function idRangeRows(table: Table, where: BoolExpr): number[] | null {
  const alternatives = where.kind === 'or' ? where.parts : [where];
  const ranges: { lo: number; hi: number }[] = [];
  for (const alt of alternatives) {
    const b = rowBounds(table, conjuncts(alt));
    if (b === null) return null;
    if (b.lo <= b.hi) ranges.push(b);
  }
  ranges.sort((a, b) => a.lo - b.lo);
  const rows: number[] = [];
  let next = 0;
  for (const r of ranges) {
    for (let row = Math.max(r.lo, next); row <= r.hi; row++) rows.push(row);
    next = Math.max(next, r.hi + 1);
  }
  return rows;
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
