// Record validation of the org store with Salesforce's status codes, and the change events writes emit.
import { beforeEach, describe, expect, it } from 'vitest';
import { SfRecordError, type ChangeEvent, type SfRecord, type SfValue } from '../../emulator/contract.js';
import { applyCustomSchema, loadCustomSchemaFile, parseCustomSchema } from '../../emulator/org/custom-schema.js';
import { makeId } from '../../emulator/org/ids.js';
import { standardObjects } from '../../emulator/org/standard-objects.js';
import type { StoredValue } from '../../emulator/org/columns.js';
import { coerceValue, formatDatetime, InvalidValue, isValidDate, parseDatetime } from '../../emulator/org/values.js';
import { MemoryOrgStore } from '../../emulator/org/store.js';

/** Well-formed, but no such record. */
const MISSING_ACCOUNT = makeId('001', 999_999);
let org: MemoryOrgStore;
beforeEach(() => {
  org = new MemoryOrgStore({
    objects: applyCustomSchema(standardObjects(), loadCustomSchemaFile(`${__dirname}/../../emulator/schema/example.json`)),
    apiVersion: '62.0',
    username: 'u@example.com',
  });
});

const failure = (fn: () => unknown): { codes: string[]; fields: string[] } => {
  try {
    fn();
  } catch (err) {
    if (err instanceof SfRecordError) return { codes: err.errors.map((e) => e.statusCode), fields: err.errors.flatMap((e) => e.fields) };
    throw err;
  }
  throw new Error('expected a failure');
};

