// One object's records, stored column-wise. A record's row number never changes (its id encodes it); a
// modstamp log lists rows in the order they last changed, so the incremental query every sync runs
// (`WHERE SystemModstamp > T ORDER BY SystemModstamp, Id`) is a binary search plus a forward scan.
import type { SfRecord, SfValue } from '../contract.js';
import { AutoNumberColumn, columnFor, FloatList, IdDefaultColumn, IntList, NumColumn, SparseColumn, type Column, type StoredValue } from './columns.js';
import { COMPOUND_TYPES, type EmulatorFieldDef, type EmulatorObjectDef } from './field-defs.js';
import { decodeSeq, makeId } from './ids.js';
import { insertLateLogEntry } from './late-log.js';
import { NO_ROWS, UniqueIndex } from './unique-index.js';
import { wireValue } from './values.js';

export const LIVE = 0;
export const DELETED = 1;
export const PURGED = 2;

export interface FieldSlot {
  def: EmulatorFieldDef;
  /** null for Id and IsDeleted, which derive from the row number and status. */
  col: Column | null;
  /** True when the field has a unique / external id index. */
  indexed: boolean;
  /** Required on create (not nillable, createable, not defaulted). */
  requiredOnCreate: boolean;
  /** The field's unique / external id index (the table's uniqueIndex entry), when it has one. */
  index: UniqueIndex | undefined;
  /** Compound fields (BillingAddress, a geolocation): their components, keyed as the compound value spells them. */
  compound: { key: string; slot: FieldSlot }[] | null;
}

/** Read-only fields few records ever hold. */
const SPARSE_FIELDS = new Set(['LastViewedDate', 'LastReferencedDate', 'LastActivityDate']);

/** The column of a field: none for Id, IsDeleted and compounds (derived), generated for Auto Numbers. */
function columnOf(def: EmulatorObjectDef, f: EmulatorFieldDef, idOf: (row: number) => string): Column | null {
  if (f.name === 'Id' || f.name === 'IsDeleted' || COMPOUND_TYPES.has(f.type)) return null;
  if (f.autoNumber) return new AutoNumberColumn(f.displayFormat ?? '{0}', f.startingNumber);
  if (SPARSE_FIELDS.has(f.name) && !f.createable && !f.updateable) return new SparseColumn();
  // A custom object's text Name left empty takes the record's 15-character id, as in Salesforce.
  if (f.name === 'Name' && def.custom) return new IdDefaultColumn(idOf);
  return columnFor(f.type);
}

/** `BillingCity` of BillingAddress → `city`; `Site__Latitude__s` of Site__c → `latitude`. */
function compoundKey(compound: EmulatorFieldDef, component: string): string {
  const prefix = compound.type === 'address' ? compound.name.replace(/Address$/, '') : compound.name.replace(/__c$/, '__');
  const rest = component.slice(prefix.length).replace(/__s$/, '');
  return rest.charAt(0).toLowerCase() + rest.slice(1);
}


export class Table {
  readonly fields: FieldSlot[];
  private readonly byName = new Map<string, FieldSlot>();
  private readonly exactName = new Map<string, FieldSlot>();
  /** By lower-cased relationship name (`account`, `owner`, `account__r`). */
  readonly relationships = new Map<string, FieldSlot>();
  size = 0;
  liveCount = 0;
  status = new Int8Array(0);
  deletedAt = new Float64Array(0);
  private capacity = 0;
  /** Rows in last-change order, with the stamp each entry was logged at; an entry is stale once its row changes again. */
  readonly logRows = new IntList();
  readonly logStamps = new FloatList();
  logPos = new Int32Array(0);
  private staleEntries = 0;
  /** External id / unique field (lower-cased name) → its index: lower-cased value → rows holding it. */
  readonly uniqueIndex = new Map<string, UniqueIndex>();
  readonly modstamp: NumColumn;

