// A quiet Pub/Sub subscription: the keepalives Salesforce sends while nothing happens carry the latest replay
// id, which ferry stores like an applied event's, so a restart resumes from it (CUSTOM, no catch-up poll)
// rather than from an id that would age out of the 72 h window with the last real event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handle } from '../support/mappings';
import { eventually } from '../support/org';
import { status, streamingFixture, until, type StreamingFixture } from './streaming-fixture';

const MAPPING = 'salesforce.account';

let fx: StreamingFixture;
let handle: Handle;
beforeAll(async () => {
  fx = await streamingFixture('stream_quiet', { Account: 50 }, { pubsubKeepaliveMs: 200 });
  handle = await fx.start('Account', ['Id', 'Name', 'Phone', 'SystemModstamp', 'IsDeleted'], { streaming_source: 'pubsub' });
}, 180_000);
afterAll(async () => {
  await fx?.close();
});

describe('a quiet Pub/Sub subscription', () => {
  it('stores the keepalive\'s latest replay id and resumes from it after a restart', async () => {
    const stored = await eventually('a resume point from a keepalive', async () => {
      const { rows } = await fx.db.pool.query<{ replay_bytes: Buffer | null }>(
        "SELECT replay_bytes FROM ferry.stream_state WHERE mapping_id = $1 AND channel = 'pubsub:/data/AccountChangeEvent'", [MAPPING]);
      return rows[0]?.replay_bytes ?? undefined;
    }, 30_000, 100);
    expect(stored).toHaveLength(8);
    // Without a stored resume point the restarted listener would subscribe from LATEST and ask for a poll.
    const fallbacks = (await status(handle)).streaming!.fallbacks;

    await fx.stopWorker();
    const created = await fx.conn.sobject('Account').create({ Name: 'While nobody listened' });
    if (!created.success) throw new Error('not created');
    await fx.startWorker();
    await until('the change made while stopped', async () => (await fx.row(created.id))?.name === 'While nobody listened');
    expect((await status(handle)).streaming!.fallbacks).toBe(fallbacks);
  });
});
