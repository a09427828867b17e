// Bulk API 1.0 through jsforce's conn.bulk (and Query#update/destroy above 200 records, which take it): CSV
// and XML jobs, batches and their results, close and abort, Salesforce's XML error shapes, and the API
// allowance it counts against.
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRest, startCore, type CoreFixture } from './core-fixture.js';

let fx: CoreFixture;
beforeAll(async () => {
  fx = await startCore({ schemaFile: resolve(__dirname, 'fixtures/real-org-schema.json') });
  fx.conn.bulk.pollInterval = 20;
  fx.conn.bulk.pollTimeout = 20_000;
});
afterAll(async () => {
  await fx.close();
});

type LoadResult = { id: string | null; success: boolean; created?: boolean; errors: string[] };
const asyncUrl = (path: string) => `${fx.conn.instanceUrl}/services/async/62.0${path}`;
const asyncCall = async (method: string, path: string, body?: string, contentType = 'application/xml; charset=UTF-8') => {
  const res = await fetch(asyncUrl(path), { method, headers: { 'X-SFDC-Session': fx.conn.accessToken!, 'content-type': contentType }, body });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
};
const tag = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
const limits = async () => (await (await rawRest(fx.conn, 'GET', '/limits')).json()) as Record<string, { Max: number; Remaining: number }>;

