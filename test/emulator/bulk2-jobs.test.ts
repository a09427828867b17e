// Bulk API 2.0 pieces that need no org: result spooling and paging by row, locators, the SOQL guard, and the
// ingest job's state transitions.
import { afterEach, describe, expect, it } from 'vitest';
import { SfRequestError } from '../../emulator/contract.js';
import { dialectFrom, encodeRow } from '../../emulator/bulk2/csv-format.js';
import { IngestJob } from '../../emulator/bulk2/ingest-job.js';
import { QueryJob } from '../../emulator/bulk2/query-job.js';
import type { EmulatorContext } from '../../emulator/contract.js';
import { seedObject } from '../../emulator/org/seed.js';
import { MemoryOrgStore } from '../../emulator/org/store.js';
import { standardObjects } from '../../emulator/org/standard-objects.js';
import { decodeLocator, encodeLocator } from '../../emulator/bulk2/query-routes.js';
import { checkBulkQuery } from '../../emulator/bulk2/query-guard.js';
import { ResultSpool } from '../../emulator/bulk2/result-spool.js';

const comma = dialectFrom('COMMA', 'LF');

async function readAll(spool: ResultSpool, from: number, to: number): Promise<string> {
  const stream = await spool.streamRows(from, to);
  if (!stream) return '';
  let text = '';
  for await (const chunk of stream) text += (chunk as Buffer).toString('utf8');
  return text;
}

describe('ResultSpool', () => {
  const spools: ResultSpool[] = [];
  afterEach(async () => {
    await Promise.all(spools.splice(0).map((s) => s.remove()));
  });

  it('serves any row range, also across blocks and through quoted line endings', async () => {
    const spool = await ResultSpool.create();
    spools.push(spool);
    const lines = Array.from({ length: 25 }, (_, i) => encodeRow([`id${i}`, i % 3 === 0 ? `multi\nline ${i}` : `v"${i}"`], comma));
    // Blocks of 7, 7, 7 and 4 rows: page boundaries fall inside blocks and on them.
    for (let at = 0; at < lines.length; at += 7) {
      const block = lines.slice(at, at + 7);
      await spool.append(block.join(''), block.length);
    }
    await spool.finish();
    expect(spool.rows).toBe(25);
    for (const [from, to] of [[0, 25], [0, 7], [3, 10], [7, 14], [13, 25], [24, 25], [25, 25], [10, 40]]) {
      expect(await readAll(spool, from, to)).toBe(lines.slice(from, to).join(''));
    }
  });
});

describe('locators', () => {
  it.each([0, 1, 2000, 50_000, 4_999_999, 123_456_789])('round-trips row %i without a slash', (row) => {
    const locator = encodeLocator(row);
    expect(locator).not.toMatch(/[/=+]/);
    expect(decodeLocator(locator)).toBe(row);
  });

  it('matches Salesforce, whose locator for row 10000 is MTAwMDA', () => {
    expect(encodeLocator(10_000)).toBe('MTAwMDA');
  });

  it.each(['', 'null', 'abc', '-1'])('refuses locator %j', (locator) => {
    expect(() => decodeLocator(locator)).toThrow(SfRequestError);
  });
});

describe('checkBulkQuery', () => {
  it.each([
    'SELECT Name, COUNT(Id) FROM Account GROUP BY Name',
    'SELECT Id FROM Account OFFSET 10',
    'SELECT COUNT() FROM Account',
    'SELECT Id, (SELECT Id FROM Contacts) FROM Account',
    'SELECT FIELDS(ALL) FROM Account LIMIT 200',
    'SELECT TYPEOF What WHEN Account THEN Name END FROM Event',
  ])('refuses %s', (soql) => {
    expect(() => checkBulkQuery(soql)).toThrow(/not supported by Bulk API 2.0/);
  });

  it.each([
    ['SELECT Id, Account.Name FROM Contact WHERE LastModifiedDate > 2024-01-01T00:00:00Z ORDER BY Id LIMIT 5', 'Contact'],
    ['SELECT Id FROM', undefined],
    ['SELEKT Id FROM Account', 'Account'],
  ])('lets %s through to the org', (soql, object) => {
    expect(checkBulkQuery(soql).object).toBe(object);
  });

  it('requires a query', () => {
    expect(() => checkBulkQuery(undefined)).toThrow(/query is required/);
  });
});

