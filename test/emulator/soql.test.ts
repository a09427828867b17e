// SOQL semantics of the org store, table-driven: precedence, LIKE, IN, null handling, dates and date literals,
// ordering with NULLS FIRST/LAST, LIMIT/OFFSET, parent paths, multi-select picklists, and the errors
// Salesforce gives for queries it refuses.
import { parseQuery } from '@jetstreamapp/soql-parser-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { SfRequestError, type SfRecord, type SfRow } from '../../emulator/contract.js';
import { applyCustomSchema, parseCustomSchema } from '../../emulator/org/custom-schema.js';
import { buildWhereTree } from '../../emulator/org/soql/where-tree.js';
import { standardObjects } from '../../emulator/org/standard-objects.js';
import { MemoryOrgStore } from '../../emulator/org/store.js';

const NOW = Date.UTC(2024, 5, 15, 12, 0, 0); // Saturday 2024-06-15 12:00 UTC
let clock = NOW;
let org: MemoryOrgStore;
const ids: Record<string, string> = {};

const names = (soql: string, scanAll = false) => {
  const c = org.queryCursor(soql, { scanAll });
  return Array.from({ length: c.size }, (_, i) => c.values(i)[0]);
};

beforeAll(() => {
  const schema = parseCustomSchema({ fields: { Account: [{ name: 'Regions__c', type: 'multipicklist', picklist: ['EU', 'US', 'APAC'] }] } });
  org = new MemoryOrgStore({ objects: applyCustomSchema(standardObjects(), schema), apiVersion: '62.0', username: 'u@example.com', now: () => clock++ });
  const accounts: SfRecord[] = [
    { Name: 'Acme', Industry: 'Banking', NumberOfEmployees: 10, AnnualRevenue: 100, Rating: 'Hot', Regions__c: 'EU;US' },
    { Name: 'Beta Corp', Industry: 'Retail', NumberOfEmployees: 50, Rating: 'Warm', Regions__c: 'US' },
    { Name: 'gamma', Industry: 'Banking', AnnualRevenue: 300, Rating: 'Cold', Regions__c: 'APAC;EU' },
    { Name: '100% Natural', Industry: 'Energy', NumberOfEmployees: 5, AnnualRevenue: 50 },
    { Name: 'Delta_Co', NumberOfEmployees: 500, AnnualRevenue: 1000, Rating: 'Hot' },
  ];
  // The org clock moves 1 ms per commit here, so each record has its own SystemModstamp.
  const create = (object: string, values: SfRecord) => {
    clock += 1;
    return org.create(object, values, 'test');
  };
  for (const a of accounts) ids[String(a.Name)] = create('Account', a);
  const contacts: SfRecord[] = [
    { LastName: 'c1', Birthdate: '2024-06-15', AccountId: ids.Acme },
    { LastName: 'c2', Birthdate: '2024-06-14', AccountId: ids.gamma },
    { LastName: 'c3', Birthdate: '2024-06-01' },
    { LastName: 'c4', Birthdate: '2023-12-31', AccountId: ids.Acme },
    { LastName: 'c5' },
  ];
  for (const c of contacts) ids[String(c.LastName)] = create('Contact', c);
  ids.gone = create('Account', { Name: 'Gone' });
  org.remove('Account', ids.gone, 'test');
  clock = NOW + 60_000;
});

describe('WHERE precedence', () => {
  it.each([
    ["Industry = 'Banking' OR Industry = 'Retail' AND NumberOfEmployees > 20", ['Acme', 'Beta Corp', 'gamma']],
    ["(Industry = 'Banking' OR Industry = 'Retail') AND NumberOfEmployees > 20", ['Beta Corp']],
    ["NOT Industry = 'Banking'", ['Beta Corp', '100% Natural', 'Delta_Co']],
    ["NOT (Industry = 'Banking' OR Rating = 'Hot')", ['Beta Corp', '100% Natural']],
    ["Industry = 'Banking' AND NOT (Rating = 'Hot')", ['gamma']],
    ["Rating = 'Hot' AND (Industry = 'Banking' OR NumberOfEmployees > 100)", ['Acme', 'Delta_Co']],
    ["((Rating = 'Hot') OR (Rating = 'Cold')) AND AnnualRevenue < 500", ['Acme', 'gamma']],
    ["Rating = 'Warm' OR (Rating = 'Hot' AND NumberOfEmployees < 100) OR Name = 'gamma'", ['Acme', 'Beta Corp', 'gamma']],
  ])('%s', (where, expected) => {
    expect(names(`SELECT Name FROM Account WHERE ${where}`)).toEqual(expected);
  });

  it('rebuilds the tree the parser flattens', () => {
    const tree = buildWhereTree(parseQuery("SELECT Id FROM X WHERE A = 1 OR B = 2 AND (C = 3 OR NOT D = 4)").where);
    const shape = (t: ReturnType<typeof buildWhereTree>): unknown =>
      t.kind === 'cond' ? t.cond.field : t.kind === 'not' ? ['NOT', shape(t.part)] : [t.kind.toUpperCase(), ...t.parts.map(shape)];
    expect(shape(tree)).toEqual(['OR', 'A', ['AND', 'B', ['OR', 'C', ['NOT', 'D']]]]);
  });
});

