// Calculated fields the emulator evaluates, declared in a --schema file with "formula": a small subset of
// Salesforce's formula language — arithmetic (+ - * / and parentheses) over number fields and literals, text
// concatenation with &, and roll-up summaries COUNT(Children__r) / SUM(Children__r.Amount__c) over a child
// relationship. As in Salesforce they are read-only (describe calculated: true) and their values change
// without touching the record's SystemModstamp or LastModifiedDate and without a change event: a row
// formula is recomputed when its own record is written; a roll-up when one of its children is created,
// updated (including moved to another parent), deleted or undeleted. Blank fields in arithmetic give a blank
// result (Salesforce's "treat blank fields as blanks"); in text they are empty.
import type { EmulatorFieldDef } from './field-defs.js';
import { LIVE, type Table } from './table.js';

type Expr =
  | { kind: 'num'; value: number }
  | { kind: 'str'; value: string }
  | { kind: 'field'; name: string }
  | { kind: 'neg'; part: Expr }
  | { kind: 'op'; op: '+' | '-' | '*' | '/' | '&'; left: Expr; right: Expr };

export type Formula =
  | { kind: 'row'; expr: Expr; fields: string[] }
  | { kind: 'rollup'; fn: 'COUNT' | 'SUM'; relationship: string; field: string | null };

const TOKEN = /\s*(?:(\d+(?:\.\d+)?)|'((?:[^'\\]|\\.)*)'|([A-Za-z][A-Za-z0-9_]*)|([-+*/&()]))/y;
const ROLLUP = /^\s*(COUNT|SUM)\s*\(\s*([A-Za-z][A-Za-z0-9_]*)(?:\.([A-Za-z][A-Za-z0-9_]*))?\s*\)\s*$/i;

/** Parses a formula; throws an Error naming what it cannot read. */
export function parseFormula(text: string): Formula {
  const rollup = ROLLUP.exec(text);
  if (rollup) {
    const fn = rollup[1].toUpperCase() as 'COUNT' | 'SUM';
    if (fn === 'SUM' && !rollup[3]) throw new Error(`SUM needs a child field: SUM(${rollup[2]}.Field__c)`);
    if (fn === 'COUNT' && rollup[3]) throw new Error(`COUNT takes the relationship only: COUNT(${rollup[2]})`);
    return { kind: 'rollup', fn, relationship: rollup[2], field: rollup[3] ?? null };
  }
  const tokens: string[][] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw new Error(`cannot read the formula at "${text.slice(at, at + 10)}"`);
    tokens.push(m);
  }
  let pos = 0;
  const fields = new Set<string>();
  const peekOp = (): string | undefined => tokens[pos]?.[4];
  const primary = (): Expr => {
    const t = tokens[pos++];
    if (!t) throw new Error('the formula ends too early');
    if (t[1] !== undefined) return { kind: 'num', value: Number(t[1]) };
    if (t[2] !== undefined) return { kind: 'str', value: t[2].replace(/\\(.)/g, '$1') };
    if (t[3] !== undefined) {
      fields.add(t[3]);
      return { kind: 'field', name: t[3] };
    }
    if (t[4] === '-') return { kind: 'neg', part: primary() };
    if (t[4] === '(') {
      const inner = sum();
      if (tokens[pos++]?.[4] !== ')') throw new Error('unbalanced parentheses in the formula');
      return inner;
    }
    throw new Error(`unexpected "${t[4]}" in the formula`);
  };
  const product = (): Expr => {
    let left = primary();
    while (peekOp() === '*' || peekOp() === '/') left = { kind: 'op', op: tokens[pos++][4] as '*' | '/', left, right: primary() };
    return left;
  };
  const sum = (): Expr => {
    let left = product();
    while (peekOp() === '+' || peekOp() === '-' || peekOp() === '&') left = { kind: 'op', op: tokens[pos++][4] as '+' | '-' | '&', left, right: product() };
    return left;
  };
  const expr = sum();
  if (pos !== tokens.length) throw new Error(`unexpected "${tokens[pos].slice(1).find((x) => x !== undefined)}" in the formula`);
  return { kind: 'row', expr, fields: [...fields] };
}

type Value = number | string | boolean | null;

function evaluate(e: Expr, get: (field: string) => Value): Value {
  switch (e.kind) {
    case 'num': case 'str': return e.value;
    case 'field': return get(e.name);
    case 'neg': {
      const v = evaluate(e.part, get);
      return typeof v === 'number' ? -v : null;
    }
    case 'op': {
      const l = evaluate(e.left, get);
      const r = evaluate(e.right, get);
      if (e.op === '&') return `${l === null ? '' : String(l)}${r === null ? '' : String(r)}`;
      if (e.op === '+' && (typeof l === 'string' || typeof r === 'string')) return `${l ?? ''}${r ?? ''}`;
      if (typeof l !== 'number' || typeof r !== 'number') return null;
      if (e.op === '+') return l + r;
      if (e.op === '-') return l - r;
      if (e.op === '*') return l * r;
      return r === 0 ? null : l / r;
    }
  }
}

