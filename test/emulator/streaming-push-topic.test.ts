// PushTopic streaming as a ferry worker sees it: topics created over REST, jsforce subscribing to /topic/<Name>,
// record changes made over REST producing created/updated/deleted/undeleted events with the topic's fields.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settle, startFixture, waitFor, type StreamingFixture } from './streaming-fixture.js';

interface TopicMessage {
  event: { createdDate: string; replayId: number; type: 'created' | 'updated' | 'deleted' | 'undeleted' };
  sobject: Record<string, unknown>;
}

let fx: StreamingFixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx?.close();
});

let topicCount = 0;
/** Creates a PushTopic over REST and returns its name and id. */
async function createTopic(query: string, settings: Record<string, unknown> = {}): Promise<{ name: string; id: string }> {
  topicCount += 1;
  const name = `FerryTopic${topicCount}`;
  const result = await fx.conn.sobject('PushTopic').create({ Name: name, Query: query, ApiVersion: 62.0, ...settings });
  if (!result.success) throw new Error(`PushTopic not created: ${JSON.stringify(result)}`);
  return { name, id: result.id };
}

async function createAccount(values: Record<string, unknown>): Promise<string> {
  const result = await fx.conn.sobject('Account').create(values);
  if (!result.success) throw new Error(`Account not created: ${JSON.stringify(result)}`);
  return result.id;
}

/** Subscribes with jsforce's plain topic API (no replay extension: new events only). */
async function subscribeTopic(name: string): Promise<TopicMessage[]> {
  const events: TopicMessage[] = [];
  await fx.conn.streaming.topic(name).subscribe((message) => {
    events.push(message as TopicMessage);
  });
  return events;
}

