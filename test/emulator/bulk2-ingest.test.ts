// Bulk API 2.0 ingest jobs against the emulator: jsforce's loadAndWaitForResults and its step-by-step job API
// for insert, update, upsert, delete and hardDelete with good and bad rows; raw requests for the upload rules.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../emulator/contract.js';
import { startBulk2Fixture, waitForJob, type Bulk2Fixture } from './bulk2-fixture.js';

let fx: Bulk2Fixture;

beforeAll(async () => {
  fx = await startBulk2Fixture();
});

afterAll(async () => {
  await fx.close();
});

const account = (id: string) => fx.emu.org.get('Account', id, true);

describe('insert', () => {
  it('creates the good rows and reports the bad ones in failedResults', async () => {
    const csv = 'Name,NumberOfEmployees,Description\nGood One,5,#N/A\n,7,no name here\nGood Two,not a number,x\n"Quoted ""Name"", Inc","12","multi\nline"\n';
    const results = await fx.conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input: csv });
    expect(results.successfulResults).toHaveLength(2);
    const [one, quoted] = results.successfulResults;
    expect(one).toMatchObject({ sf__Created: 'true', Name: 'Good One', NumberOfEmployees: '5', Description: '#N/A' });
    expect(quoted).toMatchObject({ sf__Created: 'true', Name: 'Quoted "Name", Inc', Description: 'multi\nline' });
    expect(account(one.sf__Id)).toMatchObject({ Name: 'Good One', NumberOfEmployees: 5, Description: null });
    expect(account(quoted.sf__Id)).toMatchObject({ Name: 'Quoted "Name", Inc', NumberOfEmployees: 12, Description: 'multi\nline' });
    expect(results.failedResults).toEqual([
      { sf__Id: '', sf__Error: 'REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --', Name: '', NumberOfEmployees: '7', Description: 'no name here' },
      { sf__Id: '', sf__Error: expect.stringMatching(/^INVALID_TYPE_ON_FIELD_IN_RECORD:.*not a number:NumberOfEmployees --$/) as string, Name: 'Good Two', NumberOfEmployees: 'not a number', Description: 'x' },
    ]);
    expect(results.unprocessedRecords).toEqual([]);
  });

  it('accepts jsforce records (nulls sent as #N/A) and CRLF line endings', async () => {
    const job = fx.conn.bulk2.createJob({ object: 'Account', operation: 'insert', lineEnding: 'CRLF' });
    await job.open();
    await job.uploadData('Name,Website\r\n"Crlf, Ltd",#N/A\r\nSecond,https://second.example\r\n');
    await job.close();
    await job.poll();
    const ok = await job.getSuccessfulResults();
    expect(ok.map((r) => account(r.sf__Id)?.Name)).toEqual(['Crlf, Ltd', 'Second']);
    expect(job.getInfo()).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 2, numberRecordsFailed: 0, lineEnding: 'CRLF' });
    const fromRecords = await fx.conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input: [{ Name: 'From Record', Website: null }] });
    expect(account(fromRecords.successfulResults[0].sf__Id)).toMatchObject({ Name: 'From Record', Website: null });
  });

  it('commits each chunk of 1,000 rows as one bulk transaction with its change events', async () => {
    const events: ChangeEvent[] = [];
    const listen = (e: ChangeEvent) => events.push(e);
    fx.emu.org.on('change', listen);
    const rows = Array.from({ length: 1500 }, (_, i) => `Chunked ${i}`);
    const results = await fx.conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input: `Name\n${rows.join('\n')}\n` });
    fx.emu.org.off('change', listen);
    expect(results.successfulResults).toHaveLength(1500);
    expect(events).toHaveLength(1500);
    expect(new Set(events.map((e) => e.changeOrigin))).toEqual(new Set(['com/salesforce/api/bulk/62.0']));
    const keys = events.map((e) => e.transactionKey);
    expect(new Set(keys.slice(0, 1000)).size).toBe(1);
    expect(new Set(keys.slice(1000)).size).toBe(1);
    expect(keys[0]).not.toBe(keys[1000]);
  });
});

