// Polls that never miss a change on an org whose clock is not the worker's and whose transactions become
// visible late: a mapping on the real Temporal dev server and Postgres, the emulator with each org-time fault
// on, polls every 2 s (Sync now) under a steady stream of creates, updates and deletes through the API. Each
// scenario ends with the table equal to the org once the overlap has passed, one API call per poll, and
// polls re-reading the overlap writing nothing.
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server';
import { differences, orgSnapshot, tableSnapshot, type FieldSpec } from '../support/compare';
import { mappingConfig, startMapping, status, waitForStatus, type Handle } from '../support/mappings';
import { jsforceFor, sessionsFor, startOrg } from '../support/org';
import { connectTemporal, createTestDatabase, testLogger, type RunningWorker, type TestDatabase, type TestTemporal } from '../support/services';
import { syncNowUpdate } from '../../workflows/mapping/messages';

const OVERLAP_SECONDS = 30;
const POLL_EVERY_MS = 2_000;
const WRITE_EVERY_MS = 200;
const STREAM_MS = 20_000;
const FIELDS: FieldSpec[] = [
  { name: 'Name', type: 'string' }, { name: 'AnnualRevenue', type: 'number' }, { name: 'CreatedDate', type: 'datetime' },
  { name: 'SystemModstamp', type: 'datetime' },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Stream {
  /** Creates whose API call has returned (committed), with when it did (machine clock). */
  created: { id: string; committedAtMs: number }[];
  writes: number;
  /** Mapping coverage seen while the stream ran (org clock), with when it was seen (machine clock). */
  coverage: { coveredMs: number; atMs: number }[];
  /** When the last write committed (machine clock). */
  endedAtMs: number;
}

/**
 * Changes Account at a steady rate for STREAM_MS through the API — creates, updates and deletes, never two at
 * once on one record (the emulator does not model record locks) — while asking for a poll every 2 s.
 */
async function streamChanges(conn: Connection, handle: Handle, seedIds: string[]): Promise<Stream> {
  const out: Stream = { created: [], writes: 0, coverage: [], endedAtMs: 0 };
  const live = [...seedIds];
  const busy = new Set<string>();
  const inFlight: Promise<unknown>[] = [];
  const pick = () => {
    const free = live.filter((id) => !busy.has(id));
    return free.length === 0 ? null : free[(out.writes * 7919) % free.length];
  };
  const poller = setInterval(() => {
    handle.executeUpdate(syncNowUpdate).then(
      (s) => { if (s.watermark) out.coverage.push({ coveredMs: Date.parse(s.watermark), atMs: Date.now() }); },
      () => undefined,
    );
  }, POLL_EVERY_MS);
  const end = Date.now() + STREAM_MS;
  try {
    for (let i = 0; Date.now() < end; i++) {
      const kind = i % 5;
      const id = kind >= 2 ? pick() : null;
      out.writes++;
      if (id === null) {
        inFlight.push(conn.sobject('Account').create({ Name: `Stream ${i}`, AnnualRevenue: i }).then((r) => {
          if (!r.success) throw new Error(`create ${i} failed`);
          out.created.push({ id: r.id, committedAtMs: Date.now() });
          live.push(r.id);
        }));
      } else if (kind < 4) {
        busy.add(id);
        inFlight.push(conn.sobject('Account').update({ Id: id, Name: `Updated ${i}`, AnnualRevenue: i * 10 }).finally(() => busy.delete(id)));
      } else {
        busy.add(id);
        live.splice(live.indexOf(id), 1);
        inFlight.push(conn.sobject('Account').destroy(id));
      }
      await sleep(WRITE_EVERY_MS);
    }
    await Promise.all(inFlight);
    out.endedAtMs = Date.now();
  } finally {
    clearInterval(poller);
  }
  return out;
}

async function ledgerCalls(db: TestDatabase, mapping: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: string }>('SELECT coalesce(sum(calls), 0) AS n FROM ferry.api_call_ledger WHERE mapping = $1', [mapping]);
  return Number(rows[0].n);
}

async function rowVersions(db: TestDatabase): Promise<string[]> {
  const { rows } = await db.pool.query<{ v: string }>("SELECT sfid || ':' || xmin::text AS v FROM salesforce.account ORDER BY sfid");
  return rows.map((r) => r.v);
}

/** Asks for a poll and waits for it to finish. */
async function pollOnce(handle: Handle): Promise<void> {
  const before = (await status(handle)).counts.polls;
  await handle.executeUpdate(syncNowUpdate);
  await waitForStatus(handle, 'a poll', (s) => s.counts.polls > before && s.state === 'DATA_SYNCED');
}