/** A calculated field's value in its stored form: numbers rounded to the field's scale, text as text. */
function stored(def: EmulatorFieldDef, v: Value): Value {
  if (v === null) return null;
  if (['int', 'double', 'currency', 'percent'].includes(def.type)) {
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n)) return null;
    const f = 10 ** (def.type === 'int' ? 0 : def.scale);
    return Math.round(n * f) / f;
  }
  if (def.type === 'boolean') return Boolean(v);
  return String(v);
}

interface RollupLink {
  parent: Table;
  child: Table;
  field: EmulatorFieldDef;
  fn: 'COUNT' | 'SUM';
  /** The child's reference field to the parent. */
  ref: string;
  sumField: string | null;
}

interface Directory {
  tableByName(name: string): Table | undefined;
}

/**
 * The org's calculated fields, compiled once. `childRelationships(parent)` lists the parent's relationships
 * (describe's childRelationships) so roll-ups resolve their relationship name.
 */
export class FormulaEngine {
  private readonly rowFormulas = new Map<Table, { field: EmulatorFieldDef; formula: Extract<Formula, { kind: 'row' }> }[]>();
  /** Roll-ups by child table. */
  private readonly rollups = new Map<Table, RollupLink[]>();
  /** The same roll-ups by parent table. */
  private readonly rollupsOfParent = new Map<Table, RollupLink[]>();

  constructor(
    tables: readonly Table[], directory: Directory,
    childRelationships: (table: Table) => { relationshipName: string; childSObject: string; field: string }[],
  ) {
    for (const table of tables) {
      for (const field of table.def.fields) {
        if (!field.formula) continue;
        const formula = parseFormula(field.formula);
        if (formula.kind === 'row') {
          const list = this.rowFormulas.get(table) ?? [];
          list.push({ field, formula });
          this.rowFormulas.set(table, list);
          continue;
        }
        const rel = childRelationships(table).find((r) => r.relationshipName.toLowerCase() === formula.relationship.toLowerCase());
        const child = rel && directory.tableByName(rel.childSObject);
        if (!rel || !child) throw new Error(`${table.name}.${field.name}: no child relationship ${formula.relationship}`);
        if (formula.field && !child.slot(formula.field)) throw new Error(`${table.name}.${field.name}: ${child.name} has no field ${formula.field}`);
        const link: RollupLink = { parent: table, child, field, fn: formula.fn, ref: rel.field, sumField: formula.field };
        this.rollups.set(child, [...(this.rollups.get(child) ?? []), link]);
        this.rollupsOfParent.set(table, [...(this.rollupsOfParent.get(table) ?? []), link]);
      }
    }
  }

  get empty(): boolean {
    return this.rowFormulas.size === 0 && this.rollups.size === 0;
  }

  /** The parents whose roll-ups a change of `row` may move (call before and after the write). */
  parentsOf(table: Table, row: number): { link: RollupLink; id: string }[] {
    const out: { link: RollupLink; id: string }[] = [];
    for (const link of this.rollups.get(table) ?? []) {
      const id = table.slot(link.ref)?.col?.get(row);
      if (typeof id === 'string' && id !== '') out.push({ link, id });
    }
    return out;
  }

  /** After a write of `row`: its own formulas, then the roll-ups of the parents it had (`before`) and has. */
  afterWrite(table: Table, row: number, before: { link: RollupLink; id: string }[] = []): void {
    // A new parent starts its roll-ups at their value over no children (0), not blank.
    for (const link of this.rollupsOfParent.get(table) ?? []) {
      if (table.slot(link.field.name)!.col!.get(row) === null) this.recomputeRollup(link.child, link, table.idOf(row));
    }
    this.recomputeRow(table, row);
    for (const { link, id } of [...before, ...this.parentsOf(table, row)]) this.recomputeRollup(table, link, id);
  }

  private recomputeRow(table: Table, row: number): void {
    for (const { field, formula } of this.rowFormulas.get(table) ?? []) {
      const get = (name: string): Value => {
        const slot = table.slot(name);
        return slot ? (table.stored(slot, row) as Value) : null;
      };
      table.slot(field.name)!.col!.set(row, stored(field, evaluate(formula.expr, get)));
    }
  }

  private recomputeRollup(child: Table, link: RollupLink, parentId: string): void {
    const parentRow = link.parent.rowOf(parentId);
    if (parentRow < 0) return;
    const refCol = child.slot(link.ref)!.col!;
    const sumSlot = link.sumField ? child.slot(link.sumField)! : null;
    const parent18 = link.parent.idOf(parentRow);
    let count = 0;
    let total = 0;
    for (let r = 0; r < child.size; r++) {
      if (child.status[r] !== LIVE || refCol.get(r) !== parent18) continue;
      count += 1;
      if (sumSlot) {
        const v = child.stored(sumSlot, r);
        if (typeof v === 'number') total += v;
      }
    }
    link.parent.slot(link.field.name)!.col!.set(parentRow, stored(link.field, link.fn === 'COUNT' ? count : total));
    // A row formula of the parent may read the roll-up.
    this.recomputeRow(link.parent, parentRow);
  }
}
