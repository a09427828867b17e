// A mapping's life beyond the happy path: refused configs, the API-call cap, the org's own limit,
// fields added to a running mapping, a reload, and continue-as-new — on real Temporal, Postgres and the
// org emulator.
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server';
import { reconfigureUpdate, reloadUpdate, syncNowUpdate } from '../../workflows/mapping/messages';
import { differences, orgSnapshot, tableSnapshot, type FieldSpec } from '../support/compare';
import { mappingConfig, startMapping, status, waitForStatus } from '../support/mappings';
import { eventually, jsforceFor, sessionsFor, startOrg } from '../support/org';
import { recordHistories } from '../support/histories';
import { connectTemporal, createTestDatabase, testLogger, type RunningWorker, type TestDatabase, type TestTemporal } from '../support/services';

describe('mapping lifecycle', () => {
  let org: Emulator;
  let conn: Connection;
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;

  beforeAll(async () => {
    org = await startOrg({ seed: { Account: 2_000, Contact: 400, Lead: 300, Opportunity: 200 } });
    conn = await jsforceFor(org);
    db = await createTestDatabase('lifecycle');
    temporal = await connectTemporal('lifecycle');
    worker = await temporal.startWorker({ pool: db.pool, log: testLogger, sessions: sessionsFor(org) });
  });

  afterAll(async () => {
    await worker?.stop();
    await temporal?.close();
    await db?.drop();
    await org?.close();
  });

  const tableExists = async (name: string) =>
    (await db.pool.query('SELECT to_regclass($1) AS t', [`salesforce.${name}`])).rows[0].t !== null;

  it.each([
    ['an unknown object', 'Nope__c', ['Id', 'Name'], {}, /Nope__c/],
    ['an unknown field', 'Lead', ['Id', 'LastName', 'Shoe_Size__c'], {}, /Field "Shoe_Size__c" does not exist on Lead/],
    ['an upsert field that is not an External ID', 'Opportunity', ['Id', 'Name'], { upsert_field: 'Name', access: 'read_write' }, /Name.*External ID/i],
    ['a compound field', 'Account', ['Id', 'Name', 'BillingAddress'], {}, /Field "BillingAddress" on Account is a compound field \(address\); map its component fields instead: BillingStreet, BillingCity, BillingState, BillingPostalCode, BillingCountry, BillingLatitude, BillingLongitude, BillingGeocodeAccuracy/],
  ])('refuses %s with one message naming it, creating nothing', async (_what, object, fields, extra, message) => {
    const handle = await startMapping(temporal.client, temporal.taskQueue, mappingConfig(object, fields, extra));
    const s = await waitForStatus(handle, 'BAD_CONFIG', (x) => x.state === 'BAD_CONFIG');
    expect(s.lastError?.type).toBe('BadConfig');
    expect(s.lastError?.message).toMatch(message);
    expect(await tableExists(object.toLowerCase())).toBe(false);
    if (object === 'Lead') await recordHistories(temporal.client, handle.workflowId, 'bad-config');
    await handle.terminate();
  });

  it('a refused mapping recovers when reconfigured', async () => {
    const handle = await startMapping(temporal.client, temporal.taskQueue, mappingConfig('Lead', ['Id', 'LastName', 'Bogus__c']));
    await waitForStatus(handle, 'BAD_CONFIG', (x) => x.state === 'BAD_CONFIG');
    await handle.executeUpdate(reconfigureUpdate, { args: [{ fields: ['Id', 'LastName', 'Company'] }] });
    const s = await waitForStatus(handle, 'the load after the fix', (x) => x.lastLoad !== null);
    expect(s.lastLoad).toMatchObject({ mode: 'rest', rows: 300 });
    expect((await db.pool.query('SELECT count(*)::int AS n FROM salesforce.lead WHERE company IS NOT NULL')).rows[0].n).toBe(300);
    await handle.terminate();
  });

  it('never exceeds the API-call cap, and shows why it waits', async () => {
    const cap = 6;
    const orgCallsBefore = org.admin.counters().api.total;
    const handle = await startMapping(temporal.client, temporal.taskQueue, mappingConfig('Contact', ['Id', 'LastName', 'Email'], { sf_max_daily_api_calls: cap }));
    await waitForStatus(handle, 'the initial load', (x) => x.lastLoad !== null);
    for (let i = 0; i < 6 && (await status(handle)).state !== 'API_BUDGET_EXHAUSTED'; i++) {
      const polls = (await status(handle)).counts.polls;
      await handle.executeUpdate(syncNowUpdate);
      await waitForStatus(handle, 'a poll or a spent budget', (x) => x.counts.polls > polls || x.state === 'API_BUDGET_EXHAUSTED');
    }
    const s = await status(handle);
    expect(s.state).toBe('API_BUDGET_EXHAUSTED');
    expect(s.lastError?.message).toMatch(/API budget of 6 calls per 24 h/);
    expect(Date.parse(s.retryAt!)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    const ledger = (await db.pool.query("SELECT coalesce(sum(calls), 0)::int AS n FROM ferry.api_call_ledger WHERE mapping = 'salesforce.contact'")).rows[0].n;
    expect(ledger).toBe(cap);
    // Every call ferry made reached the org and was counted; nothing went around the ledger.
    expect(org.admin.counters().api.total - orgCallsBefore).toBe(ledger);
    // A user's "sync now" does not break the cap either.
    await handle.executeUpdate(syncNowUpdate);
    expect((await status(handle)).state).toBe('API_BUDGET_EXHAUSTED');
    await recordHistories(temporal.client, handle.workflowId, 'api-budget-exhausted');
    await handle.terminate();
  });

  it('backs off while the org answers REQUEST_LIMIT_EXCEEDED and recovers by itself', async () => {
    const handle = await startMapping(temporal.client, temporal.taskQueue, mappingConfig('Opportunity', ['Id', 'Name', 'StageName']));
    await waitForStatus(handle, 'the initial load', (x) => x.lastLoad !== null && x.state === 'DATA_SYNCED');
    const rejectedBefore = org.admin.counters().api.rejected;
    org.admin.setFaults({ requestLimitExceeded: true });
    const polls = (await status(handle)).counts.polls;
    await handle.executeUpdate(syncNowUpdate);
    await eventually('the org refusing a call', async () => (org.admin.counters().api.rejected > rejectedBefore ? true : undefined));
    org.admin.setFaults({ requestLimitExceeded: false });
    const s = await waitForStatus(handle, 'the poll after the org recovered', (x) => x.counts.polls > polls, 60_000);
    expect(s.state).toBe('DATA_SYNCED');
    await handle.terminate();
  });

  it('adds a field to a running mapping and back-fills it', async () => {
    const fields: FieldSpec[] = [{ name: 'Name', type: 'string' }, { name: 'Industry', type: 'string' }, { name: 'NumberOfEmployees', type: 'number' }];
    const handle = await startMapping(temporal.client, temporal.taskQueue, mappingConfig('Account', ['Id', 'Name']), { continueAsNewAfterSteps: 6 });
    await waitForStatus(handle, 'the initial load', (x) => x.lastLoad !== null && x.state === 'DATA_SYNCED');
    const config = await handle.executeUpdate(reconfigureUpdate, { args: [{ fields: ['Id', 'Name', 'Industry', 'NumberOfEmployees'] }] });
    expect(config.fields).toEqual(expect.arrayContaining(['Industry', 'NumberOfEmployees']));
    const s = await waitForStatus(handle, 'the back-fill', (x) => x.counts.loads === 2 && x.state === 'DATA_SYNCED');
    expect(s.config.fields).toContain('Industry');
    const [orgSide, tableSide] = await Promise.all([orgSnapshot(conn, 'Account', fields), tableSnapshot(db.pool, 'salesforce.account', fields)]);
    expect(differences(orgSide, tableSide, fields)).toEqual([]);

    // Removing a field leaves its column and data alone.
    await handle.executeUpdate(reconfigureUpdate, { args: [{ fields: ['Id', 'Name', 'Industry'] }] });
    await waitForStatus(handle, 'the mapping after removing a field', (x) => !x.config.fields.includes('NumberOfEmployees') && x.state === 'DATA_SYNCED');
    expect((await db.pool.query('SELECT count(numberofemployees)::int AS n FROM salesforce.account')).rows[0].n).toBeGreaterThan(0);

    // A reload builds a new table beside the old one and swaps it in.
    const oidBefore = (await db.pool.query("SELECT 'salesforce.account'::regclass::oid AS oid")).rows[0].oid;
    await handle.executeUpdate(reloadUpdate);
    await waitForStatus(handle, 'the reload', (x) => x.counts.loads === 3 && x.state === 'DATA_SYNCED');
    expect((await db.pool.query("SELECT 'salesforce.account'::regclass::oid AS oid")).rows[0].oid).not.toBe(oidBefore);
    const reloaded = await tableSnapshot(db.pool, 'salesforce.account', fields.slice(0, 2));
    expect(differences(await orgSnapshot(conn, 'Account', fields.slice(0, 2)), reloaded, fields.slice(0, 2))).toEqual([]);

    // The run continued as new along the way and carried its state.
    const description = await handle.describe();
    expect(description.runId).not.toBe(handle.firstExecutionRunId);
    expect((await status(handle)).counts.loads).toBe(3);
    await recordHistories(temporal.client, handle.workflowId, 'reconfigure-reload-continue-as-new');
    await handle.terminate();
  });
});
