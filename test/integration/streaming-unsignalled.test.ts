// A listener that dies between staging events and nudging its workflow (the nudge is debounced: a worker
// killed mid-burst loses the trailing one) leaves events staged that nothing announces. The listener that takes
// over tells the workflow at once, so they are applied without waiting for the next event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStreamSupervisor } from '../../worker/listeners/stream-supervisor';
import type { FieldSpec } from '../support/compare';
import { eventually, sessionsFor } from '../support/org';
import type { Handle } from '../support/mappings';
import { testLogger } from '../support/services';
import { status, streamingFixture, type StreamingFixture } from './streaming-fixture';

const FIELDS: FieldSpec[] = [{ name: 'LastName', type: 'string' }, { name: 'Title', type: 'string' }, { name: 'SystemModstamp', type: 'datetime' }];
const MAPPING = 'salesforce.contact';
/** Long enough that a lost trailing nudge would not be made up for during the test. */
const NUDGE_INTERVAL_MS = 300_000;

let fx: StreamingFixture;
let handle: Handle;

const titled = async (title: string) =>
  (await fx.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM salesforce.contact WHERE title = $1', [title])).rows[0].n;
const staged = async () =>
  (await fx.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM ferry.stream_events WHERE mapping_id = $1', [MAPPING])).rows[0].n;
beforeAll(async () => {
  fx = await streamingFixture('stream_unsig', { Contact: 20 });
  handle = await fx.start('Contact', ['Id', ...FIELDS.map((f) => f.name), 'IsDeleted']);
  expect(handle.workflowId).toBeTruthy();
  // One event streamed and applied first: the listeners below resume from its stored replay id (a listener
  // without one subscribes for new events and asks for a catch-up poll, which would read any record).
  fx.org.org.create('Contact', { LastName: 'Warm', Title: 'Warm' }, 'emulator/admin');
  await eventually('a stored replay id', async () => ((await titled('Warm')) === 1 ? true : undefined), 30_000, 50);
  // The worker's own supervisor gives way to one whose listeners nudge at most once per NUDGE_INTERVAL_MS.
  await fx.supervisor?.stop();
  fx.supervisor = startStreamSupervisor({
    databaseUrl: fx.db.url, sessions: sessionsFor(fx.org), temporal: fx.temporal.client, log: testLogger, apiVersion: '62.0',
    reconcileMs: 250, retryMs: 500, listener: { signalIntervalMs: NUDGE_INTERVAL_MS },
  });
});
afterAll(async () => {
  await fx?.close();
});

describe('events staged but never announced', () => {
  it('are applied once another listener starts, without a new event', async () => {
    const polls = (await status(handle)).counts.polls;
    await eventually('the listener subscribed', async () => (fx.supervisor!.listening().includes(MAPPING) ? true : undefined), 30_000, 50);
    // The first event's nudge goes out at once (leading edge) and is applied.
    fx.org.org.create('Contact', { LastName: 'First', Title: 'Nudged' }, 'emulator/admin');
    await eventually('the first event applied', async () => ((await titled('Nudged')) === 1 ? true : undefined), 30_000, 50);
    // The second is staged; its nudge waits for the interval (trailing edge).
    fx.org.org.create('Contact', { LastName: 'Second', Title: 'Unannounced' }, 'emulator/admin');
    await eventually('the second event staged', async () => ((await staged()) > 0 ? true : undefined), 30_000, 20);
    // The listener dies with its trailing nudge; nothing was applied meanwhile.
    expect(fx.supervisor!.killListener(MAPPING)).toBe(true);
    expect(await titled('Unannounced')).toBe(0);
    // The supervisor starts the next listener; no further change is made in the org.
    await eventually('the staged event applied', async () => ((await titled('Unannounced')) === 1 ? true : undefined), 30_000, 100);
    expect(await staged()).toBe(0);
    // Streamed, not polled.
    expect((await status(handle)).counts.polls).toBe(polls);
    await fx.converged('Contact', MAPPING, FIELDS);
  });
});
