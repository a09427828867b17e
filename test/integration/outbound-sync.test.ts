// Outbound sync end to end: an app writes salesforce.account with plain SQL; the mapping workflow (real
// Temporal), woken by the worker's LISTEN connection, sends the changes to the org emulator (through jsforce)
// and writes the outcome back onto the rows and the trigger log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pauseUpdate, reconfigureUpdate, resumeUpdate, syncNowUpdate } from '../../workflows/mapping/messages';
import { status, waitForStatus, type Handle } from '../support/mappings';
import { outboundFixture, waitForDrained, waitForRow, type OutboundFixture } from './outbound-fixture';

const FIELDS = ['Name', 'AccountNumber', 'Rating', 'NumberOfEmployees', 'Description'];

describe('outbound sync of Account (read_write)', () => {
  let f: OutboundFixture;
  let handle: Handle;

  beforeAll(async () => {
    f = await outboundFixture('outbound', { Account: 20 });
    handle = await f.start('Account', FIELDS);
  });
  afterAll(async () => f?.close());

  const insert = async (values: Record<string, unknown>): Promise<number> => {
    const cols = Object.keys(values);
    const { rows } = await f.db.pool.query<{ id: number }>(
      `INSERT INTO salesforce.account (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`, Object.values(values));
    return rows[0].id;
  };
  const orgRecord = async (sfid: string) => (await f.conn.sobject('Account').retrieve(sfid)) as unknown as Record<string, unknown>;

  it('sends inserted rows and writes the new sfid back', async () => {
    const id = await insert({ name: 'Inserted by the app', accountnumber: 'A-1', numberofemployees: 12 });
    const pending = await f.db.pool.query('SELECT _hc_lastop FROM salesforce.account WHERE id = $1', [id]);
    expect(pending.rows[0]._hc_lastop).toBe('PENDING');
    const row = await waitForRow(f.db, 'salesforce.account', id, 'the insert synced', (r) => r._hc_lastop === 'SYNCED' && r.sfid !== null);
    expect(row._hc_err).toBeNull();
    expect(await orgRecord(row.sfid!)).toMatchObject({ Name: 'Inserted by the app', AccountNumber: 'A-1', NumberOfEmployees: 12 });
    const log = await f.db.pool.query("SELECT action, state, sfid, values FROM salesforce._trigger_log WHERE table_name = 'account' AND record_id = $1", [id]);
    expect(log.rows).toEqual([{ action: 'INSERT', state: 'SUCCESS', sfid: row.sfid, values: expect.objectContaining({ name: 'Inserted by the app' }) }]);
  });

  it('sends an update of only the columns that changed', async () => {
    const { rows } = await f.db.pool.query<{ id: number; sfid: string; name: string }>('SELECT id, sfid, name FROM salesforce.account WHERE sfid IS NOT NULL ORDER BY id LIMIT 1');
    const target = rows[0];
    await f.db.pool.query('UPDATE salesforce.account SET numberofemployees = 4242 WHERE id = $1', [target.id]);
    await waitForRow(f.db, 'salesforce.account', target.id, 'the update synced', (r) => r._hc_lastop === 'SYNCED');
    expect(await orgRecord(target.sfid)).toMatchObject({ NumberOfEmployees: 4242, Name: target.name });
    const log = await f.db.pool.query("SELECT values, old FROM salesforce._trigger_log WHERE table_name = 'account' AND record_id = $1 AND action = 'UPDATE'", [target.id]);
    expect(log.rows).toHaveLength(1);
    expect(Object.keys(log.rows[0].values)).toEqual(['numberofemployees']);
  });

  it('deletes the record when the row is deleted', async () => {
    const { rows } = await f.db.pool.query<{ id: number; sfid: string }>('SELECT id, sfid FROM salesforce.account WHERE sfid IS NOT NULL ORDER BY id DESC LIMIT 1');
    await f.db.pool.query('DELETE FROM salesforce.account WHERE id = $1', [rows[0].id]);
    await waitForDrained(f.db, 'account');
    const gone = await f.conn.query(`SELECT Id, IsDeleted FROM Account WHERE Id = '${rows[0].sfid}'`, { scanAll: true });
    expect(gone.records).toMatchObject([{ IsDeleted: true }]);
    const log = await f.db.pool.query("SELECT state FROM salesforce._trigger_log WHERE table_name = 'account' AND record_id = $1 AND action = 'DELETE'", [rows[0].id]);
    expect(log.rows).toEqual([{ state: 'SUCCESS' }]);
  });

  it('sends a mix of insert, update and delete made in one transaction', async () => {
    const { rows } = await f.db.pool.query<{ id: number; sfid: string }>('SELECT id, sfid FROM salesforce.account WHERE sfid IS NOT NULL ORDER BY id LIMIT 3');
    const [toUpdate, toDelete] = rows;
    const client = await f.db.pool.connect();
    let inserted: number;
    try {
      await client.query('BEGIN');
      inserted = (await client.query<{ id: number }>("INSERT INTO salesforce.account (name) VALUES ('Mixed tx insert') RETURNING id")).rows[0].id;
      await client.query("UPDATE salesforce.account SET description = 'mixed tx update' WHERE id = $1", [toUpdate.id]);
      await client.query('DELETE FROM salesforce.account WHERE id = $1', [toDelete.id]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const row = await waitForRow(f.db, 'salesforce.account', inserted, 'the mixed insert synced', (r) => r._hc_lastop === 'SYNCED' && r.sfid !== null);
    await waitForDrained(f.db, 'account');
    expect(await orgRecord(row.sfid!)).toMatchObject({ Name: 'Mixed tx insert' });
    expect(await orgRecord(toUpdate.sfid)).toMatchObject({ Description: 'mixed tx update' });
    const del = await f.conn.query(`SELECT IsDeleted FROM Account WHERE Id = '${toDelete.sfid}'`, { scanAll: true });
    expect(del.records).toMatchObject([{ IsDeleted: true }]);
  });

  it('merges many updates of one record between flushes into one write', async () => {
    const { rows } = await f.db.pool.query<{ id: number; sfid: string }>('SELECT id, sfid FROM salesforce.account WHERE sfid IS NOT NULL ORDER BY id LIMIT 1');
    const target = rows[0];
    // Paused, the mapping does not flush: every update below lands between two flushes.
    await handle.executeUpdate(pauseUpdate);
    for (let i = 1; i <= 25; i++) {
      await f.db.pool.query('UPDATE salesforce.account SET numberofemployees = $2, accountnumber = $3 WHERE id = $1', [target.id, i, `N-${i}`]);
    }
    const before = f.changes.filter((c) => c.recordId === target.sfid).length;
    await handle.executeUpdate(resumeUpdate);
    await waitForRow(f.db, 'salesforce.account', target.id, 'the merged update synced', (r) => r._hc_lastop === 'SYNCED');
    await waitForDrained(f.db, 'account');
    const writes = f.changes.filter((c) => c.recordId === target.sfid).slice(before);
    expect(writes).toHaveLength(1);
    expect(writes[0].record).toMatchObject({ NumberOfEmployees: 25, AccountNumber: 'N-25' });
    const log = await f.db.pool.query("SELECT count(*)::int AS n, count(DISTINCT state)::int AS states FROM salesforce._trigger_log WHERE table_name = 'account' AND record_id = $1 AND action = 'UPDATE' AND (values->>'numberofemployees')::int BETWEEN 1 AND 25", [target.id]);
    expect(log.rows[0]).toEqual({ n: 25, states: 1 });
  });

  it('marks rows Salesforce rejects FAILED with its error while the rest succeed', async () => {
    const good = await insert({ name: 'Good one', rating: 'Hot' });
    const badPicklist = await insert({ name: 'Bad rating', rating: 'Lukewarm' });
    const tooLong = await insert({ name: 'Too long', description: 'x'.repeat(40_000) });
    const missing = await insert({ accountnumber: 'no name' });
    await waitForDrained(f.db, 'account');
    const { rows } = await f.db.pool.query<{ id: number; sfid: string | null; _hc_lastop: string; _hc_err: string | null }>(
      'SELECT id, sfid, _hc_lastop, _hc_err FROM salesforce.account WHERE id = ANY($1) ORDER BY id', [[good, badPicklist, tooLong, missing]]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(good)).toMatchObject({ _hc_lastop: 'SYNCED', _hc_err: null });
    expect(byId.get(good)!.sfid).not.toBeNull();
    const err = (id: number) => JSON.parse(byId.get(id)!._hc_err!) as { code: string; fields: string[]; message: string };
    expect(byId.get(badPicklist)).toMatchObject({ _hc_lastop: 'FAILED', sfid: null });
    expect(err(badPicklist)).toMatchObject({ code: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: ['Rating'] });
    expect(err(tooLong)).toMatchObject({ code: 'STRING_TOO_LONG', fields: ['Description'] });
    expect(err(missing)).toMatchObject({ code: 'REQUIRED_FIELD_MISSING', fields: ['Name'] });
    const log = await f.db.pool.query<{ record_id: number; state: string; sf_message: string | null }>(
      "SELECT record_id, state, sf_message FROM salesforce._trigger_log WHERE table_name = 'account' AND record_id = ANY($1)", [[good, badPicklist, tooLong, missing]]);
    expect(log.rows.filter((r) => r.state === 'FAILED').map((r) => r.record_id).sort()).toEqual([badPicklist, tooLong, missing].sort());
    expect(JSON.parse(log.rows.find((r) => r.record_id === missing)!.sf_message!)).toMatchObject({ code: 'REQUIRED_FIELD_MISSING' });
    expect((await status(handle)).outbound?.failed).toBeGreaterThanOrEqual(3);
  });

  it('does not capture its own writes: inbound changes and write-backs leave no trigger-log entry', async () => {
    const { rows } = await f.db.pool.query<{ id: number; sfid: string }>('SELECT id, sfid FROM salesforce.account WHERE sfid IS NOT NULL ORDER BY id DESC LIMIT 1');
    const target = rows[0];
    const entriesBefore = (await f.db.pool.query('SELECT count(*)::int AS n FROM salesforce._trigger_log')).rows[0].n;
    await f.conn.sobject('Account').update({ Id: target.sfid, Name: 'Renamed in Salesforce' });
    const polls = (await status(handle)).counts.polls;
    await handle.executeUpdate(syncNowUpdate);
    await waitForStatus(handle, 'a poll after the Salesforce change', (s) => s.counts.polls > polls);
    const row = await waitForRow(f.db, 'salesforce.account', target.id, 'the inbound change applied', (r) => r.name === 'Renamed in Salesforce');
    expect(row._hc_lastop).toBe('SYNCED');
    const entriesAfter = (await f.db.pool.query('SELECT count(*)::int AS n FROM salesforce._trigger_log')).rows[0].n;
    expect(entriesAfter).toBe(entriesBefore);
    // The app can mark a write of its own the same way: it is not sent either.
    const client = await f.db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SET LOCAL ferry.sync_writer = 'on'");
      await client.query("UPDATE salesforce.account SET description = 'not for Salesforce' WHERE id = $1", [target.id]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect((await f.db.pool.query('SELECT count(*)::int AS n FROM salesforce._trigger_log')).rows[0].n).toBe(entriesBefore);
  });

  it('keeps a local change pending while Salesforce changes the same record, and converges without flip-flop', async () => {
    const { rows } = await f.db.pool.query<{ id: number; sfid: string; description: string | null }>('SELECT id, sfid, description FROM salesforce.account WHERE sfid IS NOT NULL ORDER BY id LIMIT 1 OFFSET 2');
    const target = rows[0];
    // A long flush interval holds the local change back so that the poll certainly comes first.
    await handle.executeUpdate(reconfigureUpdate, { args: [{ flushIntervalSeconds: 60 }] });
    await f.conn.sobject('Account').update({ Id: target.sfid, Description: 'from Salesforce', Name: 'SF name' });
    await f.db.pool.query("UPDATE salesforce.account SET name = 'App name' WHERE id = $1", [target.id]);
    const polls = (await status(handle)).counts.polls;
    await handle.executeUpdate(syncNowUpdate);
    await waitForStatus(handle, 'a poll while the local change is pending', (s) => s.counts.polls > polls);
    const during = (await f.db.pool.query('SELECT name, description, _hc_lastop FROM salesforce.account WHERE id = $1', [target.id])).rows[0];
    expect(during).toEqual({ name: 'App name', description: target.description, _hc_lastop: 'PENDING' });

    await handle.executeUpdate(reconfigureUpdate, { args: [{ flushIntervalSeconds: 1 }] });
    await waitForRow(f.db, 'salesforce.account', target.id, 'the local change synced', (r) => r._hc_lastop === 'SYNCED');
    const polls2 = (await status(handle)).counts.polls;
    await handle.executeUpdate(syncNowUpdate);
    await waitForStatus(handle, 'the poll that brings the echo', (s) => s.counts.polls > polls2);
    const row = (await f.db.pool.query('SELECT name, description, _hc_lastop FROM salesforce.account WHERE id = $1', [target.id])).rows[0];
    // The later local write wins Name on both sides; Salesforce's Description reaches Postgres with the echo.
    expect(await orgRecord(target.sfid)).toMatchObject({ Name: 'App name', Description: 'from Salesforce' });
    expect(row).toEqual({ name: 'App name', description: 'from Salesforce', _hc_lastop: 'SYNCED' });
    const names = f.changes.filter((c) => c.recordId === target.sfid).map((c) => c.record.Name);
    expect(names.slice(-2)).toEqual(['SF name', 'App name']);
  });
});
