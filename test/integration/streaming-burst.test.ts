// Bursts through a PushTopic: 20,000 changes end exactly equal to the org (the workflow continuing as new while
// it applies them); a listener killed in the middle of a burst is restarted by its supervisor from the durable
// replay id and loses nothing; nothing stays staged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldSpec } from '../support/compare';
import { eventually } from '../support/org';
import type { Handle } from '../support/mappings';
import { status, streamingFixture, waitForStatus, type StreamingFixture } from './streaming-fixture';

const FIELDS: FieldSpec[] = [
  { name: 'Name', type: 'string' }, { name: 'Phone', type: 'string' }, { name: 'NumberOfEmployees', type: 'number' },
  { name: 'SystemModstamp', type: 'datetime' },
];
const MAPPING = 'salesforce.account';

let fx: StreamingFixture;
let handle: Handle;
let ids: string[] = [];
beforeAll(async () => {
  fx = await streamingFixture('stream_burst', { Account: 2_000 });
  // Continuing as new every 3 steps: a burst keeps the loop applying, so runs must roll over mid-stream.
  handle = await fx.start('Account', ['Id', ...FIELDS.map((f) => f.name), 'IsDeleted'], {}, { continueAsNewAfterSteps: 3 });
  // Let the mapping settle before anything is counted: the catch-up poll the fresh subscription asked for has
  // run (after the fallback was recorded) and so has the first getDeleted sweep — each spends calls.
  await waitForStatus(handle, 'the catch-up poll and the first purge sweep', (s) => {
    const fallbackAt = s.streaming?.lastFallback?.at;
    return s.lastPurgeSweepAt !== null && fallbackAt !== undefined && s.lastPollAt !== null && s.lastPollAt >= fallbackAt && s.state === 'STREAMING';
  });
  ids = (await fx.conn.query<{ Id: string }>('SELECT Id FROM Account').run({ autoFetch: true, maxFetch: 100_000 })).records.map((r) => r.Id);
});
afterAll(async () => {
  await fx?.close();
});

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

async function runs(): Promise<number> {
  let n = 0;
  for await (const _ of fx.temporal.client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) n += 1;
  return n;
}

async function drained(): Promise<void> {
  await eventually('every staged event applied', async () => {
    const { rows } = await fx.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ferry.stream_events');
    return rows[0].n === 0 ? true : undefined;
  }, 120_000, 100);
}

describe('bursts of changes through a PushTopic', () => {
  it('applies a burst of 20,000 changes and ends exactly equal to the org, without API calls', async () => {
    const callsBefore = await fx.apiCalls(MAPPING);
    const pollsBefore = (await status(handle)).counts.polls;
    const runsBefore = await runs();
    await burst(20_000, 'Burst');
    await drained();
    await fx.converged('Account', MAPPING, FIELDS, 120_000);
    expect(await fx.apiCalls(MAPPING)).toBe(callsBefore);
    expect((await status(handle)).counts.polls).toBe(pollsBefore);
    // Visibility lags a little behind the server.
    await eventually('runs continued as new during the burst', async () => ((await runs()) > runsBefore ? true : undefined), 15_000, 250);
  }, 300_000);

  it('loses nothing when the listener is killed mid-burst and restarted', async () => {
    let killed = false;
    await burst(6_000, 'Kill', () => {
      killed = fx.supervisor!.killListener(MAPPING);
    });
    expect(killed).toBe(true);
    await eventually('the listener restarted', async () => (fx.supervisor!.listening().includes(MAPPING) ? true : undefined), 30_000, 50);
    await drained();
    await fx.converged('Account', MAPPING, FIELDS, 120_000);
    // The durable replay id is the channel's newest: everything published was applied.
    const published = fx.org.streaming!.stats().published['/topic/ferry_Account'];
    const { rows } = await fx.db.pool.query<{ replay_id: string }>('SELECT replay_id FROM ferry.stream_state WHERE mapping_id = $1', [MAPPING]);
    expect(Number(rows[0].replay_id)).toBe(published);
  }, 300_000);
});
