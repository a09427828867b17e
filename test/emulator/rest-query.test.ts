// REST query through jsforce: locator paging with autoFetch, batch sizes, queryAll after a delete, COUNT(),
// parent paths in JSON rows, and refused SOQL answered as Salesforce does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRest, startCore, type CoreFixture } from './core-fixture.js';

let fx: CoreFixture;
beforeAll(async () => {
  fx = await startCore({ seed: { Account: 5000, Contact: 300 } });
});
afterAll(async () => {
  await fx.close();
});

describe('query and queryMore', () => {
  it('follows locators with autoFetch over 5,000 records in pages of 2,000', async () => {
    const pages: number[] = [];
    const query = fx.conn.query<{ Id: string; Name: string }>('SELECT Id, Name FROM Account ORDER BY Id');
    const result = await query.run({ autoFetch: true, maxFetch: 100_000 });
    expect(result.totalSize).toBe(5000);
    expect(result.records).toHaveLength(5000);
    const ids = new Set(result.records.map((r) => r.Id));
    expect(ids.size).toBe(5000);
    const first = await fx.conn.query('SELECT Id FROM Account');
    pages.push(first.records.length);
    expect(first.done).toBe(false);
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v62\.0\/query\/[^/]+$/);
    const second = await fx.conn.queryMore(first.nextRecordsUrl!);
    pages.push(second.records.length);
    const third = await fx.conn.queryMore(second.nextRecordsUrl!);
    pages.push(third.records.length);
    expect(pages).toEqual([2000, 2000, 1000]);
    expect(third.done).toBe(true);
    expect(third.nextRecordsUrl).toBeUndefined();
  });

  it('sends a relative nextRecordsUrl whose locator has no slash', async () => {
    const res = await rawRest(fx.conn, 'GET', `/queryAll?q=${encodeURIComponent('SELECT Id FROM Account')}`);
    const body = (await res.json()) as { nextRecordsUrl: string };
    expect(body.nextRecordsUrl).toMatch(/^\/services\/data\/v62\.0\/query\/[0-9A-Za-z]+-2000$/);
  });

  it('returns the same page when a locator is read twice (retried GETs)', async () => {
    const first = await fx.conn.query<{ Id: string }>('SELECT Id FROM Account');
    const a = await fx.conn.queryMore<{ Id: string }>(first.nextRecordsUrl!);
    const b = await fx.conn.queryMore<{ Id: string }>(first.nextRecordsUrl!);
    expect(b.records.map((r) => r.Id)).toEqual(a.records.map((r) => r.Id));
  });

  it.each([
    ['batchSize=500', 500],
    ['batchSize=50', 200],
    ['batchSize=9000', 2000],
    ['garbage', 2000],
  ])('honours Sforce-Query-Options %s (page of %i)', async (header, size) => {
    const res = await rawRest(fx.conn, 'GET', `/query?q=${encodeURIComponent('SELECT Id FROM Account')}`, undefined, { 'Sforce-Query-Options': header });
    const body = (await res.json()) as { records: unknown[]; totalSize: number };
    expect(body.records).toHaveLength(size);
    expect(body.totalSize).toBe(5000);
  });

  it('streams every record with jsforce record events', async () => {
    let n = 0;
    await new Promise<void>((resolve, reject) => {
      fx.conn.query('SELECT Id, LastName, Account.Name FROM Contact')
        .on('record', () => n++)
        .on('end', () => resolve())
        .on('error', reject)
        .run({ autoFetch: true, maxFetch: 10_000 });
    });
    expect(n).toBe(300);
  });

  it('answers COUNT() with totalSize and no records', async () => {
    const result = await fx.conn.query('SELECT COUNT() FROM Account');
    expect(result).toMatchObject({ totalSize: 5000, done: true, records: [] });
  });

  it('nests parent fields with attributes', async () => {
    const id = (await fx.conn.sobject('Account').create({ Name: 'Parent Co' })) as { id: string };
    await fx.conn.sobject('Contact').create({ LastName: 'Child', AccountId: id.id });
    const result = await fx.conn.query<{ Account: { Name: string; attributes: { type: string } } }>("SELECT Id, Account.Name FROM Contact WHERE LastName = 'Child'");
    expect(result.records[0].Account.Name).toBe('Parent Co');
    expect(result.records[0].Account.attributes.type).toBe('Account');
  });

  it('shows a deleted record only to queryAll, with IsDeleted true', async () => {
    const created = (await fx.conn.sobject('Account').create({ Name: 'Soon Gone' })) as { id: string };
    await fx.conn.sobject('Account').destroy(created.id);
    const live = await fx.conn.query(`SELECT Id FROM Account WHERE Id = '${created.id}'`);
    expect(live.totalSize).toBe(0);
    const all = await fx.conn.query<{ Id: string; IsDeleted: boolean }>(`SELECT Id, IsDeleted FROM Account WHERE Id = '${created.id}'`, { scanAll: true });
    expect(all.records).toEqual([expect.objectContaining({ Id: created.id, IsDeleted: true })]);
  });

  it('pages queryAll through /query/ locators as jsforce requests them', async () => {
    const result = await fx.conn.query('SELECT Id FROM Account', { scanAll: true }).run({ autoFetch: true, maxFetch: 100_000 });
    expect(result.records.length).toBe(result.totalSize);
    expect(result.totalSize).toBeGreaterThan(5000);
  });
});

