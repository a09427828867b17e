// Bulk API 2.0 query jobs against the emulator, driven by jsforce where it can go and by raw requests (the
// very URLs jsforce builds) where the wire details matter: CSV form, paging headers, job states.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBulk2Fixture, waitForJob, type Bulk2Fixture } from './bulk2-fixture.js';

let fx: Bulk2Fixture;
const ids: Record<string, string> = {};

beforeAll(async () => {
  fx = await startBulk2Fixture();
  const org = fx.emu.org;
  ids.acme = org.create('Account', { Name: 'Acme "Quoted", Inc', NumberOfEmployees: 12, AnnualRevenue: 1234.5, Description: 'line one\nline two' }, 'test');
  ids.globex = org.create('Account', { Name: 'Globex' }, 'test');
  ids.gone = org.create('Account', { Name: 'Zeta Gone' }, 'test');
  org.remove('Account', ids.gone, 'test');
  ids.ada = org.create('Contact', { LastName: 'Lovelace', FirstName: 'Ada', AccountId: ids.acme, HasOptedOutOfEmail: true }, 'test');
  ids.alan = org.create('Contact', { LastName: 'Turing' }, 'test');
});

afterAll(async () => {
  await fx.close();
});

/** Creates a query job with a raw request and waits for it to finish. */
async function runJob(query: string, operation = 'query'): Promise<{ id: string; created: Response; info: Record<string, unknown> }> {
  const created = await fx.jobs('/query', { method: 'POST', contentType: 'application/json; charset=utf-8', body: JSON.stringify({ query, operation }) });
  const { id } = (await created.clone().json()) as { id: string };
  return { id, created, info: await waitForJob(fx, 'query', id) };
}

