// sObject CRUD, upsert by external id, sObject Collections and getUpdated/getDeleted through jsforce.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import { rawRest, startCore, type CoreFixture } from './core-fixture.js';

let fx: CoreFixture;
beforeAll(async () => {
  fx = await startCore({ schemaFile: resolve(__dirname, '../../emulator/schema/example.json') });
});
afterAll(async () => {
  await fx.close();
});

type SaveResult = { id?: string; success: boolean; errors: { statusCode?: string; errorCode?: string; fields?: string[] }[]; created?: boolean };

describe('single records', () => {
  it('creates, retrieves, updates and deletes', async () => {
    const account = fx.conn.sobject('Account');
    const created = (await account.create({ Name: 'Ferry Ltd', Industry: 'Energy', NumberOfEmployees: 12 })) as SaveResult;
    expect(created).toEqual({ id: expect.stringMatching(/^001[0-9A-Za-z]{15}$/), success: true, errors: [] });
    const id = created.id!;
    const record = (await account.retrieve(id)) as Record<string, unknown>;
    expect(record).toMatchObject({ Id: id, Name: 'Ferry Ltd', Industry: 'Energy', NumberOfEmployees: 12, IsDeleted: false });
    expect(record.attributes).toEqual({ type: 'Account', url: `/services/data/v62.0/sobjects/Account/${id}` });
    expect(String(record.CreatedDate)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    const updated = (await account.update({ Id: id, Industry: 'Media' })) as SaveResult;
    expect(updated).toMatchObject({ id, success: true });
    const after = (await account.retrieve(id)) as Record<string, string>;
    expect(after.Industry).toBe('Media');
    expect(after.SystemModstamp > String(record.SystemModstamp)).toBe(true);
    await account.destroy(id);
    await expect(account.retrieve(id)).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
  });

  it('retrieves only the requested fields', async () => {
    const { id } = (await fx.conn.sobject('Account').create({ Name: 'Few Fields' })) as SaveResult;
    const res = await rawRest(fx.conn, 'GET', `/sobjects/Account/${id}?fields=Name,Id`);
    expect(await res.json()).toEqual({ attributes: expect.any(Object), Name: 'Few Fields', Id: id });
  });

  it('answers statuses as Salesforce does (201 create, 204 update and delete)', async () => {
    const create = await rawRest(fx.conn, 'POST', '/sobjects/Account', { Name: 'Raw' });
    expect(create.status).toBe(201);
    const { id } = (await create.json()) as { id: string };
    expect((await rawRest(fx.conn, 'PATCH', `/sobjects/Account/${id}`, { Phone: '123' })).status).toBe(204);
    expect((await rawRest(fx.conn, 'DELETE', `/sobjects/Account/${id}`)).status).toBe(204);
    const again = await rawRest(fx.conn, 'DELETE', `/sobjects/Account/${id}`);
    expect(again.status).toBe(404);
    expect(await again.json()).toEqual([{ errorCode: 'ENTITY_IS_DELETED', message: 'entity is deleted', fields: [] }]);
  });

  it.each([
    [{ Industry: 'Energy' }, 'REQUIRED_FIELD_MISSING'],
    [{ Name: 'A', Rating: 'Tepid' }, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST'],
    [{ Name: 'A', Nope__c: 1 }, 'INVALID_FIELD'],
  ])('refuses %j with %s', async (values, code) => {
    await expect(fx.conn.sobject('Account').create(values)).rejects.toMatchObject({ errorCode: code });
    const res = await rawRest(fx.conn, 'POST', '/sobjects/Account', values);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errorCode: string }[])[0].errorCode).toBe(code);
  });

  it('refuses bodies that are not JSON objects with 400 JSON_PARSER_ERROR', async () => {
    const bad = await fetch(`${fx.conn.instanceUrl}/services/data/v62.0/sobjects/Account`, {
      method: 'POST', headers: { authorization: `Bearer ${fx.conn.accessToken}`, 'content-type': 'application/json' }, body: '{"Name": ',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errorCode: string }[])[0].errorCode).toBe('JSON_PARSER_ERROR');
    const list = await rawRest(fx.conn, 'POST', '/sobjects/Account', [{ Name: 'x' }]);
    expect(list.status).toBe(400);
    const nested = await rawRest(fx.conn, 'POST', '/sobjects/Account', { Name: { first: 'x' } });
    expect(((await nested.json()) as { errorCode: string }[])[0].errorCode).toBe('INVALID_TYPE_ON_FIELD_IN_RECORD');
  });

  it('answers an unknown object with 404 NOT_FOUND', async () => {
    const res = await rawRest(fx.conn, 'POST', '/sobjects/Nope__c', { Name: 'x' });
    expect(res.status).toBe(404);
  });
});

