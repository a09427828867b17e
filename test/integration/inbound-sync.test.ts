// Inbound sync end to end: a mapping workflow on the real Temporal dev server, the real Postgres and the
// org emulator (through jsforce), checked by comparing the table with the org record by record.
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server';
import { differences, orgSnapshot, tableSnapshot, type FieldSpec } from '../support/compare';
import { mappingConfig, startMapping, status, waitForStatus, type Handle } from '../support/mappings';
import { jsforceFor, sessionsFor, startOrg } from '../support/org';
import { connectTemporal, createTestDatabase, testLogger, type RunningWorker, type TestDatabase, type TestTemporal } from '../support/services';
import { syncNowUpdate } from '../../workflows/mapping/messages';
import { recordHistories } from '../support/histories';

const ACCOUNTS = 50_000;
const FIELDS: FieldSpec[] = [
  { name: 'Name', type: 'string' }, { name: 'AccountNumber', type: 'string' }, { name: 'Type', type: 'string' },
  { name: 'Industry', type: 'string' }, { name: 'Phone', type: 'string' }, { name: 'Website', type: 'string' },
  { name: 'AnnualRevenue', type: 'number' }, { name: 'NumberOfEmployees', type: 'number' },
  { name: 'Description', type: 'string' }, { name: 'CreatedDate', type: 'datetime' }, { name: 'SystemModstamp', type: 'datetime' },
];

