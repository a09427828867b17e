// Event-driven sync through Change Data Capture over the Pub/Sub API (gRPC), through ferry's client against
// the emulator's gRPC server: the default source of a new event-driven mapping; creates, partial updates
// (unchanged fields, null on the wire, never overwrite), deletes and undeletes without API calls; a worker
// restarted mid-stream and a listener killed mid-burst resume by replay id (nothing lost, nothing twice);
// an expired replay id and a dropped stream with an expired session recover; 20,000 changes end equal to the
// org; ferry's own writes come back as echoes that are not applied; a topic that does not exist halts the
// mapping with a clear error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldSpec } from '../support/compare';
import type { Handle } from '../support/mappings';
import { eventually } from '../support/org';
import { reconfigureUpdate, resumeUpdate } from '../../workflows/mapping/messages';
import { sendUpdate } from '../../api/upstream';
import { status, streamingFixture, until, waitForStatus, type StreamingFixture } from './streaming-fixture';

const FIELDS: FieldSpec[] = [
  { name: 'Name', type: 'string' }, { name: 'Phone', type: 'string' }, { name: 'Website', type: 'string' },
  { name: 'BillingCity', type: 'string' }, { name: 'NumberOfEmployees', type: 'number' }, { name: 'SystemModstamp', type: 'datetime' },
];
const MAPPING = 'salesforce.account';
const TOPIC = '/data/AccountChangeEvent';
const STAGING = `pubsub:${TOPIC}`;

let fx: StreamingFixture;
let handle: Handle;
let ids: string[] = [];
beforeAll(async () => {
  fx = await streamingFixture('stream_pubsub', { Account: 500 });
  // No streaming_source: an event-driven mapping on a CDC object streams over the Pub/Sub API by default.
  handle = await fx.start('Account', ['Id', ...FIELDS.map((f) => f.name), 'IsDeleted'], { streaming_source: undefined, access: 'read_write', flush_interval_seconds: 1 });
  ids = (await fx.conn.query<{ Id: string }>('SELECT Id FROM Account').run({ autoFetch: true, maxFetch: 100_000 })).records.map((r) => r.Id);
}, 180_000);
afterAll(async () => {
  await fx?.close();
});