describe('IngestJob transitions', () => {
  const newJob = () => new IngestJob({
    object: 'Account', operation: 'insert', externalIdFieldName: undefined, createdById: '005Fy0000000001AAA', dialect: comma, apiVersion: 62,
  });

  it.each([
    { steps: ['close'], state: 'UploadComplete' },
    { steps: ['abort'], state: 'Aborted' },
    { steps: ['close', 'abort'], state: 'Aborted' },
    { steps: ['close', 'close'], error: /only an Open job can be closed/ },
    { steps: ['abort', 'close'], error: /only an Open job can be closed/ },
    { steps: ['abort', 'abort'], error: /can no longer be aborted/ },
    { steps: ['upload', 'upload', 'close'], error: /Found multipe contents for job/ },
    { steps: ['upload', 'close'], state: 'UploadComplete' },
  ])('$steps → $state$error', ({ steps, state, error }) => {
    const job = newJob();
    const run = () => {
      for (const step of steps) {
        if (step === 'close') job.close();
        else if (step === 'abort') job.abort();
        else job.uploads += 1;
      }
    };
    if (error) expect(run).toThrow(error);
    else {
      run();
      expect(job.state).toBe(state);
    }
  });

  it('answers JobInfo as Salesforce does on create (no counters) and on GET (with them)', () => {
    const job = newJob();
    const created = job.info(false);
    expect(created).toMatchObject({ id: job.id, operation: 'insert', object: 'Account', state: 'Open', contentType: 'CSV', apiVersion: 62, lineEnding: 'LF', columnDelimiter: 'COMMA' });
    expect(created.contentUrl).toBe(`services/data/v62.0/jobs/ingest/${job.id}/batches`);
    expect(created).not.toHaveProperty('numberRecordsProcessed');
    expect(job.info(true)).toMatchObject({ jobType: 'V2Ingest', numberRecordsProcessed: 0, numberRecordsFailed: 0 });
    expect(job.id).toMatch(/^750[0-9A-Za-z]{15}$/);
  });
});

describe('QueryJob runs', () => {
  const org = new MemoryOrgStore({ objects: standardObjects(), apiVersion: '62.0', username: 'jobs@ferry.example' });
  seedObject(org, 'Lead', 10_000, 7);
  const ctx: EmulatorContext = {
    org,
    auth: { verify: () => undefined },
    accounting: { charge: () => undefined, usage: () => ({ used: 0, max: 0 }) },
    apiVersion: '62.0',
    baseUrl: () => 'http://127.0.0.1:0',
  };
  const newJob = (soql: string) => new QueryJob({ soql, operation: 'query', object: 'Lead', createdById: org.userId, dialect: comma, apiVersion: 62 });

  it('completes with every row spooled', async () => {
    const job = newJob('SELECT Id, Company FROM Lead');
    await job.run(ctx);
    expect(job.info(true)).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 10_000 });
    expect((await readAll(job.spool!, 0, 2)).split('\n')).toHaveLength(3);
    await job.dispose();
  });

  it('stops when aborted mid-run and keeps no result', async () => {
    const job = newJob('SELECT Id, Company FROM Lead');
    const running = job.run(ctx);
    // run() is suspended at its first I/O; the abort lands before the first block of rows is written.
    job.abort();
    await running;
    expect(job.state).toBe('Aborted');
    expect(job.numberRecordsProcessed).toBeLessThan(10_000);
    await expect(job.spool!.streamRows(0, 1)).rejects.toThrow(/ENOENT/);
  });

  it('fails with the org error for SOQL it cannot run', async () => {
    const job = newJob('SELECT Nope__c FROM Lead');
    await job.run(ctx);
    expect(job.info(true)).toMatchObject({ state: 'Failed', errorMessage: expect.stringMatching(/^INVALID_FIELD: /) as string });
    expect(() => job.abort()).toThrow(/can no longer be aborted/);
  });
});