describe('Bulk API 1.0 CSV jobs through jsforce', () => {
  it('inserts, updates, upserts by external id and deletes, with one result per row', async () => {
    const inserted = (await fx.conn.bulk.load('Account', 'insert', [
      { Name: 'Bulk One', Industry: 'Energy' }, { Name: 'Bulk Two', NumberOfEmployees: 5 }, { Industry: 'Media' },
    ])) as LoadResult[];
    expect(inserted.map((r) => [r.success, r.created])).toEqual([[true, true], [true, true], [false, false]]);
    expect(inserted[0].id).toMatch(/^001/);
    expect(inserted[2].errors[0]).toMatch(/^REQUIRED_FIELD_MISSING:Required fields are missing: \[Name\]:Name --/);
    const updated = (await fx.conn.bulk.load('Account', 'update', [{ Id: inserted[0].id!, Industry: 'Media' }])) as LoadResult[];
    expect(updated).toEqual([{ id: inserted[0].id, success: true, created: false, errors: [] }]);
    expect(((await fx.conn.sobject('Account').retrieve(inserted[0].id!)) as { Industry: string }).Industry).toBe('Media');

    const upserted = (await fx.conn.bulk.load('Shipment__c', 'upsert', { extIdField: 'Tracking_Code__c' }, [
      { Tracking_Code__c: 'B1-1', Name: 'first' }, { Tracking_Code__c: 'B1-2', Name: 'second' },
    ])) as LoadResult[];
    expect(upserted.map((r) => [r.success, r.created])).toEqual([[true, true], [true, true]]);
    const again = (await fx.conn.bulk.load('Shipment__c', 'upsert', { extIdField: 'Tracking_Code__c' }, [{ Tracking_Code__c: 'B1-1', Name: 'renamed' }])) as LoadResult[];
    expect(again).toEqual([{ id: upserted[0].id, success: true, created: false, errors: [] }]);

    const deleted = (await fx.conn.bulk.load('Account', 'delete', [{ Id: inserted[1].id! }])) as LoadResult[];
    expect(deleted[0]).toMatchObject({ id: inserted[1].id, success: true });
    await expect(fx.conn.sobject('Account').retrieve(inserted[1].id!)).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
  });

  it('runs a query job and streams its CSV result', async () => {
    await fx.conn.sobject('Account').create([{ Name: 'Query Me A', Industry: 'Retail' }, { Name: 'Query Me B', Industry: 'Retail' }]);
    const stream = await fx.conn.bulk.query("SELECT Id, Name, Industry, CreatedDate FROM Account WHERE Name LIKE 'Query Me%' ORDER BY Name");
    const records = (await (stream as unknown as Readable).toArray()) as Record<string, string>[];
    expect(records.map((r) => [r.Name, r.Industry])).toEqual([['Query Me A', 'Retail'], ['Query Me B', 'Retail']]);
    expect(records[0].CreatedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('completes an empty batch with no results', async () => {
    const job = fx.conn.bulk.createJob('Account', 'insert');
    const batch = job.createBatch();
    const done = new Promise<LoadResult[]>((resolve, reject) => {
      batch.on('error', reject);
      batch.on('queue', () => batch.poll(20, 10_000));
      batch.on('response', resolve);
    });
    batch.execute('Name\n');
    expect(await done).toEqual([]);
    const info = await job.close();
    expect(info).toMatchObject({ state: 'Closed', numberBatchesCompleted: '1', numberRecordsProcessed: '0' });
  });

  it('updates and deletes more than 200 queried records through Query#update / Query#destroy (Bulk API 1.0)', async () => {
    const rows = Array.from({ length: 230 }, (_, i) => ({ Name: `Many ${i}`, Industry: 'Agriculture' }));
    const created = (await fx.conn.bulk.load('Account', 'insert', rows)) as LoadResult[];
    expect(created.every((r) => r.success)).toBe(true);
    const before = (await limits()).DailyBulkApiBatches.Remaining;
    const updated = (await fx.conn.sobject('Account').find({ Industry: 'Agriculture' }).update({ Rating: 'Hot' })) as LoadResult[];
    expect(updated).toHaveLength(230);
    expect(updated.every((r) => r.success)).toBe(true);
    expect((await limits()).DailyBulkApiBatches.Remaining).toBe(before - 1);
    expect((await fx.conn.query("SELECT COUNT() FROM Account WHERE Industry = 'Agriculture' AND Rating = 'Hot'")).totalSize).toBe(230);
    const destroyed = (await fx.conn.sobject('Account').find({ Industry: 'Agriculture' }).destroy()) as LoadResult[];
    expect(destroyed).toHaveLength(230);
    expect((await fx.conn.query("SELECT COUNT() FROM Account WHERE Industry = 'Agriculture'")).totalSize).toBe(0);
  });
});

describe('Bulk API 1.0 XML, job states, errors and the allowance', () => {
  it('loads and queries XML batches with the real XML shapes', async () => {
    const created = await asyncCall('POST', '/job', `<?xml version="1.0" encoding="UTF-8"?><jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><operation>insert</operation><object>Contact</object><contentType>XML</contentType></jobInfo>`);
    expect(created.status).toBe(201);
    expect(created.type).toMatch(/application\/xml/);
    const jobId = tag(created.text, 'id')!;
    expect(created.text).toContain('<state>Open</state><concurrencyMode>Parallel</concurrencyMode><contentType>XML</contentType>');
    const batch = await asyncCall('POST', `/job/${jobId}/batch`, `<?xml version="1.0" encoding="UTF-8"?><sObjects xmlns="http://www.force.com/2009/06/asyncapi/dataload" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><sObject><LastName>Xml &amp; Co</LastName><FirstName xsi:nil="true"/></sObject><sObject><FirstName>NoLast</FirstName></sObject></sObjects>`);
    expect(batch.status).toBe(201);
    const batchId = tag(batch.text, 'id')!;
    let info = batch.text;
    for (let i = 0; i < 100 && tag(info, 'state') !== 'Completed'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      info = (await asyncCall('GET', `/job/${jobId}/batch/${batchId}`)).text;
    }
    expect(info).toContain('<numberRecordsProcessed>2</numberRecordsProcessed><numberRecordsFailed>1</numberRecordsFailed>');
    const results = await asyncCall('GET', `/job/${jobId}/batch/${batchId}/result`);
    expect(results.text).toMatch(/<results xmlns="http:\/\/www\.force\.com\/2009\/06\/asyncapi\/dataload"[^>]*><result><id>003\w{15}<\/id><success>true<\/success><created>true<\/created><\/result><result><errors><fields>LastName<\/fields><message>Required fields are missing: \[LastName\]<\/message><statusCode>REQUIRED_FIELD_MISSING<\/statusCode><\/errors><id xsi:nil="true"\/><success>false<\/success><created>false<\/created><\/result><\/results>/);
    const lastName = await fx.conn.query<{ LastName: string }>(`SELECT LastName FROM Contact WHERE Id = '${tag(results.text, 'id')}'`);
    expect(lastName.records[0].LastName).toBe('Xml & Co');

    const qjob = tag((await asyncCall('POST', '/job', '<jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><operation>query</operation><object>Contact</object><contentType>XML</contentType></jobInfo>')).text, 'id')!;
    const qbatch = tag((await asyncCall('POST', `/job/${qjob}/batch`, "SELECT Id, LastName, Email FROM Contact WHERE LastName = 'Xml & Co'", 'text/csv')).text, 'id')!;
    let qinfo = '';
    for (let i = 0; i < 100 && tag(qinfo, 'state') !== 'Completed'; i++) {
      await new Promise((r) => setTimeout(r, 10));
      qinfo = (await asyncCall('GET', `/job/${qjob}/batch/${qbatch}`)).text;
    }
    const list = await asyncCall('GET', `/job/${qjob}/batch/${qbatch}/result`);
    const resultId = tag(list.text, 'result')!;
    expect(list.text).toContain('<result-list xmlns="http://www.force.com/2009/06/asyncapi/dataload">');
    const rows = await asyncCall('GET', `/job/${qjob}/batch/${qbatch}/result/${resultId}`);
    expect(rows.text).toMatch(/<queryResult [^>]*><records xsi:type="sObject"><type>Contact<\/type><Id>003\w{15}<\/Id><LastName>Xml &amp; Co<\/LastName><Email xsi:nil="true"\/><\/records><\/queryResult>/);
  });

  it('closes and aborts jobs; a closed job takes no batch', async () => {
    const job = fx.conn.bulk.createJob('Account', 'insert');
    const { id } = await job.open();
    expect(await job.close()).toMatchObject({ id, state: 'Closed' });
    const refused = await asyncCall('POST', `/job/${id}/batch`, 'Name\nLate\n', 'text/csv');
    expect(refused.status).toBe(400);
    expect(tag(refused.text, 'exceptionCode')).toBe('InvalidJobState');
    const other = fx.conn.bulk.createJob('Account', 'insert');
    await other.open();
    expect(await other.abort()).toMatchObject({ state: 'Aborted' });
  });

  it('answers Salesforce\'s error codes: bad session, unknown job, unknown object, bad XML, bad SOQL', async () => {
    const bad = await fetch(asyncUrl('/job'), { method: 'POST', headers: { 'X-SFDC-Session': 'nope', 'content-type': 'application/xml' }, body: '<jobInfo/>' });
    expect(bad.status).toBe(400);
    expect(tag(await bad.text(), 'exceptionCode')).toBe('InvalidSessionId');
    expect(tag((await asyncCall('GET', '/job/750000000000000AAA')).text, 'exceptionCode')).toBe('InvalidJob');
    const noObject = await asyncCall('POST', '/job', '<jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><operation>insert</operation><object>Nope__c</object><contentType>CSV</contentType></jobInfo>');
    expect([noObject.status, tag(noObject.text, 'exceptionCode'), tag(noObject.text, 'exceptionMessage')]).toEqual([400, 'InvalidJob', 'Unable to find object: Nope__c']);
    expect(tag((await asyncCall('POST', '/job', '<jobInfo><operation>insert')).text, 'exceptionCode')).toBe('InvalidXML');
    await expect(fx.conn.bulk.query('SELECT Nope FROM Account')).rejects.toThrow(/InvalidBatch : Failed to process query: INVALID_FIELD/);
  });

  it('counts every request against DailyApiRequests and every batch against DailyBulkApiBatches', async () => {
    // jsforce closes a loaded job after its results arrive; wait until no such call is in flight (a read of
    // /limits then costs exactly itself).
    let before = await limits();
    for (let i = 0; i < 50; i++) {
      const next = await limits();
      const settled = before.DailyApiRequests.Remaining - next.DailyApiRequests.Remaining === 1;
      before = next;
      if (settled) break;
    }
    const job = tag((await asyncCall('POST', '/job', '<jobInfo xmlns="http://www.force.com/2009/06/asyncapi/dataload"><operation>insert</operation><object>Account</object><contentType>CSV</contentType></jobInfo>')).text, 'id')!;
    await asyncCall('POST', `/job/${job}/batch`, 'Name\nCounted\n', 'text/csv');
    await asyncCall('GET', `/job/${job}`);
    const after = await limits();
    // Three async requests, then the /limits call itself.
    expect(before.DailyApiRequests.Remaining - after.DailyApiRequests.Remaining).toBe(4);
    expect(before.DailyBulkApiBatches.Remaining - after.DailyBulkApiBatches.Remaining).toBe(1);
  });
});
