// ferry's in-memory Salesforce org: object tables, record writes with Salesforce's validation, SOQL, and a
// 'change' event per committed change. Every change takes its SystemModstamp from one org clock that never
// moves backwards; as in Salesforce, many changes can share a stamp (a bulk job commits thousands in one
// millisecond), so readers order by (SystemModstamp, Id). Stamps never run ahead of the wall clock: a poll
// for (t1, now] sees every change committed before `now`.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  SfRecordError, SfRequestError, type ChangeEvent, type ChangeType, type CompiledSoql, type ObjectDef, type OrgStore,
  type QueryCursor, type QueryOptions, type QueryResult, type SfError, type SfRecord, type SfRow,
} from '../contract.js';
import { OrgClock } from './clock.js';
import { compileSoqlMatcher } from './compile-soql.js';
import type { EmulatorObjectDef } from './field-defs.js';
import { isIdShaped, makeId } from './ids.js';
import { DriftFaults } from './drift-faults.js';
import { whereMentions } from './soql/id-ranges.js';
import { parseSoql } from './soql/parse.js';
import { explainQuery, runQuery } from './soql/query-engine.js';
import { recentRecords, runSearch } from './sosl.js';
import { childRelationshipsOf } from './child-relationships.js';
import { FormulaEngine } from './formulas.js';
import { checkPushTopicQuery, deriveComputedFields } from './org-rules.js';
import { CREATE_DEFAULTS } from './standard-objects.js';
import { DELETED, LIVE, PURGED, Table } from './table.js';
import { prepareWrite, type PreparedWrite, type TableDirectory } from './validation.js';
import { fieldError, formatDatetime } from './values.js';

export interface OrgStoreOptions {
  objects: EmulatorObjectDef[];
  apiVersion: string;
  /** The API user's username (the org's first User record). */
  username: string;
  /** Clock, for tests; defaults to Date.now. */
  now?: () => number;
}

export class MemoryOrgStore extends EventEmitter implements OrgStore, TableDirectory {
  private readonly tables = new Map<string, Table>();
  /** The same tables by describe spelling, which API writes use: found without lower-casing the name. */
  private readonly tablesByExactName = new Map<string, Table>();
  private readonly byPrefix = new Map<string, Table>();
  private commitNumber = 0;
  private txKey: string | null = null;
  readonly orgId = makeId('00D', 1);
  readonly userId: string;
  readonly now: () => number;
  readonly clock: OrgClock;
  /** Faults that drop change events or poll rows without an error (admin faults; drift-faults.ts). */
  readonly drift = new DriftFaults();
  private readonly compileForCheck = (soql: string): CompiledSoql => this.compileSoql(soql);
  /** Calculated fields of the --schema file: recomputed on writes without a new SystemModstamp. */
  private formulas!: FormulaEngine;

  constructor(private readonly opts: OrgStoreOptions) {
    super();
    this.setMaxListeners(0);
    this.now = opts.now ?? Date.now;
    this.clock = new OrgClock(this.now);
    this.userId = this.createTables();
  }

  /** Empty tables plus the API user (always the first User row, so its id survives a reset). */
  private createTables(): string {
    this.tables.clear();
    this.tablesByExactName.clear();
    this.byPrefix.clear();
    for (const def of this.opts.objects) {
      const table = new Table(def);
      this.tables.set(def.name.toLowerCase(), table);
      this.tablesByExactName.set(def.name, table);
      this.byPrefix.set(def.keyPrefix, table);
    }
    this.formulas = new FormulaEngine([...this.tables.values()], this, (t) => childRelationshipsOf(t.def, this.opts.objects));
    const userId = this.create('User', { Username: this.opts.username, FirstName: 'Ferry', LastName: 'Integration', Email: 'integration@ferry.invalid', Alias: 'ferry' }, 'emulator/admin');
    this.createRecordTypes();
    return userId;
  }

  /** RecordType rows for the record types the schema defines (created in order, so their ids survive a reset). */
  private createRecordTypes(): void {
    const recordTypes = this.tableByName('RecordType');
    if (!recordTypes) return;
    for (const def of this.opts.objects) {
      for (const rt of def.recordTypes ?? []) {
        rt.id = this.insert(recordTypes, { Name: rt.name, DeveloperName: rt.developerName, SobjectType: def.name, IsActive: rt.active }, 'emulator/admin');
      }
    }
  }

  /** Forgets every record (admin reset) and emits 'reset'; the clock keeps moving forward so stamps stay unique. */
  reset(): void {
    this.createTables();
    this.emit('reset');
  }