describe('incremental sync query', () => {
  it('returns changes after a watermark in (SystemModstamp, Id) order, across locators', async () => {
    const before = await fx.conn.query<{ SystemModstamp: string }>('SELECT SystemModstamp FROM Account ORDER BY SystemModstamp DESC LIMIT 1');
    const watermark = before.records[0].SystemModstamp;
    // Later changes may share a millisecond with each other, but not with the watermark.
    await new Promise((r) => setTimeout(r, 5));
    const created = (await fx.conn.sobject('Account').create(Array.from({ length: 150 }, (_, i) => ({ Name: `Inc ${i}` })))) as { id: string }[];
    await fx.conn.sobject('Account').update(created.slice(0, 20).map((r) => ({ Id: r.id, Phone: '555' })));
    const soql = `SELECT Id, SystemModstamp FROM Account WHERE SystemModstamp > ${watermark} ORDER BY SystemModstamp, Id`;
    const result = await fx.conn.query<{ Id: string; SystemModstamp: string }>(soql).run({ autoFetch: true, maxFetch: 10_000 });
    expect(result.records).toHaveLength(150);
    const keys = result.records.map((r) => `${r.SystemModstamp}|${r.Id}`);
    expect(keys).toEqual([...keys].sort());
    // The 20 updated records changed last, so they come last.
    expect(new Set(result.records.slice(130).map((r) => r.Id))).toEqual(new Set(created.slice(0, 20).map((r) => r.id)));
  });
});

describe('refused queries', () => {
  it.each([
    ['SELECT FROM Account', 'MALFORMED_QUERY'],
    ['SELECT Id FROM Account WHERE', 'MALFORMED_QUERY'],
    ['SELECT Nope__c FROM Account', 'INVALID_FIELD'],
    ['SELECT Id FROM Nope__c', 'INVALID_TYPE'],
  ])('%s → %s', async (soql, code) => {
    await expect(fx.conn.query(soql)).rejects.toMatchObject({ errorCode: code });
  });

  it('answers with a JSON array body and 400', async () => {
    const res = await rawRest(fx.conn, 'GET', `/query?q=${encodeURIComponent('SELECT FROM')}`);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await res.json()) as { errorCode: string; message: string }[];
    expect(body).toEqual([{ errorCode: 'MALFORMED_QUERY', message: expect.any(String) }]);
  });

  it('refuses an unknown locator', async () => {
    const res = await rawRest(fx.conn, 'GET', '/query/01gFy0000000zzz-2000');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errorCode: string }[])[0].errorCode).toBe('INVALID_QUERY_LOCATOR');
  });
});
