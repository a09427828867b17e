// A connection the org drops mid-request (socket destroyed, no answer) fails that one request — its promise
// rejects with the socket error — and nothing else: no 'error' event is left unheard to end the process.
// Each request shape ferry makes is covered: a JSON POST (Bulk 2.0 ingest job create), a GET (job status),
// a query (queryAll), a CSV upload (PUT of a job's batches).
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server';
import { openMeteredConnection } from '../../salesforce/metered-connection';
import { sessionsFor, startOrg } from '../support/org';

describe('a dropped Salesforce connection', () => {
  let org: Emulator;
  let conn: Connection;
  const uncaught: unknown[] = [];
  const onUncaught = (err: unknown) => uncaught.push(err);

  beforeAll(async () => {
    org = await startOrg({ seed: { Account: 20 } });
    let calls = 0;
    conn = await openMeteredConnection(sessionsFor(org), async () => {
      calls++;
    });
    expect(calls).toBe(0);
    process.on('uncaughtException', onUncaught);
  });
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    await org?.close();
  });

  const dropped = async (what: string, call: () => Promise<unknown>) => {
    org.admin.setFaults({ dropCount: 1 });
    await expect(call(), what).rejects.toThrow(/socket hang up|ECONNRESET|closed/i);
    // Let any stray 'error' event fire before looking.
    await new Promise((r) => setTimeout(r, 100));
    expect(uncaught, what).toEqual([]);
    // The connection is usable at once for the next request.
    expect((await conn.query('SELECT COUNT() FROM Account')).totalSize).toBe(20);
  };

  it('fails the request, not the process, on every request shape', async () => {
    await dropped('POST jobs/ingest', () => conn.bulk2.createJob({ object: 'Account', operation: 'insert' }).open());
    const job = conn.bulk2.createJob({ object: 'Account', operation: 'insert' });
    await job.open();
    await dropped('PUT jobs/ingest/<id>/batches', () => job.uploadData('Name\nDropped\n'));
    await dropped('GET jobs/ingest/<id>', () => conn.bulk2.job('ingest', { id: job.id! }).check());
    await dropped('queryAll', async () => conn.query('SELECT Id FROM Account', { scanAll: true }));
    await job.abort();
    expect(org.admin.counters().faults.dropped).toBe(4);
  });
});