describe('operators', () => {
  it.each([
    ["Name LIKE 'a%'", ['Acme']],
    ["Name LIKE '%CORP'", ['Beta Corp']],
    ["Name LIKE '100\\% %'", ['100% Natural']],
    ["Name LIKE 'Delta\\_%'", ['Delta_Co']],
    ["Name LIKE '_amma'", ['gamma']],
    ["Name = 'ACME'", ['Acme']],
    ["Name != 'Acme' AND Rating = 'Hot'", ['Delta_Co']],
    ["Name <> 'Acme' AND Rating = 'Hot'", ['Delta_Co']],
    ["Industry IN ('Banking', 'Energy')", ['Acme', 'gamma', '100% Natural']],
    ["Industry NOT IN ('Banking')", ['Beta Corp', '100% Natural', 'Delta_Co']],
    ['AnnualRevenue = null', ['Beta Corp']],
    ['AnnualRevenue != null AND AnnualRevenue >= 300', ['gamma', 'Delta_Co']],
    ['NumberOfEmployees < 50', ['Acme', '100% Natural']],
    ['NumberOfEmployees <= 50 AND NumberOfEmployees > 5', ['Acme', 'Beta Corp']],
    ['AnnualRevenue > 99.5 AND AnnualRevenue < 300.01', ['Acme', 'gamma']],
    ["Regions__c INCLUDES ('EU;US')", ['Acme']],
    ["Regions__c INCLUDES ('APAC', 'US')", ['Acme', 'Beta Corp', 'gamma']],
    ["Regions__c EXCLUDES ('EU')", ['Beta Corp', '100% Natural', 'Delta_Co']],
    [`Id = '${'x'}'`.replace("'x'", "'__ACME__'"), ['Acme']],
  ])('%s', (where, expected) => {
    expect(names(`SELECT Name FROM Account WHERE ${where.replace('__ACME__', ids.Acme)}`)).toEqual(expected);
  });

  it('matches 15-char ids and Id IN lists', () => {
    expect(names(`SELECT Name FROM Account WHERE Id = '${ids.gamma.slice(0, 15)}'`)).toEqual(['gamma']);
    expect(names(`SELECT Name FROM Account WHERE Id IN ('${ids.Acme}', '${ids['Beta Corp']}')`)).toEqual(['Acme', 'Beta Corp']);
  });
});

describe('dates', () => {
  it.each([
    ['Birthdate = TODAY', ['c1']],
    ['Birthdate = YESTERDAY', ['c2']],
    ['Birthdate = LAST_N_DAYS:14', ['c1', 'c2', 'c3']],
    ['Birthdate = THIS_MONTH', ['c1', 'c2', 'c3']],
    ['Birthdate = LAST_YEAR', ['c4']],
    ['Birthdate < THIS_YEAR', ['c4']],
    ['Birthdate < 2024-01-01', ['c4']],
    ['Birthdate >= 2024-06-01 AND Birthdate <= 2024-06-14', ['c2', 'c3']],
    ['Birthdate = null', ['c5']],
    ['CreatedDate = TODAY', ['c1', 'c2', 'c3', 'c4', 'c5']],
    ['CreatedDate > 2024-06-15T12:00:00.002Z', ['c1', 'c2', 'c3', 'c4', 'c5']],
    ['CreatedDate < 2024-06-15T00:00:00.000+0000', []],
    ['CreatedDate >= 2024-06-15T14:00:00+02:00', ['c1', 'c2', 'c3', 'c4', 'c5']],
  ])('%s', (where, expected) => {
    expect(names(`SELECT LastName FROM Contact WHERE ${where}`)).toEqual(expected);
  });

  it('selects a SystemModstamp window in modstamp order', () => {
    const c2 = org.get('Contact', ids.c2)!;
    const c4 = org.get('Contact', ids.c4)!;
    const soql = `SELECT LastName, SystemModstamp FROM Contact WHERE SystemModstamp > ${String(c2.SystemModstamp)} AND SystemModstamp <= ${String(c4.SystemModstamp)} ORDER BY SystemModstamp, Id`;
    expect(names(soql)).toEqual(['c3', 'c4']);
  });
});

