// SOQL as a real org answers it, through jsforce: parent-to-child subqueries, aggregates with GROUP BY and
// HAVING, FOR VIEW / FOR REFERENCE, explain, SOSL, /recent, compound fields (addresses, geolocation,
// Contact Name); unsupported SOQL and unknown paths answer Salesforce's own JSON errors.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRest, startCore, type CoreFixture } from './core-fixture.js';

let fx: CoreFixture;
const ids: Record<string, string> = {};
beforeAll(async () => {
  fx = await startCore({ schemaFile: resolve(__dirname, 'fixtures/real-org-schema.json') });
  const create = async (object: string, values: Record<string, unknown>) => ((await fx.conn.sobject(object).create(values)) as { id: string }).id;
  ids.harbour = await create('Account', { Name: 'Harbour Freight', Industry: 'Shipping', AnnualRevenue: 100, NumberOfEmployees: 10, BillingCity: 'Rotterdam', BillingCountry: 'NL', BillingLatitude: 51.92, BillingLongitude: 4.48 });
  ids.lonely = await create('Account', { Name: 'Lonely Lighthouse', Industry: 'Shipping', AnnualRevenue: 300, NumberOfEmployees: 3 });
  ids.bakery = await create('Account', { Name: 'Bakery Bros', Industry: 'Food & Beverage', AnnualRevenue: 50 });
  ids.ada = await create('Contact', { AccountId: ids.harbour, Salutation: 'Dr.', FirstName: 'Ada', LastName: 'Lovelace', Email: 'ada@harbour.example', MailingCity: 'Leiden' });
  ids.grace = await create('Contact', { AccountId: ids.harbour, FirstName: 'Grace', LastName: 'Hopper' });
  ids.linus = await create('Contact', { AccountId: ids.bakery, LastName: 'Torvalds' });
  ids.ship = await create('Shipment__c', { Name: 'SHP-1', Account__c: ids.harbour, Destination__Latitude__s: 40.7128, Destination__Longitude__s: -74.006 });
});
afterAll(async () => {
  await fx.close();
});

type Rows<T> = { totalSize: number; done: boolean; records: T[] };
type Child = Rows<{ attributes: { type: string; url: string }; Id: string; LastName: string }> | null;

describe('parent-to-child subqueries', () => {
  it('nests each parent\'s children as {totalSize, done, records}, or null when it has none', async () => {
    const res = await fx.conn.query<{ Name: string; Contacts: Child }>(
      "SELECT Name, (SELECT Id, LastName FROM Contacts ORDER BY LastName) FROM Account WHERE Industry IN ('Shipping', 'Food & Beverage') ORDER BY Name");
    expect(res.records.map((r) => r.Name)).toEqual(['Bakery Bros', 'Harbour Freight', 'Lonely Lighthouse']);
    const [bakery, harbour, lonely] = res.records;
    expect(harbour.Contacts).toEqual({
      totalSize: 2, done: true, records: [
        { attributes: { type: 'Contact', url: `/services/data/v62.0/sobjects/Contact/${ids.ada}` }, Id: ids.ada, LastName: 'Lovelace' },
        { attributes: { type: 'Contact', url: `/services/data/v62.0/sobjects/Contact/${ids.grace}` }, Id: ids.grace, LastName: 'Hopper' },
      ].sort((a, b) => a.LastName.localeCompare(b.LastName)),
    });
    expect(bakery.Contacts?.records.map((c) => c.LastName)).toEqual(['Torvalds']);
    expect(lonely.Contacts).toBeNull();
  });

  it('filters and limits children, and follows custom relationships (__r)', async () => {
    const res = await fx.conn.query<{ Id: string; Contacts: Child; Shipments__r: Rows<{ Name: string }> | null }>(
      `SELECT Id, (SELECT LastName FROM Contacts WHERE FirstName = 'Grace' LIMIT 1), (SELECT Name FROM Shipments__r) FROM Account WHERE Id = '${ids.harbour}'`);
    expect(res.records[0].Contacts?.records.map((c) => c.LastName)).toEqual(['Hopper']);
    expect(res.records[0].Shipments__r?.records.map((s) => s.Name)).toEqual(['SHP-1']);
  });

  it('answers INVALID_TYPE for an unknown relationship', async () => {
    await expect(fx.conn.query('SELECT Id, (SELECT Id FROM Contactz) FROM Account')).rejects.toMatchObject({ errorCode: 'INVALID_TYPE' });
  });
});

