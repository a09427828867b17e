// Column storage for one field of one object. Numbers and datetimes (as epoch ms) live in Float64Arrays with
// NaN for null, booleans in Int8Arrays, everything else in plain arrays of strings: a few bytes a value
// instead of a JS object per record, which is what lets one emulator hold millions of records.
import type { SfFieldType } from '../contract.js';

export type StoredValue = string | number | boolean | null;

export interface Column {
  readonly kind: 'num' | 'bool' | 'str';
  get(row: number): StoredValue;
  set(row: number, value: StoredValue): void;
  /** Makes room for rows [0, capacity). */
  reserve(capacity: number): void;
}

export class NumColumn implements Column {
  readonly kind = 'num';
  data = new Float64Array(0);
  get(row: number): number | null {
    const v = this.data[row];
    return Number.isNaN(v) ? null : v;
  }
  set(row: number, value: StoredValue): void {
    this.data[row] = value === null ? NaN : (value as number);
  }
  reserve(capacity: number): void {
    if (capacity <= this.data.length) return;
    const next = new Float64Array(capacity).fill(NaN);
    next.set(this.data);
    this.data = next;
  }
}

export class BoolColumn implements Column {
  readonly kind = 'bool';
  data = new Int8Array(0);
  get(row: number): boolean {
    return this.data[row] === 1;
  }
  set(row: number, value: StoredValue): void {
    this.data[row] = value === true ? 1 : 0;
  }
  reserve(capacity: number): void {
    if (capacity <= this.data.length) return;
    const next = new Int8Array(capacity);
    next.set(this.data);
    this.data = next;
  }
}

const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const CHUNK_MASK = CHUNK - 1;

/**
 * Strings in fixed 64k-row chunks: growing a table never reallocates a multi-million-element JS array (each
 * such allocation forces a full GC of a heap holding millions of strings, which took a minute at 5M rows).
 * A chunk is allocated when a value is first stored in it, so a field nobody fills costs nothing.
 */
export class StrColumn implements Column {
  readonly kind = 'str';
  private readonly chunks: ((string | null)[] | undefined)[] = [];
  get(row: number): string | null {
    const chunk = this.chunks[row >>> CHUNK_BITS];
    return chunk === undefined ? null : chunk[row & CHUNK_MASK];
  }
  set(row: number, value: StoredValue): void {
    let chunk = this.chunks[row >>> CHUNK_BITS];
    if (chunk === undefined) {
      if (value === null) return;
      chunk = this.chunks[row >>> CHUNK_BITS] = new Array<string | null>(CHUNK).fill(null);
    }
    chunk[row & CHUNK_MASK] = value as string | null;
  }
  reserve(capacity: number): void {
    while (this.chunks.length * CHUNK < capacity) this.chunks.push(undefined);
  }
}

/** Distinct values a CodedStrColumn keeps codes for; past that it stores the strings themselves. */
const MAX_CODES = 0xffff;

/**
 * Strings of a field whose records share a few distinct values (picklists, owner and user ids, cities, dates):
 * each row holds a 2-byte code into the column's list of values, in 64k-row chunks, instead of an 8-byte
 * pointer — most string columns of a seeded org, so a 20-field object of 10M records is about a gigabyte
 * smaller. The first value past MAX_CODES distinct ones turns the column into plain strings (as StrColumn),
 * so a field of unique values (names, emails, external ids) costs what it did. Reads return the same strings.
 */
