// The org looks like a real one: custom objects carry every standard field (Name as Text or Auto Number,
// owner and audit fields, activity and view dates, record types), and the standard objects come from the
// describe catalogue with Salesforce's field names, types, lengths, flags and relationships. All through jsforce.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, type CoreFixture } from './core-fixture.js';

let fx: CoreFixture;
beforeAll(async () => {
  fx = await startCore({ schemaFile: resolve(__dirname, 'fixtures/real-org-schema.json') });
});
afterAll(async () => {
  await fx.close();
});

type Field = { name: string; type: string; length: number; nillable: boolean; createable: boolean; updateable: boolean; defaultedOnCreate: boolean; autoNumber: boolean; nameField: boolean; idLookup: boolean; calculated: boolean; compoundFieldName: string | null; referenceTo: string[]; relationshipName: string | null; picklistValues: { value: string; defaultValue: boolean }[]; precision: number; scale: number; custom: boolean };
type SaveResult = { id?: string; success: boolean; errors: { statusCode?: string; message?: string; fields?: string[] }[]; created?: boolean };

const fieldsOf = async (object: string) => new Map(((await fx.conn.sobject(object).describe()).fields as unknown as Field[]).map((f) => [f.name, f]));

describe('custom objects carry the standard fields of a real custom object', () => {
  it('describes Name (Text(80)), OwnerId, audit fields, activity and view dates and RecordTypeId', async () => {
    const fields = await fieldsOf('Shipment__c');
    expect([...fields.keys()].slice(0, 14)).toEqual(expect.arrayContaining([
      'Id', 'OwnerId', 'IsDeleted', 'Name', 'RecordTypeId', 'CreatedDate', 'CreatedById', 'LastModifiedDate', 'LastModifiedById',
      'SystemModstamp', 'LastActivityDate', 'LastViewedDate', 'LastReferencedDate',
    ]));
    expect(fields.get('Name')).toMatchObject({ type: 'string', length: 80, nameField: true, createable: true, updateable: true, custom: false, autoNumber: false, idLookup: true });
    expect(fields.get('OwnerId')).toMatchObject({ type: 'reference', referenceTo: ['User'], relationshipName: 'Owner', nillable: false, defaultedOnCreate: true });
    expect(fields.get('RecordTypeId')).toMatchObject({ type: 'reference', referenceTo: ['RecordType'], relationshipName: 'RecordType' });
    expect(fields.get('LastActivityDate')).toMatchObject({ type: 'date', createable: false, updateable: false });
    expect(fields.get('LastViewedDate')).toMatchObject({ type: 'datetime', createable: false, updateable: false });
    expect((await fieldsOf('Ticket__c')).has('RecordTypeId')).toBe(false);
  });

  it('creates, reads by Name, updates and deletes a custom record; upserts it by an external id', async () => {
    const shipments = fx.conn.sobject('Shipment__c');
    const created = (await shipments.create({ Name: 'SHP Rotterdam', Tracking_Code__c: 'TRK-1', Weight__c: 12.5 })) as SaveResult;
    expect(created.success).toBe(true);
    const byName = await fx.conn.query<{ Id: string; Name: string; Owner: { Name: string } }>("SELECT Id, Name, Owner.Name FROM Shipment__c WHERE Name = 'SHP Rotterdam'");
    expect(byName.records).toEqual([expect.objectContaining({ Id: created.id, Name: 'SHP Rotterdam', Owner: expect.objectContaining({ Name: 'Ferry Integration' }) })]);
    await shipments.update({ Id: created.id!, Name: 'SHP Rotterdam (late)' });
    expect(((await shipments.retrieve(created.id!)) as { Name: string }).Name).toBe('SHP Rotterdam (late)');

    const again = (await shipments.upsert({ Tracking_Code__c: 'TRK-1', Name: 'SHP Antwerp' }, 'Tracking_Code__c')) as SaveResult;
    expect(again).toMatchObject({ id: created.id, success: true, created: false });
    const fresh = (await shipments.upsert({ Tracking_Code__c: 'TRK-2', Name: 'SHP Hamburg' }, 'Tracking_Code__c')) as SaveResult;
    expect(fresh).toMatchObject({ success: true, created: true });
    const names = await fx.conn.query<{ Name: string }>("SELECT Name FROM Shipment__c WHERE Tracking_Code__c IN ('TRK-1', 'TRK-2') ORDER BY Name");
    expect(names.records.map((r) => r.Name)).toEqual(['SHP Antwerp', 'SHP Hamburg']);
    await shipments.destroy(fresh.id!);
    expect((await fx.conn.query("SELECT Id FROM Shipment__c WHERE Name = 'SHP Hamburg'")).totalSize).toBe(0);
  });

  it('names a record created without Name after its 15-character id, as Salesforce does', async () => {
    const { id } = (await fx.conn.sobject('Shipment__c').create({ Weight__c: 1 })) as SaveResult;
    const record = (await fx.conn.sobject('Shipment__c').retrieve(id!)) as { Name: string };
    expect(record.Name).toBe(id!.slice(0, 15));
  });

  it('numbers Auto Number names in the display format and refuses writing them', async () => {
    const fields = await fieldsOf('Ticket__c');
    expect(fields.get('Name')).toMatchObject({ type: 'string', autoNumber: true, createable: false, updateable: false, nillable: false, defaultedOnCreate: true });
    const tickets = fx.conn.sobject('Ticket__c');
    const first = (await tickets.create({ Subject__c: 'a' })) as SaveResult;
    const second = (await tickets.create({ Subject__c: 'b' })) as SaveResult;
    const rows = await fx.conn.query<{ Id: string; Name: string }>('SELECT Id, Name FROM Ticket__c ORDER BY Name');
    expect(rows.records.map((r) => [r.Id, r.Name])).toEqual([[first.id, 'TCK-0007'], [second.id, 'TCK-0008']]);
    const refused = (await tickets.create({ Name: 'mine' }).catch((e: unknown) => e)) as { errorCode: string; message: string };
    expect(refused).toMatchObject({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE' });
    expect(refused.message).toContain('Name');
  });

  it('has record types per object: describe lists them, records take the default, inactive ones are refused', async () => {
    const describe = await fx.conn.sobject('Shipment__c').describe();
    const infos = describe.recordTypeInfos as unknown as { developerName: string; recordTypeId: string; defaultRecordTypeMapping: boolean; active: boolean; master: boolean }[];
    expect(infos.map((i) => [i.developerName, i.defaultRecordTypeMapping, i.active, i.master])).toEqual([
      ['Domestic', true, true, false], ['International', false, true, false], ['Retired', false, false, false], ['Master', false, true, true],
    ]);
    const rts = await fx.conn.query<{ Id: string; DeveloperName: string; SobjectType: string }>("SELECT Id, DeveloperName, SobjectType FROM RecordType WHERE SobjectType = 'Shipment__c' ORDER BY DeveloperName");
    expect(rts.records.map((r) => r.DeveloperName)).toEqual(['Domestic', 'International', 'Retired']);
    const byName = new Map(rts.records.map((r) => [r.DeveloperName, r.Id]));
    expect(byName.get('Domestic')).toBe(infos[0].recordTypeId);

    const { id } = (await fx.conn.sobject('Shipment__c').create({ Name: 'typed' })) as SaveResult;
    const got = await fx.conn.query<{ RecordTypeId: string; RecordType: { DeveloperName: string } }>(`SELECT RecordTypeId, RecordType.DeveloperName FROM Shipment__c WHERE Id = '${id}'`);
    expect(got.records[0]).toMatchObject({ RecordTypeId: byName.get('Domestic'), RecordType: { DeveloperName: 'Domestic' } });
    await fx.conn.sobject('Shipment__c').update({ Id: id!, RecordTypeId: byName.get('International')! });
    const retired = (await fx.conn.sobject('Shipment__c').update({ Id: id!, RecordTypeId: byName.get('Retired')! }).catch((e: unknown) => e)) as { errorCode: string };
    expect(retired).toMatchObject({ errorCode: 'INVALID_CROSS_REFERENCE_KEY' });
    const accountTypes = (await fx.conn.sobject('Account').describe()).recordTypeInfos as unknown as { developerName: string }[];
    expect(accountTypes.map((r) => r.developerName)).toEqual(['Partner_Account', 'Master']);
  });
});

describe('the standard object catalogue', () => {
  it('has every object users map, in the global describe with Salesforce key prefixes', async () => {
    const global = await fx.conn.describeGlobal();
    const prefixes = new Map(global.sobjects.map((s) => [s.name, s.keyPrefix]));
    expect(Object.fromEntries(['Account', 'Contact', 'Lead', 'Opportunity', 'User', 'Case', 'Task', 'Event', 'Campaign', 'CampaignMember', 'Product2', 'Pricebook2', 'PricebookEntry', 'OpportunityLineItem', 'RecordType', 'StreamingChannel'].map((n) => [n, prefixes.get(n)]))).toEqual({
      Account: '001', Contact: '003', Lead: '00Q', Opportunity: '006', User: '005', Case: '500', Task: '00T', Event: '00U', Campaign: '701',
      CampaignMember: '00v', Product2: '01t', Pricebook2: '01s', PricebookEntry: '01u', OpportunityLineItem: '00k', RecordType: '012', StreamingChannel: '0M6',
    });
  });

  it('describes Account with the fields a real org has', async () => {
    const fields = await fieldsOf('Account');
    for (const name of ['Sic', 'SicDesc', 'Ownership', 'TickerSymbol', 'Site', 'AccountSource', 'Jigsaw', 'LastActivityDate', 'MasterRecordId', 'PhotoUrl', 'DunsNumber', 'YearStarted']) {
      expect(fields.has(name), name).toBe(true);
    }
    expect(fields.get('Sic')).toMatchObject({ type: 'string', length: 20 });
    expect(fields.get('Ownership')?.picklistValues.map((p) => p.value)).toEqual(['Public', 'Private', 'Subsidiary', 'Other']);
    expect(fields.get('BillingAddress')).toMatchObject({ type: 'address', createable: false, updateable: false, nillable: true });
    expect(fields.get('BillingCity')).toMatchObject({ compoundFieldName: 'BillingAddress', length: 40 });
    expect(fields.get('BillingLatitude')).toMatchObject({ type: 'double', precision: 18, scale: 15, compoundFieldName: 'BillingAddress' });
    expect(fields.get('LastActivityDate')).toMatchObject({ type: 'date', createable: false, updateable: false });
  });

  it('describes names, defaults, auto numbers and polymorphic references as Salesforce does', async () => {
    const contact = await fieldsOf('Contact');
    for (const part of ['FirstName', 'LastName', 'Salutation']) expect(contact.get(part)?.compoundFieldName, part).toBe('Name');
    expect(contact.get('Name')).toMatchObject({ createable: false, updateable: false, nameField: true });
    const caseFields = await fieldsOf('Case');
    expect(caseFields.get('CaseNumber')).toMatchObject({ autoNumber: true, nameField: true, createable: false });
    expect(caseFields.get('Status')?.picklistValues.find((p) => p.defaultValue)?.value).toBe('New');
    const task = await fieldsOf('Task');
    expect(task.get('WhoId')).toMatchObject({ referenceTo: ['Contact', 'Lead'], relationshipName: 'Who' });
    expect(task.get('Subject')).toMatchObject({ type: 'combobox', nameField: true });
    const children = ((await fx.conn.sobject('Account').describe()).childRelationships as { relationshipName: string; childSObject: string; field: string }[]);
    expect(children).toEqual(expect.arrayContaining([
      expect.objectContaining({ relationshipName: 'Contacts', childSObject: 'Contact', field: 'AccountId' }),
      expect.objectContaining({ relationshipName: 'Opportunities', childSObject: 'Opportunity', field: 'AccountId' }),
      expect.objectContaining({ relationshipName: 'Cases', childSObject: 'Case', field: 'AccountId' }),
      expect.objectContaining({ relationshipName: 'ChildAccounts', childSObject: 'Account', field: 'ParentId' }),
      expect.objectContaining({ relationshipName: 'Shipments__r', childSObject: 'Shipment__c', field: 'Account__c' }),
    ]));
  });

  it('numbers cases and defaults their status and priority', async () => {
    const a = (await fx.conn.sobject('Case').create({ Subject: 'Broken' })) as SaveResult;
    const got = (await fx.conn.sobject('Case').retrieve(a.id!)) as { CaseNumber: string; Status: string; Priority: string };
    expect(got).toMatchObject({ CaseNumber: expect.stringMatching(/^\d{8}$/), Status: 'New', Priority: 'Medium' });
  });
});