describe('aggregate queries', () => {
  it('groups with COUNT, SUM, MAX and aliases, named expr0… as Salesforce does', async () => {
    const res = await fx.conn.query<Record<string, unknown>>(
      "SELECT Industry, COUNT(Id), SUM(AnnualRevenue) revenue, MAX(NumberOfEmployees) FROM Account WHERE Industry != null GROUP BY Industry ORDER BY Industry");
    expect(res.totalSize).toBe(2);
    expect(res.records).toEqual([
      { attributes: { type: 'AggregateResult' }, Industry: 'Food & Beverage', expr0: 1, revenue: 50, expr1: null },
      { attributes: { type: 'AggregateResult' }, Industry: 'Shipping', expr0: 2, revenue: 400, expr1: 10 },
    ]);
  });

  it('filters groups with HAVING and orders them by an aggregate', async () => {
    const res = await fx.conn.query<{ AccountId: string; expr0: number }>(
      'SELECT AccountId, COUNT(Id) FROM Contact GROUP BY AccountId HAVING COUNT(Id) > 1 ORDER BY COUNT(Id) DESC');
    expect(res.records.map((r) => [r.AccountId, r.expr0])).toEqual([[ids.harbour, 2]]);
  });

  it('answers one row without GROUP BY, also over no records; MAX(SystemModstamp) in wire format', async () => {
    const none = await fx.conn.query<Record<string, unknown>>("SELECT COUNT(Id), MAX(SystemModstamp) FROM Account WHERE Name = 'nobody'");
    expect(none.records).toEqual([{ attributes: { type: 'AggregateResult' }, expr0: 0, expr1: null }]);
    const all = await fx.conn.query<{ expr0: number; latest: string }>('SELECT COUNT(Id), MAX(SystemModstamp) latest FROM Contact');
    expect(all.records[0].expr0).toBe(3);
    expect(all.records[0].latest).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  });

  it('refuses ungrouped fields and SUM of text with Salesforce\'s codes', async () => {
    await expect(fx.conn.query('SELECT Name, COUNT(Id) FROM Account GROUP BY Industry')).rejects.toMatchObject({ errorCode: 'MALFORMED_QUERY' });
    await expect(fx.conn.query('SELECT SUM(Name) FROM Account')).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
  });
});

describe('FOR VIEW, FOR REFERENCE, /recent, explain and SOSL', () => {
  it('FOR VIEW sets LastViewedDate, which /recent lists newest first', async () => {
    await fx.conn.query(`SELECT Id FROM Account WHERE Id = '${ids.bakery}' FOR VIEW`);
    await fx.conn.query(`SELECT Id FROM Contact WHERE Id = '${ids.grace}' FOR REFERENCE`);
    const viewed = await fx.conn.query<{ LastViewedDate: string | null; LastReferencedDate: string | null }>(`SELECT LastViewedDate, LastReferencedDate FROM Account WHERE Id = '${ids.bakery}'`);
    expect(viewed.records[0].LastViewedDate).toMatch(/\+0000$/);
    expect(viewed.records[0].LastReferencedDate).toBe(viewed.records[0].LastViewedDate);
    const referenced = await fx.conn.query<{ LastViewedDate: string | null; LastReferencedDate: string | null }>(`SELECT LastViewedDate, LastReferencedDate FROM Contact WHERE Id = '${ids.grace}'`);
    expect(referenced.records[0]).toMatchObject({ LastViewedDate: null, LastReferencedDate: expect.stringMatching(/\+0000$/) });
    const recent = await fx.conn.request<{ Id: string; Name: string; attributes: { type: string } }[]>(`/services/data/v62.0/recent?limit=5`);
    expect(recent[0]).toMatchObject({ Id: ids.bakery, Name: 'Bakery Bros', attributes: { type: 'Account' } });
  });

  it('explains a query with a plan: an index for Id, a table scan otherwise', async () => {
    const byId = await fx.conn.request<{ plans: { leadingOperationType: string; sobjectType: string; cardinality: number }[] }>(`/services/data/v62.0/query?explain=${encodeURIComponent(`SELECT Id FROM Account WHERE Id = '${ids.harbour}'`)}`);
    expect(byId.plans[0]).toMatchObject({ leadingOperationType: 'Index', sobjectType: 'Account', cardinality: 1 });
    const scan = await fx.conn.request<{ plans: { leadingOperationType: string; sobjectCardinality: number }[] }>(`/services/data/v62.0/query?explain=${encodeURIComponent("SELECT Id FROM Account WHERE Industry = 'Shipping'")}`);
    expect(scan.plans[0]).toMatchObject({ leadingOperationType: 'TableScan', sobjectCardinality: 3 });
  });

  it('finds records with SOSL FIND … RETURNING', async () => {
    const res = await fx.conn.search("FIND {harbour} IN ALL FIELDS RETURNING Account(Id, Name), Contact(Id, LastName WHERE FirstName = 'Ada')");
    const found = res.searchRecords as unknown as { attributes: { type: string }; Id: string; Name?: string; LastName?: string }[];
    expect(found.map((r) => [r.attributes.type, r.Id])).toEqual([['Account', ids.harbour], ['Contact', ids.ada]]);
    const byName = await fx.conn.search('FIND {Bak*} IN NAME FIELDS RETURNING Account(Name)');
    expect((byName.searchRecords as unknown as { Name: string }[]).map((r) => r.Name)).toEqual(['Bakery Bros']);
    await expect(fx.conn.search('FIND {a}')).rejects.toMatchObject({ errorCode: 'INVALID_SEARCH' });
    await expect(fx.conn.search('SEARCH harbour')).rejects.toMatchObject({ errorCode: 'MALFORMED_SEARCH' });
  });
});