describe('create validation', () => {
  it.each<[string, SfRecord, string, string[]]>([
    ['Account', {}, 'REQUIRED_FIELD_MISSING', ['Name']],
    ['Contact', { FirstName: 'A' }, 'REQUIRED_FIELD_MISSING', ['LastName']],
    ['Lead', { FirstName: 'A' }, 'REQUIRED_FIELD_MISSING', ['LastName', 'Company']],
    ['Opportunity', { Name: 'O' }, 'REQUIRED_FIELD_MISSING', ['StageName', 'CloseDate']],
    ['Account', { Name: 'x'.repeat(256) }, 'STRING_TOO_LONG', ['Name']],
    ['Account', { Name: 'A', Rating: 'Lukewarm' }, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', ['Rating']],
    ['Account', { Name: 'A', NumberOfEmployees: 'many' }, 'INVALID_TYPE_ON_FIELD_IN_RECORD', ['NumberOfEmployees']],
    ['Account', { Name: 'A', NumberOfEmployees: 1.5 }, 'INVALID_TYPE_ON_FIELD_IN_RECORD', ['NumberOfEmployees']],
    ['Contact', { LastName: 'A', HasOptedOutOfEmail: 'maybe' }, 'INVALID_TYPE_ON_FIELD_IN_RECORD', ['HasOptedOutOfEmail']],
    ['Contact', { LastName: 'A', Birthdate: '2024-02-30' }, 'INVALID_TYPE_ON_FIELD_IN_RECORD', ['Birthdate']],
    ['Invoice__c', { Paid_At__c: 'yesterday' }, 'INVALID_TYPE_ON_FIELD_IN_RECORD', ['Paid_At__c']],
    ['Contact', { LastName: 'A', Email: 'not-an-email' }, 'INVALID_EMAIL_ADDRESS', ['Email']],
    ['Contact', { LastName: 'A', AccountId: 'garbage' }, 'MALFORMED_ID', ['AccountId']],
    ['Contact', { LastName: 'A', AccountId: '003Fy0000000001IAA' }, 'FIELD_INTEGRITY_EXCEPTION', ['AccountId']],
    ['Contact', { LastName: 'A', AccountId: MISSING_ACCOUNT }, 'INVALID_CROSS_REFERENCE_KEY', ['AccountId']],
    ['Account', { Name: 'A', CreatedDate: '2024-01-01T00:00:00Z' }, 'INVALID_FIELD_FOR_INSERT_UPDATE', ['CreatedDate']],
    ['Account', { Name: 'A', Id: '001Fy0000000001IAA' }, 'INVALID_FIELD_FOR_INSERT_UPDATE', ['Id']],
    ['Opportunity', { Name: 'O', StageName: 'Prospecting', CloseDate: '2024-01-01', IsWon: true }, 'INVALID_FIELD_FOR_INSERT_UPDATE', ['IsWon']],
    ['Account', { Name: 'A', Bogus__c: 1 }, 'INVALID_FIELD', ['Bogus__c']],
    ['PushTopic', { Name: 'x'.repeat(26), Query: 'SELECT Id FROM Account', ApiVersion: 62 }, 'STRING_TOO_LONG', ['Name']],
  ])('%s %j → %s', (object, values, code, fields) => {
    const f = failure(() => org.create(object, values, 'test'));
    expect(f.codes).toContain(code);
    for (const field of fields) expect(f.fields).toContain(field);
    expect(org.count(object)).toBe(object === 'User' ? 1 : 0);
  });

  it('accepts text forms of every type (Bulk sends CSV) and stores wire forms', () => {
    const id = org.create('Invoice__c', {
      Amount__c: '12.50', Paid__c: 'true', Line_Count__c: '3', Issued_On__c: '2024-03-01', Paid_At__c: '2024-03-02T10:00:00.000+0000', Status__c: 'Paid',
    }, 'test');
    expect(org.get('Invoice__c', id)).toMatchObject({
      Amount__c: 12.5, Paid__c: true, Line_Count__c: 3, Issued_On__c: '2024-03-01', Paid_At__c: '2024-03-02T10:00:00.000+0000', Status__c: 'Paid',
    });
  });

  it('refuses a duplicate unique external id, case-insensitively', () => {
    org.create('Account', { Name: 'A', Ferry_External_Id__c: 'ext-1' }, 'test');
    expect(failure(() => org.create('Account', { Name: 'B', Ferry_External_Id__c: 'EXT-1' }, 'test')).codes).toEqual(['DUPLICATE_VALUE']);
  });

  it('computes Name and the Opportunity flags', () => {
    const c = org.create('Contact', { FirstName: 'Ada', LastName: 'Lovelace' }, 'test');
    expect(org.get('Contact', c)?.Name).toBe('Ada Lovelace');
    const o = org.create('Opportunity', { Name: 'Deal', StageName: 'Closed Won', CloseDate: '2024-01-01' }, 'test');
    expect(org.get('Opportunity', o)).toMatchObject({ IsClosed: true, IsWon: true });
  });
});

describe('updates, deletes and undeletes', () => {
  it.each<[string, (id: string) => void, string]>([
    ['setting a required field to null', (id) => org.update('Account', id, { Name: null }, 't'), 'REQUIRED_FIELD_MISSING'],
    ['a non-updateable field', (id) => org.update('Account', id, { CreatedById: null }, 't'), 'INVALID_FIELD_FOR_INSERT_UPDATE'],
    ['a malformed id', () => org.update('Account', 'nope', { Name: 'x' }, 't'), 'MALFORMED_ID'],
    ['an unknown id', () => org.update('Account', MISSING_ACCOUNT, { Name: 'x' }, 't'), 'NOT_FOUND'],
    ['an id of another object', () => org.update('Account', '003Fy0000000001IAA', { Name: 'x' }, 't'), 'MALFORMED_ID'],
    ['a deleted record', (id) => { org.remove('Account', id, 't'); org.update('Account', id, { Name: 'x' }, 't'); }, 'ENTITY_IS_DELETED'],
    ['deleting twice', (id) => { org.remove('Account', id, 't'); org.remove('Account', id, 't'); }, 'ENTITY_IS_DELETED'],
    ['undeleting a live record', (id) => org.undelete('Account', id, 't'), 'UNDELETE_FAILED'],
  ])('refuses %s', (_name, act, code) => {
    const id = org.create('Account', { Name: 'A' }, 't');
    expect(failure(() => act(id)).codes).toEqual([code]);
  });

  it('emits one change event per commit with non-decreasing stamps and increasing commit numbers', () => {
    const events: ChangeEvent[] = [];
    org.on('change', (e: ChangeEvent) => events.push(e));
    const id = org.create('Account', { Name: 'A', Industry: 'Energy' }, 'com/salesforce/api/rest/62.0');
    org.update('Account', id, { Industry: 'Media', Phone: null }, 'test');
    org.remove('Account', id, 'test');
    org.undelete('Account', id, 'test');
    expect(events.map((e) => e.changeType)).toEqual(['CREATE', 'UPDATE', 'DELETE', 'UNDELETE']);
    expect(events[0].changeOrigin).toBe('com/salesforce/api/rest/62.0');
    expect(events[0].changedFields).toEqual(expect.arrayContaining(['Name', 'Industry', 'Id']));
    expect(events[1].changedFields.sort()).toEqual(['Industry', 'LastModifiedDate', 'SystemModstamp']);
    expect(events[2].record.IsDeleted).toBe(true);
    // Stamps never go backwards (several commits in one millisecond share one, as in Salesforce); commit numbers
    // order them strictly.
    for (let i = 1; i < events.length; i++) {
      expect(events[i].commitTimestamp).toBeGreaterThanOrEqual(events[i - 1].commitTimestamp);
      expect(events[i].commitNumber).toBe(events[i - 1].commitNumber + 1);
    }
    expect(Date.parse(String(events[3].record.SystemModstamp).replace('+0000', 'Z'))).toBe(events[3].commitTimestamp);
  });

  it('shares one transaction key inside transaction()', () => {
    const events: ChangeEvent[] = [];
    org.on('change', (e: ChangeEvent) => events.push(e));
    org.transaction('test', () => {
      org.create('Account', { Name: 'A' }, 'test');
      org.create('Account', { Name: 'B' }, 'test');
    });
    org.create('Account', { Name: 'C' }, 'test');
    expect(events[0].transactionKey).toBe(events[1].transactionKey);
    expect(events[2].transactionKey).not.toBe(events[0].transactionKey);
  });

  it('upserts by external id: creates, then updates, then refuses an ambiguous key', () => {
    const first = org.upsert('Contact', 'Legacy_Id__c', 'L-1', { LastName: 'One' }, 't');
    const again = org.upsert('Contact', 'Legacy_Id__c', 'L-1', { LastName: 'Uno' }, 't');
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, created: false });
    expect(org.get('Contact', first.id)?.LastName).toBe('Uno');
    org.create('Contact', { LastName: 'Two', Legacy_Id__c: 'L-1' }, 't');
    expect(failure(() => org.upsert('Contact', 'Legacy_Id__c', 'L-1', { LastName: 'x' }, 't')).codes).toEqual(['DUPLICATE_EXTERNAL_ID']);
  });
});

