// The capture triggers on a real Postgres, statement by statement: what lands in _trigger_log for single- and
// multi-row INSERT, UPDATE and DELETE (and INSERT … ON CONFLICT), which columns an update records, and that
// ferry's own writes (the sync-writer marker) and read_only tables log nothing.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SET_SYNC_WRITER } from '../../domain/outbound-trigger-sql';
import { withTransaction } from '../../infra/db';
import { createCaptureDatabase } from '../support/capture';
import type { TestDatabase } from '../support/services';

interface Entry { action: string; record_id: number; sfid: string | null; values: Record<string, unknown> | null; old: Record<string, unknown> | null }

describe('capture triggers', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    const columns = ['name varchar(80)', 'rating varchar(40)'];
    db = await createCaptureDatabase('capture', { account: { access: 'read_write', columns }, lead: { access: 'read_only', columns } });
  });
  afterAll(async () => db?.drop());
  beforeEach(async () => {
    await db.pool.query('TRUNCATE salesforce.account, salesforce.lead, salesforce._trigger_log RESTART IDENTITY');
  });

  const entries = async (): Promise<Entry[]> => (await db.pool.query<Entry>(
    "SELECT action, record_id, sfid, \"values\", old FROM salesforce._trigger_log WHERE state = 'NEW' ORDER BY id")).rows;
  const lastops = async (table: string) => (await db.pool.query<{ id: number; _hc_lastop: string | null }>(
    `SELECT id, _hc_lastop FROM salesforce.${table} ORDER BY id`)).rows.map((r) => [r.id, r._hc_lastop]);

  it('logs each row of a multi-row INSERT with its sent columns, and marks the rows PENDING', async () => {
    await db.pool.query("INSERT INTO salesforce.account (name, rating) SELECT 'A' || g, 'Hot' FROM generate_series(1, 3) g");
    await db.pool.query("INSERT INTO salesforce.account (name, sfid) VALUES ('Known', '001000000000001AAA')");
    expect(await entries()).toEqual([
      { action: 'INSERT', record_id: 1, sfid: null, values: { name: 'A1', rating: 'Hot' }, old: null },
      { action: 'INSERT', record_id: 2, sfid: null, values: { name: 'A2', rating: 'Hot' }, old: null },
      { action: 'INSERT', record_id: 3, sfid: null, values: { name: 'A3', rating: 'Hot' }, old: null },
      { action: 'INSERT', record_id: 4, sfid: '001000000000001AAA', values: { name: 'Known', rating: null }, old: null },
    ]);
    expect(await lastops('account')).toEqual([[1, 'PENDING'], [2, 'PENDING'], [3, 'PENDING'], [4, 'PENDING']]);
  });

  it('logs only the changed columns of each updated row, and nothing for rows whose sent columns did not change', async () => {
    await withTransaction(db.pool, async (c) => {
      await c.query(SET_SYNC_WRITER);
      await c.query("INSERT INTO salesforce.account (sfid, name, rating, _hc_lastop) VALUES ('001A', 'One', 'Hot', 'SYNCED'), ('001B', 'Two', 'Cold', 'SYNCED'), ('001C', 'Three', NULL, 'SYNCED')");
    });
    // Row 1: rating changes; row 2: nothing sent changes (only a bookkeeping column); row 3: null → value.
    await db.pool.query("UPDATE salesforce.account SET rating = CASE id WHEN 1 THEN 'Warm' WHEN 3 THEN 'Hot' ELSE rating END, systemmodstamp = now()");
    expect(await entries()).toEqual([
      { action: 'UPDATE', record_id: 1, sfid: '001A', values: { rating: 'Warm' }, old: { rating: 'Hot' } },
      { action: 'UPDATE', record_id: 3, sfid: '001C', values: { rating: 'Hot' }, old: { rating: null } },
    ]);
    expect(await lastops('account')).toEqual([[1, 'PENDING'], [2, 'SYNCED'], [3, 'PENDING']]);
  });

  it('logs each deleted row with its old values', async () => {
    await withTransaction(db.pool, async (c) => {
      await c.query(SET_SYNC_WRITER);
      await c.query("INSERT INTO salesforce.account (sfid, name) VALUES ('001A', 'One'), ('001B', 'Two'), ('001C', 'Three')");
    });
    await db.pool.query("DELETE FROM salesforce.account WHERE name <> 'Two'");
    expect(await entries()).toEqual([
      { action: 'DELETE', record_id: 1, sfid: '001A', values: null, old: { name: 'One', rating: null } },
      { action: 'DELETE', record_id: 3, sfid: '001C', values: null, old: { name: 'Three', rating: null } },
    ]);
  });

  it('logs INSERT … ON CONFLICT DO UPDATE as an insert of the new rows and an update of the existing ones', async () => {
    await db.pool.query("INSERT INTO salesforce.account (sfid, name) VALUES ('001A', 'One')");
    await db.pool.query('TRUNCATE salesforce._trigger_log');
    await db.pool.query(`INSERT INTO salesforce.account (sfid, name) VALUES ('001A', 'One, renamed'), ('001B', 'Two')
      ON CONFLICT (sfid) DO UPDATE SET name = EXCLUDED.name`);
    const logged = (await entries()).map((e) => [e.action, e.sfid, e.values]);
    expect(logged).toHaveLength(2);
    expect(logged).toEqual(expect.arrayContaining([['UPDATE', '001A', { name: 'One, renamed' }], ['INSERT', '001B', { name: 'Two', rating: null }]]));
  });

  it('keeps the order of statements within a transaction', async () => {
    await withTransaction(db.pool, async (c) => {
      await c.query("INSERT INTO salesforce.account (name) VALUES ('Short-lived')");
      await c.query("UPDATE salesforce.account SET rating = 'Hot' WHERE name = 'Short-lived'");
      await c.query("DELETE FROM salesforce.account WHERE name = 'Short-lived'");
    });
    expect((await entries()).map((e) => [e.action, e.record_id])).toEqual([['INSERT', 1], ['UPDATE', 1], ['DELETE', 1]]);
  });

  it('logs nothing for writes under the sync-writer marker, nor for a read_only table', async () => {
    await withTransaction(db.pool, async (c) => {
      await c.query(SET_SYNC_WRITER);
      await c.query("INSERT INTO salesforce.account (name) SELECT 'A' || g FROM generate_series(1, 3) g");
      await c.query("UPDATE salesforce.account SET rating = 'Hot'");
      await c.query("DELETE FROM salesforce.account WHERE id = 1");
    });
    await db.pool.query("INSERT INTO salesforce.lead (name) VALUES ('Local only')");
    await db.pool.query("UPDATE salesforce.lead SET rating = 'Hot'");
    expect(await entries()).toEqual([]);
    expect(await lastops('account')).toEqual([[2, null], [3, null]]);
    expect(await lastops('lead')).toEqual([[1, 'READONLY']]);
  });
});