describe('ORDER BY Id', () => {
  it('orders ids by their characters, case included (row order), across base-62 digit boundaries', () => {
    const many = new MemoryOrgStore({ objects: standardObjects(), apiVersion: '62.0', username: 'u@example.com' });
    const made = Array.from({ length: 130 }, (_, i) => many.create('Lead', { LastName: `L${i}`, Company: 'Co' }, 'test'));
    const c = many.queryCursor('SELECT Id FROM Lead ORDER BY Id DESC', { scanAll: false });
    expect(Array.from({ length: c.size }, (_, i) => c.values(i)[0])).toEqual([...made].reverse());
    expect([...made].sort()).toEqual(made);
  });
});

describe('changes sharing a SystemModstamp', () => {
  it('orders ties by Id, also across a LIMIT and in a modstamp window', () => {
    const tied = new MemoryOrgStore({ objects: standardObjects(), apiVersion: '62.0', username: 'u@example.com', now: () => NOW });
    const made = ['e', 'd', 'c', 'b', 'a'].map((name) => tied.create('Lead', { LastName: name, Company: 'Co' }, 'test'));
    // Update the earliest-created lead last: its log entry now comes after the others, its Id still first.
    tied.update('Lead', made[0], { Title: 'touched' }, 'test');
    const all = tied.queryCursor('SELECT Id FROM Lead ORDER BY SystemModstamp, Id', { scanAll: false });
    const ids = Array.from({ length: all.size }, (_, i) => all.values(i)[0]);
    expect(ids).toEqual([...made].sort());
    const two = tied.queryCursor('SELECT Id FROM Lead ORDER BY SystemModstamp, Id LIMIT 2', { scanAll: false });
    expect([two.values(0)[0], two.values(1)[0]]).toEqual([...made].sort().slice(0, 2));
    const window = tied.queryCursor(`SELECT Id FROM Lead WHERE SystemModstamp >= ${new Date(NOW).toISOString()} ORDER BY SystemModstamp, Id LIMIT 3 OFFSET 1`, { scanAll: false });
    expect(Array.from({ length: window.size }, (_, i) => window.values(i)[0])).toEqual([...made].sort().slice(1, 4));
    expect(tied.queryCursor(`SELECT Id FROM Lead WHERE SystemModstamp > ${new Date(NOW).toISOString()}`, { scanAll: false }).size).toBe(0);
  });
});

describe('ORDER BY, LIMIT, OFFSET', () => {
  it.each([
    ['ORDER BY NumberOfEmployees', ['gamma', '100% Natural', 'Acme', 'Beta Corp', 'Delta_Co']],
    ['ORDER BY NumberOfEmployees ASC NULLS LAST', ['100% Natural', 'Acme', 'Beta Corp', 'Delta_Co', 'gamma']],
    ['ORDER BY NumberOfEmployees DESC', ['Delta_Co', 'Beta Corp', 'Acme', '100% Natural', 'gamma']],
    ['ORDER BY NumberOfEmployees DESC NULLS FIRST', ['gamma', 'Delta_Co', 'Beta Corp', 'Acme', '100% Natural']],
    ['ORDER BY Name', ['100% Natural', 'Acme', 'Beta Corp', 'Delta_Co', 'gamma']],
    ['ORDER BY Rating DESC, Name ASC', ['Beta Corp', 'Acme', 'Delta_Co', 'gamma', '100% Natural']],
    ['ORDER BY Name LIMIT 2 OFFSET 1', ['Acme', 'Beta Corp']],
    ['ORDER BY Name OFFSET 4', ['gamma']],
    ['LIMIT 2', ['Acme', 'Beta Corp']],
  ])('%s', (tail, expected) => {
    expect(names(`SELECT Name FROM Account ${tail}`)).toEqual(expected);
  });
});