describe('update, upsert, delete', () => {
  it('updates by Id: empty cell leaves a field, #N/A clears it; bad ids fail', async () => {
    const a = fx.emu.org.create('Account', { Name: 'Upd A', Description: 'old A', NumberOfEmployees: 1 }, 'test');
    const b = fx.emu.org.create('Account', { Name: 'Upd B', Description: 'old B' }, 'test');
    const missing = a.slice(0, 9) + 'zzzzzz' + a.slice(15, 15);
    const job = fx.conn.bulk2.createJob({ object: 'Account', operation: 'update' });
    await job.open();
    await job.uploadData(`Id,Name,Description,NumberOfEmployees\n${a},Upd A2,#N/A,\n${b},,new B,3\n${missing},X,,\nnot-an-id,Y,,\n`);
    await job.close();
    await job.poll();
    expect(job.getInfo()).toMatchObject({ numberRecordsProcessed: 4, numberRecordsFailed: 2 });
    expect(account(a)).toMatchObject({ Name: 'Upd A2', Description: null, NumberOfEmployees: 1 });
    expect(account(b)).toMatchObject({ Name: 'Upd B', Description: 'new B', NumberOfEmployees: 3 });
    const { successfulResults, failedResults } = await job.getAllResults();
    expect(successfulResults.map((r) => [r.sf__Id, r.sf__Created])).toEqual([[a, 'false'], [b, 'false']]);
    expect(failedResults.map((r) => [r.sf__Id, r.sf__Error.split(':')[0]])).toEqual([[missing, 'NOT_FOUND'], ['not-an-id', 'MALFORMED_ID']]);
  });

  it('upserts on an external id: existing rows update, new ones are created, a blank key fails', async () => {
    const existing = fx.emu.org.create('Account', { Name: 'Ext One', Ferry_External_Id__c: 'EXT-1' }, 'test');
    const results = await fx.conn.bulk2.loadAndWaitForResults({
      object: 'Account', operation: 'upsert', externalIdFieldName: 'Ferry_External_Id__c',
      input: 'Ferry_External_Id__c,Name\nEXT-1,Ext One Renamed\nEXT-2,Ext Two\n,No Key\n',
    });
    expect(results.successfulResults.map((r) => [r.sf__Created, (r as unknown as Record<string, string>).Ferry_External_Id__c])).toEqual([['false', 'EXT-1'], ['true', 'EXT-2']]);
    expect(results.successfulResults[0].sf__Id).toBe(existing);
    expect(account(existing)?.Name).toBe('Ext One Renamed');
    expect(fx.emu.org.findByExternalId('Account', 'Ferry_External_Id__c', 'EXT-2')).toEqual([results.successfulResults[1].sf__Id]);
    expect(results.failedResults).toEqual([{ sf__Id: '', sf__Error: 'MISSING_ARGUMENT:Ferry_External_Id__c not specified:Ferry_External_Id__c --', Ferry_External_Id__c: '', Name: 'No Key' }]);
  });

  it('sets a lookup from the parent external id (Account.Ferry_External_Id__c)', async () => {
    const parent = fx.emu.org.create('Account', { Name: 'Parent By Key', Ferry_External_Id__c: 'PARENT-1' }, 'test');
    const results = await fx.conn.bulk2.loadAndWaitForResults({
      object: 'Contact', operation: 'insert', input: 'LastName,Account.Ferry_External_Id__c\nChild One,PARENT-1\nChild Two,NOPE\nChild Three,#N/A\n',
    });
    expect(results.successfulResults.map((r) => fx.emu.org.get('Contact', r.sf__Id)?.AccountId)).toEqual([parent, null]);
    expect(results.failedResults.map((r) => r.sf__Error)).toEqual(['INVALID_FIELD:Foreign key external ID: NOPE not found for field Ferry_External_Id__c in entity Account:--']);
  });

  it('refuses an upsert job without a usable external id field', async () => {
    await expect(fx.conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'upsert', input: 'Name\nX\n' })).rejects.toThrow(/External ID was blank for Account/);
    await expect(fx.conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'upsert', externalIdFieldName: 'Name', input: 'Name\nX\n' })).rejects.toThrow(/does not match an External ID/);
  });

  it('deletes to the recycle bin (queryAll still sees it) and hardDelete purges', async () => {
    const soft = fx.emu.org.create('Account', { Name: 'Delete Soft' }, 'test');
    const hard = fx.emu.org.create('Account', { Name: 'Delete Hard' }, 'test');
    const deleted = await fx.conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'delete', input: [{ Id: soft }, { Id: soft }] });
    expect(deleted.successfulResults.map((r) => r.sf__Id)).toEqual([soft]);
    expect(deleted.failedResults.map((r) => r.sf__Error)).toEqual(['ENTITY_IS_DELETED:entity is deleted:--']);
    expect(await (await fx.conn.bulk2.query(`SELECT Id, IsDeleted FROM Account WHERE Id = '${soft}'`, { scanAll: true })).toArray()).toEqual([{ Id: soft, IsDeleted: 'true' }]);
    const purged = await fx.conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'hardDelete', input: `Id\n${hard}\n` });
    expect(purged.successfulResults.map((r) => r.sf__Id)).toEqual([hard]);
    expect(account(hard)).toBeUndefined();
  });
});

