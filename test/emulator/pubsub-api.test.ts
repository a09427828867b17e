// The emulator's Pub/Sub API through ferry's own gRPC client (salesforce/pubsub/): auth metadata, topics,
// schemas, Avro change events with bitmap fields, pull-based flow control, replay presets and opaque replay
// ids, keepalives, Salesforce's error codes, and the admin's faults on this path.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmulator, EMULATOR_API_VERSION, type Emulator } from '../../emulator/server';
import { decodeChangeEvent, type CdcEventJson } from '../../salesforce/pubsub/cdc-decode';
import { PubSubClient, PubSubError, type FetchRequest, type FetchResponse } from '../../salesforce/pubsub/client';

let emulator: Emulator;
let conn: Connection;
let client: PubSubClient;

beforeAll(async () => {
  emulator = await createEmulator({ port: 0, pubsubKeepaliveMs: 300 });
  const { username, password, clientId, clientSecret } = emulator.credentials;
  conn = new Connection({ oauth2: { loginUrl: emulator.url, clientId, clientSecret }, version: EMULATOR_API_VERSION });
  await conn.login(username, password);
  client = new PubSubClient(emulator.pubsubUrl, () => Promise.resolve({ accessToken: conn.accessToken!, instanceUrl: conn.instanceUrl }));
});
afterAll(async () => {
  client?.close();
  await emulator?.close();
});

interface Subscription {
  stream: ClientDuplexStream<FetchRequest, FetchResponse>;
  responses: FetchResponse[];
  events: { replayId: Buffer; json: CdcEventJson }[];
  error: Promise<PubSubError>;
  /** Waits until `n` events arrived in all. */
  received(n: number, timeoutMs?: number): Promise<void>;
}

