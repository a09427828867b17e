// Writing a flush's outcomes back on a real Postgres: sfid after an insert, SYNCED/FAILED with the error on
// the row, SUCCESS/FAILED on the entries; a row with a newer queued change stays PENDING; and an echo row
// (the inbound side merged the new record before its sfid was written back) gives way to the app's row.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { writeResults } from '../../store/write-results';
import type { SettledWrite } from '../../domain/outbound-writes';
import { SET_SYNC_WRITER } from '../../domain/outbound-trigger-sql';
import { withTransaction } from '../../infra/db';
import { createCaptureDatabase } from '../support/capture';
import type { TestDatabase } from '../support/services';

describe('writeResults', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createCaptureDatabase('writeback', { account: { access: 'read_write', columns: ['name varchar(80)'] } });
  });
  afterAll(async () => db?.drop());
  beforeEach(async () => {
    await db.pool.query('TRUNCATE salesforce.account, salesforce._trigger_log RESTART IDENTITY');
  });

  const entryIds = async (recordId: number) => (await db.pool.query<{ id: string }>(
    'SELECT id FROM salesforce._trigger_log WHERE record_id = $1 ORDER BY id', [recordId])).rows.map((r) => Number(r.id));
  const settled = (recordId: number, ids: number[], kind: 'insert' | 'update', outcome: SettledWrite['outcome']): SettledWrite => ({
    write: { recordId, kind, sfid: null, values: {}, entryIds: ids }, kind, outcome,
  });
  const rows = async () => (await db.pool.query('SELECT id, sfid, name, _hc_lastop, _hc_err FROM salesforce.account ORDER BY id')).rows;
  const log = async () => (await db.pool.query('SELECT record_id, state, sfid, sf_message FROM salesforce._trigger_log ORDER BY id')).rows;

  it('writes sfid, SYNCED and SUCCESS for an insert, FAILED with the error for a rejected one', async () => {
    await db.pool.query("INSERT INTO salesforce.account (name) VALUES ('Good'), ('Bad')");
    const error = { code: 'STRING_TOO_LONG', message: 'Name: data value too large', fields: ['Name'] };
    await writeResults(db.pool, 'salesforce', 'account', [
      settled(1, await entryIds(1), 'insert', { ok: true, sfid: '001000000000001AAA' }),
      settled(2, await entryIds(2), 'insert', { ok: false, error }),
    ]);
    expect(await rows()).toEqual([
      { id: 1, sfid: '001000000000001AAA', name: 'Good', _hc_lastop: 'SYNCED', _hc_err: null },
      { id: 2, sfid: null, name: 'Bad', _hc_lastop: 'FAILED', _hc_err: JSON.stringify({ ...error, op: 'INSERT', src: 'SFDC' }) },
    ]);
    expect(await log()).toEqual([
      { record_id: 1, state: 'SUCCESS', sfid: '001000000000001AAA', sf_message: null },
      { record_id: 2, state: 'FAILED', sfid: null, sf_message: JSON.stringify(error) },
    ]);
  });

  it('leaves a row PENDING when a newer change of it is still queued', async () => {
    await db.pool.query("INSERT INTO salesforce.account (name) VALUES ('First')");
    const sent = await entryIds(1);
    await db.pool.query("UPDATE salesforce.account SET name = 'Second' WHERE id = 1");
    await writeResults(db.pool, 'salesforce', 'account', [settled(1, sent, 'insert', { ok: true, sfid: '001000000000001AAA' })]);
    expect(await rows()).toEqual([{ id: 1, sfid: '001000000000001AAA', name: 'Second', _hc_lastop: 'PENDING', _hc_err: null }]);
    // The queued update learns the record's sfid too.
    expect((await log()).map((e) => [e.state, e.sfid])).toEqual([['SUCCESS', '001000000000001AAA'], ['NEW', '001000000000001AAA']]);
  });

  it('hands the sfid an insert learned to the record\'s queued changes, e.g. a delete made while it was sent', async () => {
    await db.pool.query("INSERT INTO salesforce.account (name) VALUES ('Short-lived'), ('Other')");
    const sent = await entryIds(1);
    await db.pool.query('DELETE FROM salesforce.account WHERE id = 1');
    await db.pool.query("UPDATE salesforce.account SET name = 'Other, renamed' WHERE id = 2");
    await writeResults(db.pool, 'salesforce', 'account', [settled(1, sent, 'insert', { ok: true, sfid: '001000000000001AAA' })]);
    expect((await log()).map((e) => [e.record_id, e.state, e.sfid])).toEqual([
      [1, 'SUCCESS', '001000000000001AAA'], [2, 'NEW', null], [1, 'NEW', '001000000000001AAA'], [2, 'NEW', null],
    ]);
  });

  it('drops the echo row the inbound side created for the new record, keeping the app\'s row', async () => {
    await db.pool.query("INSERT INTO salesforce.account (name) VALUES ('From the app'), ('Unrelated')");
    const sent = await entryIds(1);
    await withTransaction(db.pool, async (c) => {
      await c.query(SET_SYNC_WRITER);
      await c.query("INSERT INTO salesforce.account (sfid, name, _hc_lastop) VALUES ('001000000000001AAA', 'From the app', 'SYNCED')");
    });
    await writeResults(db.pool, 'salesforce', 'account', [settled(1, sent, 'insert', { ok: true, sfid: '001000000000001AAA' })]);
    expect(await rows()).toEqual([
      { id: 1, sfid: '001000000000001AAA', name: 'From the app', _hc_lastop: 'SYNCED', _hc_err: null },
      { id: 2, sfid: null, name: 'Unrelated', _hc_lastop: 'PENDING', _hc_err: null },
    ]);
    // The echo row's removal is ferry's own write: nothing new is queued for Salesforce.
    expect((await log()).map((e) => [e.record_id, e.state])).toEqual([[1, 'SUCCESS'], [2, 'NEW']]);
  });
});