  // --- directory -------------------------------------------------------------------------------------------
  tableByName(name: string): Table | undefined {
    return this.tablesByExactName.get(name) ?? this.tables.get(name.toLowerCase());
  }
  tableByPrefix(prefix: string): Table | undefined {
    return this.byPrefix.get(prefix);
  }
  private mustTable(object: string): Table {
    const t = this.tableByName(object);
    if (!t) throw new SfRequestError(404, 'NOT_FOUND', `The requested resource does not exist: sObject type '${object}' is not supported.`);
    return t;
  }
  objects(): ObjectDef[] {
    return [...this.tables.values()].map((t) => t.def);
  }
  describe(object: string): ObjectDef | undefined {
    return this.tableByName(object)?.def;
  }
  count(object: string): number {
    return this.tableByName(object)?.liveCount ?? 0;
  }

  // --- clock and events ------------------------------------------------------------------------------------
  /** The next commit stamp (see OrgClock). */
  nextStamp(): number {
    return this.clock.next();
  }

  transaction<T>(_origin: string, fn: () => T): T {
    if (this.txKey !== null) return fn();
    this.txKey = randomUUID();
    try {
      return fn();
    } finally {
      this.txKey = null;
    }
  }

  private emitChange(changeType: ChangeType, table: Table, row: number, origin: string, changedFields: string[] | null, stamp: number, built?: SfRecord): void {
    this.commitNumber++;
    if (this.listenerCount('change') === 0) return;
    if (this.drift.dropsChangeEvent(table.idOf(row), stamp)) return;
    const record = built ?? table.record(row);
    const event: ChangeEvent = {
      changeType,
      object: table.name,
      recordId: table.idOf(row),
      record,
      changedFields: changedFields ?? filledFields(record),
      commitTimestamp: stamp,
      commitNumber: this.commitNumber,
      transactionKey: this.txKey ?? randomUUID(),
      changeOrigin: origin,
      commitUser: this.userId,
    };
    this.emit('change', event);
  }

  // --- writes ----------------------------------------------------------------------------------------------
  validate(object: string, values: SfRecord, id?: string): SfError[] {
    const table = this.mustTable(object);
    let row = -1;
    if (id !== undefined) {
      row = this.liveRow(table, id);
    }
    return prepareWrite(this, table, values, row).errors;
  }

  create(object: string, values: SfRecord, origin: string): string {
    const table = this.mustTable(object);
    if (!table.def.createable) throw new SfRecordError([fieldError('CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY', `${table.name} cannot be created`)]);
    return this.insert(table, values, origin);
  }

  private insert(table: Table, values: SfRecord, origin: string): string {
    const defaults = CREATE_DEFAULTS[table.name];
    let withDefaults = defaults ? { ...defaults, ...values } : values;
    const defaultRecordType = table.def.recordTypes?.find((r) => r.defaultRecordTypeMapping);
    if (defaultRecordType && !Object.keys(values).some((k) => k.toLowerCase() === 'recordtypeid')) {
      withDefaults = { ...withDefaults, RecordTypeId: defaultRecordType.id };
    }
    const { sets, errors } = prepareWrite(this, table, withDefaults, -1);
    checkPushTopicQuery(this.compileForCheck, table, sets, errors);
    if (errors.length) throw new SfRecordError(errors);
    const row = table.appendRow();
    for (const set of sets) this.setValue(table, set, row);
    const stamp = this.nextStamp();
    const sys = table.system;
    sys.createdDate.set(row, stamp);
    sys.lastModifiedDate.set(row, stamp);
    const user = this.userId ?? table.idOf(row);
    sys.createdById.set(row, user);
    sys.lastModifiedById.set(row, user);
    if (sys.ownerId && sys.ownerId.get(row) === null) sys.ownerId.set(row, user);
    deriveComputedFields(table, row);
    this.formulas.afterWrite(table, row);
    table.logChange(row, stamp);
    this.emitChange('CREATE', table, row, origin, null, stamp);
    return table.idOf(row);
  }