async function subscribe(first: FetchRequest, c = client): Promise<Subscription> {
  const { stream } = await c.subscribe();
  const sub: Subscription = {
    stream, responses: [], events: [],
    error: new Promise((resolve) => stream.on('error', (err) => resolve(PubSubError.from(err)))),
    received: async (n, timeoutMs = 5_000) => {
      const deadline = Date.now() + timeoutMs;
      while (sub.events.length < n) {
        if (Date.now() > deadline) throw new Error(`received ${sub.events.length} events, expected ${n}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
  let chain = Promise.resolve();
  stream.on('data', (r: FetchResponse) => {
    sub.responses.push(r);
    chain = chain.then(async () => {
      for (const e of r.events) {
        const schema = await c.schema(e.event.schema_id);
        sub.events.push({ replayId: e.replay_id, json: decodeChangeEvent(schema.type, schema.schema, e.event.schema_id, e.event.payload, e.replay_id.toString('base64')) });
      }
    });
  });
  stream.write(first);
  return sub;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Pub/Sub API: topics, schemas and auth', () => {
  it('GetTopic names the change-event topic and its current schema; GetSchema returns the Avro schema', async () => {
    const topic = await client.getTopic('/data/AccountChangeEvent');
    expect(topic).toMatchObject({ topicName: '/data/AccountChangeEvent', canSubscribe: true });
    expect(topic.schemaId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const schema = await client.schema(topic.schemaId);
    expect(schema.schema).toMatchObject({ type: 'record', name: 'AccountChangeEvent', namespace: 'com.sforce.eventbus' });
    expect(schema.schema.fields[0].name).toBe('ChangeEventHeader');
    const billing = schema.schema.fields.find((f) => f.name === 'BillingAddress');
    expect(JSON.stringify(billing?.type)).toContain('"City"');
  });

  it('an unknown topic is NOT_FOUND with an error-code trailer, on GetTopic and on Subscribe', async () => {
    const err = await client.getTopic('/data/NoSuchThingChangeEvent').catch((e: unknown) => e as PubSubError);
    expect(err).toBeInstanceOf(PubSubError);
    expect((err as PubSubError).code).toBe(5);
    expect((err as PubSubError).errorCode).toMatch(/^sfdc\.platform\.eventbus\.grpc\./);
    expect((err as PubSubError).message).toMatch(/topic \/data\/NoSuchThingChangeEvent not found.*rpcId: /);
    const sub = await subscribe({ topic_name: '/topic/NotHere', replay_preset: 'LATEST', num_requested: 1 });
    expect((await sub.error).topicNotFound).toBe(true);
  });

  it('a bad or missing access token is UNAUTHENTICATED with the auth error code', async () => {
    const bad = new PubSubClient(emulator.pubsubUrl, () => Promise.resolve({ accessToken: `${conn.accessToken!.slice(0, 18)}nope`, instanceUrl: conn.instanceUrl }));
    try {
      const err = await bad.getTopic('/data/AccountChangeEvent').catch((e: unknown) => e as PubSubError);
      expect(err).toMatchObject({ code: 16, errorCode: 'sfdc.platform.eventbus.grpc.service.auth.error' });
      const sub = await subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'LATEST', num_requested: 1 }, bad);
      expect((await sub.error).unauthenticated).toBe(true);
    } finally {
      bad.close();
    }
  });
});

describe('Pub/Sub API: Subscribe', () => {
  it('delivers creates and updates as Avro: an update carries only what changed, nulls told apart by nulledFields', async () => {
    const sub = await subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'LATEST', num_requested: 10 });
    await sleep(100);
    const created = await conn.sobject('Account').create({ Name: 'Avro Ltd', Phone: '555-0101', BillingCity: 'Utrecht', AnnualRevenue: 12.5 });
    if (!created.success) throw new Error('not created');
    await conn.sobject('Account').update({ Id: created.id, Phone: null, BillingCity: 'Leiden' });
    await sub.received(2);
    const [create, update] = sub.events.map((e) => e.json);
    expect(create.payload.ChangeEventHeader).toMatchObject({ changeType: 'CREATE', recordIds: [created.id], changedFields: [] });
    expect(create.payload).toMatchObject({ Name: 'Avro Ltd', Phone: '555-0101', AnnualRevenue: 12.5, BillingAddress: { City: 'Utrecht' } });
    expect(create.payload.CreatedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(update.payload.ChangeEventHeader.changeType).toBe('UPDATE');
    expect(update.payload.ChangeEventHeader.changedFields).toEqual(expect.arrayContaining(['Phone', 'BillingAddress.City', 'LastModifiedDate']));
    expect(update.payload.ChangeEventHeader.nulledFields).toEqual(['Phone']);
    expect(update.payload).toMatchObject({ Phone: null, BillingAddress: { City: 'Leiden' } });
    // Unchanged fields are not in the update at all (on the wire they are null).
    expect('Name' in update.payload).toBe(false);
    expect(update.payload.BillingAddress).toEqual({ City: 'Leiden' });
    sub.stream.cancel();
  });

  it('sends no more than num_requested, says what is pending, and continues when asked again', async () => {
    const sub = await subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'LATEST', num_requested: 3 });
    await sleep(100);
    for (let i = 0; i < 7; i++) await conn.sobject('Account').create({ Name: `Flow ${i}` });
    await sub.received(3);
    await sleep(200);
    expect(sub.events).toHaveLength(3);
    const last = sub.responses.filter((r) => r.events.length > 0).at(-1)!;
    expect(last.pending_num_requested).toBe(0);
    expect(last.latest_replay_id.equals(sub.events[2].replayId)).toBe(true);
    sub.stream.write({ num_requested: 10 });
    await sub.received(7);
    expect(sub.events.map((e) => e.json.payload.Name)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `Flow ${i}`));
    sub.stream.cancel();
  });

  it('an idle subscription gets keepalives: no events, the latest replay id', async () => {
    const sub = await subscribe({ topic_name: '/data/ContactChangeEvent', replay_preset: 'LATEST', num_requested: 5 });
    await sleep(800);
    const keepalives = sub.responses.filter((r) => r.events.length === 0);
    expect(keepalives.length).toBeGreaterThanOrEqual(1);
    expect(keepalives[0].latest_replay_id).toHaveLength(8);
    sub.stream.cancel();
  });

  it('resumes after an opaque replay id with CUSTOM, replays all with EARLIEST', async () => {
    const first = await subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'EARLIEST', num_requested: 100 });
    await sleep(300);
    const all = first.events.length;
    expect(all).toBeGreaterThanOrEqual(9);
    first.stream.cancel();
    const resumeAt = first.events[all - 3].replayId;
    const resumed = await subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'CUSTOM', replay_id: resumeAt, num_requested: 100 });
    await resumed.received(2);
    await sleep(100);
    expect(resumed.events.map((e) => e.replayId.toString('hex'))).toEqual(first.events.slice(all - 2).map((e) => e.replayId.toString('hex')));
    resumed.stream.cancel();
  });

  it('a corrupted replay id and one past retention are INVALID_ARGUMENT with replay-id error codes', async () => {
    const corrupted = await subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'CUSTOM', replay_id: Buffer.from('zz'), num_requested: 1 });
    const e1 = await corrupted.error;
    expect(e1).toMatchObject({ code: 3, errorCode: 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted' });
    expect(e1.badReplayId).toBe(true);

    const early = await subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'EARLIEST', num_requested: 1 });
    await early.received(1);
    early.stream.cancel();
    await conn.sobject('Account').create({ Name: 'After the first' });
    const res = await fetch(`${emulator.url}/__emulator/streaming/expire-replay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"olderThanMs":0}' });
    expect(res.status).toBe(200);
    const expired = await subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'CUSTOM', replay_id: early.events[0].replayId, num_requested: 1 });
    const e2 = await expired.error;
    expect(e2.code).toBe(3);
    expect(e2.badReplayId).toBe(true);
  });

  it('admin faults reach Pub/Sub subscribers: gap and overflow events, dropped streams', async () => {
    const sub = await subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'LATEST', num_requested: 10 });
    await sleep(100);
    const post = (path: string, body: unknown) => fetch(`${emulator.url}/__emulator${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/streaming/gap', { object: 'Account', changeType: 'UPDATE', recordIds: ['001000000000001AAA'] })).status).toBe(200);
    expect((await post('/streaming/overflow', { object: 'Account' })).status).toBe(200);
    await sub.received(2);
    expect(sub.events.map((e) => e.json.payload.ChangeEventHeader.changeType)).toEqual(['GAP_UPDATE', 'GAP_OVERFLOW']);
    expect(sub.events[0].json.payload.ChangeEventHeader.recordIds).toEqual(['001000000000001AAA']);
    expect((await post('/streaming/drop-clients', {})).status).toBe(200);
    const err = await sub.error;
    expect(err.code).toBe(14);
  });

  it('writes sent with Sforce-Call-Options: client=<name> (REST and Bulk 2.0) name it in changeOrigin', async () => {
    const named = new Connection({ instanceUrl: conn.instanceUrl, accessToken: conn.accessToken!, version: EMULATOR_API_VERSION, callOptions: { client: 'ferry-salesforce.account' } });
    const sub = await subscribe({ topic_name: '/data/AccountChangeEvent', replay_preset: 'LATEST', num_requested: 10 });
    await sleep(100);
    await named.sobject('Account').create({ Name: 'Named client' });
    await named.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input: 'Name\nNamed bulk\n', pollInterval: 50 });
    await conn.sobject('Account').create({ Name: 'Anonymous' });
    await sub.received(3);
    expect(sub.events.map((e) => e.json.payload.ChangeEventHeader.changeOrigin)).toEqual([
      'com/salesforce/api/rest/62.0;client=ferry-salesforce.account',
      'com/salesforce/api/bulk/62.0;client=ferry-salesforce.account',
      'com/salesforce/api/rest/62.0',
    ]);
    sub.stream.cancel();
  });

  it('the proto ferry ships is the emulator\'s, byte for byte', () => {
    const root = join(__dirname, '../..');
    expect(readFileSync(join(root, 'salesforce/pubsub/pubsub_api.proto'), 'utf8')).toBe(readFileSync(join(root, 'emulator/pubsub/pubsub_api.proto'), 'utf8'));
  });
});
