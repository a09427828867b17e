// Switching a running mapping between polling and event-driven sync while records keep changing loses
// nothing: turning streaming off removes the subscription (the poll covers what follows); turning it on again
// subscribes for new events and polls the window before the subscription.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconfigureUpdate } from '../../workflows/mapping/messages';
import { eventually } from '../support/org';
import type { Handle } from '../support/mappings';
import { ACCOUNT_FIELDS, status, streamingFixture, waitForStatus, type StreamingFixture } from './streaming-fixture';

const FIELDS = ACCOUNT_FIELDS;
const MAPPING = 'salesforce.account';

let fx: StreamingFixture;
let handle: Handle;
beforeAll(async () => {
  fx = await streamingFixture('stream_mode', { Account: 500 });
  handle = await fx.start('Account', ['Id', ...FIELDS.map((f) => f.name), 'IsDeleted'], { streaming_source: 'cdc' });
});
afterAll(async () => {
  await fx?.close();
});

describe('switching sync mode while changes flow', () => {
  it('goes event-driven → polling → event-driven (PushTopic) without losing a change', async () => {
    const ids = (await fx.conn.query<{ Id: string }>('SELECT Id FROM Account')).records.map((r) => r.Id);
    let i = 0;
    const writer = setInterval(() => {
      for (let k = 0; k < 5; k += 1, i += 1) {
        if (i % 4 === 0) ids.push(fx.org.org.create('Account', { Name: `Flow ${i}` }, 'emulator/admin'));
        else fx.org.org.update('Account', ids[(i * 31) % ids.length], { Phone: `p-${i}` }, 'emulator/admin');
      }
    }, 10);
    try {
      await new Promise((r) => setTimeout(r, 500));
      await handle.executeUpdate(reconfigureUpdate, { args: [{ syncMode: 'polling' }] });
      const polling = await waitForStatus(handle, 'polling mode', (s) => s.state === 'DATA_SYNCED' && s.streaming?.channel === null);
      await eventually('the subscription removed', async () => {
        const { rows } = await fx.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ferry.stream_subscriptions');
        return rows[0].n === 0 && fx.supervisor!.listening().length === 0 ? true : undefined;
      }, 10_000, 50);
      await new Promise((r) => setTimeout(r, 500));
      await handle.executeUpdate(reconfigureUpdate, { args: [{ syncMode: 'event_driven', streamingSource: 'pushtopic' }] });
      await waitForStatus(handle, 'streaming again after a catch-up poll',
        (s) => s.state === 'STREAMING' && s.streaming?.channel === '/topic/ferry_Account' && s.counts.polls > polling.counts.polls);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      clearInterval(writer);
    }
    expect(i).toBeGreaterThan(200);
    await fx.converged('Account', MAPPING, FIELDS);
    expect((await status(handle)).state).toBe('STREAMING');
  });
});
