import { describe, expect, it } from 'vitest';
import { fnv1a32, shortHash } from '../../domain/fnv1a.js';
import { isSalesforceApiName } from '../../domain/sf-names.js';

describe('isSalesforceApiName', () => {
  it.each<[string, boolean]>([
    ['Id', true],
    ['Name', true],
    ['Ext_Id__c', true],
    ['agf__ADM_Work__c', true],
    ['Location__Latitude__s', true],
    ['ns__Location__Latitude__s', true],
    ['Person_Field__pc', true],
    ['Account__History', true],
    ['Employee__ChangeEvent', true],
    ['Order_Event__e', true],
    ['', false],
    ['1Name', false],
    ['_Name', false],
    ['Name_', false],
    ['Na__me', false],
    ['Foo___c', false],
    ['Foo__c__', false],
    ['Foo__', false],
    ['__c', false],
    ['Account.Name', false],
    ['Name FROM User', false],
    ["Name'", false],
    ['a__b__c__d__c', false],
    ['Émile__c', false],
  ])('%j → %s', (name, ok) => expect(isSalesforceApiName(name)).toBe(ok));
});

describe('fnv1a', () => {
  it.each<[string, number]>([['', 0x811c9dc5], ['a', 0xe40c292c], ['foobar', 0xbf9cf968]])(
    'FNV-1a 32 of %j is the published value', (text, hash) => expect(fnv1a32(text)).toBe(hash));
  it('short hashes are fixed-width base 36', () => {
    expect(shortHash('Contact')).toMatch(/^[0-9a-z]{7}$/);
    expect(shortHash('Contact', 4)).toBe(shortHash('Contact').slice(-4));
  });
});
