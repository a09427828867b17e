import { describe, expect, it } from 'vitest';
import { validateAgainstDescribe } from '../../domain/describe-validation.js';
import type { MappingConfig } from '../../domain/mapping-rules.js';
import {
  bulkHeader, nestRelationships, relationshipParents, relationshipValues, resolveRelationshipField, splitRelationshipField,
} from '../../domain/relationship-fields.js';
import type { SfObjectDescribe } from '../../domain/sf-describe.js';

type Ref = { relationshipName?: string; referenceTo?: string[] };
const ref = (name: string, relationshipName: string, referenceTo: string[]) => ({ name, type: 'reference', length: 18, relationshipName, referenceTo } as SfObjectDescribe['fields'][number] & Ref);

const ACCOUNT: SfObjectDescribe = {
  name: 'Account', fields: [
    { name: 'Id', type: 'id' }, { name: 'External_ID__c', type: 'string', length: 255, externalId: true },
    { name: 'Number_Key__c', type: 'double', externalId: true }, { name: 'Name', type: 'string', length: 255 },
  ],
};
const PARENT: SfObjectDescribe = { name: 'Parent__c', fields: [{ name: 'Id', type: 'id' }, { name: 'Key__c', type: 'string', length: 40, externalId: true }] };
const CHILD: SfObjectDescribe = {
  name: 'Child__c', createable: true, updateable: true, fields: [
    { name: 'Id', type: 'id' }, { name: 'SystemModstamp', type: 'datetime' }, { name: 'IsDeleted', type: 'boolean' },
    ref('Account__c', 'Account__r', ['Account']), ref('Parent__c', 'Parent__r', ['Parent__c']), ref('WhatId', 'What', ['Account', 'Parent__c']),
    ref('AccountId', 'Account', ['Account']),
  ],
};
const PARENTS = new Map<string, SfObjectDescribe | undefined>([['Account', ACCOUNT], ['Parent__c', PARENT]]);

describe('splitRelationshipField', () => {
  it.each([
    ['Account__External_ID__c', 'AccountId', 'External_ID__c'],
    ['account__external_id__c', 'AccountId', 'external_id__c'],
    ['Account__r__External_ID__c', 'Account__c', 'External_ID__c'],
    ['Parent__r__Key__c', 'Parent__c', 'Key__c'],
    ['What__Key__c', 'WhatId', 'Key__c'],
  ])('%s is the lookup %s by the parent field %s', (name, lookup, parentField) => {
    const c = splitRelationshipField(name, CHILD)!;
    expect([c.lookup.name, c.parentField]).toEqual([lookup, parentField]);
  });
  it.each(['Unknown__c', 'Account__', 'Owner__External_ID__c'])('%s is no relationship field', (name) => {
    expect(splitRelationshipField(name, CHILD)).toBeNull();
  });
});

describe('resolveRelationshipField', () => {
  it('resolves Heroku Connect\'s naming: the column has the parent field\'s type', () => {
    expect(resolveRelationshipField('account__external_id__c', CHILD, PARENTS)).toEqual({
      field: {
        name: 'Account__External_ID__c', column: 'account__external_id__c', lookupField: 'AccountId', relationshipName: 'Account',
        parentObject: 'Account', parentField: 'External_ID__c', sfType: 'string', pgType: 'varchar(255)', parentTable: 'account', parentColumn: 'external_id__c',
      },
    });
    expect(resolveRelationshipField('Parent__r__Key__c', CHILD, PARENTS).field).toMatchObject({ column: 'parent__r__key__c', pgType: 'varchar(40)', parentTable: 'parent__c' });
    expect(resolveRelationshipField('Account__r__Number_Key__c', CHILD, PARENTS).field).toMatchObject({ pgType: 'double precision', lookupField: 'Account__c' });
  });
  it.each([
    ['Account__Name', 'not_external_id', '"Account__Name": Account.Name is not an External ID field, so Child__c cannot name its parent by it'],
    ['Account__Nope__c', 'unknown_field', '"Account__Nope__c": field "Nope__c" does not exist on Account (the parent of Child__c.AccountId)'],
    ['What__Key__c', 'polymorphic_relationship', '"What__Key__c": Child__c.WhatId can point to Account, Parent__c; a relationship external ID needs a lookup to one object'],
    ['Nothing__c', 'unknown_field', 'Field "Nothing__c" does not exist on Child__c'],
  ])('%s is refused (%s)', (name, rule, message) => {
    expect(resolveRelationshipField(name, CHILD, PARENTS).issue).toEqual({ path: `config.fields.${name}`, rule, message });
  });
  it('a parent the user cannot see is refused', () => {
    expect(resolveRelationshipField('Parent__r__Key__c', CHILD, new Map()).issue?.rule).toBe('unknown_object');
  });
  it('relationshipParents lists the parents to describe, once each', () => {
    expect(relationshipParents(['Id', 'Account__External_ID__c', 'Account__r__External_ID__c', 'Parent__r__Key__c', 'AccountId'], CHILD)).toEqual(['Account', 'Parent__c']);
  });
});

describe('validateAgainstDescribe with relationship fields', () => {
  const cfg = (fields: string[], indexes: MappingConfig['indexes'] = []): MappingConfig => ({
    objectName: 'Child__c', access: 'read_write', pollIntervalSeconds: 600, maxDailyApiCalls: 3000, fields, indexes, upsertField: null,
    syncMode: 'polling', streamingSource: 'pushtopic', flushIntervalSeconds: 10, schema: 'salesforce',
  });
  it('accepts a relationship external ID (and an index on it) and refuses one whose parent field is no External ID', () => {
    expect(validateAgainstDescribe(cfg(['Id', 'AccountId', 'Account__External_ID__c'], [{ field: 'Account__External_ID__c', unique: false }]), CHILD, PARENTS)).toEqual([]);
    expect(validateAgainstDescribe(cfg(['Id', 'Account__Name']), CHILD, PARENTS).map((p) => p.rule)).toEqual(['not_external_id']);
  });
});

describe('outbound shapes', () => {
  const f = resolveRelationshipField('Account__External_ID__c', CHILD, PARENTS).field!;
  it('values: null and empty send nothing; numbers become text', () => {
    expect([...relationshipValues({ account__external_id__c: 'A-1', lastname: 'x' }, [f])].map(([k, v]) => [k.name, v])).toEqual([['Account__External_ID__c', 'A-1']]);
    expect(relationshipValues({ account__external_id__c: null }, [f]).size).toBe(0);
    expect(relationshipValues({ account__external_id__c: '' }, [f]).size).toBe(0);
    expect(relationshipValues({ lastname: 'x' }, [f]).size).toBe(0);
    expect([...relationshipValues({ account__external_id__c: 42 }, [f]).values()]).toEqual(['42']);
  });
  it('Bulk 2.0 header and the Collections body', () => {
    expect(bulkHeader(f)).toBe('Account.External_ID__c');
    expect(nestRelationships({ LastName: 'Doe', 'Account.External_ID__c': 'A-1', 'Parent__r.Key__c': 'P' }))
      .toEqual({ LastName: 'Doe', Account: { External_ID__c: 'A-1' }, Parent__r: { Key__c: 'P' } });
  });
});
