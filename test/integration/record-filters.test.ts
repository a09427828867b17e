// A filtered mapping (sf_filter) holds exactly the org's matching records through its initial load, polls,
// a filter change, outbound writes, a verify and streaming; its formula and roll-up fields (formula_refresh_seconds)
// converge within one refresh interval after a child changes, without being captured as outbound changes.
// Real Temporal, Postgres and the org emulator (its --schema declares the filter and formula fields).
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untilEqual, type FieldSpec } from '../support/compare';
import { mappingConfig, startMapping, type Handle } from '../support/mappings';
import { recordHistories } from '../support/histories';
import { eventually } from '../support/org';
import { withSyncWriter } from '../../store/sync-writer';
import { reconfigureUpdate, syncNowUpdate, verifyUpdate } from '../../workflows/mapping/messages';
import { status, streamingFixture, waitForStatus, type StreamingFixture } from './streaming-fixture';

const TABLE = 'salesforce.account';
const FIELDS: FieldSpec[] = [
  { name: 'Name', type: 'string' }, { name: 'IsActive__c', type: 'boolean' }, { name: 'Tier__c', type: 'string' },
  { name: 'SystemModstamp', type: 'datetime' },
];
const FORMULAS: FieldSpec[] = [{ name: 'Line_Count__c', type: 'number' }, { name: 'Line_Total__c', type: 'number' }];
const REFRESH_SECONDS = 60;

let fx: StreamingFixture;
let handle: Handle;
let filter = 'IsActive__c = true';

/** Waits until the table holds exactly the org's records matching `where`, field by field. */
function holdsExactly(where: string, fields: FieldSpec[] = FIELDS, timeoutMs = 90_000): Promise<void> {
  return untilEqual({ conn: fx.conn, pool: fx.db.pool, object: 'Account', qualifiedTable: TABLE, fields, where, timeoutMs });
}

async function count(where: string): Promise<number> {
  return (await fx.conn.query(`SELECT COUNT() FROM Account WHERE ${where}`)).totalSize;
}

async function create(values: Record<string, unknown>): Promise<string> {
  const r = await fx.conn.sobject('Account').create(values);
  if (!r.success) throw new Error('create failed');
  return r.id;
}

async function ids(where: string): Promise<string[]> {
  return (await fx.conn.query<{ Id: string }>(`SELECT Id FROM Account WHERE ${where} ORDER BY Id LIMIT 3`)).records.map((r) => r.Id);
}

beforeAll(async () => {
  fx = await streamingFixture('record_filters', { Account: 150 }, { schemaFile: resolve(__dirname, '../fixtures/filters-formulas-schema.json') });
  const config = mappingConfig('Account', ['Id', ...FIELDS.map((f) => f.name), ...FORMULAS.map((f) => f.name), 'IsDeleted'], {
    access: 'read_write', sf_filter: filter, formula_refresh_seconds: REFRESH_SECONDS, flush_interval_seconds: 1,
  });
  handle = await startMapping(fx.temporal.client, fx.temporal.taskQueue, config);
  await waitForStatus(handle, 'the filtered initial load', (s) => s.lastLoad !== null && s.state === 'DATA_SYNCED');
}, 240_000);

afterAll(async () => {
  // Load, polls, a filter change, formula refreshes and a switch to streaming: replayed by test/replay.
  if (handle) await recordHistories(fx.temporal.client, handle.workflowId, 'record-filters-formula-refresh');
  await fx?.close();
});