describe('shapes', () => {
  it('nests parent paths as Salesforce does, null when there is no parent', () => {
    const c = org.queryCursor("SELECT LastName, Account.Name, Account.Owner.Alias FROM Contact WHERE LastName IN ('c1', 'c3') ORDER BY LastName", { scanAll: false });
    expect(c.columns).toEqual(['LastName', 'Account.Name', 'Account.Owner.Alias']);
    const [withParent, without] = [c.row(0), c.row(1)];
    expect(withParent.LastName).toBe('c1');
    expect((withParent.Account as SfRow).Name).toBe('Acme');
    expect((withParent.Account as SfRow).attributes).toEqual({ type: 'Account', url: `/services/data/v62.0/sobjects/Account/${ids.Acme}` });
    expect(((withParent.Account as SfRow).Owner as SfRow).Alias).toBe('ferry');
    expect(without.Account).toBeNull();
    expect(c.values(0)).toEqual(['c1', 'Acme', 'ferry']);
    expect(c.values(1)).toEqual(['c3', null, null]);
  });

  it('filters on parent paths', () => {
    expect(names("SELECT LastName FROM Contact WHERE Account.Name = 'acme' ORDER BY LastName")).toEqual(['c1', 'c4']);
  });

  it('counts with COUNT()', () => {
    const c = org.queryCursor("SELECT COUNT() FROM Account WHERE Industry = 'Banking'", { scanAll: false });
    expect(c.count).toBe(2);
    expect(c.columns).toEqual([]);
  });

  it('shows soft-deleted rows only to queryAll, with IsDeleted true', () => {
    expect(names("SELECT Name FROM Account WHERE Name = 'Gone'")).toEqual([]);
    const c = org.queryCursor("SELECT Name, IsDeleted FROM Account WHERE Name = 'Gone'", { scanAll: true });
    expect(c.values(0)).toEqual(['Gone', true]);
  });

  it('spells columns as the describe does whatever the query casing', () => {
    const c = org.queryCursor('select id, name, account.name from contact limit 1', { scanAll: false });
    expect(c.columns).toEqual(['Id', 'Name', 'Account.Name']);
    expect(Object.keys(c.row(0))).toEqual(['attributes', 'Id', 'Name', 'Account']);
  });
});

describe('refused queries', () => {
  it.each([
    ['SELECT FROM Account', 'MALFORMED_QUERY'],
    ['SELEKT Id FROM Account', 'MALFORMED_QUERY'],
    ['', 'MALFORMED_QUERY'],
    ['SELECT Id FROM Nope__c', 'INVALID_TYPE'],
    ['SELECT Nope FROM Account', 'INVALID_FIELD'],
    ['SELECT Id FROM Account WHERE Nope = 1', 'INVALID_FIELD'],
    ['SELECT Nope.Name FROM Contact', 'INVALID_FIELD'],
    ['SELECT Id, COUNT() FROM Account', 'MALFORMED_QUERY'],
    ['SELECT Name, COUNT(Id) FROM Account GROUP BY Industry', 'MALFORMED_QUERY'],
    ['SELECT Name, (SELECT Id FROM Nopes) FROM Account', 'INVALID_TYPE'],
    ['SELECT Id FROM Account FOR UPDATE', 'MALFORMED_QUERY'],
    ['SELECT Id, Id FROM Account', 'MALFORMED_QUERY'],
    ["SELECT Id FROM Account WHERE NumberOfEmployees = 'ten'", 'INVALID_FIELD'],
    ['SELECT Id FROM Account WHERE CreatedDate = 2024-01-01', 'INVALID_FIELD'],
    ["SELECT Id FROM Account WHERE Id = 'bad'", 'INVALID_QUERY_FILTER_OPERATOR'],
    ['SELECT Id FROM Account WHERE CreatedDate = LAST_FORTNIGHT', 'MALFORMED_QUERY'],
    ["SELECT Id FROM Account WHERE Industry INCLUDES ('Banking')", 'INVALID_FIELD'],
  ])('%j → %s', (soql, code) => {
    let caught: unknown;
    try {
      org.queryCursor(soql, { scanAll: false });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SfRequestError);
    expect((caught as SfRequestError).errorCode).toBe(code);
    expect((caught as SfRequestError).httpStatus).toBe(400);
  });
});

describe('compileSoql (PushTopic matcher)', () => {
  it('matches wire records against the WHERE clause', () => {
    const compiled = org.compileSoql("SELECT Id, Name FROM Account WHERE Rating = 'Hot' AND CreatedDate > 2024-01-01T00:00:00Z");
    expect(compiled.object).toBe('Account');
    expect(compiled.fields).toEqual(['Id', 'Name']);
    expect(compiled.whereFields.sort()).toEqual(['CreatedDate', 'Rating']);
    expect(compiled.matches(org.get('Account', ids.Acme)!)).toBe(true);
    expect(compiled.matches(org.get('Account', ids.gamma)!)).toBe(false);
  });

  it('follows parent paths from the record', () => {
    const compiled = org.compileSoql("SELECT Id FROM Contact WHERE Account.Industry = 'Banking'");
    expect(compiled.matches(org.get('Contact', ids.c2)!)).toBe(true);
    expect(compiled.matches(org.get('Contact', ids.c3)!)).toBe(false);
  });
});
