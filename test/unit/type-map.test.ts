import { describe, expect, it } from 'vitest';
import {
  TYPE_TABLE, UnsupportedFieldTypeError, columnNameFor, isSyncableType, pgTypeFor, tableNameFor,
} from '../../domain/type-map.js';

describe('pgTypeFor', () => {
  it.each<[string, number, string]>([
    ['id', 18, 'varchar(18)'],
    ['reference', 18, 'varchar(18)'],
    ['string', 80, 'varchar(80)'],
    ['string', 0, 'varchar(255)'],
    ['picklist', 255, 'varchar(255)'],
    ['multipicklist', 4099, 'varchar(4099)'],
    ['email', 80, 'varchar(80)'],
    ['phone', 40, 'varchar(40)'],
    ['url', 255, 'varchar(255)'],
    ['combobox', 255, 'varchar(255)'],
    ['encryptedstring', 175, 'varchar(175)'],
    ['textarea', 255, 'varchar(255)'],
    ['textarea', 256, 'text'],
    ['textarea', 32000, 'text'],
    ['textarea', 0, 'text'],
    ['double', 0, 'double precision'],
    ['currency', 0, 'double precision'],
    ['percent', 0, 'double precision'],
    ['int', 0, 'integer'],
    ['long', 0, 'bigint'],
    ['boolean', 0, 'boolean'],
    ['date', 0, 'date'],
    ['datetime', 0, 'timestamp'],
    ['time', 0, 'time'],
  ])('%s (length %i) → %s', (type, length, pg) => {
    expect(pgTypeFor({ name: 'F', type, length })).toBe(pg);
  });

  it('treats a missing length like 0', () => {
    expect(pgTypeFor({ name: 'F', type: 'string' })).toBe('varchar(255)');
  });

  it.each(['base64', 'address', 'location', 'complexvalue', 'anyType', 'nonsense'])('refuses %s', (type) => {
    expect(() => pgTypeFor({ name: 'Body', type, length: 0 })).toThrow(UnsupportedFieldTypeError);
    expect(() => pgTypeFor({ name: 'Body', type, length: 0 })).toThrow(/Field "Body" has type/);
    expect(isSyncableType(type)).toBe(false);
  });
});

describe('TYPE_TABLE', () => {
  it('has one row per Salesforce type, and pgTypeFor agrees with every supported row', () => {
    const types = TYPE_TABLE.map((r) => r.salesforceType);
    expect(new Set(types).size).toBe(types.length);
    for (const row of TYPE_TABLE) {
      if (row.postgresType === '—') expect(isSyncableType(row.salesforceType)).toBe(false);
      else expect(row.postgresType.replace(/\(length\)/g, '(80)')).toContain(pgTypeFor({ name: 'F', type: row.salesforceType, length: 80 }));
    }
  });
});

describe('names', () => {
  it.each([['Id', 'sfid'], ['Name', 'name'], ['Ext_Id__c', 'ext_id__c'], ['SystemModstamp', 'systemmodstamp']])(
    'column for %s is %s', (sf, pg) => expect(columnNameFor(sf)).toBe(pg));
  it('table is the lower-cased object name', () => expect(tableNameFor('agf__ADM_Work__c')).toBe('agf__adm_work__c'));
});
