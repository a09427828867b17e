// Rebuilds boolean precedence from soql-parser-js's WHERE shape. The parser returns a right-leaning chain
// `{left: condition, operator: AND|OR, right: …}` with `openParen`/`closeParen` counts on the conditions and
// `{left: null, operator: 'NOT', right: …}` for negation, so `A OR B AND C` and `(A OR B) AND C` differ only
// in those counts. Flattening to tokens and parsing them again (NOT > AND > OR) gives the real tree.
import { SfRequestError } from '../../contract.js';

export interface ConditionNode {
  field?: string;
  fn?: unknown;
  operator: string;
  value?: unknown;
  literalType?: string | string[];
  valueQuery?: unknown;
  dateLiteralVariable?: number | number[];
}

export type BoolExpr =
  | { kind: 'and' | 'or'; parts: BoolExpr[] }
  | { kind: 'not'; part: BoolExpr }
  | { kind: 'cond'; cond: ConditionNode };

interface WhereNode {
  left: (ConditionNode & { openParen?: number; closeParen?: number }) | null;
  operator?: string;
  right?: WhereNode;
}

type Token = '(' | ')' | 'AND' | 'OR' | 'NOT' | ConditionNode;

const malformed = (message: string) => new SfRequestError(400, 'MALFORMED_QUERY', message);

function flatten(where: WhereNode, out: Token[]): void {
  let node: WhereNode | undefined = where;
  while (node) {
    // `NOT …` is `{left: null, operator: 'NOT'}`; `(NOT …` carries its parentheses on a left without a condition.
    const parensOnly = node.left !== null && node.left.field === undefined && node.left.fn === undefined && node.operator === 'NOT';
    if (node.left === null || parensOnly) {
      if (node.operator !== 'NOT') throw malformed(`unexpected ${node.operator ?? 'end'} in WHERE`);
      for (let i = 0; i < (node.left?.openParen ?? 0); i++) out.push('(');
      out.push('NOT');
      node = node.right;
      continue;
    }
    const { openParen = 0, closeParen = 0, ...cond } = node.left;
    for (let i = 0; i < openParen; i++) out.push('(');
    out.push(cond);
    for (let i = 0; i < closeParen; i++) out.push(')');
    if (node.operator === 'AND' || node.operator === 'OR') out.push(node.operator);
    else if (node.operator !== undefined) throw malformed(`unexpected ${node.operator} in WHERE`);
    node = node.right;
  }
}

export function buildWhereTree(where: unknown): BoolExpr {
  const tokens: Token[] = [];
  flatten(where as WhereNode, tokens);
  let pos = 0;
  const peek = () => tokens[pos];

  const parseOr = (): BoolExpr => {
    const parts = [parseAnd()];
    while (peek() === 'OR') {
      pos++;
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0] : { kind: 'or', parts };
  };
  const parseAnd = (): BoolExpr => {
    const parts = [parseUnary()];
    while (peek() === 'AND') {
      pos++;
      parts.push(parseUnary());
    }
    return parts.length === 1 ? parts[0] : { kind: 'and', parts };
  };
  const parseUnary = (): BoolExpr => {
    const t = tokens[pos++];
    if (t === 'NOT') return { kind: 'not', part: parseUnary() };
    if (t === '(') {
      const inner = parseOr();
      if (tokens[pos++] !== ')') throw malformed('unbalanced parentheses in WHERE');
      return inner;
    }
    if (t === undefined || typeof t === 'string') throw malformed(`unexpected ${t ?? 'end'} in WHERE`);
    return { kind: 'cond', cond: t };
  };

  const tree = parseOr();
  if (pos !== tokens.length) throw malformed('unbalanced parentheses in WHERE');
  return tree;
}

/** The top-level AND terms of a tree (the whole tree when it is not an AND). */
export function conjuncts(tree: BoolExpr): BoolExpr[] {
  return tree.kind === 'and' ? tree.parts : [tree];
}