describe('upsert by external id', () => {
  it('creates, then updates, then answers 300 when the key is ambiguous', async () => {
    const contacts = fx.conn.sobject('Contact');
    const first = (await contacts.upsert({ Legacy_Id__c: 'LEG-1', LastName: 'First' }, 'Legacy_Id__c')) as SaveResult;
    expect(first).toMatchObject({ success: true, created: true });
    const second = (await contacts.upsert({ Legacy_Id__c: 'LEG-1', LastName: 'Second' }, 'Legacy_Id__c')) as SaveResult;
    expect(second).toMatchObject({ id: first.id, success: true, created: false });
    expect(((await contacts.retrieve(first.id!)) as { LastName: string }).LastName).toBe('Second');
    await contacts.create({ LastName: 'Twin', Legacy_Id__c: 'LEG-1' });
    const res = await rawRest(fx.conn, 'PATCH', '/sobjects/Contact/Legacy_Id__c/LEG-1', { LastName: 'Third' });
    expect(res.status).toBe(300);
    expect(((await res.json()) as string[])).toHaveLength(2);
    await expect(contacts.upsert({ Legacy_Id__c: 'LEG-1', LastName: 'x' }, 'Legacy_Id__c')).rejects.toMatchObject({ name: 'MULTIPLE_CHOICES' });
  });

  it('refuses a duplicate value of a unique external id on create', async () => {
    await fx.conn.sobject('Account').create({ Name: 'U1', Ferry_External_Id__c: 'uniq-1' });
    await expect(fx.conn.sobject('Account').create({ Name: 'U2', Ferry_External_Id__c: 'uniq-1' })).rejects.toMatchObject({ errorCode: 'DUPLICATE_VALUE' });
  });

  it('answers 404 for a field that is not an external id', async () => {
    const res = await rawRest(fx.conn, 'PATCH', '/sobjects/Account/Name/Acme', { Phone: '1' });
    expect(res.status).toBe(404);
  });
});

describe('sObject Collections', () => {
  it('creates with mixed success, results in input order', async () => {
    const results = (await fx.conn.sobject('Account').create([{ Name: 'C1' }, { Industry: 'Media' }, { Name: 'C3' }])) as SaveResult[];
    expect(results.map((r) => r.success)).toEqual([true, false, true]);
    expect(results[1].errors[0]).toMatchObject({ statusCode: 'REQUIRED_FIELD_MISSING', fields: ['Name'] });
    const names = await fx.conn.query<{ Name: string }>(`SELECT Name FROM Account WHERE Id IN ('${results[0].id}', '${results[2].id}') ORDER BY Name`);
    expect(names.records.map((r) => r.Name)).toEqual(['C1', 'C3']);
  });

  it('rolls back everything with allOrNone', async () => {
    const before = (await fx.conn.query('SELECT COUNT() FROM Account')).totalSize;
    const results = (await fx.conn.sobject('Account').create([{ Name: 'R1' }, { Rating: 'Bad', Name: 'R2' }, { Name: 'R3' }], { allOrNone: true })) as SaveResult[];
    expect(results.map((r) => r.errors[0]?.statusCode)).toEqual(['ALL_OR_NONE_OPERATION_ROLLED_BACK', 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'ALL_OR_NONE_OPERATION_ROLLED_BACK']);
    expect((await fx.conn.query('SELECT COUNT() FROM Account')).totalSize).toBe(before);
  });

  it('rolls back a batch repeating a unique value with allOrNone', async () => {
    const results = (await fx.conn.sobject('Account').create([{ Name: 'D1', Ferry_External_Id__c: 'same' }, { Name: 'D2', Ferry_External_Id__c: 'same' }], { allOrNone: true })) as SaveResult[];
    expect(results.every((r) => !r.success)).toBe(true);
    expect((await fx.conn.query("SELECT COUNT() FROM Account WHERE Ferry_External_Id__c = 'same'")).totalSize).toBe(0);
  });

  it('updates, upserts, retrieves and deletes in collections', async () => {
    const account = fx.conn.sobject('Account');
    const created = (await account.create([{ Name: 'U1' }, { Name: 'U2' }])) as SaveResult[];
    const ids = created.map((r) => r.id!);
    const updated = (await account.update([{ Id: ids[0], Phone: '1' }, { Id: ids[1], Rating: 'Nope' }])) as SaveResult[];
    expect(updated.map((r) => r.success)).toEqual([true, false]);
    const upserted = (await account.upsert([{ Ferry_External_Id__c: 'col-1', Name: 'Col 1' }, { Ferry_External_Id__c: 'col-1b', Name: 'Col 2' }], 'Ferry_External_Id__c')) as SaveResult[];
    expect(upserted.map((r) => r.created)).toEqual([true, true]);
    const again = (await account.upsert([{ Ferry_External_Id__c: 'col-1', Name: 'Col 1 again' }], 'Ferry_External_Id__c')) as SaveResult[];
    expect(again[0]).toMatchObject({ created: false, id: upserted[0].id });
    const retrieved = (await account.retrieve([ids[0], ids[1]], { fields: ['Name', 'Phone'] })) as Record<string, unknown>[];
    expect(retrieved.map((r) => r.Phone)).toEqual(['1', null]);
    const deleted = (await account.destroy([ids[0], ids[1]])) as SaveResult[];
    expect(deleted.map((r) => r.success)).toEqual([true, true]);
    const deletedAgain = (await account.destroy([ids[0]])) as SaveResult[];
    expect(deletedAgain[0].errors[0].statusCode).toBe('ENTITY_IS_DELETED');
  });

  it('refuses more than 200 records', async () => {
    const records = Array.from({ length: 201 }, (_, i) => ({ attributes: { type: 'Account' }, Name: `Big ${i}` }));
    const res = await rawRest(fx.conn, 'POST', '/composite/sobjects', { allOrNone: false, records });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errorCode: string }[])[0].errorCode).toBe('EXCEEDED_ID_LIMIT');
  });
});

