// API accounting, /limits and the 403 once the allowance is spent; the admin API (seeding, direct changes
// that are never charged, simulated users, counters, reset); and every injected fault as jsforce meets it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../emulator/contract.js';
import { rawRest, startCore, type CoreFixture } from './core-fixture.js';

let fx: CoreFixture;
beforeAll(async () => {
  fx = await startCore({ dailyApiRequests: 1000 });
});
afterAll(async () => {
  await fx.close();
});
beforeEach(async () => {
  expect((await fx.admin('POST', '/reset')).status).toBe(200);
});

const usage = () => fx.emulator.context.accounting.usage();

describe('API accounting', () => {
  it('charges each REST request once and reports it in Sforce-Limit-Info and /limits', async () => {
    await fx.conn.query('SELECT Id FROM Account');
    const res = await rawRest(fx.conn, 'GET', '/sobjects');
    expect(res.headers.get('sforce-limit-info')).toBe('api-usage=2/1000');
    const limits = await fx.conn.limits();
    expect(limits.DailyApiRequests).toEqual({ Max: 1000, Remaining: 997 });
    expect(fx.conn.limitInfo.apiUsage).toEqual({ used: 3, limit: 1000 });
    const counters = await fx.admin<{ api: { total: number; byFamily: Record<string, number> } }>('GET', '/counters');
    expect(counters.body.api.total).toBe(3);
    expect(counters.body.api.byFamily).toEqual({ query: 1, sobjects: 1, limits: 1 });
  });

  it('answers 403 REQUEST_LIMIT_EXCEEDED once the allowance is spent; OAuth and admin calls are free', async () => {
    expect((await fx.admin('PUT', '/limits', { dailyApiRequests: 5 })).status).toBe(200);
    for (let i = 0; i < 5; i++) await fx.conn.query('SELECT Id FROM Account');
    const res = await rawRest(fx.conn, 'GET', '/limits');
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    await expect(fx.conn.query('SELECT Id FROM Account')).rejects.toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED' });
    const again = await fx.login();
    expect(again.accessToken).toBeTruthy();
    expect((await fx.admin('POST', '/records/Account', { Name: 'Free' })).status).toBe(201);
    expect(usage()).toEqual({ used: 5, max: 5 });
    await fx.admin('PUT', '/limits', { dailyApiRequests: 1000 });
  });
});

