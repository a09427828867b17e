// A flush's claim on a real Postgres: the oldest NEW entries, at most maxEntries of them and cut where their
// values' stored size passes maxBytes (wide rows claim fewer entries; the first is always claimed), reporting
// whether more wait; an unfinished claim is resumed as exactly its range.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { claimEntries, claimQuery, endAttempt } from '../../store/trigger-log-claims';
import { createCaptureDatabase } from '../support/capture';
import type { TestDatabase } from '../support/services';

describe('claimEntries', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createCaptureDatabase('claims', { account: { access: 'read_write', columns: ['name varchar(80)', 'notes text'] } });
  });
  afterAll(async () => db?.drop());
  beforeEach(async () => {
    await db.pool.query('TRUNCATE salesforce.account, salesforce._trigger_log RESTART IDENTITY');
    await db.pool.query('DELETE FROM ferry.outbound_attempt');
  });

  /** Inserts n rows whose notes are `width` characters of incompressible text. */
  const insert = async (n: number, width: number) => {
    await db.pool.query(
      `INSERT INTO salesforce.account (name, notes)
       SELECT 'Row ' || i, left((SELECT string_agg(md5(i::text || ':' || j::text), '') FROM generate_series(1, ceil($2::int / 32.0)::int) j), $2)
         FROM generate_series(1, $1::int) i`, [n, width]);
  };
  const settle = async (ids: number[]) => {
    await db.pool.query("UPDATE salesforce._trigger_log SET state = 'SUCCESS' WHERE id = ANY($1::bigint[])", [ids]);
    await endAttempt(db.pool, 'salesforce.account');
  };
  const claim = (maxEntries: number, maxBytes: number) =>
    claimEntries(db.pool, 'salesforce.account', 'salesforce', 'account', { maxEntries, maxBytes });

  it('claims up to maxEntries narrow entries and says whether more wait', async () => {
    await insert(30, 10);
    const first = await claim(20, 1 << 20);
    expect(first.entries.map((e) => e.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(first.limited).toBe(true);
    await settle(first.entries.map((e) => e.id));
    const second = await claim(20, 1 << 20);
    expect(second.entries).toHaveLength(10);
    expect(second.limited).toBe(false);
  });

  it('cuts a claim of wide entries at maxBytes of stored values, and then takes the rest', async () => {
    await insert(40, 1500);
    const sizes = (await db.pool.query<{ size: number }>('SELECT pg_column_size("values") AS size FROM salesforce._trigger_log ORDER BY id')).rows.map((r) => r.size);
    expect(sizes.every((s) => s > 1500)).toBe(true);
    const budget = sizes.slice(0, 10).reduce((a, b) => a + b, 0);
    const first = await claim(1000, budget);
    // Entries whose predecessors stay under the budget: the tenth starts below it, the eleventh at it.
    expect(first.entries).toHaveLength(10);
    expect(first.limited).toBe(true);
    expect(first.entries.every((e) => typeof e.values?.notes === 'string' && (e.values.notes as string).length === 1500)).toBe(true);
    await settle(first.entries.map((e) => e.id));
    const rest = await claim(1000, 100 * budget);
    expect(rest.entries.map((e) => e.id)).toEqual(Array.from({ length: 30 }, (_, i) => i + 11));
    expect(rest.limited).toBe(false);
  });

  it('claims the first entry even when it alone is larger than maxBytes', async () => {
    await insert(3, 5000);
    const first = await claim(1000, 100);
    expect(first.entries.map((e) => e.id)).toEqual([1]);
    expect(first.limited).toBe(true);
  });

  it('resumes an unfinished claim as exactly its range, and says newer entries wait', async () => {
    await insert(5, 10);
    const first = await claim(3, 1 << 20);
    expect(first.entries.map((e) => e.id)).toEqual([1, 2, 3]);
    const again = await claim(100, 1 << 20);
    expect(again.entries.map((e) => e.id)).toEqual([1, 2, 3]);
    expect(again.limited).toBe(true);
    await settle([1, 2, 3]);
    const rest = await claim(100, 1 << 20);
    expect(rest.entries.map((e) => e.id)).toEqual([4, 5]);
    expect(rest.limited).toBe(false);
  });

  it('reads the queue through its index, not the primary key, when the statistics predate a processed burst', async () => {
    // Statistics taken while all 20,000 entries were NEW, then 19,000 of them processed (autovacuum kept off
    // the log, so the statistics stay as they were): the primary key would walk the processed entries first.
    await db.pool.query('ALTER TABLE salesforce._trigger_log SET (autovacuum_enabled = false)');
    try {
      await insert(20_000, 10);
      await db.pool.query('ANALYZE salesforce._trigger_log');
      await db.pool.query("UPDATE salesforce._trigger_log SET state = 'SUCCESS' WHERE id <= 19000");
      const plan = await db.pool.query<{ 'QUERY PLAN': unknown }>(
        `EXPLAIN (FORMAT JSON) ${claimQuery('salesforce._trigger_log')}`.replace(/\$1/g, "'account'").replace('$2', '1000').replace('$3', '16777216'));
      const indexes = JSON.stringify(plan.rows[0]['QUERY PLAN']).match(/"Index Name":"[^"]+"/g);
      expect(indexes).toEqual(['"Index Name":"_trigger_log_pending"']);
      const first = await claim(1000, 1 << 20);
      expect(first.entries.map((e) => e.id)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 19001));
    } finally {
      await db.pool.query('ALTER TABLE salesforce._trigger_log RESET (autovacuum_enabled)');
    }
  });
});