describe('custom schema files', () => {
  it.each([
    [{ objects: [{ name: 'NoSuffix', keyPrefix: 'a02', fields: [] }] }, 'custom object names end in __c'],
    [{ objects: [{ name: 'X__c', keyPrefix: '001', fields: [] }] }, 'key prefix 001 already used'],
    [{ fields: { Nope: [{ name: 'A__c', type: 'string' }] } }, 'unknown object Nope'],
    [{ fields: { Account: [{ name: 'A__c', type: 'reference', referenceTo: ['Nope__c'] }] } }, 'references unknown Nope__c'],
    [{ fields: { Account: [{ name: 'A__c', type: 'blob' }] } }, 'invalid emulator schema'],
  ])('refuses %j', (schema, message) => {
    expect(() => applyCustomSchema(standardObjects(), parseCustomSchema(schema))).toThrow(message);
  });
});

describe('value formats', () => {
  it.each([
    ['2024-02-29', true], ['2023-02-29', false], ['1900-02-29', false], ['2000-02-29', true], ['2024-04-31', false],
    ['2024-12-31', true], ['2024-13-01', false], ['2024-00-10', false], ['2024-1-01', false], ['24-01-01', false],
  ])('isValidDate(%s) is %s', (text, valid) => {
    expect(isValidDate(text)).toBe(valid);
  });

  it.each([
    ['2024-01-02T03:04:05.000Z', Date.UTC(2024, 0, 2, 3, 4, 5)],
    ['2024-01-02T03:04:05Z', Date.UTC(2024, 0, 2, 3, 4, 5)],
    ['2024-01-02T03:04:05.000+0000', Date.UTC(2024, 0, 2, 3, 4, 5)],
    ['2024-01-02T05:04:05.5+02:00', Date.UTC(2024, 0, 2, 3, 4, 5, 500)],
    ['2024-01-02T03:04', Date.UTC(2024, 0, 2, 3, 4)],
  ])('parseDatetime(%s)', (text, ms) => {
    expect(parseDatetime(text)).toBe(ms);
  });

  it.each([0, 1, 999, 86_399_999, Date.UTC(2024, 1, 29, 23, 59, 59, 7), Date.UTC(1969, 6, 20, 20, 17, 40, 123)])('formatDatetime(%i) matches toISOString', (ms) => {
    expect(formatDatetime(ms)).toBe(new Date(ms).toISOString().replace('Z', '+0000'));
  });
});