  update(object: string, id: string, values: SfRecord, origin: string): void {
    const table = this.mustTable(object);
    const row = this.liveRow(table, id);
    const { sets, errors } = prepareWrite(this, table, values, row);
    checkPushTopicQuery(this.compileForCheck, table, sets, errors);
    if (errors.length) throw new SfRecordError(errors);
    const before = this.listenerCount('change') > 0 ? table.record(row) : null;
    const parentsBefore = this.formulas.parentsOf(table, row);
    for (const set of sets) this.setValue(table, set, row);
    const stamp = this.nextStamp();
    table.system.lastModifiedDate.set(row, stamp);
    table.system.lastModifiedById.set(row, this.userId);
    deriveComputedFields(table, row);
    this.formulas.afterWrite(table, row, parentsBefore);
    table.logChange(row, stamp);
    let changed: string[] = [];
    let after: SfRecord | undefined;
    if (before) {
      const now = table.record(row);
      // Compound values (BillingAddress) are fresh objects each time: their components say what changed.
      changed = Object.keys(now).filter((k) => now[k] !== before[k] && (typeof now[k] !== 'object' || now[k] === null) && (typeof before[k] !== 'object' || before[k] === null));
      // Every update sets both, even when commits in the same millisecond leave their value as it was.
      for (const f of ['LastModifiedDate', 'SystemModstamp']) if (!changed.includes(f)) changed.push(f);
      after = now;
    }
    this.emitChange('UPDATE', table, row, origin, changed, stamp, after);
  }

