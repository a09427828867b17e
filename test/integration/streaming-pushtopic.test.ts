// Event-driven sync through a PushTopic that ferry creates: creates, updates, deletes and undeletes reach the
// table within a second, spend no API call, and the topic follows the mapped fields.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconfigureUpdate } from '../../workflows/mapping/messages';
import type { FieldSpec } from '../support/compare';
import { recordHistories } from '../support/histories';
import { eventually } from '../support/org';
import type { Handle } from '../support/mappings';
import { status, streamingFixture, waitForStatus, type StreamingFixture } from './streaming-fixture';

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

async function row(id: string): Promise<Record<string, unknown> | undefined> {
  const { rows } = await fx.db.pool.query('SELECT * FROM salesforce.account WHERE sfid = $1', [id]);
  return rows[0] as Record<string, unknown> | undefined;
}

/** Waits (generously) for a row condition; the benchmark, not this test, measures latency. */
function until(what: string, ok: () => Promise<boolean>): Promise<true> {
  return eventually(what, async () => ((await ok()) ? true : undefined), 15_000, 20);
}

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
    await until('the create', async () => (await row(id))?.name === 'Harbour Bank');

    await fx.conn.sobject('Account').update({ Id: id, Phone: null, Website: 'https://harbour.example' });
    await until('the update', async () => (await row(id))?.website === 'https://harbour.example' && (await row(id))?.phone === null);

    await fx.conn.sobject('Account').destroy(id);
    await until('the delete', async () => (await row(id)) === undefined);

    fx.org.org.undelete('Account', id, 'emulator/admin');
    await until('the undelete', async () => (await row(id))?.name === 'Harbour Bank');

    await fx.converged('Account', MAPPING, FIELDS);
    const s = await status(handle);
    expect(s.counts.polls).toBe(pollsBefore);
    expect(s.streaming?.events).toBeGreaterThanOrEqual(4);
    expect(await fx.apiCalls(MAPPING)).toBe(callsBefore);
    expect((await row(id))?._hc_lastop).toBe('SYNCED');
  });

  it('updates the topic query when a field is added, and streams the new field', async () => {
    await handle.executeUpdate(reconfigureUpdate, { args: [{ fields: ['Id', 'Name', 'Phone', 'Website', 'AnnualRevenue', 'Industry', 'SystemModstamp', 'IsDeleted'] }] });
    await waitForStatus(handle, 'the new field loaded and the topic updated', (s) => s.state === 'STREAMING' && s.config.fields.includes('Industry'));
    const topics = await fx.conn.query<{ Query: string }>("SELECT Query FROM PushTopic WHERE Name = 'ferry_Account'");
    expect(topics.records[0].Query).toContain('Industry');
    const created = await fx.conn.sobject('Account').create({ Name: 'Dock Works', Industry: 'Shipping' });
    if (!created.success) throw new Error('not created');
    await until('the new field streamed', async () => (await row(created.id))?.industry === 'Shipping');
    await fx.converged('Account', MAPPING, [...FIELDS, { name: 'Industry', type: 'string' }]);
  });
});
