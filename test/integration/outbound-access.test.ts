// Access modes: a read_only mapping records local edits as READONLY and sends nothing; switching a running
// mapping between read_only and read_write installs or removes the capture triggers; failed writes can be
// retried or ignored; the listener signals a burst of writes a few times, not once per write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ignoreFailedWrite, listFailedWrites, retryFailedWrite } from '../../store/failed-writes';
import { reconfigureUpdate, syncNowUpdate } from '../../workflows/mapping/messages';
import { status, waitForStatus, type Handle } from '../support/mappings';
import { outboundFixture, waitForDrained, waitForRow, type OutboundFixture } from './outbound-fixture';

const triggersOn = async (f: OutboundFixture, table: string): Promise<string[]> => (await f.db.pool.query<{ tgname: string }>(
  "SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass AND NOT tgisinternal ORDER BY tgname", [`salesforce.${table}`])).rows.map((r) => r.tgname);

describe('outbound access modes', () => {
  let f: OutboundFixture;
  let contacts: Handle;

  beforeAll(async () => {
    f = await outboundFixture('outaccess', { Account: 5, Contact: 10 });
    contacts = await f.start('Contact', ['FirstName', 'LastName', 'Email', 'Title'], { access: 'read_only' });
  });
  afterAll(async () => f?.close());

  it('read_only: a local edit is marked READONLY, nothing is sent, and the next Salesforce change overwrites it', async () => {
    expect(await triggersOn(f, 'contact')).toEqual(['hc_contact_status_trigger']);
    const { rows } = await f.db.pool.query<{ id: number; sfid: string; title: string | null }>('SELECT id, sfid, title FROM salesforce.contact ORDER BY id LIMIT 1');
    const target = rows[0];
    const changesBefore = f.changes.length;
    await f.db.pool.query("UPDATE salesforce.contact SET title = 'Edited locally' WHERE id = $1", [target.id]);
    const local = (await f.db.pool.query('SELECT title, _hc_lastop FROM salesforce.contact WHERE id = $1', [target.id])).rows[0];
    expect(local).toEqual({ title: 'Edited locally', _hc_lastop: 'READONLY' });
    expect((await f.db.pool.query("SELECT count(*)::int AS n FROM salesforce._trigger_log WHERE table_name = 'contact'")).rows[0].n).toBe(0);

    await f.conn.sobject('Contact').update({ Id: target.sfid, Title: 'Set in Salesforce' });
    const polls = (await status(contacts)).counts.polls;
    await contacts.executeUpdate(syncNowUpdate);
    await waitForStatus(contacts, 'a poll', (s) => s.counts.polls > polls);
    const after = (await f.db.pool.query('SELECT title, _hc_lastop FROM salesforce.contact WHERE id = $1', [target.id])).rows[0];
    expect(after).toEqual({ title: 'Set in Salesforce', _hc_lastop: 'SYNCED' });
    // The only org change is the test's own update: ferry sent nothing.
    expect(f.changes.slice(changesBefore).map((c) => c.changeOrigin)).toEqual([expect.stringContaining('api/rest')]);
    expect(f.changes.slice(changesBefore)).toHaveLength(1);
  });

  it('switches a running mapping to read_write and back, installing and removing the triggers', async () => {
    await contacts.executeUpdate(reconfigureUpdate, { args: [{ access: 'read_write' }] });
    await waitForStatus(contacts, 'capture installed for read_write', (s) => s.outbound?.access === 'read_write');
    expect(await triggersOn(f, 'contact')).toEqual([
      'hc_contact_logtrigger_delete', 'hc_contact_logtrigger_insert', 'hc_contact_logtrigger_update', 'hc_contact_notify_trigger', 'hc_contact_status_trigger',
    ]);
    const { rows } = await f.db.pool.query<{ id: number; sfid: string }>('SELECT id, sfid FROM salesforce.contact ORDER BY id LIMIT 1 OFFSET 1');
    await f.db.pool.query("UPDATE salesforce.contact SET title = 'Now sent' WHERE id = $1", [rows[0].id]);
    await waitForRow(f.db, 'salesforce.contact', rows[0].id, 'the update synced', (r) => r._hc_lastop === 'SYNCED');
    expect(await f.conn.sobject('Contact').retrieve(rows[0].sfid)).toMatchObject({ Title: 'Now sent' });

    await contacts.executeUpdate(reconfigureUpdate, { args: [{ access: 'read_only' }] });
    await waitForStatus(contacts, 'capture back to read_only', (s) => s.outbound?.access === 'read_only');
    expect(await triggersOn(f, 'contact')).toEqual(['hc_contact_status_trigger']);
    const changesBefore = f.changes.length;
    await f.db.pool.query("UPDATE salesforce.contact SET title = 'Not sent' WHERE id = $1", [rows[0].id]);
    expect((await f.db.pool.query('SELECT _hc_lastop FROM salesforce.contact WHERE id = $1', [rows[0].id])).rows[0]._hc_lastop).toBe('READONLY');
    const s = await status(contacts);
    expect(s.outbound).toMatchObject({ pending: false, nextFlushAt: null });
    expect(f.changes.length).toBe(changesBefore);
  });

  it('retries a failed write from the row as it is now, or ignores it', async () => {
    const accounts = await f.start('Account', ['Name', 'Rating']);
    const bad = (await f.db.pool.query<{ id: number }>("INSERT INTO salesforce.account (name, rating) VALUES ('Retry me', 'Lukewarm'), ('Ignore me', 'Tepid') RETURNING id")).rows;
    await waitForDrained(f.db, 'account');
    const failed = await listFailedWrites(f.db.pool, { mappingId: 'salesforce.account', limit: 10, offset: 0 });
    expect(failed.map((w) => w.recordId).sort()).toEqual(bad.map((b) => b.id).sort());
    expect(failed[0]).toMatchObject({ table: 'account', action: 'INSERT', error: { code: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: ['Rating'] } });
    expect(await listFailedWrites(f.db.pool, { limit: 10, offset: 0 })).toHaveLength(2);

    const retryEntry = failed.find((w) => w.recordId === bad[0].id)!;
    const ignoreEntry = failed.find((w) => w.recordId === bad[1].id)!;
    // Fixed locally as ferry's own write (not captured), then retried through the API function.
    await f.db.pool.query("BEGIN; SET LOCAL ferry.sync_writer = 'on'; UPDATE salesforce.account SET rating = 'Warm' WHERE id = " + Number(bad[0].id) + '; COMMIT');
    expect(await retryFailedWrite(f.db.pool, 'salesforce.account', retryEntry.id)).toMatchObject({ ok: true, state: 'REQUEUED' });
    const row = await waitForRow(f.db, 'salesforce.account', bad[0].id, 'the retried insert synced', (r) => r._hc_lastop === 'SYNCED' && r.sfid !== null);
    expect(await f.conn.sobject('Account').retrieve(row.sfid!)).toMatchObject({ Name: 'Retry me', Rating: 'Warm' });
    expect(await ignoreFailedWrite(f.db.pool, 'salesforce.account', ignoreEntry.id)).toEqual({ ok: true, id: ignoreEntry.id, state: 'IGNORED' });
    expect(await ignoreFailedWrite(f.db.pool, 'salesforce.account', ignoreEntry.id)).toMatchObject({ ok: false, reason: 'not_failed', state: 'IGNORED' });
    expect(await retryFailedWrite(f.db.pool, 'salesforce.account', 999_999)).toMatchObject({ ok: false, reason: 'not_found' });
    expect(await listFailedWrites(f.db.pool, { mappingId: 'salesforce.account', limit: 10, offset: 0 })).toEqual([]);
    await accounts.terminate();
  });

  it('signals a burst of 5,000 inserts a few times, not once per insert, and sends them all', async () => {
    const accounts = await f.start('Account', ['Name', 'Rating'], {}, { });
    const signalsBefore = f.listener.signalsSent();
    const started = Date.now();
    for (let i = 0; i < 50; i++) {
      await f.db.pool.query("INSERT INTO salesforce.account (name) SELECT 'Burst ' || g FROM generate_series(1, 100) g");
    }
    await waitForDrained(f.db, 'account', 60_000);
    const { rows } = await f.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM salesforce.account WHERE name LIKE 'Burst %' AND _hc_lastop = 'SYNCED' AND sfid IS NOT NULL");
    expect(rows[0].n).toBe(5000);
    const seconds = (Date.now() - started) / 1000;
    // Debounced to at most one a second per mapping (plus the leading one).
    expect(f.listener.signalsSent() - signalsBefore).toBeLessThanOrEqual(Math.ceil(seconds) + 2);
    const org = await f.conn.query<{ expr0: number }>("SELECT COUNT() FROM Account WHERE Name LIKE 'Burst %'");
    expect(org.totalSize).toBe(5000);
    await accounts.terminate();
  });
});