const post = (path: string, body: unknown = {}) =>
  fetch(`${fx.org.url}/__emulator${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** `n` changes through the org's admin surface, 500 per turn of the event loop: creates, updates, some deletes. */
async function burst(n: number, tag: string, midway?: () => void): Promise<void> {
  for (let done = 0; done < n;) {
    const until = Math.min(n, done + 500);
    for (; done < until; done += 1) {
      const k = done % 10;
      if (k === 0) ids.push(fx.org.org.create('Account', { Name: `${tag} ${done}`, NumberOfEmployees: done }, 'emulator/admin'));
      else if (k === 9 && ids.length > 100) fx.org.org.remove('Account', ids.splice(done % ids.length, 1)[0], 'emulator/admin');
      else fx.org.org.update('Account', ids[(done * 7919) % ids.length], { Phone: `${tag}-${done}`, NumberOfEmployees: done }, 'emulator/admin');
    }
    if (midway && done >= n / 2 && done - 500 < n / 2) midway();
    await new Promise((r) => setImmediate(r));
  }
}

async function drained(): Promise<void> {
  await eventually('every staged event applied', async () => {
    const { rows } = await fx.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ferry.stream_events');
    return rows[0].n === 0 ? true : undefined;
  }, 180_000, 100);
}

const published = () => fx.org.streaming!.stats().published[TOPIC] ?? 0;

/** The local sequence of the last applied Pub/Sub event: one per event received, so it counts deliveries. */
async function appliedSeq(): Promise<number> {
  const { rows } = await fx.db.pool.query<{ replay_id: string; replay_bytes: Buffer | null }>(
    'SELECT replay_id, replay_bytes FROM ferry.stream_state WHERE mapping_id = $1 AND channel = $2', [MAPPING, STAGING]);
  if (!rows[0]) return 0;
  // The opaque replay id of the applied event is stored with it.
  expect(rows[0].replay_bytes).toBeInstanceOf(Buffer);
  return Number(rows[0].replay_id);
}

/**
 * Waits until the stream is at rest: nothing waiting to be published, no delivery for a while, nothing staged.
 * (Back on Pub/Sub after CometD, the listener is sent again, from its stored replay id, what CometD applied.)
 */
async function quiet(): Promise<void> {
  let delivered = -1;
  await eventually('the stream at rest', async () => {
    const stats = fx.org.streaming!.stats();
    const now = stats.pubsub?.delivered ?? 0;
    const still = stats.queued === 0 && now === delivered;
    delivered = now;
    return still ? true : undefined;
  }, 60_000, 500);
  await drained();
}

/** Waits until every event published on the topic so far has been applied (nothing staged, sequence caught up). */
async function caughtUp(seqBefore: number, publishedBefore: number): Promise<void> {
  // The org publishes change events after commit: count them once none is waiting to go out.
  await eventually('the org published every committed change', async () => (fx.org.streaming!.stats().queued === 0 ? true : undefined), 30_000, 20);
  const target = seqBefore + (published() - publishedBefore);
  await eventually('every published event applied once', async () => ((await appliedSeq()) >= target ? true : undefined), 180_000, 100);
  await drained();
  expect(await appliedSeq()).toBe(target);
}

describe('event-driven sync through Change Data Capture over the Pub/Sub API', () => {
  it('is the default source for an event-driven Account mapping and streams its topic', async () => {
    // A fresh subscription's catch-up poll may still be running (POLLING_SF_CHANGES): then it streams.
    const s = await waitForStatus(handle, 'streaming', (x) => x.state === 'STREAMING', 30_000);
    expect(s.state).toBe('STREAMING');
    expect(s.config.streamingSource).toBe('pubsub');
    expect(s.streaming?.channel).toBe(TOPIC);
    expect(s.streaming?.lastFallback?.reason).toMatch(/Pub\/Sub API/);
    expect(fx.org.streaming!.stats().pubsub?.streams).toBe(1);
    await fx.converged('Account', MAPPING, FIELDS);
  });

  it('applies creates, partial updates, deletes and undeletes without any API call; unchanged fields are kept', async () => {
    const callsBefore = await fx.apiCalls(MAPPING);
    const created = await fx.conn.sobject('Account').create({ Name: 'Harbour Bank', Phone: '555-0100', BillingCity: 'Rotterdam', Website: 'https://a.example' });
    if (!created.success) throw new Error('not created');
    const id = created.id;
    await until('the create', async () => (await fx.row(id))?.billingcity === 'Rotterdam');

    // Only Phone (to null) and Website change: every other field is null on the wire and must stay as it is.
    await fx.conn.sobject('Account').update({ Id: id, Phone: null, Website: 'https://harbour.example' });
    await until('the update', async () => (await fx.row(id))?.website === 'https://harbour.example');
    expect(await fx.row(id)).toMatchObject({ name: 'Harbour Bank', billingcity: 'Rotterdam', phone: null, _hc_lastop: 'SYNCED' });

    await fx.conn.sobject('Account').destroy(id);
    await until('the delete', async () => (await fx.row(id)) === undefined);
    fx.org.org.undelete('Account', id, 'emulator/admin');
    await until('the undelete', async () => (await fx.row(id))?.name === 'Harbour Bank');
    expect(await fx.apiCalls(MAPPING)).toBe(callsBefore);
    await fx.converged('Account', MAPPING, FIELDS);
  });

  it('ferry\'s own writes come back with changeOrigin client=ferry-<mapping> and are not applied', async () => {
    const callsBefore = await fx.apiCalls(MAPPING);
    const { rows } = await fx.db.pool.query<{ id: number }>("INSERT INTO salesforce.account (name, phone) VALUES ('From the app', '555-0001') RETURNING id");
    const id = rows[0].id;
    const row = await eventually('the insert synced', async () => {
      const r = (await fx.db.pool.query('SELECT sfid, _hc_lastop FROM salesforce.account WHERE id = $1', [id])).rows[0] as { sfid: string | null; _hc_lastop: string };
      return r.sfid && r._hc_lastop === 'SYNCED' ? r : undefined;
    }, 30_000, 50);
    const seqBefore = await appliedSeq();
    // The echo is a CREATE event: applied, it would fill systemmodstamp (null in the row ferry inserted).
    await eventually('the echo went by', async () => ((await appliedSeq()) > seqBefore ? true : undefined), 15_000, 50);
    await drained();
    const after = (await fx.db.pool.query('SELECT id, sfid, systemmodstamp, _hc_lastop FROM salesforce.account WHERE sfid = $1', [row.sfid])).rows;
    expect(after).toEqual([{ id, sfid: row.sfid, systemmodstamp: null, _hc_lastop: 'SYNCED' }]);
    const log = await fx.db.pool.query("SELECT action, state FROM salesforce._trigger_log WHERE table_name = 'account' AND record_id = $1 ORDER BY id", [id]);
    expect(log.rows).toEqual([{ action: 'INSERT', state: 'SUCCESS' }]);
    const org = await fx.conn.sobject('Account').retrieve(row.sfid!) as { Name: string; Phone: string };
    expect(org).toMatchObject({ Name: 'From the app', Phone: '555-0001' });
    // A change made by someone else to the same record is applied as usual.
    await fx.conn.sobject('Account').update({ Id: row.sfid!, Phone: '555-0002' });
    await until('the other writer\'s change', async () => (await fx.row(row.sfid!))?.phone === '555-0002');
    expect((await fx.row(row.sfid!))?.systemmodstamp).not.toBeNull();
    expect(await fx.apiCalls(MAPPING) - callsBefore).toBeLessThanOrEqual(2);
  });

  it('a worker restarted mid-stream resumes by replay id: nothing lost, nothing applied twice, no poll', async () => {
    await drained();
    const seqBefore = await appliedSeq();
    const publishedBefore = published();
    const fallbacksBefore = (await status(handle)).streaming!.fallbacks;
    await burst(2_000, 'Before');
    await fx.stopWorker();
    await burst(2_000, 'While down');
    await fx.startWorker();
    await burst(1_000, 'After');
    await caughtUp(seqBefore, publishedBefore);
    await fx.converged('Account', MAPPING, FIELDS, 120_000);
    expect((await status(handle)).streaming!.fallbacks).toBe(fallbacksBefore);
  }, 300_000);

  it('a listener killed mid-burst (its buffer lost) resumes from what it staged', async () => {
    const seqBefore = await appliedSeq();
    const publishedBefore = published();
    let killed = false;
    await burst(4_000, 'Kill', () => {
      killed = fx.supervisor!.killListener(MAPPING);
    });
    expect(killed).toBe(true);
    await eventually('the listener restarted', async () => (fx.supervisor!.listening().includes(MAPPING) ? true : undefined), 30_000, 50);
    await caughtUp(seqBefore, publishedBefore);
    await fx.converged('Account', MAPPING, FIELDS, 120_000);
  }, 300_000);

  it('a burst of 20,000 changes ends equal to the org, without API calls', async () => {
    const callsBefore = await fx.apiCalls(MAPPING);
    const pollsBefore = (await status(handle)).counts.polls;
    const seqBefore = await appliedSeq();
    const publishedBefore = published();
    await burst(20_000, 'Burst');
    await caughtUp(seqBefore, publishedBefore);
    await fx.converged('Account', MAPPING, FIELDS, 180_000);
    expect(await fx.apiCalls(MAPPING)).toBe(callsBefore);
    expect((await status(handle)).counts.polls).toBe(pollsBefore);
  }, 400_000);

  it('a dropped stream with an expired session resubscribes with a renewed session and loses nothing', async () => {
    const seqBefore = await appliedSeq();
    const publishedBefore = published();
    expect((await post('/sessions/expire')).status).toBe(200);
    expect((await post('/streaming/drop-clients')).status).toBe(200);
    await burst(500, 'Dropped');
    await caughtUp(seqBefore, publishedBefore);
    await fx.converged('Account', MAPPING, FIELDS, 60_000);
  }, 120_000);

  it('an expired replay id falls back to a poll of the uncovered window, then streams again', async () => {
    const fallbacksBefore = (await status(handle)).streaming!.fallbacks;
    await fx.stopWorker();
    await burst(300, 'Expired');
    // The burst's events are published after commit: expire them too, not only the ones already out.
    await eventually('the org published every committed change', async () => (fx.org.streaming!.stats().queued === 0 ? true : undefined), 30_000, 20);
    expect((await post('/streaming/expire-replay', { olderThanMs: 0 })).status).toBe(200);
    await fx.startWorker();
    const s = await waitForStatus(handle, 'the fallback poll', (x) => (x.streaming?.fallbacks ?? 0) > fallbacksBefore, 60_000);
    expect(s.streaming!.lastFallback!.reason).toMatch(/replay id refused on \/data\/AccountChangeEvent/);
    await fx.converged('Account', MAPPING, FIELDS, 120_000);
    await burst(200, 'Afterwards');
    await fx.converged('Account', MAPPING, FIELDS, 60_000);
  }, 300_000);
});

describe('switching source while changes flow', () => {
  it('goes Pub/Sub → CDC over CometD → Pub/Sub without losing a change', async () => {
    let i = 0;
    const writer = setInterval(() => {
      for (let k = 0; k < 5; k += 1, i += 1) {
        if (i % 4 === 0) ids.push(fx.org.org.create('Account', { Name: `Switch ${i}` }, 'emulator/admin'));
        else fx.org.org.update('Account', ids[(i * 31) % ids.length], { Phone: `s-${i}` }, 'emulator/admin');
      }
    }, 10);
    try {
      await new Promise((r) => setTimeout(r, 500));
      // As the API sends it (sendUpdate): events signalled while the update's workflow task runs may fail that task.
      await sendUpdate(() => handle.executeUpdate(reconfigureUpdate, { args: [{ streamingSource: 'cdc' }] }));
      await waitForStatus(handle, 'streaming over CometD', (s) => s.state === 'STREAMING' && s.config.streamingSource === 'cdc');
      await eventually('the CometD listener', async () => (fx.org.streaming!.stats().clients > 0 && fx.org.streaming!.stats().pubsub?.streams === 0 ? true : undefined), 30_000, 50);
      await new Promise((r) => setTimeout(r, 500));
      await sendUpdate(() => handle.executeUpdate(reconfigureUpdate, { args: [{ streamingSource: 'pubsub' }] }));
      await waitForStatus(handle, 'streaming over Pub/Sub', (s) => s.state === 'STREAMING' && s.config.streamingSource === 'pubsub');
      await eventually('the Pub/Sub listener', async () => (fx.org.streaming!.stats().pubsub?.streams === 1 ? true : undefined), 30_000, 50);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      clearInterval(writer);
    }
    expect(i).toBeGreaterThan(200);
    await fx.converged('Account', MAPPING, FIELDS, 120_000);
  }, 240_000);
});

describe('bad input on the Pub/Sub source', () => {
  it('an event that cannot be decoded halts the mapping naming it, without a crash loop; after a resume it is applied', async () => {
    await quiet();
    const before = await status(handle);
    const seqBefore = await appliedSeq();
    const publishedBefore = published();
    fx.org.pubsub.corruptNext(1);
    const created = await fx.conn.sobject('Account').create({ Name: 'Garbled on the wire' });
    if (!created.success) throw new Error('not created');
    const s = await waitForStatus(handle, 'BAD_CONFIG', (x) => x.state === 'BAD_CONFIG', 30_000);
    expect(s.lastError?.message).toMatch(/^Streaming: event \S+ on \/data\/AccountChangeEvent could not be decoded \(.+\); it was not applied and streaming stopped$/);
    expect(await fx.row(created.id)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 1_500));
    expect(fx.supervisor!.listening()).not.toContain(MAPPING);
    expect((await status(handle)).state).toBe('BAD_CONFIG');

    await handle.executeUpdate(resumeUpdate);
    await waitForStatus(handle, 'streaming again', (x) => x.state === 'STREAMING' && fx.supervisor!.listening().includes(MAPPING), 60_000);
    // Delivered again from the stored replay id (no catch-up from LATEST): every published event applied once.
    await until('the event applied after the resume', async () => (await fx.row(created.id))?.name === 'Garbled on the wire');
    await caughtUp(seqBefore, publishedBefore);
    expect((await status(handle)).streaming!.fallbacks).toBe(before.streaming!.fallbacks);
    await fx.converged('Account', MAPPING, FIELDS, 60_000);
  }, 180_000);

  it('an object without a change-event topic halts its mapping with a clear BAD_CONFIG error, not a crash loop', async () => {
    const h = await fx.startQuiet('PushTopic', ['Id', 'Name', 'Query', 'SystemModstamp', 'IsDeleted'], { sync_mode: 'event_driven', streaming_source: 'pubsub' });
    const s = await waitForStatus(h, 'BAD_CONFIG', (x) => x.state === 'BAD_CONFIG', 90_000);
    expect(s.lastError?.message).toMatch(/Change Data Capture topic \/data\/PushTopicChangeEvent not found on the Pub\/Sub API: select PushTopic for Change Data Capture/);
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await status(h)).state).toBe('BAD_CONFIG');
    const { rows } = await fx.db.pool.query("SELECT 1 FROM ferry.stream_subscriptions WHERE mapping_id = 'salesforce.pushtopic'");
    expect(rows).toEqual([]);
  });
});