describe('PushTopic', () => {
  it('stores a topic whose query the org can evaluate', () => {
    const id = org.create('PushTopic', { Name: 'AccountSync', Query: "SELECT Id, Name FROM Account WHERE Industry = 'Media'", ApiVersion: 62 }, 't');
    expect(org.get('PushTopic', id)).toMatchObject({ IsActive: true, NotifyForFields: 'Referenced', NotifyForOperationCreate: true });
    const c = org.queryCursor('SELECT Name, Query FROM PushTopic', { scanAll: false });
    expect(c.values(0)[0]).toBe('AccountSync');
  });

  it.each([
    ['SELECT Id FROM Nope__c', 'INVALID_TYPE'],
    ['SELECT Id, Nope FROM Account', 'INVALID_FIELD'],
    ['SELECT Name FROM Account', 'INVALID_FIELD'],
    ['SELECT Id FROM', 'MALFORMED_QUERY'],
  ])('refuses the query %j with %s', (query, code) => {
    const f = failure(() => org.create('PushTopic', { Name: 'Bad', Query: query, ApiVersion: 62 }, 't'));
    expect(f.codes).toEqual([code]);
    expect(f.fields).toEqual(['Query']);
  });
});

describe('coerceValue', () => {
  const Invoice = applyCustomSchema(standardObjects(), loadCustomSchemaFile(`${__dirname}/../../emulator/schema/example.json`)).find((o) => o.name === 'Invoice__c')!;
  const fieldOf = (name: string) => Invoice.fields.find((f) => f.name === name)!;
  it.each<[string, SfValue | undefined, StoredValue]>([
    ['Amount__c', '12.50', 12.5],
    ['Amount__c', 7, 7],
    ['Amount__c', '', null],
    ['Amount__c', undefined, null],
    ['Paid__c', 'TRUE', true],
    ['Paid__c', '0', false],
    ['Paid__c', false, false],
    ['Paid_At__c', '2024-01-02T03:04:05Z', Date.UTC(2024, 0, 2, 3, 4, 5)],
    ['Issued_On__c', '2024-02-29', '2024-02-29'],
    ['Issued_On__c', '2024-02-29T10:00:00Z', '2024-02-29'],
    ['Invoice_Number__c', 'INV-1', 'INV-1'],
    ['Invoice_Number__c', 42, '42'],
    ['Status__c', 'Paid', 'Paid'],
  ])('%s: %j is stored as %j', (field, raw, stored) => {
    expect(coerceValue(fieldOf(field), raw)).toEqual(stored);
  });

  it.each<[string, SfValue, string]>([
    ['Amount__c', 'lots', 'INVALID_TYPE_ON_FIELD_IN_RECORD'],
    ['Amount__c', 1e20, 'NUMBER_OUTSIDE_VALID_RANGE'],
    ['Paid__c', 'maybe', 'INVALID_TYPE_ON_FIELD_IN_RECORD'],
    ['Paid_At__c', 'yesterday', 'INVALID_TYPE_ON_FIELD_IN_RECORD'],
    ['Issued_On__c', '2023-02-29', 'INVALID_TYPE_ON_FIELD_IN_RECORD'],
    ['Account__c', 'garbage', 'MALFORMED_ID'],
    ['Invoice_Number__c', 'x'.repeat(41), 'STRING_TOO_LONG'],
    ['Status__c', 'Lost', 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST'],
  ])('%s: %j is refused with %s', (field, raw, statusCode) => {
    const result = coerceValue(fieldOf(field), raw);
    expect(result).toBeInstanceOf(InvalidValue);
    expect((result as InvalidValue).error).toMatchObject({ statusCode, fields: [field] });
  });
});