describe('query results through jsforce', () => {
  it('streams every row with Salesforce CSV values', async () => {
    const stream = await fx.conn.bulk2.query('SELECT Id, Name, NumberOfEmployees, AnnualRevenue, Description, Website, IsDeleted FROM Account ORDER BY Name');
    const rows = await stream.toArray();
    expect(rows).toEqual([
      { Id: ids.acme, Name: 'Acme "Quoted", Inc', NumberOfEmployees: '12', AnnualRevenue: '1234.5', Description: 'line one\nline two', Website: '', IsDeleted: 'false' },
      { Id: ids.globex, Name: 'Globex', NumberOfEmployees: '', AnnualRevenue: '', Description: '', Website: '', IsDeleted: 'false' },
    ]);
  });

  it('reads parent paths such as Account.Name in SELECT order', async () => {
    const rows = await (await fx.conn.bulk2.query('SELECT LastName, Account.Name, HasOptedOutOfEmail FROM Contact ORDER BY LastName')).toArray();
    expect(rows).toEqual([
      { LastName: 'Lovelace', 'Account.Name': 'Acme "Quoted", Inc', HasOptedOutOfEmail: 'true' },
      { LastName: 'Turing', 'Account.Name': '', HasOptedOutOfEmail: 'false' },
    ]);
  });

  it('sees soft-deleted rows with queryAll (scanAll) only', async () => {
    const soql = "SELECT Id, IsDeleted FROM Account WHERE Name LIKE 'Zeta%'";
    expect(await (await fx.conn.bulk2.query(soql)).toArray()).toEqual([]);
    expect(await (await fx.conn.bulk2.query(soql, { scanAll: true })).toArray()).toEqual([{ Id: ids.gone, IsDeleted: 'true' }]);
  });

  it('fails the job for SOQL the org cannot run, and jsforce reports it', async () => {
    await expect(fx.conn.bulk2.query('SELECT Id, No_Such_Field__c FROM Account')).rejects.toThrow('Query job failed to complete');
    const { info } = await runJob('SELECT Id, No_Such_Field__c FROM Account');
    expect(info.state).toBe('Failed');
    expect(info.errorMessage).toMatch(/^INVALID_FIELD: .*No_Such_Field__c/);
  });

  it.each([
    ['GROUP BY', 'SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry'],
    ['OFFSET', 'SELECT Id FROM Account OFFSET 1'],
    ['A parent-to-child relationship query', 'SELECT Id, (SELECT Id FROM Contacts) FROM Account'],
  ])('refuses %s at job creation', async (what, soql) => {
    await expect(fx.conn.bulk2.query(soql)).rejects.toThrow(`${what}`);
    const res = await fx.jobs('/query', { method: 'POST', contentType: 'application/json', body: JSON.stringify({ query: soql, operation: 'query' }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual([{ errorCode: 'API_ERROR', message: expect.stringContaining('not supported by Bulk API 2.0') as string }]);
  });

  it('charges each job to DailyBulkV2QueryJobs', async () => {
    const before = (await fx.conn.limits()).DailyBulkV2QueryJobs.Remaining;
    await (await fx.conn.bulk2.query('SELECT Id FROM Account')).toArray();
    expect((await fx.conn.limits()).DailyBulkV2QueryJobs.Remaining).toBe(before - 1);
  });
});

describe('query results on the wire', () => {
  it('writes every value quoted, null as an empty cell, datetimes with Z', async () => {
    const { id } = await runJob(`SELECT Id, Name, Website, IsDeleted, CreatedDate FROM Account WHERE Id = '${ids.acme}'`);
    const res = await fx.jobs(`/query/${id}/results`);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const created = fx.emu.org.get('Account', ids.acme)!.CreatedDate as string;
    expect(await res.text()).toBe(`"Id","Name","Website","IsDeleted","CreatedDate"\n"${ids.acme}","Acme ""Quoted"", Inc",,"false","${created.replace('+0000', 'Z')}"\n`);
  });

  it('writes the job\'s columnDelimiter and lineEnding', async () => {
    const created = await fx.jobs('/query', {
      method: 'POST', contentType: 'application/json',
      body: JSON.stringify({ query: `SELECT Id, Name FROM Account WHERE Id = '${ids.globex}'`, operation: 'query', columnDelimiter: 'PIPE', lineEnding: 'CRLF' }),
    });
    const { id, columnDelimiter, lineEnding } = (await created.json()) as { id: string; columnDelimiter: string; lineEnding: string };
    expect([columnDelimiter, lineEnding]).toEqual(['PIPE', 'CRLF']);
    await waitForJob(fx, 'query', id);
    expect(await (await fx.jobs(`/query/${id}/results`)).text()).toBe(`"Id"|"Name"\r\n"${ids.globex}"|"Globex"\r\n`);
  });

  it('pages by maxRecords and locator; Sforce-Locator is null on the last page and absent elsewhere', async () => {
    const org = fx.emu.org;
    for (let i = 0; i < 5; i++) org.create('Lead', { LastName: `Pager ${i}`, Company: 'Paging' }, 'test');
    const { id, created } = await runJob("SELECT LastName FROM Lead WHERE Company = 'Paging' ORDER BY LastName");
    expect(created.headers.has('sforce-locator')).toBe(false);
    expect((await fx.jobs(`/query/${id}`)).headers.has('sforce-locator')).toBe(false);
    const pages: { locator: string | null; count: string | null; body: string }[] = [];
    let locator: string | null = null;
    do {
      const res = await fx.jobs(`/query/${id}/results?maxRecords=2${locator ? `&locator=${locator}` : ''}`);
      locator = res.headers.get('sforce-locator');
      pages.push({ locator, count: res.headers.get('sforce-numberofrecords'), body: await res.text() });
    } while (locator !== 'null');
    expect(pages.map((p) => [p.locator === 'null' ? 'null' : 'next', p.count])).toEqual([['next', '2'], ['next', '2'], ['null', '1']]);
    expect(pages.map((p) => p.locator).slice(0, 2).every((l) => /^[A-Za-z0-9]+$/.test(l!))).toBe(true);
    expect(pages.map((p) => p.body)).toEqual([
      '"LastName"\n"Pager 0"\n"Pager 1"\n',
      '"LastName"\n"Pager 2"\n"Pager 3"\n',
      '"LastName"\n"Pager 4"\n',
    ]);
  });

  it('pages a large result at 50,000 rows by default, as jsforce reads it (no maxRecords)', async () => {
    fx.emu.admin.seed({ Opportunity: 120_000 });
    const { id, info } = await runJob('SELECT Id, Name, Amount, CloseDate FROM Opportunity');
    expect(info).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 120_000, jobType: 'V2Query' });
    const counts: number[] = [];
    const seen = new Set<string>();
    let locator: string | undefined;
    while (locator !== 'null') {
      const res = await fx.jobs(`/query/${id}/results${locator ? `?locator=${locator}` : ''}`);
      locator = res.headers.get('sforce-locator') ?? undefined;
      const lines = (await res.text()).trimEnd().split('\n');
      expect(lines[0]).toBe('"Id","Name","Amount","CloseDate"');
      counts.push(Number(res.headers.get('sforce-numberofrecords')));
      for (const line of lines.slice(1)) seen.add(line.slice(1, 19));
    }
    expect(counts).toEqual([50_000, 50_000, 20_000]);
    expect(seen.size).toBe(120_000);
  });

  it('keeps a finished result as it was when the job ran', async () => {
    const lead = fx.emu.org.create('Lead', { LastName: 'Before', Company: 'Snapshot' }, 'test');
    const { id } = await runJob("SELECT Id, LastName FROM Lead WHERE Company = 'Snapshot'");
    fx.emu.org.update('Lead', lead, { LastName: 'After' }, 'test');
    fx.emu.org.create('Lead', { LastName: 'Later', Company: 'Snapshot' }, 'test');
    expect(await (await fx.jobs(`/query/${id}/results`)).text()).toBe(`"Id","LastName"\n"${lead}","Before"\n`);
  });
});

describe('query job lifecycle', () => {
  it('refuses to abort a finished job, deletes it, then answers 404 NOT_FOUND', async () => {
    const { id } = await runJob('SELECT Id FROM Account');
    const refused = await fx.jobs(`/query/${id}`, { method: 'PATCH', contentType: 'application/json', body: JSON.stringify({ state: 'Aborted' }) });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { errorCode: string }[])[0].errorCode).toBe('INVALIDJOBSTATE');
    expect((await fx.jobs(`/query/${id}`, { method: 'DELETE' })).status).toBe(204);
    const gone = await fx.jobs(`/query/${id}`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    expect((await fx.jobs(`/query/${id}/results`)).status).toBe(404);
  });

  it('lists the org query jobs', async () => {
    const { id } = await runJob('SELECT Id FROM Account');
    const list = (await (await fx.jobs('/query')).json()) as { done: boolean; records: { id: string; jobType: string }[] };
    expect(list.done).toBe(true);
    expect(list.records.find((j) => j.id === id)).toMatchObject({ jobType: 'V2Query', state: 'JobComplete' });
  });

  it('refreshes an expired session in the middle of a job (401 INVALID_SESSION_ID)', async () => {
    const tokenBefore = fx.conn.accessToken;
    const job = fx.conn.bulk2.job('query', { id: (await runJob('SELECT Id FROM Account')).id });
    expect(fx.emu.admin.expireSessions()).toBeGreaterThan(0);
    await job.poll(25, 5000);
    expect(fx.conn.accessToken).not.toBe(tokenBefore);
    expect(await (await job.result()).toArray()).toHaveLength(2);
  });
});