describe.each([
  { name: 'worker clock 30 s ahead of the org', clockOffsetMs: -30_000, commitDelayMs: 0 },
  { name: 'worker clock 30 s behind the org', clockOffsetMs: 30_000, commitDelayMs: 0 },
  { name: 'transactions invisible for 20 s', clockOffsetMs: 0, commitDelayMs: 20_000 },
])('polls with the $name', ({ clockOffsetMs, commitDelayMs }) => {
  let org: Emulator;
  let conn: Connection;
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let handle: Handle;
  const mapping = 'salesforce.account';

  beforeAll(async () => {
    org = await startOrg({ seed: { Account: 300 }, clockOffsetMs });
    conn = await jsforceFor(org);
    db = await createTestDatabase('pollwin');
    temporal = await connectTemporal('pollwin');
    worker = await temporal.startWorker({ pool: db.pool, log: testLogger, sessions: sessionsFor(org) });
    handle = await startMapping(temporal.client, temporal.taskQueue, mappingConfig('Account', ['Id', ...FIELDS.map((f) => f.name), 'IsDeleted'], {
      sf_polling_seconds: 120, poll_overlap_seconds: OVERLAP_SECONDS,
    }));
  });

  afterAll(async () => {
    await handle?.terminate().catch(() => undefined);
    await worker?.stop();
    await temporal?.close();
    await db?.drop();
    await org?.close();
  });

  it('ends with Postgres equal to the org, one API call per poll, and no writes for re-read rows', async () => {
    await waitForStatus(handle, 'the initial load, first poll and purge sweep', (s) => s.counts.polls > 0 && s.lastPurgeSweepAt !== null && s.state === 'DATA_SYNCED');
    const seedIds = (await conn.query<{ Id: string }>('SELECT Id FROM Account')).records.map((r) => r.Id);
    // The Date header is the org's clock, not this machine's.
    const orgDate = Date.parse((await fetch(`${org.url}/services/data`)).headers.get('date')!);
    expect(Math.abs(orgDate - (Date.now() + clockOffsetMs))).toBeLessThan(2_000);
    org.orgTime.set({ commitDelayMs });
    const callsBefore = await ledgerCalls(db, mapping);
    const pollsBefore = (await status(handle)).counts.polls;

    const stream = await streamChanges(conn, handle, seedIds);
    expect(stream.writes).toBeGreaterThanOrEqual(STREAM_MS / WRITE_EVERY_MS / 2);
    if (commitDelayMs > 0) {
      expect(org.orgTime.status().slowCommits).toBe(stream.writes);
      // The fault bit: some poll covered a create's stamp before that create had committed.
      const createdAt = new Map((await conn.query<{ Id: string; CreatedDate: string }>('SELECT Id, CreatedDate FROM Account')).records.map((r) => [r.Id, Date.parse(r.CreatedDate)]));
      const passedOver = stream.created.filter((c) => createdAt.has(c.id)
        && stream.coverage.some((p) => p.atMs < c.committedAtMs && p.coveredMs > createdAt.get(c.id)!));
      expect(passedOver.length).toBeGreaterThan(0);
    }
    org.orgTime.set({ commitDelayMs: 0 });

    // Every write has committed; one more poll reads what the overlap holds.
    await pollOnce(handle);
    const [orgSide, tableSide] = await Promise.all([orgSnapshot(conn, 'Account', FIELDS), tableSnapshot(db.pool, mapping, FIELDS)]);
    expect(differences(orgSide, tableSide, FIELDS)).toEqual([]);
    expect(tableSide.checksum).toBe(orgSide.checksum);

    // The coverage is the org's time of the last poll's response, not this machine's (whole seconds, and the
    // poll finished moments ago).
    const s = await status(handle);
    const orgNow = Date.now() + clockOffsetMs;
    expect(Date.parse(s.watermark!)).toBeLessThanOrEqual(orgNow);
    expect(Date.parse(s.watermark!)).toBeGreaterThan(orgNow - 20_000);

    // Re-reading the overlap (the last 30 s of changes, still inside it) writes no row and costs no extra call.
    const inOverlap = await conn.query(`SELECT Id FROM Account WHERE SystemModstamp >= ${new Date(Date.parse(s.watermark!) - OVERLAP_SECONDS * 1000).toISOString()}`);
    expect(inOverlap.totalSize).toBeGreaterThan(0);
    const versions = await rowVersions(db);
    for (let i = 0; i < 3; i++) await pollOnce(handle);
    const after = await status(handle);
    expect(await rowVersions(db)).toEqual(versions);
    expect(after.counts).toMatchObject({ inserted: s.counts.inserted, updated: s.counts.updated, deleted: s.counts.deleted });

    // Once the overlap has passed since the last write, the table is still the org, row for row.
    await sleep(Math.max(0, stream.endedAtMs + OVERLAP_SECONDS * 1000 - Date.now()));
    await pollOnce(handle);
    const [orgLater, tableLater] = await Promise.all([orgSnapshot(conn, 'Account', FIELDS), tableSnapshot(db.pool, mapping, FIELDS)]);
    expect(differences(orgLater, tableLater, FIELDS)).toEqual([]);
    expect(tableLater.checksum).toBe(orgSide.checksum);
    expect(await rowVersions(db)).toEqual(versions);

    const final = await status(handle);
    const polls = final.counts.polls - pollsBefore;
    const calls = (await ledgerCalls(db, mapping)) - callsBefore;
    expect(polls).toBeGreaterThanOrEqual(STREAM_MS / POLL_EVERY_MS / 2);
    expect(calls).toBe(polls);
    console.info(`poll windows (${clockOffsetMs} ms offset, ${commitDelayMs} ms commits): ${stream.writes} writes, ${polls} polls, ${calls} API calls, `
      + `${inOverlap.totalSize} records re-read per poll at the end with 0 row writes`);
  });
});