describe('inbound sync of Account', () => {
  let org: Emulator;
  let conn: Connection;
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let handle: Handle;

  beforeAll(async () => {
    org = await startOrg({ seed: { Account: ACCOUNTS } });
    conn = await jsforceFor(org);
    db = await createTestDatabase('inbound');
    temporal = await connectTemporal('inbound');
    worker = await temporal.startWorker({ pool: db.pool, log: testLogger, sessions: sessionsFor(org) });
    handle = await startMapping(temporal.client, temporal.taskQueue, mappingConfig('Account', ['Id', ...FIELDS.map((f) => f.name), 'IsDeleted']));
  });

  afterAll(async () => {
    if (handle) await recordHistories(temporal.client, handle.workflowId, 'initial-load-and-polls');
    await handle?.terminate().catch(() => undefined);
    await worker?.stop();
    await temporal?.close();
    await db?.drop();
    await org?.close();
  });

  it(`loads ${ACCOUNTS} records with Bulk 2.0 into an exact copy of the org`, async () => {
    const s = await waitForStatus(handle, 'the initial load and first poll', (x) => x.lastLoad !== null && x.counts.polls > 0 && x.state === 'DATA_SYNCED');
    expect(s.state).toBe('DATA_SYNCED');
    expect(s.lastLoad).toMatchObject({ mode: 'bulk', rows: ACCOUNTS });
    expect(s.counts.inserted).toBe(ACCOUNTS);
    const [orgSide, tableSide] = await Promise.all([orgSnapshot(conn, 'Account', FIELDS), tableSnapshot(db.pool, 'salesforce.account', FIELDS)]);
    expect(differences(orgSide, tableSide, FIELDS)).toEqual([]);
    expect(tableSide.checksum).toBe(orgSide.checksum);
    const { rows } = await db.pool.query("SELECT count(*)::int AS n, count(DISTINCT sfid)::int AS d, count(*) FILTER (WHERE _hc_lastop = 'SYNCED')::int AS synced FROM salesforce.account");
    expect(rows[0]).toEqual({ n: ACCOUNTS, d: ACCOUNTS, synced: ACCOUNTS });
  });

  it('creates the table in the Heroku Connect layout', async () => {
    const { rows } = await db.pool.query<{ column_name: string; data_type: string; character_maximum_length: number | null }>(
      `SELECT column_name, data_type, character_maximum_length FROM information_schema.columns
        WHERE table_schema = 'salesforce' AND table_name = 'account' ORDER BY ordinal_position`);
    const columns = Object.fromEntries(rows.map((r) => [r.column_name, `${r.data_type}${r.character_maximum_length ? `(${r.character_maximum_length})` : ''}`]));
    expect(columns).toMatchObject({
      id: 'integer', sfid: 'character varying(18)', systemmodstamp: 'timestamp without time zone', isdeleted: 'boolean',
      _hc_lastop: 'character varying(32)', _hc_err: 'text', name: 'character varying(255)', annualrevenue: 'double precision',
      numberofemployees: 'integer', createddate: 'timestamp without time zone', description: 'text',
    });
    const idx = await db.pool.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE schemaname = 'salesforce' AND tablename = 'account'");
    const defs = idx.rows.map((r) => r.indexdef).join('\n');
    expect(defs).toMatch(/UNIQUE INDEX hcu_idx_account_sfid .*\(sfid\)/);
    expect(defs).toMatch(/INDEX hc_idx_account_systemmodstamp .*\(systemmodstamp\)/);
  });

  it('applies inserts, updates, deletes and undeletes from the org at the next poll', async () => {
    const created = await conn.sobject('Account').create({ Name: 'Ferry Test Co', AnnualRevenue: 1234.5 });
    if (!created.success) throw new Error('create failed');
    const [toUpdate, toDelete] = (await conn.query<{ Id: string }>('SELECT Id FROM Account ORDER BY Id LIMIT 2')).records.map((r) => r.Id);
    await conn.sobject('Account').update({ Id: toUpdate, Name: 'Renamed by a user', NumberOfEmployees: 77 });
    await conn.sobject('Account').destroy(toDelete);
    const before = (await status(handle)).counts.polls;
    await handle.executeUpdate(syncNowUpdate);
    await waitForStatus(handle, 'a poll after the changes', (s) => s.counts.polls > before && s.state === 'DATA_SYNCED');
    const row = async (id: string) => (await db.pool.query('SELECT name, annualrevenue, numberofemployees FROM salesforce.account WHERE sfid = $1', [id])).rows[0];
    expect(await row(created.id)).toEqual({ name: 'Ferry Test Co', annualrevenue: 1234.5, numberofemployees: null });
    expect(await row(toUpdate)).toMatchObject({ name: 'Renamed by a user', numberofemployees: 77 });
    expect(await row(toDelete)).toBeUndefined();

    org.admin.undelete('Account', toDelete);
    const polls = (await status(handle)).counts.polls;
    await handle.executeUpdate(syncNowUpdate);
    await waitForStatus(handle, 'a poll after the undelete', (s) => s.counts.polls > polls);
    expect(await row(toDelete)).toBeDefined();
    const [orgSide, tableSide] = await Promise.all([orgSnapshot(conn, 'Account', FIELDS), tableSnapshot(db.pool, 'salesforce.account', FIELDS)]);
    expect(differences(orgSide, tableSide, FIELDS)).toEqual([]);
  });
  it('applies a poll of 4,500 changes read in three REST pages, each merged as the next is read', async () => {
    const ids = (await conn.query<{ Id: string }>('SELECT Id FROM Account ORDER BY Id LIMIT 4600')).records.map((r) => r.Id);
    const updated = ids.slice(0, 4_500);
    const deleted = ids.slice(4_500);
    const csv = `Id,Name,NumberOfEmployees\n${updated.map((id, i) => `${id},Paged ${i},${i}`).join('\n')}\n`;
    const results = await conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'update', input: csv, pollTimeout: 120_000 });
    expect(results.successfulResults).toHaveLength(updated.length);
    for (let i = 0; i < deleted.length; i += 200) await conn.sobject('Account').destroy(deleted.slice(i, i + 200), { allOrNone: true });
    const before = (await status(handle)).counts;
    await handle.executeUpdate(syncNowUpdate);
    const after = (await waitForStatus(handle, 'the poll of 4,600 changes', (s) => s.counts.polls > before.polls && s.state === 'DATA_SYNCED')).counts;
    // 4,600 records (under the Bulk threshold) come in pages of 2,000: 2,000 + 2,000 + 600.
    expect(after.updated - before.updated).toBe(updated.length);
    expect(after.deleted - before.deleted).toBe(deleted.length);
    const { rows } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM salesforce.account WHERE name LIKE 'Paged %' AND numberofemployees::text = substr(name, 7)");
    expect(rows[0].n).toBe(updated.length);
    const [orgSide, tableSide] = await Promise.all([orgSnapshot(conn, 'Account', FIELDS), tableSnapshot(db.pool, 'salesforce.account', FIELDS)]);
    expect(differences(orgSide, tableSide, FIELDS)).toEqual([]);
  });
});