describe('a filtered mapping', () => {
  it('loads only the records matching its filter', async () => {
    const inScope = await count(filter);
    expect(inScope).toBeGreaterThan(10);
    expect(await count(`NOT (${filter})`)).toBeGreaterThan(10);
    await holdsExactly(filter);
    const s = await status(handle);
    expect(s.lastLoad?.rows).toBe(inScope);
    expect(s.filter).toEqual({ applied: filter, changePending: false });
  });

  it('a poll adds records that entered the filter and removes those that left it (updated out, deleted)', async () => {
    const [leaving, deleted] = await ids('IsActive__c = true');
    const [entering] = await ids('IsActive__c = false');
    await fx.conn.sobject('Account').update({ Id: leaving, IsActive__c: false });
    await fx.conn.sobject('Account').update({ Id: entering, IsActive__c: true });
    await fx.conn.sobject('Account').destroy(deleted);
    const created = await create({ Name: 'Filtered In', IsActive__c: true });
    const outside = await create({ Name: 'Filtered Out', IsActive__c: false });
    await handle.executeUpdate(syncNowUpdate);
    await holdsExactly(filter);
    const rows = await fx.db.pool.query<{ sfid: string }>(`SELECT sfid FROM ${TABLE} WHERE sfid = ANY($1)`, [[leaving, entering, deleted, created, outside]]);
    expect(rows.rows.map((r) => r.sfid).sort()).toEqual([entering, created].sort());
  });

  it('a filter change fetches only the records now in scope and removes those now out, without a reload', async () => {
    const before = await status(handle);
    filter = "Tier__c = 'Gold' OR IsActive__c = true AND Name LIKE 'A%'";
    await handle.executeUpdate(reconfigureUpdate, { args: [{ sfFilter: filter }] });
    await waitForStatus(handle, 'the filter change applied', (s) => s.filter?.applied === filter && !s.filter.changePending && s.state === 'DATA_SYNCED');
    await holdsExactly(filter);
    const after = await status(handle);
    expect(after.counts.loads).toBe(before.counts.loads);
    expect(after.lastLoad).toEqual(before.lastLoad);
  });

  it('an app row outside the filter is written to Salesforce, reported SYNCED, then removed by the next poll', async () => {
    const { rows: [row] } = await fx.db.pool.query<{ id: number }>(
      `INSERT INTO ${TABLE} (name, isactive__c, tier__c) VALUES ('Written Outside', false, 'Bronze') RETURNING id`);
    const written = await eventually('the row written to Salesforce', async () => {
      const r = await fx.db.pool.query<{ sfid: string | null; _hc_lastop: string }>(`SELECT sfid, _hc_lastop FROM ${TABLE} WHERE id = $1`, [row.id]);
      return r.rows[0]?._hc_lastop === 'SYNCED' && r.rows[0].sfid ? r.rows[0].sfid : undefined;
    }, 60_000);
    const inOrg = await fx.conn.query<{ Name: string }>(`SELECT Name FROM Account WHERE Id = '${written}'`);
    expect(inOrg.records[0]?.Name).toBe('Written Outside');
    await handle.executeUpdate(syncNowUpdate);
    await eventually('the out-of-scope row removed by the poll', async () => {
      const r = await fx.db.pool.query(`SELECT 1 FROM ${TABLE} WHERE id = $1`, [row.id]);
      return r.rowCount === 0 ? true : undefined;
    }, 60_000);
    // Removed locally only: the record stays in Salesforce.
    expect((await fx.conn.query(`SELECT Id FROM Account WHERE Id = '${written}'`)).totalSize).toBe(1);
    await holdsExactly(filter);
  });

  it('a verify compares only the records in scope and repairs drift inside it, leaving out-of-scope records alone', async () => {
    // Drift behind ferry's back, in ferry's own writer session (a read_write table: plain SQL would be captured):
    // an in-scope row deleted, an in-scope row set back a day, and a row for a record outside the filter.
    const [gone, old] = await ids(filter);
    const [outsideId] = await ids(`NOT (${filter})`);
    await withSyncWriter(fx.db.pool, async (c) => {
      await c.query(`DELETE FROM ${TABLE} WHERE sfid = $1`, [gone]);
      await c.query(`UPDATE ${TABLE} SET name = 'old copy', systemmodstamp = systemmodstamp - interval '1 day' WHERE sfid = $1`, [old]);
      await c.query(`INSERT INTO ${TABLE} (sfid, name, isactive__c, systemmodstamp, isdeleted, _hc_lastop) VALUES ($1, 'out of scope', false, now() - interval '1 hour', false, 'SYNCED')`, [outsideId]);
    });
    const runs = (await status(handle)).verify?.runs ?? 0;
    await handle.executeUpdate(verifyUpdate);
    const verified = await waitForStatus(handle, 'the verify of the filtered mapping', (s) => (s.verify?.runs ?? 0) > runs, 120_000);
    expect(verified.verify!.last).toMatchObject({ missing: 1, stale: 1, extra: 1, repaired: 3 });
    await holdsExactly(filter);
    // The out-of-scope record is untouched in Salesforce.
    expect((await fx.conn.query(`SELECT Id FROM Account WHERE Id = '${outsideId}'`)).totalSize).toBe(1);
  });

  it('formula and roll-up fields converge within one refresh interval after a child changes, never captured', async () => {
    const [parent] = await ids(filter);
    const logBefore = await fx.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM salesforce._trigger_log');
    const stampBefore = (await fx.conn.query<{ SystemModstamp: string }>(`SELECT SystemModstamp FROM Account WHERE Id = '${parent}'`)).records[0].SystemModstamp;
    const line = await fx.conn.sobject('Line__c').create({ Account__c: parent, Amount__c: 125.5, Quantity__c: 2 });
    if (!line.success) throw new Error('line not created');
    const changedAt = Date.now();
    const org = (await fx.conn.query<{ Line_Count__c: number; Line_Total__c: number; SystemModstamp: string }>(
      `SELECT Line_Count__c, Line_Total__c, SystemModstamp FROM Account WHERE Id = '${parent}'`)).records[0];
    expect(org.SystemModstamp).toBe(stampBefore);
    await eventually('the roll-ups refreshed', async () => {
      const r = await fx.db.pool.query<{ line_count__c: number; line_total__c: number }>(`SELECT line_count__c, line_total__c FROM ${TABLE} WHERE sfid = $1`, [parent]);
      return Number(r.rows[0]?.line_count__c) === org.Line_Count__c && Number(r.rows[0]?.line_total__c) === org.Line_Total__c ? true : undefined;
    }, (REFRESH_SECONDS + 30) * 1000, 500);
    expect(Date.now() - changedAt).toBeLessThanOrEqual((REFRESH_SECONDS + 30) * 1000);
    await holdsExactly(filter, [...FIELDS, ...FORMULAS], 10_000);
    const s = await status(handle);
    expect(s.formulas?.refreshes).toBeGreaterThanOrEqual(1);
    expect(s.formulas?.lastApiCalls).toBeGreaterThanOrEqual(1);
    const logAfter = await fx.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM salesforce._trigger_log');
    expect(logAfter.rows[0].n).toBe(logBefore.rows[0].n);
  }, 180_000);

  it.each(['cdc', 'pubsub', 'pushtopic'] as const)('streaming (%s): events outside the filter are dropped; a record an update takes out of it is removed', async (source) => {
    const before = await status(handle);
    await handle.executeUpdate(reconfigureUpdate, { args: [{ syncMode: 'event_driven', streamingSource: source }] });
    // A new subscription starts with a catch-up poll (a fallback); the changes below come after that poll ran,
    // so only streamed events can bring them.
    const subscribed = await waitForStatus(handle, `streaming from ${source} after its catch-up poll`, (s) => s.state === 'STREAMING'
      && (s.streaming?.channel ?? null) !== null && (s.streaming?.fallbacks ?? 0) > (before.streaming?.fallbacks ?? 0)
      && s.lastPollAt !== null && s.streaming?.lastFallback !== null && s.lastPollAt >= s.streaming!.lastFallback!.at);
    await holdsExactly(filter);
    const [leaving] = await ids(filter);
    const [entering] = await ids(`NOT (${filter})`);
    // Every poll (the catch-up, and another catch-up if the stream was dropped and re-subscribed while the
    // machine was busy) must have ended before the first change, so only streamed events can bring them.
    const changedFromMs = Date.now();
    await fx.conn.sobject('Account').update({ Id: leaving, Tier__c: 'Bronze', IsActive__c: false });
    await fx.conn.sobject('Account').update({ Id: entering, Tier__c: 'Gold' });
    const outside = await create({ Name: `Streamed Out ${source}`, IsActive__c: false, Tier__c: 'Silver' });
    const inside = await create({ Name: `Streamed In ${source}`, Tier__c: 'Gold' });
    await holdsExactly(filter, FIELDS, 60_000);
    const rows = await fx.db.pool.query<{ sfid: string }>(`SELECT sfid FROM ${TABLE} WHERE sfid = ANY($1)`, [[leaving, entering, outside, inside]]);
    expect(rows.rows.map((r) => r.sfid).sort()).toEqual([entering, inside].sort());
    const after = await waitForStatus(handle, 'the events counted', (s) => (s.streaming?.events ?? 0) > (subscribed.streaming?.events ?? 0));
    expect(Date.parse(after.lastPollAt!)).toBeLessThan(changedFromMs);
  }, 180_000);
});