  upsert(object: string, extField: string, extValue: string, values: SfRecord, origin: string): { id: string; created: boolean } {
    const table = this.mustTable(object);
    const slot = table.slot(extField);
    if (!slot || !(slot.def.externalId || slot.def.name === 'Id')) {
      throw new SfRequestError(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${extField}`);
    }
    const body = { ...values };
    for (const k of Object.keys(body)) if (k.toLowerCase() === slot.def.name.toLowerCase()) delete body[k];
    if (slot.def.name === 'Id') {
      this.update(object, extValue, body, origin);
      return { id: table.idOf(table.rowOf(extValue)), created: false };
    }
    const ids = this.findByExternalId(object, slot.def.name, extValue);
    if (ids.length > 1) {
      throw new SfRecordError([fieldError('DUPLICATE_EXTERNAL_ID', `${slot.def.label}: more than one record found for external id field: ${ids.join(', ')}`, [slot.def.name])]);
    }
    if (ids.length === 1) {
      this.update(object, ids[0], body, origin);
      return { id: ids[0], created: false };
    }
    return { id: this.create(object, { ...body, [slot.def.name]: extValue }, origin), created: true };
  }

  remove(object: string, id: string, origin: string): void {
    const table = this.mustTable(object);
    const row = this.liveRow(table, id);
    const stamp = this.nextStamp();
    table.status[row] = DELETED;
    table.deletedAt[row] = stamp;
    table.liveCount--;
    table.system.lastModifiedDate.set(row, stamp);
    this.formulas.afterWrite(table, row);
    table.logChange(row, stamp);
    this.emitChange('DELETE', table, row, origin, ['IsDeleted', 'LastModifiedDate', 'SystemModstamp'], stamp);
  }

  undelete(object: string, id: string, origin: string): void {
    const table = this.mustTable(object);
    const row = this.findRow(table, id);
    if (table.status[row] !== DELETED) throw new SfRecordError([fieldError('UNDELETE_FAILED', 'Entity is not in the recycle bin')]);
    for (const slot of table.fields) {
      const v = slot.col?.get(row) ?? null;
      if (slot.def.unique && v !== null && table.indexLookup(slot.def.name, String(v).toLowerCase()).some((r) => r !== row && table.status[r] === LIVE)) {
        throw new SfRecordError([fieldError('DUPLICATE_VALUE', `duplicate value found: ${slot.def.name}`, [slot.def.name])]);
      }
    }
    const stamp = this.nextStamp();
    table.status[row] = LIVE;
    table.liveCount++;
    table.system.lastModifiedDate.set(row, stamp);
    this.formulas.afterWrite(table, row);
    table.logChange(row, stamp);
    this.emitChange('UNDELETE', table, row, origin, null, stamp);
  }

  purge(object: string, id: string): void {
    const table = this.mustTable(object);
    const row = this.findRow(table, id);
    if (table.status[row] === LIVE) table.liveCount--;
    for (const slot of table.fields) {
      const v = slot.col?.get(row) ?? null;
      if (v !== null && table.uniqueIndex.has(slot.def.name.toLowerCase())) table.indexRemove(slot.def.name, String(v).toLowerCase(), row);
    }
    table.status[row] = PURGED;
  }

  get(object: string, id: string, includeDeleted = false): SfRecord | undefined {
    const table = this.tableByName(object);
    const row = table ? table.rowOf(id) : -1;
    if (!table || row < 0 || (table.status[row] === DELETED && !includeDeleted)) return undefined;
    return table.record(row);
  }

  findByExternalId(object: string, field: string, value: string): string[] {
    const table = this.mustTable(object);
    return table.indexLookup(field, value.toLowerCase()).filter((r) => table.status[r] === LIVE).sort((a, b) => a - b).map((r) => table.idOf(r));
  }

  updatedIds(object: string, startMs: number, endMs: number): string[] {
    const table = this.mustTable(object);
    const out: string[] = [];
    for (const row of table.logRowsFrom(table.logSearch(startMs, true), endMs, true)) {
      if (table.status[row] === LIVE) out.push(table.idOf(row));
    }
    return out;
  }

  deletedRecords(object: string, startMs: number, endMs: number): { id: string; deletedDate: string }[] {
    const table = this.mustTable(object);
    const out: { id: string; deletedDate: string }[] = [];
    // A deleted row's last change is its deletion, so the modstamp log finds deletions in time order too.
    for (const row of table.logRowsFrom(table.logSearch(startMs, true), endMs, true)) {
      if (table.status[row] === DELETED) out.push({ id: table.idOf(row), deletedDate: formatDatetime(table.deletedAt[row]) });
    }
    return out;
  }

  /** The row of `id`: MALFORMED_ID for a bad id, NOT_FOUND when absent (or purged). */
  private findRow(table: Table, id: string): number {
    if (!isIdShaped(id)) throw new SfRecordError([fieldError('MALFORMED_ID', `${table.name} ID: id value of incorrect type: ${id}`, ['Id'])]);
    const row = table.rowOf(id);
    if (row < 0) {
      if (!id.startsWith(table.def.keyPrefix)) throw new SfRecordError([fieldError('MALFORMED_ID', `${table.name} ID: id value of incorrect type: ${id}`, ['Id'])]);
      throw new SfRecordError([fieldError('NOT_FOUND', 'The requested resource does not exist', [])]);
    }
    return row;
  }

  private liveRow(table: Table, id: string): number {
    const row = this.findRow(table, id);
    if (table.status[row] === DELETED) throw new SfRecordError([fieldError('ENTITY_IS_DELETED', 'entity is deleted', [])]);
    return row;
  }

  /** Sets a field prepared by prepareWrite, keeping its index (keyed by `indexKey`) current. */
  private setValue(table: Table, { slot, value, indexKey }: PreparedWrite['sets'][number], row: number): void {
    if (slot.indexed) {
      const old = slot.col!.get(row);
      if (old !== null) table.indexRemove(slot.def.name, String(old).toLowerCase(), row);
      if (indexKey !== null) table.indexAdd(slot.def.name, indexKey, row);
    }
    slot.col!.set(row, value);
  }

  // --- queries ---------------------------------------------------------------------------------------------
  queryCursor(soql: string, opts: QueryOptions): QueryCursor {
    const parsed = parseSoql(soql);
    // The drift fault loses rows of polls: queries filtered on SystemModstamp.
    const rowFilter = this.drift.dropsPollRows && parsed.where && whereMentions(parsed.where, 'SystemModstamp')
      ? (t: Table, r: number) => !this.drift.dropsPollRow(t.idOf(r), t.modstamp.data[r])
      : undefined;
    return runQuery(this, parsed, { scanAll: opts.scanAll, apiVersion: opts.apiVersion ?? this.opts.apiVersion, now: this.now(), bulk: opts.bulk, rowFilter });
  }

  query(soql: string, opts: QueryOptions): QueryResult {
    const cursor = this.queryCursor(soql, opts);
    return {
      object: cursor.object,
      columns: cursor.columns,
      count: cursor.count,
      rows: (function* rows() {
        for (let i = 0; i < cursor.size; i++) yield cursor.row(i);
      })(),
    };
  }

  explain(soql: string, apiVersion?: string): unknown {
    return explainQuery(this, parseSoql(soql), { scanAll: false, apiVersion: apiVersion ?? this.opts.apiVersion, now: this.now() });
  }

  search(sosl: string, apiVersion?: string): { searchRecords: SfRow[] } {
    return runSearch(this, sosl, { scanAll: false, apiVersion: apiVersion ?? this.opts.apiVersion, now: this.now() });
  }

  recent(limit: number, apiVersion?: string): SfRow[] {
    return recentRecords(this, limit, apiVersion ?? this.opts.apiVersion);
  }

  compileSoql(soql: string): CompiledSoql {
    return compileSoqlMatcher(this, soql, this.now());
  }
}

/** The fields a created or undeleted record fills: every non-null one but IsDeleted and compounds (their components count). */
function filledFields(record: SfRecord): string[] {
  const fields: string[] = [];
  for (const field in record) if (record[field] !== null && field !== 'IsDeleted' && typeof record[field] !== 'object') fields.push(field);
  return fields;
}
