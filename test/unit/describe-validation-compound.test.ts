// Compound fields in a mapping: refused, naming the component fields to map instead (as Heroku Connect does),
// whenever the describe lists them; a custom object's standard Name maps like any text field.
import { describe, expect, it } from 'vitest';
import { componentsOf, validateAgainstDescribe } from '../../domain/describe-validation.js';
import type { MappingConfig } from '../../domain/mapping-config.js';
import type { SfObjectDescribe } from '../../domain/sf-describe.js';

const ACCOUNT: SfObjectDescribe = {
  name: 'Account', createable: true, updateable: true, queryable: true, replicateable: true,
  fields: [
    { name: 'Id', type: 'id', length: 18, idLookup: true },
    { name: 'SystemModstamp', type: 'datetime' },
    { name: 'IsDeleted', type: 'boolean' },
    { name: 'Name', type: 'string', length: 255 },
    ...['Street', 'City', 'State', 'PostalCode', 'Country'].map((p) => ({ name: `Billing${p}`, type: p === 'Street' ? 'textarea' : 'string', length: 80, compoundFieldName: 'BillingAddress' })),
    { name: 'BillingLatitude', type: 'double', compoundFieldName: 'BillingAddress' },
    { name: 'BillingAddress', type: 'address' },
    { name: 'Site__c', type: 'location' },
    { name: 'Site__Latitude__s', type: 'double', compoundFieldName: 'Site__c' },
    { name: 'Site__Longitude__s', type: 'double', compoundFieldName: 'Site__c' },
  ],
};

const WORK: SfObjectDescribe = {
  name: 'Work__c', createable: true, updateable: true, queryable: true, replicateable: true,
  fields: [
    { name: 'Id', type: 'id', length: 18, idLookup: true },
    { name: 'SystemModstamp', type: 'datetime' },
    { name: 'IsDeleted', type: 'boolean' },
    { name: 'Name', type: 'string', length: 80, idLookup: true },
    { name: 'OwnerId', type: 'reference', length: 18 },
  ],
};

function cfg(objectName: string, fields: string[]): MappingConfig {
  return {
    objectName, access: 'read_only', pollIntervalSeconds: 600, maxDailyApiCalls: 3000, fields: ['Id', 'SystemModstamp', 'IsDeleted', ...fields],
    indexes: [], upsertField: null, syncMode: 'polling', streamingSource: 'pushtopic', flushIntervalSeconds: 10, schema: 'salesforce',
  };
}

describe('compound fields in a mapping', () => {
  it.each([
    ['an address', 'BillingAddress', 'Field "BillingAddress" on Account is a compound field (address); map its component fields instead: BillingStreet, BillingCity, BillingState, BillingPostalCode, BillingCountry, BillingLatitude'],
    ['a geolocation', 'site__c', 'Field "site__c" on Account is a compound field (location); map its component fields instead: Site__Latitude__s, Site__Longitude__s'],
  ])('refuses %s, naming its components', (_what, field, message) => {
    expect(validateAgainstDescribe(cfg('Account', ['Name', field]), ACCOUNT)).toEqual([{ path: `config.fields.${field}`, rule: 'compound_field', message }]);
  });

  it('accepts the components themselves', () => {
    expect(validateAgainstDescribe(cfg('Account', ['Name', 'BillingStreet', 'BillingCity', 'BillingLatitude', 'Site__Latitude__s']), ACCOUNT)).toEqual([]);
  });

  it('lists components in describe order', () => {
    expect(componentsOf(ACCOUNT, 'Site__c')).toEqual(['Site__Latitude__s', 'Site__Longitude__s']);
    expect(componentsOf(ACCOUNT, 'Name')).toEqual([]);
  });

  it('maps a custom object\'s standard Name and OwnerId', () => {
    expect(validateAgainstDescribe(cfg('Work__c', ['Name', 'OwnerId']), WORK)).toEqual([]);
  });
});
