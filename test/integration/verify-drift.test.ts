// Drift made in every way a replica drifts, then one verify repairs it: an event-driven (PushTopic) mapping on
// the real Temporal dev server, Postgres and the emulator; change events silently dropped (the emulator's
// drift fault), a poll window that silently lost rows, records purged (hard-deleted, no tombstone in queryAll)
// with their events lost, and changes made while the mapping was paused (edits to the table behind ferry's
// back, org changes whose events were lost). The verify finds exactly the drift the table holds (missing,
// stale and extra rows, as a record-by-record comparison counts it), repairs every row of it, spends no more
// API calls than the estimate, and leaves Postgres equal to the org on every mapped field; a second verify
// finds nothing. Once with REST (small object) and once with a Bulk 2.0 job (large object) for the comparison.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyEstimate } from '../../api/verify-estimate';
import { differences, orgSnapshot, tableSnapshot, type FieldSpec } from '../support/compare';
import type { Handle } from '../support/mappings';
import { eventually } from '../support/org';
import { pauseUpdate, resumeUpdate, syncNowUpdate, verifyUpdate, type MappingStatus } from '../../workflows/mapping/messages';
import { status, streamingFixture, waitForStatus, type StreamingFixture } from './streaming-fixture';

const FIELDS: FieldSpec[] = [
  { name: 'Name', type: 'string' }, { name: 'Phone', type: 'string' }, { name: 'NumberOfEmployees', type: 'number' },
  { name: 'SystemModstamp', type: 'datetime' },
];
const MAPPING = 'salesforce.account';

