// A table's records as the org hands them out (REST reads, change events): every field in describe order with
// its wire value, whatever the object's size, plus the ids and datetimes they carry — each computed once and
// reused while the same row or stamp is asked for again.
import { describe, expect, it } from 'vitest';
import type { SfRecord } from '../../emulator/contract.js';
import { field, object, type EmulatorObjectDef } from '../../emulator/org/field-defs.js';
import { makeId } from '../../emulator/org/ids.js';
import { standardObjects } from '../../emulator/org/standard-objects.js';
import { MemoryOrgStore } from '../../emulator/org/store.js';
import type { Table } from '../../emulator/org/table.js';
import { formatDatetime } from '../../emulator/org/values.js';

const WIDE = object({
  name: 'Wide__c', keyPrefix: 'a0W', owner: true,
  fields: Array.from({ length: 24 }, (_, i) => field({ name: `F${i}__c`, type: i % 3 === 0 ? 'double' : i % 3 === 1 ? 'datetime' : 'string' })),
});
/** A field name that is no JavaScript identifier: the record is then built field by field. */
const ODD = object({ name: 'Odd__c', keyPrefix: 'a0O', fields: [field({ name: 'Plain__c', type: 'string' }), field({ name: 'Not-Plain', type: 'int' })] });

function orgWith(...extra: EmulatorObjectDef[]) {
  let wall = Date.UTC(2025, 4, 6, 7, 8, 9, 10);
  const org = new MemoryOrgStore({ objects: [...standardObjects(), ...extra], apiVersion: '62.0', username: 'u@example.com', now: () => (wall += 3) });
  return org;
}

/** What a record must be: each field of the describe, in order, with the table's wire value. */
function expectedRecord(table: Table, row: number): SfRecord {
  const out: SfRecord = {};
  for (const slot of table.fields) out[slot.def.name] = table.wire(slot, row);
  return out;
}

describe('Table.record', () => {
  it.each<{ object: string; values: SfRecord }>([
    { object: 'Account', values: { Name: 'Harbour', Phone: '555', NumberOfEmployees: 12, BillingCity: 'Utrecht' } },
    { object: 'Contact', values: { LastName: 'Lock', FirstName: 'Ada' } },
    { object: 'Wide__c', values: { F0__c: 1.5, F1__c: '2024-01-02T03:04:05.000Z', F2__c: 'x', F23__c: 'y' } },
    { object: 'Odd__c', values: { Plain__c: 'p', 'Not-Plain': 7 } },
  ])('$object: every field in describe order, wire values', ({ object: name, values }) => {
    const org = orgWith(WIDE, ODD);
    const id = org.create(name, values, 't');
    const table = org.tableByName(name)!;
    const record = table.record(table.rowOf(id));
    expect(Object.keys(record)).toEqual(table.def.fields.map((f) => f.name));
    expect(record).toEqual(expectedRecord(table, table.rowOf(id)));
    expect(record).toMatchObject({ Id: id, ...(name === 'Wide__c' ? { F0__c: 1.5, F1__c: '2024-01-02T03:04:05.000+0000' } : values) });
  });

  it('hands out a fresh object each time', () => {
    const org = orgWith(WIDE);
    const id = org.create('Wide__c', { F2__c: 'before' }, 't');
    const table = org.tableByName('Wide__c')!;
    const first = table.record(table.rowOf(id));
    first.F2__c = 'changed by a reader';
    expect(table.record(table.rowOf(id)).F2__c).toBe('before');
    org.update('Wide__c', id, { F2__c: 'after' }, 't');
    expect(table.record(table.rowOf(id)).F2__c).toBe('after');
    expect(first.F2__c).toBe('changed by a reader');
  });
});

describe('Table.idOf', () => {
  it.each([
    { rows: [0, 0, 1, 0, 1, 1, 41, 0] },
    { rows: [7, 6, 7, 6] },
  ])('gives each row its own id, however the rows alternate: $rows', ({ rows }) => {
    const org = orgWith();
    const table = org.tableByName('Account')!;
    expect(rows.map((row) => table.idOf(row))).toEqual(rows.map((row) => makeId('001', row + 1)));
  });
});

describe('formatDatetime', () => {
  const at = Date.UTC(2024, 1, 29, 23, 59, 59, 7);
  it.each([
    { stamps: [at, at, at] },
    { stamps: [at, at + 1, at, at + 1, at + 1] },
    { stamps: [0, at, 0, 86_399_999, 86_399_999] },
  ])('formats each stamp as its own, repeated or not: $stamps', ({ stamps }) => {
    expect(stamps.map(formatDatetime)).toEqual(stamps.map((ms) => new Date(ms).toISOString().replace('Z', '+0000')));
  });
});

describe('tableByName', () => {
  it.each(['Account', 'account', 'ACCOUNT', 'aCcOuNt'])('finds Account as %s', (name) => {
    const org = orgWith();
    expect(org.tableByName(name)?.name).toBe('Account');
    expect(org.describe(name)?.name).toBe('Account');
  });

  it.each(['Accounts', 'Account ', ''])('finds no table named %j', (name) => {
    expect(orgWith().tableByName(name)).toBeUndefined();
  });
});
