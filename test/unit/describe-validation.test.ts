import { describe, expect, it } from 'vitest';
import { resolveFieldCase, validateAgainstDescribe } from '../../domain/describe-validation.js';
import type { MappingConfig } from '../../domain/mapping-config.js';
import type { SfObjectDescribe } from '../../domain/sf-describe.js';

const CONTACT: SfObjectDescribe = {
  name: 'Contact', createable: true, updateable: true, queryable: true, replicateable: true,
  fields: [
    { name: 'Id', type: 'id', length: 18, idLookup: true },
    { name: 'SystemModstamp', type: 'datetime' },
    { name: 'IsDeleted', type: 'boolean' },
    { name: 'LastName', type: 'string', length: 80 },
    { name: 'Email', type: 'email', length: 80, idLookup: true },
    { name: 'Ext_Id__c', type: 'string', length: 40, externalId: true },
    { name: 'Department', type: 'string', length: 80 },
    { name: 'MailingAddress', type: 'address' },
    { name: 'Photo__c', type: 'base64' },
  ],
};

function cfg(over: Partial<MappingConfig> = {}): MappingConfig {
  return {
    objectName: 'Contact', access: 'read_only', pollIntervalSeconds: 600, maxDailyApiCalls: 3000,
    fields: ['Id', 'LastName', 'SystemModstamp', 'IsDeleted'], indexes: [], upsertField: null, syncMode: 'polling',
    streamingSource: 'pushtopic', flushIntervalSeconds: 10, schema: 'salesforce', ...over,
  };
}

describe('validateAgainstDescribe', () => {
  it('accepts a valid mapping, matching names case-insensitively', () => {
    expect(validateAgainstDescribe(cfg({ fields: ['Id', 'lastname', 'EMAIL', 'SystemModstamp', 'IsDeleted'] }), CONTACT)).toEqual([]);
  });

  it('accepts read_write with an external id or id lookup upsert field', () => {
    expect(validateAgainstDescribe(cfg({ access: 'read_write', upsertField: 'Ext_Id__c' }), CONTACT)).toEqual([]);
    expect(validateAgainstDescribe(cfg({ access: 'read_write', upsertField: 'email' }), CONTACT)).toEqual([]);
  });

  it.each<[string, Partial<MappingConfig>, SfObjectDescribe | undefined, { path: string; rule: string; message: string }]>([
    ['unknown object', {}, undefined,
      { path: 'object_name', rule: 'unknown_object', message: 'Object "Contact" does not exist or is not visible to the connected user' }],
    ['unknown field, named as given', { fields: ['Id', 'Foo__c'] }, CONTACT,
      { path: 'config.fields.Foo__c', rule: 'unknown_field', message: 'Field "Foo__c" does not exist on Contact' }],
    ['compound field', { fields: ['Id', 'MailingAddress'] }, CONTACT,
      { path: 'config.fields.MailingAddress', rule: 'unsupported_type', message: 'Field "MailingAddress" on Contact is a compound/unsupported field (address)' }],
    ['base64 field', { fields: ['Id', 'photo__c'] }, CONTACT,
      { path: 'config.fields.photo__c', rule: 'unsupported_type', message: 'Field "photo__c" on Contact is a compound/unsupported field (base64)' }],
    ['unknown upsert field', { upsertField: 'Nope__c' }, CONTACT,
      { path: 'config.upsert_field', rule: 'unknown_field', message: 'Upsert field "Nope__c" does not exist on Contact' }],
    ['upsert field that is not an external id', { upsertField: 'Department' }, CONTACT,
      { path: 'config.upsert_field', rule: 'not_external_id', message: 'Upsert field "Department" on Contact is not an External ID (or ID lookup) field' }],
    ['unknown indexed field', { indexes: [{ field: 'Gone__c', unique: false }] }, CONTACT,
      { path: 'config.indexes.Gone__c', rule: 'unknown_field', message: 'Indexed field "Gone__c" does not exist on Contact' }],
    ['read_write on a read-only object', { access: 'read_write' }, { ...CONTACT, createable: false, updateable: false },
      { path: 'config.access', rule: 'not_writable', message: 'Contact records cannot be created or updated through the API, so the mapping cannot be read_write' }],
    ['read_write on a non-updateable object', { access: 'read_write' }, { ...CONTACT, updateable: false },
      { path: 'config.access', rule: 'not_writable', message: 'Contact records cannot be updated through the API, so the mapping cannot be read_write' }],
    ['object not queryable', {}, { ...CONTACT, queryable: false },
      { path: 'object_name', rule: 'not_queryable', message: 'Contact cannot be queried through the API' }],
    ['object not replicateable', {}, { ...CONTACT, replicateable: false },
      { path: 'object_name', rule: 'not_replicateable', message: 'Contact is not replicateable: Salesforce does not track its changes for sync' }],
  ])('%s', (_n, over, describeResult, problem) => {
    expect(validateAgainstDescribe(cfg(over), describeResult)).toEqual([problem]);
  });

  it('read_only on a read-only object is fine', () => {
    expect(validateAgainstDescribe(cfg(), { ...CONTACT, createable: false, updateable: false })).toEqual([]);
  });

  it('reports every problem at once', () => {
    const problems = validateAgainstDescribe(cfg({ fields: ['Id', 'A__c', 'B__c'], upsertField: 'Department' }), CONTACT);
    expect(problems.map((p) => p.path)).toEqual(['config.fields.A__c', 'config.fields.B__c', 'config.upsert_field']);
  });
});

describe('resolveFieldCase', () => {
  it('spells fields as the describe does and keeps unknown ones as given', () => {
    expect(resolveFieldCase(cfg({ fields: ['id', 'LASTNAME', 'ext_id__c', 'Unknown__c'] }), CONTACT))
      .toEqual(['Id', 'LastName', 'Ext_Id__c', 'Unknown__c']);
  });
  it('returns the fields unchanged without a describe', () => {
    expect(resolveFieldCase(cfg(), undefined)).toEqual(cfg().fields);
  });
});