describe('upload rules and job failures', () => {
  async function openJob(body: Record<string, unknown>): Promise<string> {
    const res = await fx.jobs('/ingest', { method: 'POST', contentType: 'application/json', body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    const info = (await res.json()) as { id: string; state: string; contentUrl: string };
    expect(info.state).toBe('Open');
    expect(info.contentUrl).toBe(`services/data/v62.0/jobs/ingest/${info.id}/batches`);
    return info.id;
  }
  const put = (id: string, csv: string) => fx.jobs(`/ingest/${id}/batches`, { method: 'PUT', contentType: 'text/csv', body: csv });
  const patch = (id: string, state: string) => fx.jobs(`/ingest/${id}`, { method: 'PATCH', contentType: 'application/json', body: JSON.stringify({ state }) });

  it('refuses to close a job that received two uploads, and uploads to a closed job', async () => {
    const id = await openJob({ object: 'Account', operation: 'insert' });
    expect((await put(id, 'Name\nFirst\n')).status).toBe(201);
    expect((await put(id, 'Name\nSecond\n')).status).toBe(201);
    const refused = await patch(id, 'UploadComplete');
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { message: string }[])[0].message).toBe(`Found multipe contents for job: <${id}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job.`);
    const single = await openJob({ object: 'Account', operation: 'insert' });
    await put(single, 'Name\nOnly\n');
    expect((await patch(single, 'UploadComplete')).status).toBe(200);
    const late = await put(single, 'Name\nLate\n');
    expect(late.status).toBe(409);
    expect(((await late.json()) as { errorCode: string }[])[0].errorCode).toBe('INVALIDJOBSTATE');
  });

  it('fails the whole job for an unknown column, leaving every row unprocessed', async () => {
    await expect(fx.conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input: 'Name,Bogus__c\nA,1\n' }))
      .rejects.toThrow('Ingest job failed to complete due to: InvalidBatch : Field name not found : Bogus__c');
    const id = await openJob({ object: 'Account', operation: 'insert' });
    await put(id, 'Name,Bogus__c\nA,1\nB,2\n');
    await patch(id, 'UploadComplete');
    expect(await waitForJob(fx, 'ingest', id)).toMatchObject({ state: 'Failed', errorMessage: 'InvalidBatch : Field name not found : Bogus__c', numberRecordsProcessed: 0 });
    expect(await (await fx.jobs(`/ingest/${id}/unprocessedrecords`)).text()).toBe('Name,Bogus__c\n"A","1"\n"B","2"\n');
  });

  it('aborts an open job; its rows come back unprocessed', async () => {
    const id = await openJob({ object: 'Contact', operation: 'insert' });
    await put(id, 'LastName\nNever Applied\n');
    expect(((await (await patch(id, 'Aborted')).json()) as { state: string }).state).toBe('Aborted');
    await waitForJob(fx, 'ingest', id);
    expect(await (await fx.jobs(`/ingest/${id}/unprocessedrecords`)).text()).toBe('LastName\n"Never Applied"\n');
    expect(fx.emu.org.findByExternalId('Contact', 'LastName', 'Never Applied')).toEqual([]);
    expect((await fx.jobs(`/ingest/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fx.jobs(`/ingest/${id}`)).status).toBe(404);
  });

  it('refuses jobs for unknown objects and operations', async () => {
    const unknown = await fx.jobs('/ingest', { method: 'POST', contentType: 'application/json', body: JSON.stringify({ object: 'Nope__c', operation: 'insert' }) });
    expect(unknown.status).toBe(404);
    const badOp = await fx.jobs('/ingest', { method: 'POST', contentType: 'application/json', body: JSON.stringify({ object: 'Account', operation: 'merge' }) });
    expect(badOp.status).toBe(400);
    expect(((await badOp.json()) as { errorCode: string }[])[0].errorCode).toBe('INVALIDJOB');
  });

  it('charges each job to DailyBulkApiBatches', async () => {
    const before = (await fx.conn.limits()).DailyBulkApiBatches.Remaining;
    await fx.conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input: 'Name\nCharged\n' });
    expect((await fx.conn.limits()).DailyBulkApiBatches.Remaining).toBe(before - 1);
  });

  it('refreshes an expired session between upload and close', async () => {
    const tokenBefore = fx.conn.accessToken;
    const job = fx.conn.bulk2.createJob({ object: 'Account', operation: 'insert' });
    await job.open();
    await job.uploadData('Name\nAfter Refresh\n');
    fx.emu.admin.expireSessions();
    await job.close();
    await job.poll();
    expect(fx.conn.accessToken).not.toBe(tokenBefore);
    const [ok] = await job.getSuccessfulResults();
    expect(account(ok.sf__Id)?.Name).toBe('After Refresh');
  });
});