describe('PushTopic channels', () => {
  it('publishes created, updated, deleted and undeleted events carrying the selected fields', async () => {
    const topic = await createTopic("SELECT Id, Name, Website FROM Account WHERE Industry = 'Banking'");
    const events = await subscribeTopic(topic.name);

    const id = await createAccount({ Name: 'Harbour Bank', Industry: 'Banking', Phone: '555-0100' });
    await createAccount({ Name: 'Quay Media', Industry: 'Media' }); // outside the WHERE clause
    await fx.conn.sobject('Account').update({ Id: id, Website: 'https://harbour.example' });
    await fx.conn.sobject('Account').destroy(id);
    fx.undelete('Account', id);

    await waitFor('four topic events', () => events.length >= 4);
    await settle();
    expect(events.map((e) => e.event.type)).toEqual(['created', 'updated', 'deleted', 'undeleted']);
    expect(events[0].sobject).toEqual({ Id: id, Name: 'Harbour Bank', Website: null });
    expect(events[1].sobject).toEqual({ Id: id, Name: 'Harbour Bank', Website: 'https://harbour.example' });
    expect(events[2].sobject).toEqual({ Id: id });
    expect(events[3].sobject).toEqual({ Id: id, Name: 'Harbour Bank', Website: 'https://harbour.example' });
    const replayIds = events.map((e) => e.event.replayId);
    expect(replayIds).toEqual([...replayIds].sort((a, b) => a - b));
    expect(new Set(replayIds).size).toBe(4);
    for (const e of events) expect(Date.parse(e.event.createdDate)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('notifies updates according to NotifyForFields (All, Referenced, Select, Where)', async () => {
    const query = 'SELECT Id, Name FROM Account WHERE AnnualRevenue > 100';
    const modes = ['All', 'Referenced', 'Select', 'Where'] as const;
    const received: Record<string, TopicMessage[]> = {};
    for (const mode of modes) {
      const topic = await createTopic(query, { NotifyForFields: mode });
      received[mode] = await subscribeTopic(topic.name);
    }

    const id = await createAccount({ Name: 'Tideway Freight', AnnualRevenue: 200 });
    await fx.conn.sobject('Account').update({ Id: id, Phone: '555-0101' }); // no referenced field
    await fx.conn.sobject('Account').update({ Id: id, Name: 'Tideway Freight Ltd' }); // a SELECT field
    await fx.conn.sobject('Account').update({ Id: id, AnnualRevenue: 300 }); // a WHERE field, still matching
    await fx.conn.sobject('Account').update({ Id: id, AnnualRevenue: 50 }); // no longer matches: nobody
    // Sentinel: a creation notifies every topic, and each channel delivers in order.
    const sentinel = await createAccount({ Name: 'Sentinel', AnnualRevenue: 1000 });
    for (const mode of modes) {
      await waitFor(`sentinel on ${mode}`, () => received[mode].some((e) => e.sobject.Id === sentinel));
    }

    const namesSeen = (mode: string): unknown[] =>
      received[mode].filter((e) => e.sobject.Id === id).map((e) => `${e.event.type}:${String(e.sobject.Name)}`);
    expect(namesSeen('All')).toEqual([
      'created:Tideway Freight', 'updated:Tideway Freight', 'updated:Tideway Freight Ltd', 'updated:Tideway Freight Ltd',
    ]);
    expect(namesSeen('Referenced')).toEqual(['created:Tideway Freight', 'updated:Tideway Freight Ltd', 'updated:Tideway Freight Ltd']);
    expect(namesSeen('Select')).toEqual(['created:Tideway Freight', 'updated:Tideway Freight Ltd']);
    expect(namesSeen('Where')).toEqual(['created:Tideway Freight', 'updated:Tideway Freight Ltd']);
  });

  it('honours the NotifyForOperation flags', async () => {
    const topic = await createTopic("SELECT Id, Name FROM Account WHERE Industry = 'Energy'", {
      NotifyForOperationCreate: false, NotifyForOperationUpdate: true, NotifyForOperationDelete: false, NotifyForOperationUndelete: true,
    });
    const events = await subscribeTopic(topic.name);
    const id = await createAccount({ Name: 'Lockkeeper Power', Industry: 'Energy' });
    await fx.conn.sobject('Account').update({ Id: id, Name: 'Lockkeeper Power Co' });
    await fx.conn.sobject('Account').destroy(id);
    fx.undelete('Account', id);
    await waitFor('undeleted event', () => events.some((e) => e.event.type === 'undeleted'));
    await settle();
    expect(events.map((e) => e.event.type)).toEqual(['updated', 'undeleted']);
  });

  it('applies topic changes made at run time immediately', async () => {
    const topic = await createTopic("SELECT Id, Name FROM Account WHERE Industry = 'Retail'");
    const events = await subscribeTopic(topic.name);
    await createAccount({ Name: 'Dock Store', Industry: 'Retail' });
    await waitFor('first event', () => events.length === 1);

    // Re-pointed at another industry: Retail no longer notifies, Healthcare does.
    await fx.conn.sobject('PushTopic').update({ Id: topic.id, Query: "SELECT Id, Name FROM Account WHERE Industry = 'Healthcare'" });
    await createAccount({ Name: 'Pier Shop', Industry: 'Retail' });
    await createAccount({ Name: 'Canal Clinic', Industry: 'Healthcare' });
    await waitFor('event after the query change', () => events.length === 2);
    expect(events[1].sobject.Name).toBe('Canal Clinic');

    // Deactivated: silent.
    await fx.conn.sobject('PushTopic').update({ Id: topic.id, IsActive: false });
    await createAccount({ Name: 'Lock Clinic', Industry: 'Healthcare' });
    await settle(300);
    expect(events).toHaveLength(2);

    // Deleted: the channel no longer exists.
    await fx.conn.sobject('PushTopic').destroy(topic.id);
    await expect(fx.subscribe(`/topic/${topic.name}`).subscribed).rejects.toMatchObject({
      message: `400::The channel you requested to subscribe to doesn't exist {/topic/${topic.name}}`,
    });
  });

  // Empties the org: keep it after the tests that rely on earlier records.
  it('forgets every topic when the admin resets the org', async () => {
    const old = await createTopic("SELECT Id, Name FROM Account WHERE Industry = 'Banking'");
    await (await fetch(`${fx.emulator.url}/__emulator/reset`, { method: 'POST' })).text();
    await expect(fx.subscribe(`/topic/${old.name}`).subscribed).rejects.toMatchObject({
      message: `400::The channel you requested to subscribe to doesn't exist {/topic/${old.name}}`,
    });

    // A new topic of the same name fires for its own query only, once per change.
    const result = await fx.conn.sobject('PushTopic').create({ Name: old.name, Query: "SELECT Id, Name FROM Account WHERE Industry = 'Media'", ApiVersion: 62.0 });
    if (!result.success) throw new Error('PushTopic not re-created');
    const fresh = fx.subscribe<TopicMessage>(`/topic/${old.name}`);
    await fresh.subscribed;
    await createAccount({ Name: 'Old Bank', Industry: 'Banking' });
    const mediaId = await createAccount({ Name: 'New Media', Industry: 'Media' });
    await waitFor('the new topic event', () => fresh.events.length > 0);
    await settle();
    expect(fresh.events.map((e) => e.sobject.Id)).toEqual([mediaId]);
  });

  it('refuses a subscription to a topic that does not exist', async () => {
    await expect(fx.subscribe('/topic/NoSuchTopic').subscribed).rejects.toMatchObject({
      message: "400::The channel you requested to subscribe to doesn't exist {/topic/NoSuchTopic}",
    });
  });
});