  constructor(readonly def: EmulatorObjectDef) {
    this.fields = def.fields.map((f) => ({
      def: f,
      col: columnOf(def, f, (row) => this.idOf(row)),
      indexed: f.externalId || f.unique,
      requiredOnCreate: !f.nillable && !f.defaultedOnCreate && f.createable,
      index: undefined as UniqueIndex | undefined,
      compound: null as FieldSlot['compound'],
    }));
    for (const slot of this.fields) {
      if (!COMPOUND_TYPES.has(slot.def.type)) continue;
      slot.compound = this.fields.filter((c) => c.def.compoundFieldName === slot.def.name)
        .map((c) => ({ key: compoundKey(slot.def, c.def.name), slot: c }))
        .sort((a, b) => (a.key < b.key ? -1 : 1));
    }
    this.compounds = this.fields.filter((f) => f.compound !== null);
    for (const slot of this.fields) {
      this.exactName.set(slot.def.name, slot);
      this.byName.set(slot.def.name.toLowerCase(), slot);
      if (slot.def.relationshipName) this.relationships.set(slot.def.relationshipName.toLowerCase(), slot);
      if (slot.indexed) {
        const col = slot.col!;
        slot.index = new UniqueIndex((row) => {
          const value = col.get(row);
          return value === null ? null : String(value).toLowerCase();
        });
        this.uniqueIndex.set(slot.def.name.toLowerCase(), slot.index);
      }
    }
    this.modstamp = this.slot('SystemModstamp')!.col as NumColumn;
    this.required = this.fields.filter((f) => f.requiredOnCreate);
    this.buildRecord = recordBuilder(this.fields.map((f) => f.def.name));
    const col = (name: string) => this.slot(name)?.col ?? null;
    this.system = {
      createdDate: col('CreatedDate')!, lastModifiedDate: col('LastModifiedDate')!, createdById: col('CreatedById')!,
      lastModifiedById: col('LastModifiedById')!, ownerId: col('OwnerId'),
    };
  }

  readonly required: FieldSlot[];
  /** Compound fields (BillingAddress …), read from their components. */
  readonly compounds: FieldSlot[];
  private readonly buildRecord: RecordBuilder;
  private lastIdRow = -1;
  private lastId = '';
  /** Columns of the system fields every write sets. */
  readonly system: { createdDate: Column; lastModifiedDate: Column; createdById: Column; lastModifiedById: Column; ownerId: Column | null };

  get name(): string {
    return this.def.name;
  }

  slot(name: string): FieldSlot | undefined {
    return this.exactName.get(name) ?? this.byName.get(name.toLowerCase());
  }

  idOf(row: number): string {
    // A create asks for its new row's id several times (the record, its change event, the caller's result).
    if (row !== this.lastIdRow) {
      this.lastIdRow = row;
      this.lastId = makeId(this.def.keyPrefix, row + 1);
    }
    return this.lastId;
  }

  /** The row of an id (15 or 18 chars), or -1; soft-deleted rows are found, purged ones are not. */
  rowOf(id: string): number {
    if (id.slice(0, 3) !== this.def.keyPrefix) return -1;
    const seq = decodeSeq(id);
    if (seq === undefined || seq < 1 || seq > this.size || this.status[seq - 1] === PURGED) return -1;
    return seq - 1;
  }

  appendRow(): number {
    // 1.5× growth: doubling a multi-million-row table would waste hundreds of MB of typed-array slack.
    if (this.size === this.capacity) this.grow(Math.max(1024, Math.ceil(this.capacity * 1.5)));
    const row = this.size++;
    this.liveCount++;
    return row;
  }

  /**
   * Pre-allocates for `extra` more rows (seeding) plus a quarter of slack: growing a multi-million-row table
   * allocates hundreds of MB at once, which makes V8 run full GCs over every stored string (seconds at 5M
   * rows), so that pause belongs in seeding rather than in the first API write after it.
   */
  reserve(extra: number): void {
    const needed = this.size + extra;
    if (needed > this.capacity) this.grow(needed + Math.ceil(needed / 4));
    for (const index of this.uniqueIndex.values()) index.reserve(index.size + extra);
  }

  private grow(capacity: number): void {
    for (const s of this.fields) s.col?.reserve(capacity);
    const status = new Int8Array(capacity);
    status.set(this.status);
    this.status = status;
    const deletedAt = new Float64Array(capacity);
    deletedAt.set(this.deletedAt);
    this.deletedAt = deletedAt;
    const logPos = new Int32Array(capacity).fill(-1);
    logPos.set(this.logPos);
    this.logPos = logPos;
    this.capacity = capacity;
  }

  /** Records that `row` changed at `stamp` (stamps only grow, so the log stays sorted — but for late commits). */
  logChange(row: number, stamp: number): void {
    this.modstamp.data[row] = stamp;
    if (this.logPos[row] >= 0) this.staleEntries++;
    const n = this.logStamps.length;
    if (n > 0 && stamp < this.logStamps.data[n - 1]) {
      insertLateLogEntry(this, row, stamp);
      return;
    }
    this.logPos[row] = this.logRows.push(row);
    this.logStamps.push(stamp);
    if (this.staleEntries > 100_000 && this.staleEntries > this.logRows.length / 2) this.compactLog();
  }

