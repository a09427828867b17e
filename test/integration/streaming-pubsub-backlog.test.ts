// Backpressure on the Pub/Sub source: while a mapping applies nothing (paused), its listener stops asking for
// events once the staged, unapplied backlog passes its limit — the events wait on Salesforce's side, not in
// ferry's memory or tables — and after a resume everything arrives and the table equals the org.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStreamSupervisor } from '../../worker/listeners/stream-supervisor';
import type { FieldSpec } from '../support/compare';
import type { Handle } from '../support/mappings';
import { eventually, sessionsFor } from '../support/org';
import { testLogger } from '../support/services';
import { streamingFixture, waitForStatus, type StreamingFixture } from './streaming-fixture';

const FIELDS: FieldSpec[] = [{ name: 'Name', type: 'string' }, { name: 'Phone', type: 'string' }, { name: 'SystemModstamp', type: 'datetime' }];
const TOPIC = '/data/AccountChangeEvent';

let fx: StreamingFixture;
let handle: Handle;
beforeAll(async () => {
  fx = await streamingFixture('stream_backlog', { Account: 200 });
  handle = await fx.start('Account', ['Id', ...FIELDS.map((f) => f.name), 'IsDeleted'], { streaming_source: 'pubsub' });
  // This process's listener: small buffer and backlog limit.
  await fx.supervisor!.stop();
  fx.supervisor = startStreamSupervisor({
    databaseUrl: fx.db.url, sessions: sessionsFor(fx.org), temporal: fx.temporal.client, log: testLogger, apiVersion: '62.0',
    reconcileMs: 250, retryMs: 500, listener: { maxBuffered: 200, maxBacklog: 500 },
  });
  await waitForStatus(handle, 'listening again', () => fx.supervisor!.listening().includes('salesforce.account'), 30_000);
}, 180_000);
afterAll(async () => {
  await fx?.close();
});

const staged = async () => (await fx.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ferry.stream_events')).rows[0].n;

describe('backpressure from Postgres to the Pub/Sub stream', () => {
  it('stops requesting past the backlog limit while nothing is applied, then catches up once applying resumes', async () => {
    // Nothing is applied while the subscription's row is locked (the apply step takes it FOR UPDATE first). A
    // paused mapping would not do: its listener stops altogether.
    const blocker = await fx.db.pool.connect();
    await blocker.query('BEGIN');
    await blocker.query("SELECT 1 FROM ferry.stream_subscriptions WHERE mapping_id = 'salesforce.account' FOR UPDATE");
    const deliveredBefore = fx.org.streaming!.stats().pubsub!.delivered;
    const ids = (await fx.conn.query<{ Id: string }>('SELECT Id FROM Account')).records.map((r) => r.Id);
    for (let i = 0; i < 3_000; i += 1) fx.org.org.update('Account', ids[i % ids.length], { Phone: `bp-${i}` }, 'emulator/admin');
    await new Promise((r) => setTimeout(r, 3_000));
    const delivered = fx.org.streaming!.stats().pubsub!.delivered - deliveredBefore;
    // At most the limit, plus one buffer and one outstanding request in flight when it was reached.
    expect(await staged()).toBeLessThanOrEqual(500 + 200 + 100);
    expect(delivered).toBeLessThanOrEqual(500 + 200 + 100);
    expect(delivered).toBeGreaterThanOrEqual(500);
    expect(fx.org.streaming!.stats().published[TOPIC]).toBeGreaterThanOrEqual(3_000);

    await blocker.query('ROLLBACK');
    blocker.release();
    // Every event is delivered and applied once the mapping applies again (not only what a poll covers).
    await eventually('every event delivered', async () => (fx.org.streaming!.stats().pubsub!.delivered - deliveredBefore >= 3_000 ? true : undefined), 60_000, 100);
    await eventually('nothing left staged', async () => ((await staged()) === 0 ? true : undefined), 60_000, 100);
    await fx.converged('Account', 'salesforce.account', FIELDS, 120_000);
  });
});