describe('compound fields', () => {
  it('returns BillingAddress as the address object, its components still queryable and writable', async () => {
    const res = await fx.conn.query<{ BillingAddress: unknown; BillingCity: string; ShippingAddress: unknown }>(`SELECT BillingAddress, BillingCity, ShippingAddress FROM Account WHERE Id = '${ids.harbour}'`);
    expect(res.records[0]).toMatchObject({
      BillingAddress: { city: 'Rotterdam', country: 'NL', geocodeAccuracy: null, latitude: 51.92, longitude: 4.48, postalCode: null, state: null, street: null },
      BillingCity: 'Rotterdam',
      ShippingAddress: null,
    });
    await fx.conn.sobject('Account').update({ Id: ids.harbour, BillingStreet: 'Wilhelminakade 1' });
    const record = (await fx.conn.sobject('Account').retrieve(ids.harbour)) as unknown as { BillingAddress: { street: string } };
    expect(record.BillingAddress.street).toBe('Wilhelminakade 1');
    const refused = (await fx.conn.sobject('Account').update({ Id: ids.harbour, BillingAddress: { city: 'Delft' } } as never).catch((e: unknown) => e)) as { errorCode: string };
    expect(refused).toMatchObject({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE' });
    await expect(fx.conn.query("SELECT Id FROM Account WHERE BillingAddress = 'x'")).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
  });

  it('returns MailingAddress, a geolocation and the Contact Name composed from its parts', async () => {
    const c = await fx.conn.query<{ Name: string; Salutation: string; MailingAddress: { city: string } }>(`SELECT Name, Salutation, MailingAddress FROM Contact WHERE Id = '${ids.ada}'`);
    expect(c.records[0]).toMatchObject({ Name: 'Ada Lovelace', Salutation: 'Dr.', MailingAddress: expect.objectContaining({ city: 'Leiden' }) });
    const s = await fx.conn.query<{ Destination__c: unknown; Destination__Latitude__s: number }>(`SELECT Destination__c, Destination__Latitude__s FROM Shipment__c WHERE Id = '${ids.ship}'`);
    expect(s.records[0]).toMatchObject({ Destination__c: { latitude: 40.7128, longitude: -74.006 }, Destination__Latitude__s: 40.7128 });
    const fields = (await fx.conn.sobject('Shipment__c').describe()).fields as unknown as { name: string; type: string; compoundFieldName: string | null }[];
    expect(fields.filter((f) => f.name.startsWith('Destination__')).map((f) => [f.name, f.type, f.compoundFieldName])).toEqual([
      ['Destination__c', 'location', null], ['Destination__Latitude__s', 'double', 'Destination__c'], ['Destination__Longitude__s', 'double', 'Destination__c'],
    ]);
  });

  it('refuses compound fields in a Bulk API 2.0 query as Salesforce does', async () => {
    const created = await (await rawRest(fx.conn, 'POST', '/jobs/query', { operation: 'query', query: 'SELECT Id, BillingAddress FROM Account' })).json() as { id: string };
    let info: { state: string; errorMessage?: string } = { state: 'UploadComplete' };
    for (let i = 0; i < 50 && info.state !== 'Failed' && info.state !== 'JobComplete'; i++) {
      info = await (await rawRest(fx.conn, 'GET', `/jobs/query/${created.id}`)).json() as typeof info;
      if (info.state !== 'Failed') await new Promise((r) => setTimeout(r, 20));
    }
    expect(info).toMatchObject({ state: 'Failed', errorMessage: 'FUNCTIONALITY_NOT_ENABLED: Selecting compound data not supported in Bulk Query' });
  });
});

describe('errors in Salesforce\'s shape', () => {
  it('answers JSON NOT_FOUND for every unknown path', async () => {
    for (const path of ['/services/data/v62.0/nothing/here', '/services/data/v62.0/sobjects/Account/001000000000000AAA/nothing', '/services/nothing', '/completely/unknown']) {
      const res = await fetch(`${fx.emulator.url}${path}`, { headers: { authorization: `Bearer ${fx.conn.accessToken}` } });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toMatch(/json/);
      expect(await res.json(), path).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    }
  });

  it('answers unsupported SOQL with MALFORMED_QUERY, never a crash', async () => {
    for (const soql of ['SELECT Id FROM Account FOR UPDATE', 'SELECT Id FROM Account GROUP BY ROLLUP(Industry)', 'SELECT TYPEOF What WHEN Account THEN Name END FROM Task']) {
      const res = await rawRest(fx.conn, 'GET', `/query?q=${encodeURIComponent(soql)}`);
      expect(res.status, soql).toBe(400);
      expect((await res.json() as { errorCode: string }[])[0].errorCode, soql).toBe('MALFORMED_QUERY');
    }
  });
});