  private compactLog(): void {
    const rows = this.logRows.data;
    const stamps = this.logStamps.data;
    let w = 0;
    for (let r = 0; r < this.logRows.length; r++) {
      const row = rows[r];
      if (this.logPos[row] !== r) continue;
      rows[w] = row;
      stamps[w] = stamps[r];
      this.logPos[row] = w++;
    }
    this.logRows.length = w;
    this.logStamps.length = w;
    this.staleEntries = 0;
  }

  /** First log position whose stamp is > `stamp` (or ≥ when `inclusive`). */
  logSearch(stamp: number, inclusive: boolean): number {
    const stamps = this.logStamps.data;
    let lo = 0;
    let hi = this.logRows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (stamps[mid] < stamp || (!inclusive && stamps[mid] === stamp)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Rows in SystemModstamp order with stamps in [fromPos, …) of the log, current entries only. */
  *logRowsFrom(fromPos: number, endStamp: number, endInclusive: boolean): Generator<number> {
    for (let p = fromPos; p < this.logRows.length; p++) {
      const stamp = this.logStamps.data[p];
      if (stamp > endStamp || (!endInclusive && stamp === endStamp)) return;
      const row = this.logRows.data[p];
      if (this.logPos[row] === p) yield row;
    }
  }

  /** The wire value of a field (slot) for a row. */
  wire(slot: FieldSlot, row: number): string | number | boolean | null {
    if (slot.col === null) {
      if (slot.compound !== null) return this.compoundValue(slot, row) as unknown as SfValue;
      return slot.def.name === 'Id' ? this.idOf(row) : this.status[row] === DELETED;
    }
    return wireValue(slot.def.type, slot.col.get(row));
  }

  /** A compound field's value as Salesforce returns it: its components by key, or null when all are null. */
  compoundValue(slot: FieldSlot, row: number): Record<string, SfValue> | null {
    const out: Record<string, SfValue> = {};
    let any = false;
    for (const { key, slot: c } of slot.compound!) {
      const v = this.wire(c, row);
      if (v !== null) any = true;
      out[key] = v;
    }
    return any ? out : null;
  }



  /** The stored (comparable) value: datetimes as epoch ms. */
  stored(slot: FieldSlot, row: number): StoredValue {
    if (slot.col === null) {
      if (slot.compound !== null) return null;
      return slot.def.name === 'Id' ? this.idOf(row) : this.status[row] === DELETED;
    }
    return slot.col.get(row);
  }

  record(row: number): SfRecord {
    return this.buildRecord(this, this.fields, row);
  }

  indexAdd(field: string, value: string, row: number): void {
    this.indexOf(field)?.add(value, row);
  }

  indexRemove(field: string, value: string, row: number): void {
    this.indexOf(field)?.remove(value, row);
  }

  /** Rows (soft-deleted included) whose indexed field holds `value` (lower-cased), in no particular order. */
  indexLookup(field: string, value: string): readonly number[] {
    return this.indexOf(field)?.rows(value) ?? NO_ROWS;
  }

  /** A field's index, looked up by its describe spelling first: writes name fields that way on every row. */
  private indexOf(field: string): UniqueIndex | undefined {
    return this.exactName.get(field)?.index ?? this.uniqueIndex.get(field.toLowerCase());
  }
}

type RecordBuilder = (table: Table, fields: readonly FieldSlot[], row: number) => SfRecord;

const PLAIN_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * How a table turns a row into a record: one object literal naming every field, generated once per table.
 * Adding fields one by one makes V8 switch any object past 16 of them to dictionary mode — about 1.6 KB and
 * 4 µs a record instead of 0.2 KB and 0.2 µs — and every committed change keeps a record for change events.
 */
function recordBuilder(names: readonly string[]): RecordBuilder {
  if (!names.every((name) => PLAIN_NAME.test(name))) {
    return (table, fields, row) => {
      const out: SfRecord = {};
      for (const slot of fields) out[slot.def.name] = table.wire(slot, row);
      return out;
    };
  }
  // Safe to generate: every name is a plain identifier (the fallback above takes any other).
  const properties = names.map((name, i) => `${name}: t.wire(f[${i}], r)`);
  return new Function('t', 'f', 'r', `return { ${properties.join(', ')} };`) as RecordBuilder;
}
