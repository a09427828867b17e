// A stream dropped while its events are still in the org's publish queue, on every event source: Change Data
// Capture and PushTopic over CometD, CDC over the Pub/Sub API. Salesforce publishes events after the commit,
// asynchronously, and so does the org emulator (its default publish delay, 25 ms): the drop lands inside that
// window, so the events of changes committed before it are published while no client is subscribed.
//   - dropped before the listener received its first event: it comes back for new events only, so the window
//     the stream missed must be polled (CometD: faye re-subscribes by itself, with -1);
//   - dropped holding a replay id: the queued events are replayed from it, with no poll;
//   - dropped, and the held replay id expires before the listener is back: over CometD faye's own
//     re-subscription is refused and the listener resumes from new events after a poll of the uncovered window;
//     the Pub/Sub API accepts the id, as the event after it is still retained.
// Each ends with the table equal to the org.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldSpec } from '../support/compare';
import type { Handle } from '../support/mappings';
import { eventually } from '../support/org';
import { status, streamingFixture, type StreamingFixture } from './streaming-fixture';

const STAMP: FieldSpec = { name: 'SystemModstamp', type: 'datetime' };
const SOURCES = [
  { source: 'cdc', object: 'Account', channel: '/data/AccountChangeEvent', fields: [{ name: 'Name', type: 'string' }, { name: 'Phone', type: 'string' }, STAMP] },
  { source: 'pushtopic', object: 'Contact', channel: '/topic/ferry_Contact', fields: [{ name: 'LastName', type: 'string' }, { name: 'Phone', type: 'string' }, STAMP] },
  { source: 'pubsub', object: 'Lead', channel: '/data/LeadChangeEvent', fields: [{ name: 'LastName', type: 'string' }, { name: 'Phone', type: 'string' }, STAMP] },
] as const satisfies readonly { source: string; object: string; channel: string; fields: FieldSpec[] }[];

let fx: StreamingFixture;
const handles = new Map<string, Handle>();
const ids = new Map<string, string[]>();
beforeAll(async () => {
  fx = await streamingFixture('stream_dropq', { Account: 200, Contact: 200, Lead: 200 });
  for (const s of SOURCES) {
    handles.set(s.source, await fx.start(s.object, ['Id', ...s.fields.map((f) => f.name), 'IsDeleted'], { streaming_source: s.source }));
    ids.set(s.object, (await fx.conn.query<{ Id: string }>(`SELECT Id FROM ${s.object}`).run({ autoFetch: true })).records.map((r) => r.Id));
  }
}, 300_000);
afterAll(async () => {
  await fx?.close();
});

let n = 0;
/** Updates `count` records of `object`, each committed at once; its events wait in the publish queue. */
function change(object: string, count: number): void {
  const all = ids.get(object)!;
  for (let i = 0; i < count; i += 1) {
    n += 1;
    fx.org.org.update(object, all[(n * 31) % all.length], { Phone: `555-${n}` }, 'emulator/admin');
  }
}

const fallbacks = async (h: Handle) => (await status(h)).streaming?.fallbacks ?? 0;

/** The reason of the mapping's next fallback poll after `before` of them. */
async function fallbackAfter(h: Handle, before: number): Promise<string> {
  return eventually('a fallback poll', async () => {
    const st = await status(h);
    return (st.streaming?.fallbacks ?? 0) > before ? st.streaming?.lastFallback?.reason ?? '' : undefined;
  }, 30_000, 50);
}

/** Changes a few records and waits until the mapping applied their events: its listener holds a replay id. */
async function holdReplayId(object: string, h: Handle): Promise<void> {
  const before = (await status(h)).streaming?.events ?? 0;
  change(object, 5);
  await eventually('the listener holding a replay id', async () => (((await status(h)).streaming?.events ?? 0) >= before + 5 ? true : undefined), 30_000, 50);
}

describe.each(SOURCES)('a stream dropped while events wait in the publish queue ($source)', (s) => {
  const table = `salesforce.${s.object.toLowerCase()}`;
  const cometd = s.source !== 'pubsub';

  it('before its first event: the missed window is polled', async () => {
    const h = handles.get(s.source)!;
    const before = await fallbacks(h);
    change(s.object, 20);
    expect(fx.org.admin.dropStreamingClients()).toBe(true);
    change(s.object, 20);
    expect(fx.org.streaming!.stats().queued).toBeGreaterThan(0);
    await fx.converged(s.object, table, s.fields, 60_000);
    // Over the Pub/Sub API a keepalive may have given the listener a resume point already: then no poll is needed.
    if (cometd) expect(await fallbackAfter(h, before)).toMatch(new RegExp(`stream on ${s.channel} was dropped before its first event`));
  });

  it('holding a replay id: the queued events are replayed from it, with no poll', async () => {
    const h = handles.get(s.source)!;
    await holdReplayId(s.object, h);
    const before = await fallbacks(h);
    change(s.object, 20);
    expect(fx.org.admin.dropStreamingClients()).toBe(true);
    change(s.object, 20);
    await fx.converged(s.object, table, s.fields, 60_000);
    expect(await fallbacks(h)).toBe(before);
  });

  it('its held replay id expired before it came back: the uncovered window is polled', async () => {
    const h = handles.get(s.source)!;
    await holdReplayId(s.object, h);
    const before = await fallbacks(h);
    change(s.object, 20);
    expect(fx.org.admin.dropStreamingClients()).toBe(true);
    expect(fx.org.admin.expireReplayIds(0)).toBe(true);
    change(s.object, 20);
    await fx.converged(s.object, table, s.fields, 60_000);
    // The Pub/Sub API resumes from an id whose next event is still retained (nothing after it is lost): the
    // queued events were published after the expiry, so there the stream resumes with no window to poll.
    if (cometd) expect(await fallbackAfter(h, before)).toMatch(new RegExp(`expired on ${s.channel} while the stream was dropped`));
    else expect(await fallbacks(h)).toBe(before);
  });
});