describe('getUpdated and getDeleted', () => {
  it('reports changed and deleted ids in a window', async () => {
    const start = new Date(Date.now() - 1000);
    const a = (await fx.conn.sobject('Lead').create({ LastName: 'L1', Company: 'Co' })) as SaveResult;
    const b = (await fx.conn.sobject('Lead').create({ LastName: 'L2', Company: 'Co' })) as SaveResult;
    await fx.conn.sobject('Lead').destroy(b.id!);
    const end = new Date(Date.now() + 60_000);
    const updated = await fx.conn.sobject('Lead').updated(start, end);
    expect(updated.ids).toEqual([a.id]);
    expect(updated.latestDateCovered).toMatch(/\+0000$/);
    const deleted = await fx.conn.sobject('Lead').deleted(start, end);
    expect(deleted.deletedRecords).toEqual([{ id: b.id, deletedDate: expect.stringMatching(/\+0000$/) }]);
    const slash = await rawRest(fx.conn, 'GET', `/sobjects/Lead/deleted/?start=${encodeURIComponent(start.toISOString())}&end=${encodeURIComponent(end.toISOString())}`);
    expect(((await slash.json()) as { deletedRecords: unknown[] }).deletedRecords).toHaveLength(1);
  });

  it('refuses a start more than 15 days back', async () => {
    const start = new Date(Date.now() - 16 * 86_400_000);
    await expect(fx.conn.sobject('Lead').updated(start, new Date())).rejects.toMatchObject({ errorCode: 'INVALID_REPLICATION_DATE' });
  });
});

describe('describe', () => {
  it('describes the org globally and per object', async () => {
    const global = await fx.conn.describeGlobal();
    const names = global.sobjects.map((o) => o.name);
    expect(names).toEqual(expect.arrayContaining(['Account', 'Contact', 'Lead', 'Opportunity', 'PushTopic', 'Invoice__c']));
    expect(global.sobjects.find((o) => o.name === 'Account')?.keyPrefix).toBe('001');
    const contact = await fx.conn.sobject('Contact').describe();
    const accountId = contact.fields.find((f) => f.name === 'AccountId')!;
    expect(accountId).toMatchObject({ type: 'reference', referenceTo: ['Account'], relationshipName: 'Account', soapType: 'tns:ID' });
    expect(contact.fields.find((f) => f.name === 'LastName')).toMatchObject({ nillable: false, createable: true, type: 'string', length: 80 });
    expect(contact.fields.find((f) => f.name === 'SystemModstamp')).toMatchObject({ type: 'datetime', createable: false, updateable: false });
    const invoice = await fx.conn.sobject('Invoice__c').describe();
    expect(invoice).toMatchObject({ custom: true, keyPrefix: 'a01' });
    expect(invoice.fields.find((f) => f.name === 'Invoice_Number__c')).toMatchObject({ externalId: true, unique: true, idLookup: true });
    const account = await fx.conn.sobject('Account').describe();
    expect(account.childRelationships.map((r) => r.relationshipName)).toEqual(expect.arrayContaining(['Contacts', 'Opportunities', 'Invoices__r']));
  });

  it('answers the basic info resource and the versions list', async () => {
    const res = await rawRest(fx.conn, 'GET', '/sobjects/Lead');
    expect(((await res.json()) as { objectDescribe: { name: string } }).objectDescribe.name).toBe('Lead');
    const versions = (await (await fetch(`${fx.emulator.url}/services/data`)).json()) as { version: string }[];
    expect(versions.map((v) => v.version)).toContain('62.0');
  });
});
