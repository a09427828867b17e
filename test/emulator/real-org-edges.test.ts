// Edge behaviour a real org has, through jsforce: events published after commit (asynchronously, in commit
// order: a subscriber that connects just after a write still gets it, and the writer's response comes first),
// generic streaming on StreamingChannel /u/ channels, empty Bulk 2.0 ingest uploads, Collections upsert
// results that always say `created`, and the identity's photos.
import { resolve } from 'node:path';
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, EMULATOR_API_VERSION, type Emulator } from '../../emulator/server.js';
import { rawRest } from './core-fixture.js';

let emulator: Emulator;
let conn: Connection;
const clients: { disconnect(): void }[] = [];
beforeAll(async () => {
  // A Salesforce-like publication latency, long enough for a handshake and a subscribe on a busy machine.
  emulator = await createEmulator({ port: 0, schemaFile: resolve(__dirname, 'fixtures/real-org-schema.json'), streamingPublishDelayMs: 1500 });
  const { username, password, clientId, clientSecret } = emulator.credentials;
  conn = new Connection({ oauth2: { loginUrl: emulator.url, clientId, clientSecret }, version: EMULATOR_API_VERSION });
  await conn.login(username, password);
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await emulator.close();
});

type Cdc = { payload: { ChangeEventHeader: { recordIds: string[]; changeType: string; commitNumber: number } } };
const subscribe = <T>(channel: string) => {
  const client = conn.streaming.createClient([]);
  clients.push(client);
  const events: T[] = [];
  const ack = client.subscribe(channel, (m: T) => events.push(m));
  return { events, subscribed: new Promise<void>((res, rej) => ack.then(res, rej)) };
};
const waitFor = async (what: string, ok: () => boolean, ms = 10_000) => {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('events after commit', () => {
  it('delivers a write to a subscriber that connects just after it, in commit order, after the writer\'s response', async () => {
    const order: string[] = [];
    const early = subscribe<Cdc>('/data/AccountChangeEvent');
    await early.subscribed;
    const pending = conn.sobject('Account').create({ Name: 'After Commit 1' }).then((r) => {
      order.push(`response ${(r as { id: string }).id}`);
      return (r as { id: string }).id;
    });
    const first = await pending;
    expect(early.events).toHaveLength(0); // not yet: published after the commit, asynchronously
    const late = subscribe<Cdc>('/data/AccountChangeEvent');
    await late.subscribed;
    const second = ((await conn.sobject('Account').create({ Name: 'After Commit 2' })) as { id: string }).id;
    await waitFor('both events on both subscribers', () => early.events.length >= 2 && late.events.length >= 2);
    order.push(...early.events.map((e) => `event ${e.payload.ChangeEventHeader.recordIds[0]}`));
    expect(order.slice(0, 2)).toEqual([`response ${first}`, `event ${first}`]);
    expect(late.events.map((e) => e.payload.ChangeEventHeader.recordIds[0])).toEqual([first, second]);
    expect(early.events.map((e) => e.payload.ChangeEventHeader.recordIds[0])).toEqual([first, second]);
    const numbers = early.events.map((e) => e.payload.ChangeEventHeader.commitNumber);
    expect(numbers[1]).toBeGreaterThan(numbers[0]);
  });

  it('subscribe-then-write without waiting for the subscription loses no PushTopic event', async () => {
    await conn.sobject('PushTopic').create({ Name: 'EdgeAccounts', Query: 'SELECT Id, Name FROM Account', ApiVersion: 62.0, NotifyForFields: 'All' });
    const sub = subscribe<{ sobject: { Id: string; Name: string }; event: { type: string } }>('/topic/EdgeAccounts');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(((await conn.sobject('Account').create({ Name: `Topic ${i}` })) as { id: string }).id);
    await sub.subscribed;
    await waitFor('five topic events', () => sub.events.length >= 5);
    expect(sub.events.map((e) => [e.event.type, e.sobject.Id])).toEqual(ids.map((id) => ['created', id]));
  });
});

describe('generic streaming', () => {
  it('pushes payloads to a StreamingChannel\'s subscribers on /u/<name>', async () => {
    const { id } = (await conn.sobject('StreamingChannel').create({ Name: '/u/ferry_notices', Description: 'ferry' })) as { id: string };
    const refused = (await conn.sobject('StreamingChannel').create({ Name: 'no-slash' }).catch((e: unknown) => e)) as { errorCode: string };
    expect(refused).toMatchObject({ errorCode: 'FIELD_INTEGRITY_EXCEPTION' });
    const sub = subscribe<{ payload: string; event: { replayId: number } }>('/u/ferry_notices');
    await sub.subscribed;
    const pushed = await conn.request<{ fanoutCount: number }[]>({
      method: 'POST', url: `/services/data/v62.0/sobjects/StreamingChannel/${id}/push`,
      body: JSON.stringify({ pushEvents: [{ payload: 'first', userIds: [] }, { payload: 'second', userIds: [] }] }), headers: { 'content-type': 'application/json' },
    });
    expect(pushed.map((p) => p.fanoutCount)).toEqual([1, 1]);
    await waitFor('two generic events', () => sub.events.length >= 2);
    expect(sub.events.map((e) => e.payload)).toEqual(['first', 'second']);
    expect(sub.events[1].event.replayId).toBe(sub.events[0].event.replayId + 1);
    const missing = subscribe('/u/nobody_here');
    await expect(missing.subscribed).rejects.toThrow(/doesn't exist/);
  });
});

describe('edges of the REST and Bulk surfaces', () => {
  it('completes a Bulk 2.0 ingest job closed with an empty upload, and one with no upload, with empty result sets', async () => {
    for (const upload of ['', null]) {
      const job = await (await rawRest(conn, 'POST', '/jobs/ingest', { object: 'Account', operation: 'insert' })).json() as { id: string };
      if (upload !== null) {
        const put = await fetch(`${conn.instanceUrl}/services/data/v62.0/jobs/ingest/${job.id}/batches`, { method: 'PUT', headers: { authorization: `Bearer ${conn.accessToken}`, 'content-type': 'text/csv' }, body: upload });
        expect(put.status).toBe(201);
      }
      await rawRest(conn, 'PATCH', `/jobs/ingest/${job.id}`, { state: 'UploadComplete' });
      let info: { state: string; numberRecordsProcessed?: number } = { state: '' };
      for (let i = 0; i < 200 && info.state !== 'JobComplete' && info.state !== 'Failed'; i++) {
        info = await (await rawRest(conn, 'GET', `/jobs/ingest/${job.id}`)).json() as typeof info;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(info).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 0 });
      for (const kind of ['successfulResults', 'failedResults', 'unprocessedrecords']) {
        const res = await rawRest(conn, 'GET', `/jobs/ingest/${job.id}/${kind}`);
        expect(res.status, kind).toBe(200);
        expect((await res.text()).trim().split('\n').filter((l) => l !== '').length, kind).toBeLessThanOrEqual(1);
      }
    }
  });

  it('completes jsforce\'s Bulk 2.0 load of no records with empty result sets', async () => {
    conn.bulk2.pollInterval = 50;
    for (const input of [[] as never[], '']) {
      const results = await conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input });
      expect(results).toEqual({ successfulResults: [], failedResults: [], unprocessedRecords: [] });
    }
  });

  it('says `created` on every sObject Collections upsert result, failed ones included', async () => {
    const res = await rawRest(conn, 'PATCH', '/composite/sobjects/Shipment__c/Tracking_Code__c', {
      allOrNone: false,
      records: [
        { attributes: { type: 'Shipment__c' }, Tracking_Code__c: 'EDGE-1', Name: 'ok' },
        { attributes: { type: 'Shipment__c' }, Tracking_Code__c: 'EDGE-2', Weight__c: 'heavy' },
      ],
    });
    const results = await res.json() as { success: boolean; created?: boolean }[];
    expect(results.map((r) => [r.success, r.created])).toEqual([[true, true], [false, false]]);
    const allOrNone = await rawRest(conn, 'PATCH', '/composite/sobjects/Shipment__c/Tracking_Code__c', {
      allOrNone: true,
      records: [{ attributes: { type: 'Shipment__c' }, Tracking_Code__c: 'EDGE-3' }, { attributes: { type: 'Shipment__c' }, Tracking_Code__c: 'EDGE-4', Weight__c: 'heavy' }],
    });
    expect((await allOrNone.json() as { created?: boolean }[]).map((r) => r.created)).toEqual([false, false]);
  });

  it('answers the identity with photos', async () => {
    const identity = await conn.identity() as unknown as { photos: { picture: string; thumbnail: string } };
    expect(identity.photos).toEqual({ picture: expect.stringMatching(/^http/), thumbnail: expect.stringMatching(/^http/) });
  });
});
