// Compiles a WHERE tree into a predicate over any record representation: the query engine reads columns by
// row number, the streaming surface reads wire records. `resolve` supplies, per field path, its type and a
// getter returning the comparable form (see literals.ts).
import { SfRequestError, type SfFieldType } from '../../contract.js';
import type { DateRange } from './date-literals.js';
import { isDateType, likeToRegExp, parseLiteral, TEXT_TYPES, unquote, type Comparable, type Literal } from './literals.js';
import type { BoolExpr, ConditionNode } from './where-tree.js';

export interface FieldAccess<C> {
  type: SfFieldType;
  get: (ctx: C) => Comparable;
}
export type Resolver<C> = (path: string) => FieldAccess<C>;
export type Predicate<C> = (ctx: C) => boolean;

const malformed = (message: string) => new SfRequestError(400, 'MALFORMED_QUERY', message);
const isRange = (v: Literal): v is DateRange => v !== null && typeof v === 'object';

export function compileWhere<C>(tree: BoolExpr, resolve: Resolver<C>, now: number): Predicate<C> {
  switch (tree.kind) {
    case 'and': {
      const parts = tree.parts.map((p) => compileWhere(p, resolve, now));
      return (ctx) => parts.every((p) => p(ctx));
    }
    case 'or': {
      const parts = tree.parts.map((p) => compileWhere(p, resolve, now));
      return (ctx) => parts.some((p) => p(ctx));
    }
    case 'not': {
      const part = compileWhere(tree.part, resolve, now);
      return (ctx) => !part(ctx);
    }
    case 'cond':
      return compileCondition(tree.cond, resolve, now);
  }
}

function literalTypeAt(cond: ConditionNode, i: number): string {
  const lt = cond.literalType;
  return (Array.isArray(lt) ? lt[i] ?? lt[lt.length - 1] : lt) ?? 'STRING';
}

function compileCondition<C>(cond: ConditionNode, resolve: Resolver<C>, now: number): Predicate<C> {
  if (cond.fn || !cond.field) throw malformed('functions in WHERE are not supported by the emulator');
  if (cond.valueQuery) throw malformed('semi-join subqueries are not supported by the emulator');
  const access = resolve(cond.field);
  const { get, type } = access;
  const textual = TEXT_TYPES.has(type);
  const norm = (v: Comparable): Comparable => (textual && typeof v === 'string' ? v.toLowerCase() : v);
  const op = cond.operator.toUpperCase();

  if (op === 'IN' || op === 'NOT IN' || op === 'INCLUDES' || op === 'EXCLUDES') {
    if (!Array.isArray(cond.value)) throw malformed(`${op} needs a parenthesized list`);
    const items = (cond.value as string[]).map((v, i) => parseLiteral(cond.field!, type, literalTypeAt(cond, i), v, now));
    if (items.some(isRange)) throw malformed(`date literals are not supported in ${op}`);
    if (op === 'INCLUDES' || op === 'EXCLUDES') {
      if (type !== 'multipicklist') throw new SfRequestError(400, 'INVALID_FIELD', `${op} is only valid on multi-select picklists: ${cond.field}`);
      const wanted = (items as string[]).map((s) => s.split(';').map((x) => x.trim()));
      const includes = (v: Comparable) => {
        if (typeof v !== 'string') return false;
        const have = new Set(v.toLowerCase().split(';'));
        return wanted.some((all) => all.every((x) => have.has(x)));
      };
      return op === 'INCLUDES' ? (ctx) => includes(get(ctx)) : (ctx) => !includes(get(ctx));
    }
    const set = new Set(items as Comparable[]);
    return op === 'IN' ? (ctx) => set.has(norm(get(ctx))) : (ctx) => {
      const v = get(ctx);
      return v === null ? !set.has(null) : !set.has(norm(v));
    };
  }

  if (Array.isArray(cond.value)) throw malformed(`${op} does not take a list`);
  const raw = String(cond.value ?? '');
  if (op === 'LIKE') {
    if (!textual) throw new SfRequestError(400, 'INVALID_FIELD', `invalid operator on field: ${cond.field}`);
    if (literalTypeAt(cond, 0) !== 'STRING') throw malformed('LIKE needs a quoted pattern');
    const re = likeToRegExp(unquote(raw));
    return (ctx) => {
      const v = get(ctx);
      return typeof v === 'string' && re.test(v);
    };
  }

  const lit = parseLiteral(cond.field, type, literalTypeAt(cond, 0), raw, now);
  if (isRange(lit)) return rangePredicate(op, get, lit);
  if (lit === null) {
    if (op === '=') return (ctx) => get(ctx) === null;
    if (op === '!=' || op === '<>') return (ctx) => get(ctx) !== null;
    return () => false;
  }
  if (op !== '=' && op !== '!=' && op !== '<>' && type === 'boolean') throw new SfRequestError(400, 'INVALID_FIELD', `invalid operator on boolean field: ${cond.field}`);
  if (isDateType(type) && typeof lit !== 'number') throw malformed(`bad date value for ${cond.field}`);
  switch (op) {
    case '=': return (ctx) => norm(get(ctx)) === lit;
    case '!=': case '<>': return (ctx) => norm(get(ctx)) !== lit;
    case '<': return (ctx) => { const v = norm(get(ctx)); return v !== null && v < lit; };
    case '<=': return (ctx) => { const v = norm(get(ctx)); return v !== null && v <= lit; };
    case '>': return (ctx) => { const v = norm(get(ctx)); return v !== null && v > lit; };
    case '>=': return (ctx) => { const v = norm(get(ctx)); return v !== null && v >= lit; };
    default: throw malformed(`unsupported operator ${cond.operator}`);
  }
}

function rangePredicate<C>(op: string, get: (ctx: C) => Comparable, { start, end }: DateRange): Predicate<C> {
  const at = (ctx: C) => get(ctx) as number | null;
  switch (op) {
    case '=': return (ctx) => { const v = at(ctx); return v !== null && v >= start && v < end; };
    case '!=': case '<>': return (ctx) => { const v = at(ctx); return v === null || v < start || v >= end; };
    case '<': return (ctx) => { const v = at(ctx); return v !== null && v < start; };
    case '<=': return (ctx) => { const v = at(ctx); return v !== null && v < end; };
    case '>': return (ctx) => { const v = at(ctx); return v !== null && v >= end; };
    case '>=': return (ctx) => { const v = at(ctx); return v !== null && v >= start; };
    default: throw malformed(`unsupported operator ${op} for a date literal`);
  }
}