describe.each([
  { records: 1_500, compareMode: 'rest' },
  { records: 50_000, compareMode: 'bulk' },
])('verify of $records Accounts', ({ records, compareMode }) => {
  let fx: StreamingFixture;
  let handle: Handle;
  let ids: string[] = [];

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${fx.org.url}/__emulator${path}`, {
      method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, `${method} ${path}`).toBeLessThan(300);
    return res.status === 204 ? {} : (await res.json()) as Record<string, unknown>;
  };

  /** Nothing left to publish or apply, and the table unchanged for a second. */
  const quiet = async () => {
    await eventually('the org published every change', async () => (fx.org.streaming!.stats().queued === 0 ? true : undefined), 30_000, 20);
    let last = '';
    await eventually('the table at rest', async () => {
      const { rows } = await fx.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ferry.stream_events');
      const now = (await tableSnapshot(fx.db.pool, MAPPING, FIELDS)).checksum;
      const still = rows[0].n === 0 && now === last;
      last = now;
      return still ? true : undefined;
    }, 60_000, 1_000);
  };

  beforeAll(async () => {
    fx = await streamingFixture(`verify_${records}`, { Account: records });
    handle = await fx.start('Account', ['Id', ...FIELDS.map((f) => f.name), 'IsDeleted'], { sf_polling_seconds: 3600, verify_interval_seconds: 0 });
    ids = (await fx.conn.query<{ Id: string }>('SELECT Id FROM Account ORDER BY Id').run({ autoFetch: true, maxFetch: 100_000 })).records.map((r) => r.Id);
  }, 240_000);

  afterAll(async () => {
    await fx?.close();
  });

  it('repairs exactly the drift made, within the estimated API calls, and ends equal to the org', async () => {
    const org = fx.org.org;
    const step = Math.floor(ids.length / 200);
    const at = (i: number) => ids[(i * step) % ids.length];

    // 1. Dropped change events: a quarter of 60 updates, 10 creates and 5 deletes never reach the stream.
    await admin('PUT', '/faults', { dropChangeEvents: 0.25, driftSeed: 7 });
    for (let i = 0; i < 60; i++) org.update('Account', at(i), { Phone: `dropped-${i}`, NumberOfEmployees: i }, 'emulator/admin');
    for (let i = 0; i < 10; i++) org.create('Account', { Name: `Created unseen ${i}` }, 'emulator/admin');
    for (let i = 60; i < 65; i++) org.remove('Account', at(i), 'emulator/admin');
    await quiet();

    // 2. A lost poll window: no events at all, and the poll silently loses half of what it reads.
    await admin('PUT', '/faults', { dropChangeEvents: 1, dropPollResults: 0.5 });
    for (let i = 70; i < 100; i++) org.update('Account', at(i), { Name: `Polled ${i}` }, 'emulator/admin');
    for (let i = 0; i < 6; i++) org.create('Account', { Name: `Polled new ${i}` }, 'emulator/admin');
    const polls = (await status(handle)).counts.polls;
    await handle.executeUpdate(syncNowUpdate);
    await waitForStatus(handle, 'the lossy poll', (s) => s.counts.polls > polls && s.state === 'STREAMING');

    // 3. Purges: deleted and removed from the recycle bin at once (no tombstone for queryAll), events lost.
    const purged = [at(110), at(111), at(112)];
    for (const id of purged) await admin('DELETE', `/records/Account/${id}?purge=true`);

    // 4. While the mapping is paused: the table edited behind ferry's back (a row deleted, a row put back to
    //    an older version, a row for a record that never existed), and org changes whose events are lost.
    await handle.executeUpdate(pauseUpdate);
    await fx.db.pool.query(`DELETE FROM ${MAPPING} WHERE sfid = $1`, [at(120)]);
    await fx.db.pool.query(`UPDATE ${MAPPING} SET name = 'restored from an old backup', systemmodstamp = systemmodstamp - interval '1 day' WHERE sfid = $1`, [at(121)]);
    await fx.db.pool.query(`INSERT INTO ${MAPPING} (sfid, name, systemmodstamp, isdeleted, _hc_lastop) VALUES ('001Fy000ZZZZZZZAAA', 'never in the org', now(), false, 'SYNCED')`);
    for (let i = 130; i < 140; i++) org.update('Account', at(i), { NumberOfEmployees: 1000 + i }, 'emulator/admin');
    await handle.executeUpdate(resumeUpdate);
    const faults = await admin('GET', '/counters');
    const drift = faults.drift as { droppedChangeEvents: number; droppedPollRows: number };
    await admin('DELETE', '/faults');
    await quiet();
    expect(drift.droppedChangeEvents).toBeGreaterThan(0);
    expect(drift.droppedPollRows).toBeGreaterThan(0);

    // What the table really lacks, holds in excess, or holds in an older version: a full comparison.
    const [orgBefore, tableBefore] = await Promise.all([orgSnapshot(fx.conn, 'Account', FIELDS), tableSnapshot(fx.db.pool, MAPPING, FIELDS)]);
    const stampAt = FIELDS.findIndex((f) => f.name === 'SystemModstamp');
    const missing = [...orgBefore.rows.keys()].filter((id) => !tableBefore.rows.has(id));
    const extra = [...tableBefore.rows.keys()].filter((id) => !orgBefore.rows.has(id));
    const stale = [...orgBefore.rows.keys()].filter((id) => tableBefore.rows.has(id) && tableBefore.rows.get(id)![stampAt] !== orgBefore.rows.get(id)![stampAt]);
    // Every field difference comes with a SystemModstamp difference (what a verify can see).
    const sameStampDiffers = [...orgBefore.rows.keys()].filter((id) => tableBefore.rows.has(id) && !stale.includes(id)
      && JSON.stringify(tableBefore.rows.get(id)) !== JSON.stringify(orgBefore.rows.get(id)));
    expect(sameStampDiffers).toEqual([]);
    expect(extra).toEqual(expect.arrayContaining([...purged, '001Fy000ZZZZZZZAAA']));
    expect(missing).toContain(at(120));
    expect(stale).toContain(at(121));
    expect(missing.length).toBeGreaterThan(1);
    expect(stale.length).toBeGreaterThan(1);
    const driftRows = missing.length + stale.length + extra.length;

    const callsBefore = await fx.apiCalls(MAPPING);
    await handle.executeUpdate(verifyUpdate);
    const verified = await waitForStatus(handle, 'the verify', (s) => (s.verify?.runs ?? 0) >= 1, 180_000);
    const last = verified.verify!.last!;
    const calls = (await fx.apiCalls(MAPPING)) - callsBefore;
    const estimate = verifyEstimate(records, 0, driftRows);
    console.info(`verify ${records} (${last.mode}): ${last.buckets} buckets, ${last.bucketsDiffering} differing, ${last.rowsCompared} rows compared, `
      + `missing=${last.missing} stale=${last.stale} extra=${last.extra} repaired=${last.repaired}, ${last.apiCalls} API calls (estimate ${estimate.per_verify.low}–${estimate.per_verify.high})`);
    expect(last).toMatchObject({ mode: compareMode, missing: missing.length, stale: stale.length, extra: extra.length, repaired: driftRows, skipped: 0 });
    expect(last.buckets).toBeGreaterThan(1);
    expect(last.bucketsDiffering).toBeGreaterThan(0);
    expect(last.bucketsDiffering).toBeLessThan(last.buckets);
    expect(last.apiCalls).toBe(calls);
    expect(last.apiCalls).toBeLessThanOrEqual(estimate.per_verify.high);
    expect(last.apiCalls).toBeGreaterThanOrEqual(estimate.compare.low);

    const [orgAfter, tableAfter] = await Promise.all([orgSnapshot(fx.conn, 'Account', FIELDS), tableSnapshot(fx.db.pool, MAPPING, FIELDS)]);
    expect(differences(orgAfter, tableAfter, FIELDS)).toEqual([]);
    expect(tableAfter.checksum).toBe(orgAfter.checksum);
    expect(tableAfter.rows.size).toBe(org.count('Account'));
    const { rows: runs } = await fx.db.pool.query('SELECT missing, stale, extra, repaired, api_calls FROM ferry.verify_run WHERE mapping_id = $1', [MAPPING]);
    expect(runs).toEqual([{ missing: missing.length, stale: stale.length, extra: extra.length, repaired: driftRows, api_calls: last.apiCalls }]);

    // Nothing left to find: every bucket agrees, nothing is written.
    await handle.executeUpdate(verifyUpdate);
    const again = await waitForStatus(handle, 'the second verify', (s) => (s.verify?.runs ?? 0) >= 2, 180_000);
    expect(again.verify!.last).toMatchObject({ bucketsDiffering: 0, missing: 0, stale: 0, extra: 0, repaired: 0 });
    expect(again.verify!.last!.apiCalls).toBeLessThanOrEqual(estimate.compare.high);
  }, 600_000);

  it('shows scheduled verifies off (verify_interval_seconds 0) and nothing asked for', async () => {
    const s: MappingStatus = await status(handle);
    expect(s.verify).toMatchObject({ intervalSeconds: null, nextAt: null, requested: false });
  });
});

describe('verify of a read_write mapping with queued outbound changes', () => {
  let fx: StreamingFixture;
  let handle: Handle;

  beforeAll(async () => {
    fx = await streamingFixture('verify_rw', { Account: 800 });
    handle = await fx.start('Account', ['Id', ...FIELDS.map((f) => f.name), 'IsDeleted'], {
      access: 'read_write', flush_interval_seconds: 60, sf_polling_seconds: 3600, verify_interval_seconds: 0,
    });
  }, 240_000);

  afterAll(async () => {
    await fx?.close();
  });

  it('leaves a row with a queued local change alone and repairs the rest', async () => {
    const ids = (await fx.conn.query<{ Id: string }>('SELECT Id FROM Account ORDER BY Id LIMIT 10')).records.map((r) => r.Id);
    const [queued, drifted] = ids;
    // The flush a new run makes once is done: the local edit below starts a new minute's wait.
    await waitForStatus(handle, 'the first flush', (st) => st.outbound?.pending === false && (st.outbound?.flushes ?? 0) >= 1, 120_000);
    // Both records change in the org with their events lost; the app then edits one of them locally.
    await fetch(`${fx.org.url}/__emulator/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dropChangeEvents: 1 }) });
    fx.org.org.update('Account', queued, { Phone: 'org side' }, 'emulator/admin');
    fx.org.org.update('Account', drifted, { Phone: 'org side' }, 'emulator/admin');
    await fetch(`${fx.org.url}/__emulator/faults`, { method: 'DELETE' });
    // The verify's watermark is the org's Date header (whole seconds): changes of the last second are the next
    // poll's, so these must be older than that when the verify starts.
    await new Promise((r) => setTimeout(r, 2_000));
    await fx.db.pool.query(`UPDATE ${MAPPING} SET name = 'local edit' WHERE sfid = $1`, [queued]);
    const { rows: log } = await fx.db.pool.query("SELECT count(*)::int AS n FROM salesforce._trigger_log WHERE sfid = $1 AND state = 'NEW'", [queued]);
    expect(log[0].n).toBe(1);

    // The flush is a minute away: the verify runs first.
    await handle.executeUpdate(verifyUpdate);
    const s = await waitForStatus(handle, 'the verify', (st) => (st.verify?.runs ?? 0) >= 1, 120_000);
    expect(s.verify!.last).toMatchObject({ stale: 1, missing: 0, extra: 0, repaired: 1, skipped: 1 });
    const { rows } = await fx.db.pool.query<{ sfid: string; name: string; phone: string | null }>(`SELECT sfid, name, phone FROM ${MAPPING} WHERE sfid = ANY($1) ORDER BY sfid`, [[queued, drifted]]);
    expect(rows.find((r) => r.sfid === queued)).toMatchObject({ name: 'local edit' });
    expect(rows.find((r) => r.sfid === queued)!.phone).not.toBe('org side');
    expect(rows.find((r) => r.sfid === drifted)).toMatchObject({ phone: 'org side' });
    // The repair was ferry's own write: nothing new was captured for Salesforce.
    const { rows: captured } = await fx.db.pool.query("SELECT count(*)::int AS n FROM salesforce._trigger_log WHERE sfid = $1", [drifted]);
    expect(captured[0].n).toBe(0);
  }, 300_000);
});