describe('admin API', () => {
  it('seeds records deterministically', async () => {
    const seeded = await fx.admin<{ added: Record<string, number> }>('POST', '/seed', { counts: { Contact: 500, Account: 1000 }, randomSeed: 7 });
    expect(seeded.body.added).toEqual({ Account: 1000, Contact: 500 });
    const first = await fx.conn.query<{ Name: string; Industry: string }>('SELECT Name, Industry FROM Account ORDER BY Id LIMIT 20');
    const withParent = await fx.conn.query('SELECT COUNT() FROM Contact WHERE AccountId != null');
    expect(withParent.totalSize).toBeGreaterThan(300);
    await fx.admin('POST', '/reset');
    await fx.admin('POST', '/seed', { counts: { Contact: 500, Account: 1000 }, randomSeed: 7 });
    const again = await fx.conn.query<{ Name: string; Industry: string }>('SELECT Name, Industry FROM Account ORDER BY Id LIMIT 20');
    expect(again.records).toEqual(first.records);
  });

  it('changes records directly with origin emulator/admin, without charging the API', async () => {
    const events: ChangeEvent[] = [];
    const listener = (e: ChangeEvent) => events.push(e);
    fx.emulator.org.on('change', listener);
    const created = await fx.admin<{ id: string }>('POST', '/records/Account', { Name: 'Direct' });
    expect((await fx.admin('PATCH', `/records/Account/${created.body.id}`, { Phone: '42' })).status).toBe(204);
    expect((await fx.admin('DELETE', `/records/Account/${created.body.id}`)).status).toBe(204);
    expect((await fx.admin('POST', `/records/Account/${created.body.id}/undelete`)).status).toBe(204);
    const bad = await fx.admin<{ errorCode: string }[]>('POST', '/records/Account', { Rating: 'x' });
    expect(bad.status).toBe(400);
    fx.emulator.org.off('change', listener);
    expect(events.map((e) => [e.changeType, e.changeOrigin])).toEqual([
      ['CREATE', 'emulator/admin'], ['UPDATE', 'emulator/admin'], ['DELETE', 'emulator/admin'], ['UNDELETE', 'emulator/admin'],
    ]);
    expect(usage().used).toBe(0);
  });

  it('simulates users: steps on demand and runs at a rate until stopped', async () => {
    await fx.admin('POST', '/seed', { Account: 200, Contact: 200 });
    const events: ChangeEvent[] = [];
    const listener = (e: ChangeEvent) => events.push(e);
    fx.emulator.org.on('change', listener);
    const step = await fx.admin<{ applied: number }>('POST', '/mutate/step', { count: 300 });
    expect(step.body.applied).toBeGreaterThan(250);
    const kinds = new Set(events.map((e) => e.changeType));
    expect([...kinds].sort()).toEqual(['CREATE', 'DELETE', 'UPDATE'].concat(kinds.has('UNDELETE') ? ['UNDELETE'] : []).sort());
    expect(events.filter((e) => e.changeType === 'UPDATE').length).toBeGreaterThan(events.length / 2);
    events.length = 0;
    const started = Date.now();
    expect((await fx.admin<{ running: boolean }>('POST', '/mutate/start', { ratePerSecond: 400 })).body.running).toBe(true);
    for (let waited = 0; events.length < 100 && waited < 10_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    const stopped = await fx.admin<{ running: boolean }>('POST', '/mutate/stop');
    const elapsedS = (Date.now() - started) / 1000;
    expect(stopped.body.running).toBe(false);
    const n = events.length;
    expect(n).toBeGreaterThanOrEqual(100);
    // Rate-controlled: never much more than 400 changes per elapsed second.
    expect(n).toBeLessThanOrEqual(400 * elapsedS + 40);
    await new Promise((r) => setTimeout(r, 150));
    expect(events.length).toBe(n);
    fx.emulator.org.off('change', listener);
  });

  it('resets records, usage and counters', async () => {
    await fx.admin('POST', '/seed', { Lead: 10 });
    await fx.conn.query('SELECT Id FROM Lead');
    await fx.admin('POST', '/reset');
    const counters = await fx.admin<{ records: Record<string, number>; api: { total: number } }>('GET', '/counters');
    expect(counters.body.records.Lead).toBe(0);
    expect(counters.body.records.User).toBe(1);
    expect(counters.body.api.total).toBe(0);
  });

  it('answers bad input with 400 and unknown endpoints with 404', async () => {
    expect((await fx.admin('POST', '/seed', { Nope__c: 5 })).status).toBe(400);
    expect((await fx.admin('POST', '/mutate/start', { ratePerSecond: -1 })).status).toBe(400);
    expect((await fx.admin('PUT', '/faults', { errorFraction: 2 })).status).toBe(400);
    expect((await fx.admin('GET', '/nope')).status).toBe(404);
  });

  it('delegates streaming controls', async () => {
    expect((await fx.admin<{ dropped: boolean }>('POST', '/streaming/drop-clients')).body.dropped).toBe(true);
    expect((await fx.admin<{ expired: boolean }>('POST', '/streaming/expire-replay', { olderThanMs: 0 })).body.expired).toBe(true);
    const counters = await fx.admin<{ streaming: { clients: number } }>('GET', '/counters');
    expect(counters.body.streaming.clients).toBe(0);
  });
});

describe('faults', () => {
  it('answers 5xx to the next requests; jsforce retries GETs and succeeds', async () => {
    await fx.admin('PUT', '/faults', { errorCount: 2 });
    const result = await fx.conn.query('SELECT Id FROM User');
    expect(result.totalSize).toBe(1);
    const counters = await fx.admin<{ faults: { errors: number } }>('GET', '/counters');
    expect(counters.body.faults.errors).toBe(2);
    expect(usage().used).toBe(1);
  });

  it('fails a POST on a 5xx (jsforce never retries POST)', async () => {
    await fx.admin('PUT', '/faults', { errorCount: 1 });
    await expect(fx.conn.sobject('Account').create({ Name: 'Unlucky' })).rejects.toMatchObject({ errorCode: 'SERVER_UNAVAILABLE' });
    expect((await fx.conn.query('SELECT COUNT() FROM Account')).totalSize).toBe(0);
  });

  it('fails a fraction of requests', async () => {
    await fx.admin('PUT', '/faults', { errorFraction: 0.5, errorStatus: 500 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await rawRest(fx.conn, 'GET', '/limits')).status);
    const failed = statuses.filter((s) => s === 500).length;
    expect(failed).toBeGreaterThan(5);
    expect(failed).toBeLessThan(35);
    expect(statuses.filter((s) => s !== 500).every((s) => s === 200)).toBe(true);
  });

  it('adds latency', async () => {
    await fx.admin('PUT', '/faults', { latencyMs: 300, latencyFraction: 1 });
    const started = Date.now();
    await fx.conn.query('SELECT Id FROM User');
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('drops connections; a raw request fails and jsforce retries its GET', async () => {
    await fx.admin('PUT', '/faults', { dropCount: 1 });
    await expect(rawRest(fx.conn, 'GET', '/limits')).rejects.toThrow();
    await fx.admin('PUT', '/faults', { dropCount: 1 });
    const result = await fx.conn.query('SELECT Id FROM User');
    expect(result.totalSize).toBe(1);
    const counters = await fx.admin<{ faults: { dropped: number } }>('GET', '/counters');
    expect(counters.body.faults.dropped).toBe(2);
  });

  it('forces REQUEST_LIMIT_EXCEEDED until cleared', async () => {
    await fx.admin('PUT', '/faults', { requestLimitExceeded: true });
    await expect(fx.conn.query('SELECT Id FROM User')).rejects.toMatchObject({ errorCode: 'REQUEST_LIMIT_EXCEEDED' });
    await fx.admin('DELETE', '/faults');
    expect((await fx.conn.query('SELECT Id FROM User')).totalSize).toBe(1);
  });

  it('never applies to the admin API or OAuth', async () => {
    await fx.admin('PUT', '/faults', { errorFraction: 1 });
    expect((await fx.admin('GET', '/counters')).status).toBe(200);
    const conn = await fx.login();
    expect(conn.accessToken).toBeTruthy();
    expect((await rawRest(conn, 'GET', '/limits')).status).toBe(503);
  });
});
