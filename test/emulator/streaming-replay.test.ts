// Durable streaming as a ferry worker relies on it: jsforce's Replay extension resumes after the server drops
// its clients, -2 replays the retained log, expired ids are refused; a bad token trips AuthFailure.
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamingExtension, settle, startFixture, waitFor, type Received, type StreamingFixture } from './streaming-fixture.js';

interface ChangeEventMessage {
  payload: { ChangeEventHeader: { changeType: string; recordIds: string[] } };
  event: { replayId: number };
}

const CHANNEL = '/data/LeadChangeEvent';

let fx: StreamingFixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx?.close();
});

async function createLeads(names: string[]): Promise<string[]> {
  const results = await fx.conn.sobject('Lead').create(names.map((name) => ({ LastName: name, Company: 'Ferry Co' })));
  return results.map((r) => {
    if (!r.success) throw new Error(`Lead not created: ${JSON.stringify(r)}`);
    return r.id;
  });
}

const replayIdsOf = (events: ChangeEventMessage[]): number[] => events.map((e) => e.event.replayId);

describe('durable replay', () => {
  it('resumes after the server drops every client, losing and repeating nothing', async () => {
    let handshakes = 0;
    let subscribes = 0;
    const events: ChangeEventMessage[] = [];
    const client = fx.client([
      new StreamingExtension.Replay(CHANNEL, -1),
      { incoming: (message: { channel: string; successful?: boolean }, callback: (m: unknown) => void) => {
        if (message.channel === '/meta/handshake' && message.successful) handshakes += 1;
        if (message.channel === '/meta/subscribe' && message.successful) subscribes += 1;
        callback(message);
      } },
    ]);
    await client.subscribe(CHANNEL, (message: ChangeEventMessage) => events.push(message));
    await createLeads(['Before Drop']);
    await waitFor('the first event', () => events.length === 1);

    // Each round: drop every client, write once in the same tick (certainly while the client has no session),
    // write more over REST while it re-handshakes, then let it settle in before the next drop (a drop between
    // faye's handshake and its re-subscribe would make faye forget the subscription, on Salesforce too).
    const written: string[] = [];
    for (let round = 0; round < 5; round += 1) {
      const before = subscribes;
      fx.streaming.dropAllClients();
      expect(fx.streaming.stats().clients).toBe(0);
      written.push(fx.emulator.org.create('Lead', { LastName: `Round ${round} offline`, Company: 'Ferry Co' }, 'emulator/admin'));
      written.push(...await createLeads([`Round ${round} a`, `Round ${round} b`]));
      await waitFor(`re-subscription ${round}`, () => subscribes > before);
    }
    written.push(...await createLeads(['After Drops']));

    await waitFor('every event', () => events.length >= 1 + written.length, 10_000);
    await settle(300);
    const first = events[0].event.replayId;
    expect(replayIdsOf(events)).toEqual(Array.from({ length: 1 + written.length }, (_, i) => first + i));
    expect(events.slice(1).map((e) => e.payload.ChangeEventHeader.recordIds[0])).toEqual(written);
    expect(handshakes).toBe(6);
  });

  it('replays every retained event for -2 and the events after a retained id, before live ones', async () => {
    const ids = await createLeads(['Replay One', 'Replay Two', 'Replay Three']);
    const all = fx.subscribe<ChangeEventMessage>(CHANNEL, -2);
    await all.subscribed;
    await waitFor('the retained events', () => all.events.some((e) => e.payload.ChangeEventHeader.recordIds[0] === ids[2]));
    const retained = replayIdsOf(all.events);
    expect(retained[0]).toBe(1);
    expect(retained).toEqual(Array.from({ length: retained.length }, (_, i) => i + 1));

    const secondId = all.events.find((e) => e.payload.ChangeEventHeader.recordIds[0] === ids[1])?.event.replayId as number;
    const after = fx.subscribe<ChangeEventMessage>(CHANNEL, secondId);
    await after.subscribed;
    const [liveId] = await createLeads(['Live One']);
    await waitFor('the live event', () => after.events.some((e) => e.payload.ChangeEventHeader.recordIds[0] === liveId));
    await settle();
    expect(after.events.map((e) => e.payload.ChangeEventHeader.recordIds[0])).toEqual([ids[2], liveId]);
    expect(replayIdsOf(after.events)).toEqual([secondId + 1, secondId + 2]);
    // The backlog went to the late subscriber alone: the first one saw each event once.
    await waitFor('the live event on the first subscriber', () => all.events.some((e) => e.payload.ChangeEventHeader.recordIds[0] === liveId));
    expect(new Set(replayIdsOf(all.events)).size).toBe(all.events.length);
  });

  it('gives a subscriber joining mid-stream a contiguous sequence: backlog, then live, no gap or repeat', async () => {
    const watcher = fx.subscribe<ChangeEventMessage>(CHANNEL);
    await watcher.subscribed;
    let written = 0;
    const writer = setInterval(() => {
      fx.emulator.org.create('Lead', { LastName: `Stream ${written}`, Company: 'Ferry Co' }, 'emulator/admin');
      written += 1;
    }, 1);
    let late: Received<ChangeEventMessage> | undefined;
    let joinAfter = 0;
    try {
      await waitFor('some history', () => watcher.events.length >= 20);
      joinAfter = watcher.events[5].event.replayId;
      late = fx.subscribe<ChangeEventMessage>(CHANNEL, joinAfter);
      await late.subscribed;
      const seenAtJoin = watcher.events.length;
      await waitFor('live events after joining', () => watcher.events.length >= seenAtJoin + 40);
    } finally {
      clearInterval(writer);
    }
    await settle(200);
    const lastId = watcher.events[watcher.events.length - 1].event.replayId;
    const joined = late as Received<ChangeEventMessage>;
    await waitFor('the late subscriber to catch up', () => joined.events[joined.events.length - 1]?.event.replayId === lastId);
    expect(replayIdsOf(joined.events)).toEqual(Array.from({ length: lastId - joinAfter }, (_, i) => joinAfter + 1 + i));
  });

  it('splits a long backlog across /meta/connect replies, in order', async () => {
    // A channel of its own, so the other tests' subscribers do not share the load.
    const channel = '/data/OpportunityChangeEvent';
    for (let i = 0; i < 15_000; i += 1) {
      fx.emulator.org.create('Opportunity', { Name: `Backlog ${i}`, StageName: 'Prospecting', CloseDate: '2030-01-01' }, 'emulator/admin');
    }
    // Counts the events each connect reply carried: faye hands a reply's messages to extensions in order.
    let perReply = 0;
    let largestReply = 0;
    const events: ChangeEventMessage[] = [];
    const client = fx.client([
      new StreamingExtension.Replay(channel, -2),
      { incoming: (message: { channel: string }, callback: (m: unknown) => void) => {
        if (message.channel === '/meta/connect') perReply = 0;
        else if (message.channel === channel) largestReply = Math.max(largestReply, (perReply += 1));
        callback(message);
      } },
    ]);
    await client.subscribe(channel, (message: ChangeEventMessage) => events.push(message));
    await waitFor('the whole backlog', () => events.length >= 15_000, 30_000);
    expect(replayIdsOf(events)).toEqual(Array.from({ length: 15_000 }, (_, i) => i + 1));
    expect(largestReply).toBeLessThanOrEqual(10_000);
  });

  it('refuses a replay id that has expired', async () => {
    const [soonForgotten] = await createLeads(['Soon Forgotten']);
    const seen = fx.subscribe<ChangeEventMessage>(CHANNEL, -2);
    await seen.subscribed;
    // Events are published after commit: wait for this write's own event, not only for older retained ones.
    const ownEvent = () => seen.events.find((e) => e.payload.ChangeEventHeader.recordIds.includes(soonForgotten));
    await waitFor('the write\'s retained event', () => ownEvent() !== undefined);
    const oldId = ownEvent()!.event.replayId;

    fx.streaming.expireReplayIds(0);
    await expect(fx.subscribe(CHANNEL, oldId).subscribed).rejects.toMatchObject({
      message: `400::The replayId {${oldId}} you provided was invalid. Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.`,
    });
    // -2 now replays nothing old, and new events still flow.
    const fresh = fx.subscribe<ChangeEventMessage>(CHANNEL, -2);
    await fresh.subscribed;
    await createLeads(['After Expiry']);
    await waitFor('the new event', () => fresh.events.length > 0);
    await settle();
    expect(fresh.events).toHaveLength(1);
    expect(fresh.events[0].event.replayId).toBeGreaterThan(oldId);
  });

  it('fails authentication for a bad token so jsforce AuthFailure fires', async () => {
    const stranger = new Connection({ instanceUrl: fx.conn.instanceUrl, accessToken: 'not-a-ferry-token', version: fx.conn.version });
    const failure = new Promise<{ error?: string; advice?: { reconnect?: string } }>((resolve) => {
      const client = stranger.streaming.createClient([new StreamingExtension.AuthFailure(resolve)]);
      // Never acknowledged: the handshake fails first.
      void client.subscribe(CHANNEL, () => undefined);
      setTimeout(() => client.disconnect(), 2_000);
    });
    await expect(failure).resolves.toMatchObject({ error: '401::Authentication invalid', advice: { reconnect: 'none' } });
  });

  // Expires the shared session: keep it last.
  it('trips AuthFailure on the next connect once a subscribed session has expired', async () => {
    let failed: { channel: string; error?: string } | undefined;
    const events: unknown[] = [];
    let clientId: string | undefined;
    const client = fx.client([
      new StreamingExtension.AuthFailure((message: { channel: string; error?: string }) => (failed = message)),
      { incoming: (message: { channel: string; successful?: boolean; clientId?: string }, callback: (m: unknown) => void) => {
        if (message.channel === '/meta/handshake' && message.successful) clientId = message.clientId;
        callback(message);
      } },
    ]);
    await client.subscribe(CHANNEL, (message: unknown) => events.push(message));
    // The session must expire while the client's /meta/connect is held (authenticated before the expiry); a
    // connect still on its way would itself meet the dead token and the change would never be delivered.
    await waitFor('a held /meta/connect', () => clientId !== undefined && fx.streaming.holdsConnect(clientId));

    await (await fetch(`${fx.emulator.url}/__emulator/sessions/expire`, { method: 'POST' })).text();
    // A change answers the held /meta/connect; the client's next connect carries the dead token.
    fx.emulator.org.create('Lead', { LastName: 'Last Word', Company: 'Ferry Co' }, 'emulator/admin');
    await waitFor('AuthFailure', () => failed !== undefined);
    expect(events).toHaveLength(1);
    expect(failed).toMatchObject({ channel: '/meta/connect', error: '401::Authentication invalid' });
  });
});
