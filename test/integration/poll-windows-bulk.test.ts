// A poll window too big for REST (over 10,000 changes) goes through Bulk API 2.0 with the same window: read
// from the coverage minus the overlap, closed by the org's clock (here 30 s behind the worker's), and the
// re-read of an overlap that still holds every change — Bulk again — writes no row.
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server';
import { differences, orgSnapshot, tableSnapshot, type FieldSpec } from '../support/compare';
import { mappingConfig, startMapping, status, waitForStatus, type Handle } from '../support/mappings';
import { jsforceFor, sessionsFor, startOrg } from '../support/org';
import { connectTemporal, createTestDatabase, testLogger, type RunningWorker, type TestDatabase, type TestTemporal } from '../support/services';
import { syncNowUpdate } from '../../workflows/mapping/messages';

const CLOCK_OFFSET_MS = -30_000;
const RECORDS = 10_400;
const CHANGED = 10_200;
const FIELDS: FieldSpec[] = [{ name: 'Name', type: 'string' }, { name: 'SystemModstamp', type: 'datetime' }];
const MAPPING = 'salesforce.account';

describe('a poll window over the REST threshold', () => {
  let org: Emulator;
  let conn: Connection;
  let db: TestDatabase;
  let temporal: TestTemporal;
  let worker: RunningWorker;
  let handle: Handle;

  beforeAll(async () => {
    org = await startOrg({ seed: { Account: RECORDS }, clockOffsetMs: CLOCK_OFFSET_MS });
    conn = await jsforceFor(org);
    db = await createTestDatabase('pollbulk');
    temporal = await connectTemporal('pollbulk');
    worker = await temporal.startWorker({ pool: db.pool, log: testLogger, sessions: sessionsFor(org) });
    handle = await startMapping(temporal.client, temporal.taskQueue, mappingConfig('Account', ['Id', 'Name', 'SystemModstamp', 'IsDeleted'], {
      sf_polling_seconds: 3600, poll_overlap_seconds: 300,
    }));
  });

  afterAll(async () => {
    await handle?.terminate().catch(() => undefined);
    await worker?.stop();
    await temporal?.close();
    await db?.drop();
    await org?.close();
  });

  const ledgerCalls = async () => Number((await db.pool.query<{ n: string }>('SELECT coalesce(sum(calls), 0) AS n FROM ferry.api_call_ledger WHERE mapping = $1', [MAPPING])).rows[0].n);
  const rowVersions = async () => (await db.pool.query<{ v: string }>(`SELECT sfid || ':' || xmin::text AS v FROM ${MAPPING} ORDER BY sfid`)).rows.map((r) => r.v);
  const pollOnce = async () => {
    const before = (await status(handle)).counts.polls;
    await handle.executeUpdate(syncNowUpdate);
    return waitForStatus(handle, 'a poll', (s) => s.counts.polls > before && s.state === 'DATA_SYNCED', 180_000);
  };

  it('reads the window with Bulk 2.0 on the org clock, and re-reads it without writing', async () => {
    const loaded = await waitForStatus(handle, 'the initial load, first poll and purge sweep', (s) => s.counts.polls > 0 && s.lastPurgeSweepAt !== null && s.state === 'DATA_SYNCED', 180_000);
    const ids = (await conn.query<{ Id: string }>('SELECT Id FROM Account ORDER BY Id').run({ autoFetch: true, maxFetch: RECORDS })).records.map((r) => r.Id);
    // Another user's mass update, made inside the org (not through the API).
    for (let i = 0; i < CHANGED; i++) org.org.update('Account', ids[i], { Name: `Mass update ${i}` }, 'test');

    const bulkJobs = () => org.admin.counters().api.byFamily['jobs/query'] ?? 0;
    const callsBefore = await ledgerCalls();
    const jobsBefore = bulkJobs();
    const first = await pollOnce();
    // The query, then the Bulk job: create, status checks, result pages, delete.
    expect((await ledgerCalls()) - callsBefore).toBeGreaterThanOrEqual(5);
    expect(bulkJobs()).toBeGreaterThan(jobsBefore);
    expect(first.counts.updated - loaded.counts.updated).toBe(CHANGED);
    const orgNow = Date.now() + CLOCK_OFFSET_MS;
    expect(Date.parse(first.watermark!)).toBeLessThanOrEqual(orgNow);
    expect(Date.parse(first.watermark!)).toBeGreaterThan(orgNow - 25_000);
    const [orgSide, tableSide] = await Promise.all([orgSnapshot(conn, 'Account', FIELDS), tableSnapshot(db.pool, MAPPING, FIELDS)]);
    expect(differences(orgSide, tableSide, FIELDS)).toEqual([]);
    expect(tableSide.checksum).toBe(orgSide.checksum);

    const versions = await rowVersions();
    const jobsAfterFirst = bulkJobs();
    const again = await pollOnce();
    // The overlap still holds every change: the re-read is Bulk again (its calls vary only with how many
    // status checks the job takes).
    expect(bulkJobs()).toBeGreaterThan(jobsAfterFirst);
    expect(again.counts).toMatchObject({ inserted: first.counts.inserted, updated: first.counts.updated, deleted: first.counts.deleted });
    expect(await rowVersions()).toEqual(versions);
  });
});
