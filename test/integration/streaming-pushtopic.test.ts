// Event-driven sync through a PushTopic that ferry creates: creates, updates, deletes and undeletes reach the
// table within a second, spend no API call, and the topic follows the mapped fields.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconfigureUpdate } from '../../workflows/mapping/messages';
import type { FieldSpec } from '../support/compare';
import { recordHistories } from '../support/histories';
import type { Handle } from '../support/mappings';
import { status, streamingFixture, until, waitForStatus, type StreamingFixture } from './streaming-fixture';

const FIELDS: FieldSpec[] = [
  { name: 'Name', type: 'string' }, { name: 'Phone', type: 'string' }, { name: 'Website', type: 'string' },
  { name: 'AnnualRevenue', type: 'number' }, { name: 'SystemModstamp', type: 'datetime' },
];
const MAPPING = 'salesforce.account';

let fx: StreamingFixture;
let handle: Handle;
beforeAll(async () => {
  fx = await streamingFixture('stream_pt', { Account: 300 });
  handle = await fx.start('Account', ['Id', ...FIELDS.map((f) => f.name), 'IsDeleted']);
});
afterAll(async () => {
  if (handle) await recordHistories(fx.temporal.client, handle.workflowId, 'event-driven-pushtopic');
  await fx?.close();
});

describe('event-driven sync through a PushTopic', () => {
  it('creates the topic with the mapped fields and streams in STREAMING state', async () => {
    const topics = await fx.conn.query<{ Name: string; Query: string }>("SELECT Name, Query FROM PushTopic WHERE Name = 'ferry_Account'");
    expect(topics.records).toHaveLength(1);
    expect(topics.records[0].Query).toBe('SELECT Id,Name,Phone,Website,AnnualRevenue,SystemModstamp,IsDeleted FROM Account');
    const s = await status(handle);
    expect(s.state).toBe('STREAMING');
    expect(s.streaming?.channel).toBe('/topic/ferry_Account');
    expect(fx.supervisor?.listening()).toEqual([MAPPING]);
    await fx.converged('Account', MAPPING, FIELDS);
  });

  it('applies a create, an update, a delete and an undelete without any API call', async () => {
    const callsBefore = await fx.apiCalls(MAPPING);
    const pollsBefore = (await status(handle)).counts.polls;
    const created = await fx.conn.sobject('Account').create({ Name: 'Harbour Bank', Phone: '555-0100', AnnualRevenue: 12 });
    if (!created.success) throw new Error('not created');
    const id = created.id;
    await until('the create', async () => (await fx.row(id))?.name === 'Harbour Bank');

    await fx.conn.sobject('Account').update({ Id: id, Phone: null, Website: 'https://harbour.example' });
    await until('the update', async () => (await fx.row(id))?.website === 'https://harbour.example' && (await fx.row(id))?.phone === null);

    await fx.conn.sobject('Account').destroy(id);
    await until('the delete', async () => (await fx.row(id)) === undefined);

    fx.org.org.undelete('Account', id, 'emulator/admin');
    await until('the undelete', async () => (await fx.row(id))?.name === 'Harbour Bank');

    await fx.converged('Account', MAPPING, FIELDS);
    const s = await status(handle);
    expect(s.counts.polls).toBe(pollsBefore);
    expect(s.streaming?.events).toBeGreaterThanOrEqual(4);
    expect(await fx.apiCalls(MAPPING)).toBe(callsBefore);
    expect((await fx.row(id))?._hc_lastop).toBe('SYNCED');
  });

  it('updates the topic query when a field is added, and streams the new field', async () => {
    await handle.executeUpdate(reconfigureUpdate, { args: [{ fields: ['Id', 'Name', 'Phone', 'Website', 'AnnualRevenue', 'Industry', 'SystemModstamp', 'IsDeleted'] }] });
    // The new config shows in the status at once, while the mapping still streams on the old topic: wait for
    // the org's topic to change, and for the mapping to stream again after it.
    const topicQuery = async () => (await fx.conn.query<{ Query: string }>("SELECT Query FROM PushTopic WHERE Name = 'ferry_Account'")).records[0].Query;
    await until('the topic updated', async () => (await topicQuery()).includes('Industry'));
    await waitForStatus(handle, 'the new field loaded', (s) => s.state === 'STREAMING' && s.config.fields.includes('Industry'));
    expect(await topicQuery()).toContain('Industry');
    const created = await fx.conn.sobject('Account').create({ Name: 'Dock Works', Industry: 'Shipping' });
    if (!created.success) throw new Error('not created');
    await until('the new field streamed', async () => (await fx.row(created.id))?.industry === 'Shipping');
    await fx.converged('Account', MAPPING, [...FIELDS, { name: 'Industry', type: 'string' }]);
  });
});
