// A mapping's end happens in its workflow: deleting a read_write, event-driven mapping removes its capture
// triggers, ferry's rows for it (verify runs too) and its PushTopic, and the workflow completes; a mapping of the same object
// created afterwards starts clean and syncs both ways. Pausing stops the listener; polling again drops the topic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteUpdate, pauseUpdate, reconfigureUpdate, resumeUpdate, verifyUpdate } from '../../workflows/mapping/messages';
import { recordHistories } from '../support/histories';
import type { Handle } from '../support/mappings';
import { eventually } from '../support/org';
import { ACCOUNT_FIELDS, status, streamingFixture, until, waitForStatus, type StreamingFixture } from './streaming-fixture';

const MAPPING = 'salesforce.account';
const FIELDS = ['Id', 'Name', 'Phone', 'SystemModstamp', 'IsDeleted'];
const FERRY_TABLES: [table: string, key: string][] = [
  ['outbound_mapping', 'mapping_id'], ['outbound_attempt', 'mapping_id'], ['stream_subscriptions', 'mapping_id'],
  ['stream_events', 'mapping_id'], ['stream_state', 'mapping_id'], ['load_checkpoint', 'mapping'], ['load_page', 'mapping'],
  ['verify_run', 'mapping_id'],
];

let fx: StreamingFixture;
beforeAll(async () => {
  fx = await streamingFixture('teardown', { Account: 40 });
});
afterAll(async () => {
  await fx?.close();
});

const triggers = async () => (await fx.db.pool.query<{ tgname: string }>(
  "SELECT tgname FROM pg_trigger WHERE tgrelid = 'salesforce.account'::regclass AND NOT tgisinternal ORDER BY tgname")).rows.map((r) => r.tgname);
const ferryRows = async () => {
  const out: Record<string, number> = {};
  for (const [table, key] of FERRY_TABLES) {
    out[table] = Number((await fx.db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ferry.${table} WHERE ${key} = $1`, [MAPPING])).rows[0].n);
  }
  return out;
};
const queued = async () => Number((await fx.db.pool.query<{ n: string }>("SELECT count(*) AS n FROM salesforce._trigger_log WHERE table_name = 'account'")).rows[0].n);
const pushTopics = async () => (await fx.conn.query<{ Name: string }>("SELECT Name FROM PushTopic WHERE Name = 'ferry_Account'")).records.map((r) => r.Name);
const start = () => fx.start('Account', FIELDS, { access: 'read_write', flush_interval_seconds: 1 });

describe('deleting a mapping', () => {
  let handle: Handle;

  it('removes triggers, ferry\'s rows and the PushTopic, keeps the table, and completes the workflow', async () => {
    handle = await start();
    expect(await triggers()).toHaveLength(5);
    expect(await pushTopics()).toEqual(['ferry_Account']);
    expect(await ferryRows()).toMatchObject({ outbound_mapping: 1, stream_subscriptions: 1 });
    // A verify leaves its run in ferry.verify_run, which goes with the mapping.
    await handle.executeUpdate(verifyUpdate);
    await waitForStatus(handle, 'the verify', (s) => (s.verify?.runs ?? 0) >= 1);
    expect(await ferryRows()).toMatchObject({ verify_run: 1 });
    // A local write that is still queued when the mapping goes must not be sent by a later mapping.
    await handle.executeUpdate(pauseUpdate);
    await fx.db.pool.query("INSERT INTO salesforce.account (name) VALUES ('Left behind')");
    expect(await queued()).toBeGreaterThan(0);

    const removed = await handle.executeUpdate(deleteUpdate, { args: [{ dropTable: false }] });
    expect(removed).toEqual({ table: 'account', tableDropped: false, pushTopicLeft: null });
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    expect(await triggers()).toEqual([]);
    expect(await ferryRows()).toEqual(Object.fromEntries(FERRY_TABLES.map(([t]) => [t, 0])));
    expect(await queued()).toBe(0);
    expect(await pushTopics()).toEqual([]);
    await eventually('the listener stopped', async () => (fx.supervisor!.listening().length === 0 ? true : undefined), 10_000, 50);
    expect(Number((await fx.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM salesforce.account')).rows[0].n)).toBe(41);
    await recordHistories(fx.temporal.client, handle.workflowId, 'delete-read-write-streaming');
  });

  it('a mapping created again starts clean and syncs both ways', async () => {
    await fx.db.pool.query("DELETE FROM salesforce.account WHERE sfid IS NULL");
    handle = await start();
    expect(await triggers()).toHaveLength(5);
    expect(await pushTopics()).toEqual(['ferry_Account']);
    expect(await ferryRows()).toMatchObject({ outbound_mapping: 1, stream_subscriptions: 1, stream_events: 0 });
    expect((await status(handle)).counts.loads).toBe(1);

    await fx.db.pool.query("INSERT INTO salesforce.account (name) VALUES ('Written after re-creation')");
    await until('the local insert sent to Salesforce', async () => (await fx.db.pool.query(
      "SELECT sfid FROM salesforce.account WHERE name = 'Written after re-creation' AND sfid IS NOT NULL AND _hc_lastop = 'SYNCED'")).rows.length === 1);
    const sent = await fx.conn.query<{ Id: string }>("SELECT Id FROM Account WHERE Name = 'Written after re-creation'");
    expect(sent.records).toHaveLength(1);
    expect((await fx.conn.query("SELECT Id FROM Account WHERE Name = 'Left behind'")).records).toHaveLength(0);

    const created = await fx.conn.sobject('Account').create({ Name: 'Streamed after re-creation' });
    if (!created.success) throw new Error('not created');
    await until('the org change streamed in', async () => (await fx.row(created.id))?.name === 'Streamed after re-creation');
    await fx.converged('Account', MAPPING, ACCOUNT_FIELDS);
  });

  it('pausing stops the listener (nothing is staged) and resuming catches up from where it stood', async () => {
    await handle.executeUpdate(pauseUpdate);
    await eventually('the listener stopped', async () => (fx.supervisor!.listening().length === 0 ? true : undefined), 10_000, 50);
    const created = await fx.conn.sobject('Account').create({ Name: 'Created while paused' });
    if (!created.success) throw new Error('not created');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await ferryRows()).toMatchObject({ stream_events: 0 });
    expect(await fx.row(created.id)).toBeUndefined();
    await handle.executeUpdate(resumeUpdate);
    await until('the change made while paused', async () => (await fx.row(created.id))?.name === 'Created while paused');
    expect(fx.supervisor!.listening()).toEqual([MAPPING]);
  });

  it('switching to polling removes the PushTopic and the subscription', async () => {
    await handle.executeUpdate(reconfigureUpdate, { args: [{ syncMode: 'polling' }] });
    await waitForStatus(handle, 'polling again', (s) => s.state === 'DATA_SYNCED' && s.streaming?.channel === null);
    expect(await pushTopics()).toEqual([]);
    expect(await ferryRows()).toMatchObject({ stream_subscriptions: 0, outbound_mapping: 1 });
    await handle.executeUpdate(deleteUpdate, { args: [{ dropTable: true }] });
    expect((await fx.db.pool.query("SELECT to_regclass('salesforce.account') AS t")).rows[0].t).toBeNull();
  });
});
