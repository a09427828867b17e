import { describe, expect, it } from 'vitest';
import {
  andScope, filterChangeQueries, filterWhere, leftScopeQuery, scopedCountQuery, scopedLoadQuery, validateRecordFilter,
} from '../../domain/record-filter';
import type { SfObjectDescribe } from '../../domain/sf-describe';

const account: SfObjectDescribe = {
  name: 'Account',
  fields: [
    { name: 'Id', type: 'id' },
    { name: 'Name', type: 'string' },
    { name: 'IsActive__c', type: 'boolean' },
    { name: 'CreatedDate', type: 'datetime' },
    { name: 'Founded__c', type: 'date' },
    { name: 'AnnualRevenue', type: 'currency' },
    { name: 'NumberOfEmployees', type: 'int' },
    { name: 'Tier__c', type: 'picklist' },
    { name: 'Regions__c', type: 'multipicklist' },
    { name: 'ParentId', type: 'reference' },
    { name: 'Description', type: 'textarea', filterable: false },
    { name: 'BillingAddress', type: 'address' },
  ],
};

describe('validateRecordFilter accepts boolean conditions over the object\'s fields', () => {
  it.each([
    'IsActive__c = true AND CreatedDate = LAST_N_DAYS:365',
    "isactive__c = TRUE OR (Tier__c IN ('Gold','Silver') AND NOT Name LIKE 'Test%')",
    'AnnualRevenue > 1000000.50 AND NumberOfEmployees >= 10',
    'Founded__c < 2020-01-01 OR Founded__c = null',
    'CreatedDate > 2024-01-02T03:04:05Z',
    "ParentId = '001000000000001AAA' OR ParentId != null",
    "Regions__c INCLUDES ('EMEA;APAC')",
    'Founded__c = THIS_YEAR',
    "(NOT Tier__c = 'Gold') AND (NOT (IsActive__c = true OR Name = null))",
  ])('%s', (filter) => {
    expect(validateRecordFilter(filter, account)).toEqual([]);
  });

  it('treats null and undefined as no filter', () => {
    expect(validateRecordFilter(null, account)).toEqual([]);
    expect(validateRecordFilter(undefined, account)).toEqual([]);
  });
});

describe('validateRecordFilter refuses with a message naming the problem', () => {
  it.each([
    ['Nope__c = 1', 'unknown_field', 'field "Nope__c" does not exist on Account'],
    ["IsActive__c = 'yes'", 'bad_literal', "'yes' is not a valid value for \"IsActive__c\" (boolean)"],
    ["NumberOfEmployees = '10'", 'bad_literal', 'NumberOfEmployees'],
    ['Name = 5', 'bad_literal', 'expected a quoted string'],
    ["CreatedDate = '2024-01-01'", 'bad_literal', 'CreatedDate'],
    ['Tier__c = LAST_N_DAYS:3', 'bad_literal', 'Tier__c'],
    ["ParentId = 'abc'", 'bad_literal', 'not a record id'],
    ['IsActive__c > true', 'bad_operator', 'IsActive__c'],
    ['AnnualRevenue LIKE 5', 'bad_operator', 'LIKE needs a text field'],
    ["Tier__c INCLUDES ('Gold')", 'bad_operator', 'multi-select picklist'],
    ["Description = 'x'", 'not_filterable', 'cannot be filtered on'],
    ["BillingAddress = 'x'", 'unsupported_type', 'address'],
    ["Parent.Name = 'x'", 'filter_relationship', 'relationship path'],
    ['CALENDAR_YEAR(CreatedDate) = 2024', 'filter_function', 'functions'],
    ['Id IN (SELECT AccountId FROM Contact)', 'filter_subquery', 'semi-join'],
    ['IsActive__c', 'not_a_condition', 'not a SOQL WHERE condition'],
    ['IsActive__c = true LIMIT 5', 'not_a_condition', 'LIMIT'],
    ['IsActive__c = true ORDER BY Name', 'not_a_condition', 'ORDERBY'],
    ['IsActive__c = true) OR (Name = null', 'not_a_condition', 'not a SOQL WHERE condition'],
    ['   ', 'empty', 'is empty'],
    [42, 'type', 'must be a SOQL WHERE condition'],
  ])('%s → %s', (filter, rule, text) => {
    const issues = validateRecordFilter(filter, account);
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0].rule).toBe(rule);
    expect(issues[0].path).toBe('config.sf_filter');
    expect(issues[0].message).toContain(text);
    expect(issues[0].message.startsWith('sf_filter: ')).toBe(true);
  });

  it('reports every bad condition at once', () => {
    const issues = validateRecordFilter("A__c = 1 AND IsActive__c = 'x' AND B__c = 2", account);
    expect(issues.map((i) => i.rule)).toEqual(['unknown_field', 'bad_literal', 'unknown_field']);
  });
});

describe('SOQL of a filtered scope', () => {
  const filtered = { sfFilter: 'IsActive__c = true OR Tier__c = \'Gold\'' };
  it.each([
    ['filterWhere', filterWhere(filtered), "(IsActive__c = true OR Tier__c = 'Gold')"],
    ['filterWhere without a filter', filterWhere({ sfFilter: null }), null],
    ['filterWhere of a blank filter', filterWhere({ sfFilter: ' ' }), null],
    ['andScope', andScope('Id > \'001\'', filtered), "Id > '001' AND (IsActive__c = true OR Tier__c = 'Gold')"],
    ['andScope without a where', andScope(null, filtered), "(IsActive__c = true OR Tier__c = 'Gold')"],
    ['andScope unfiltered', andScope('X = 1', {}), 'X = 1'],
    ['load', scopedLoadQuery('Account', ['Id', 'Name'], filtered), "SELECT Id,Name FROM Account WHERE (IsActive__c = true OR Tier__c = 'Gold')"],
    ['load unfiltered', scopedLoadQuery('Account', ['Id', 'Name'], {}), 'SELECT Id,Name FROM Account'],
    ['count', scopedCountQuery('Account', filtered), "SELECT COUNT() FROM Account WHERE (IsActive__c = true OR Tier__c = 'Gold')"],
    ['count unfiltered', scopedCountQuery('Account', {}), 'SELECT COUNT() FROM Account'],
    ['left scope', leftScopeQuery('Account', Date.UTC(2024, 0, 2, 3, 4, 5), filtered),
      "SELECT Id FROM Account WHERE SystemModstamp >= 2024-01-02T03:04:05.000Z AND NOT (IsActive__c = true OR Tier__c = 'Gold')"],
    ['left scope unfiltered', leftScopeQuery('Account', 0, {}), null],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });

  it.each([
    ['narrowed from everything', null, 'A__c = 1', { fetch: null, drop: 'SELECT Id FROM Account WHERE NOT (A__c = 1)' }],
    ['widened to everything', 'A__c = 1', null, { fetch: 'SELECT Id,Name FROM Account WHERE NOT (A__c = 1)', drop: null }],
    ['changed', 'A__c = 1', 'B__c = 2', {
      fetch: 'SELECT Id,Name FROM Account WHERE (B__c = 2) AND NOT (A__c = 1)',
      drop: 'SELECT Id FROM Account WHERE (A__c = 1) AND NOT (B__c = 2)',
    }],
    ['unchanged', 'A__c = 1', ' A__c = 1 ', { fetch: null, drop: null }],
    ['none either side', null, null, { fetch: null, drop: null }],
  ])('filter change %s', (_name, from, to, expected) => {
    expect(filterChangeQueries('Account', ['Id', 'Name'], from, to)).toEqual(expected);
  });
});