export class CodedStrColumn implements Column {
  readonly kind = 'str';
  /** Code chunks (0 = null, k = values[k - 1]) while coded; null once the column holds plain strings. */
  private codes: (Uint16Array | undefined)[] | null = [];
  private readonly values: string[] = [];
  private readonly codeOf = new Map<string, number>();
  private readonly plain = new StrColumn();
  get(row: number): string | null {
    if (this.codes === null) return this.plain.get(row);
    const chunk = this.codes[row >>> CHUNK_BITS];
    if (chunk === undefined) return null;
    const code = chunk[row & CHUNK_MASK];
    return code === 0 ? null : this.values[code - 1];
  }
  set(row: number, value: StoredValue): void {
    if (this.codes === null) return this.plain.set(row, value);
    let code = 0;
    if (value !== null) {
      const text = value as string;
      code = this.codeOf.get(text) ?? 0;
      if (code === 0) {
        if (this.values.length === MAX_CODES) {
          this.toPlain();
          return this.plain.set(row, value);
        }
        code = this.values.push(text);
        this.codeOf.set(text, code);
      }
    }
    let chunk = this.codes[row >>> CHUNK_BITS];
    if (chunk === undefined) {
      if (code === 0) return;
      chunk = this.codes[row >>> CHUNK_BITS] = new Uint16Array(CHUNK);
    }
    chunk[row & CHUNK_MASK] = code;
  }
  reserve(capacity: number): void {
    this.plain.reserve(capacity);
    if (this.codes !== null) while (this.codes.length * CHUNK < capacity) this.codes.push(undefined);
  }
  private toPlain(): void {
    const codes = this.codes!;
    this.codes = null;
    for (let c = 0; c < codes.length; c++) {
      const chunk = codes[c];
      if (chunk === undefined) continue;
      for (let i = 0; i < CHUNK; i++) if (chunk[i] !== 0) this.plain.set(c * CHUNK + i, this.values[chunk[i] - 1]);
    }
    this.values.length = 0;
    this.codeOf.clear();
  }
}

/**
 * Values only a few records ever hold (LastViewedDate, LastReferencedDate, LastActivityDate: set by FOR VIEW
 * and activity, never by an API write), kept by row: no per-row storage for the millions that never have one.
 */
export class SparseColumn implements Column {
  readonly kind = 'str';
  private readonly values = new Map<number, StoredValue>();
  get(row: number): StoredValue {
    return this.values.get(row) ?? null;
  }
  set(row: number, value: StoredValue): void {
    if (value === null) this.values.delete(row);
    else this.values.set(row, value);
  }
  reserve(): void {}
}

/** An Auto Number name field: generated from the row (rows are created in order, as Auto Numbers count). */
export class AutoNumberColumn implements Column {
  readonly kind = 'str';
  private readonly head: string;
  private readonly tail: string;
  private readonly digits: number;
  constructor(displayFormat: string, private readonly start: number) {
    const m = /\{(0+)\}/.exec(displayFormat);
    this.head = m ? displayFormat.slice(0, m.index) : displayFormat;
    this.tail = m ? displayFormat.slice(m.index + m[0].length) : '';
    this.digits = m ? m[1].length : 0;
  }
  get(row: number): string {
    return `${this.head}${String(this.start + row).padStart(this.digits, '0')}${this.tail}`;
  }
  set(): void {}
  reserve(): void {}
}

/** A custom object's text Name: when none was given, the record's 15-character id (what Salesforce stores). */
export class IdDefaultColumn extends StrColumn {
  private lastRow = -1;
  private lastName = '';
  /** `idOf`: the table's id of a row (which caches the last one: a record reads Id, then Name). */
  constructor(private readonly idOf: (row: number) => string) {
    super();
  }
  override get(row: number): string {
    const stored = super.get(row);
    if (stored !== null) return stored;
    if (row !== this.lastRow) {
      this.lastRow = row;
      this.lastName = this.idOf(row).slice(0, 15);
    }
    return this.lastName;
  }
}

const NUM_TYPES = new Set<SfFieldType>(['int', 'double', 'currency', 'percent', 'datetime']);

export function columnFor(type: SfFieldType): Column {
  if (NUM_TYPES.has(type)) return new NumColumn();
  if (type === 'boolean') return new BoolColumn();
  return new CodedStrColumn();
}

/** Growable Int32 list (the modstamp log, index lists). */
export class IntList {
  data: Int32Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity);
  }
  push(v: number): number {
    if (this.length === this.data.length) {
      const next = new Int32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length] = v;
    return this.length++;
  }
}

/** Growable Float64 list. */
export class FloatList {
  data: Float64Array;
  length = 0;
  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
  }
  push(v: number): number {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length] = v;
    return this.length++;
  }
}
