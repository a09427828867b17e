// A full batch does not wait out the flush interval: once a whole flush's worth of entries is queued, the
// worker's listener says so (fullBatch) and the mapping flushes at once; fewer entries wait for the interval.
// The threshold is lowered here (500 instead of FLUSH_MAX_ENTRIES) and the interval set to its maximum, 60 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queuedAtLeast } from '../../store/trigger-log-claims';
import { status, type Handle } from '../support/mappings';
import { outboundFixture, waitForDrained, waitForRow, type OutboundFixture } from './outbound-fixture';

const FULL = 500;

const queued = async (f: OutboundFixture, table: string): Promise<number> => (await f.db.pool.query<{ n: number }>(
  "SELECT count(*)::int AS n FROM salesforce._trigger_log WHERE table_name = $1 AND state = 'NEW'", [table])).rows[0].n;

describe('outbound full batches', () => {
  let f: OutboundFixture;
  let accounts: Handle;

  beforeAll(async () => {
    f = await outboundFixture('outfull', { Account: 3, Contact: 2 }, { listener: { fullBatchEntries: FULL, fullBatchQuietMs: 0 } });
    accounts = await f.start('Account', ['Name'], { flush_interval_seconds: 60 });
  });
  afterAll(async () => f?.close());

  it('queuedAtLeast counts NEW entries of the table up to the number asked', async () => {
    await f.db.pool.query("INSERT INTO salesforce._trigger_log (state, action, table_name, record_id) VALUES ('NEW', 'INSERT', 'other', 1), ('NEW', 'INSERT', 'other', 2), ('SUCCESS', 'INSERT', 'other', 3)");
    expect(await queuedAtLeast(f.db.pool, 'salesforce', 'other', 2)).toBe(true);
    expect(await queuedAtLeast(f.db.pool, 'salesforce', 'other', 3)).toBe(false);
    expect(await queuedAtLeast(f.db.pool, 'salesforce', 'account', 1)).toBe(false);
    await f.db.pool.query("DELETE FROM salesforce._trigger_log WHERE table_name = 'other'");
  });

  it('a full batch flushes long before the 60 s interval; fewer entries wait for it', async () => {
    const before = await status(accounts);
    const fullSignals = f.listener.fullBatchSignalsSent();
    const started = Date.now();
    await f.db.pool.query("INSERT INTO salesforce.account (name) SELECT 'Full ' || g FROM generate_series(1, $1::int) g", [FULL + 100]);
    await waitForDrained(f.db, 'account', 40_000);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(f.listener.fullBatchSignalsSent()).toBeGreaterThan(fullSignals);
    const synced = await f.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM salesforce.account WHERE name LIKE 'Full %' AND _hc_lastop = 'SYNCED' AND sfid IS NOT NULL");
    expect(synced.rows[0].n).toBe(FULL + 100);
    expect((await status(accounts)).outbound?.flushes).toBeGreaterThan(before.outbound?.flushes ?? 0);

    // Fewer than a full batch: the interval (counted from that flush's start) holds them.
    await f.db.pool.query("INSERT INTO salesforce.account (name) SELECT 'Few ' || g FROM generate_series(1, 10) g");
    await new Promise((r) => setTimeout(r, 5_000));
    expect(await queued(f, 'account')).toBe(10);
  });

  it('a count that fails still lets the signal through: the write is flushed on the interval', async () => {
    const contacts = await f.start('Contact', ['LastName'], { flush_interval_seconds: 1 });
    // The listener has not looked this mapping up yet; make its count fail (no such schema).
    await f.db.pool.query("UPDATE ferry.outbound_mapping SET schema_name = 'no_such_schema' WHERE mapping_id = 'salesforce.contact'");
    const { rows } = await f.db.pool.query<{ id: number }>("INSERT INTO salesforce.contact (lastname) VALUES ('Counted') RETURNING id");
    await waitForRow(f.db, 'salesforce.contact', rows[0].id, 'the contact synced', (r) => r._hc_lastop === 'SYNCED' && r.sfid !== null);
    await contacts.terminate();
  });
});
