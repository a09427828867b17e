// Event-driven sync through Change Data Capture: creates, updates (changed fields only, compound address
// fields flattened), deletes and undeletes reach the table; an update for a record the table lacks is completed
// by one query; a GAP event makes the mapping poll the window whose details were lost, and it converges.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldSpec } from '../support/compare';
import type { Handle } from '../support/mappings';
import { status, streamingFixture, until, waitForStatus, type StreamingFixture } from './streaming-fixture';

const FIELDS: FieldSpec[] = [
  { name: 'Name', type: 'string' }, { name: 'Phone', type: 'string' }, { name: 'Website', type: 'string' },
  { name: 'BillingCity', type: 'string' }, { name: 'AnnualRevenue', type: 'number' }, { name: 'SystemModstamp', type: 'datetime' },
];
const MAPPING = 'salesforce.account';

let fx: StreamingFixture;
let handle: Handle;
beforeAll(async () => {
  fx = await streamingFixture('stream_cdc', { Account: 300 });
  handle = await fx.start('Account', ['Id', ...FIELDS.map((f) => f.name), 'IsDeleted'], { streaming_source: 'cdc' });
});
afterAll(async () => {
  await fx?.close();
});

/** Changes records in the org with its change events lost (as a GAP event then reports). */
function withoutEvents(fn: () => void): void {
  const store = fx.org.org as unknown as NodeJS.EventEmitter;
  const listeners = store.listeners('change') as ((...a: unknown[]) => void)[];
  store.removeAllListeners('change');
  try {
    fn();
  } finally {
    for (const l of listeners) store.on('change', l);
  }
}

describe('event-driven sync through Change Data Capture', () => {
  it('streams the object channel in STREAMING state', async () => {
    const s = await status(handle);
    expect(s.state).toBe('STREAMING');
    expect(s.streaming?.channel).toBe('/data/AccountChangeEvent');
    await fx.converged('Account', MAPPING, FIELDS);
  });

  it('applies a create, a partial update, a delete and an undelete without any API call', async () => {
    const callsBefore = await fx.apiCalls(MAPPING);
    const created = await fx.conn.sobject('Account').create({ Name: 'Harbour Bank', Phone: '555-0100', BillingCity: 'Rotterdam' });
    if (!created.success) throw new Error('not created');
    const id = created.id;
    await until('the create', async () => (await fx.row(id))?.billingcity === 'Rotterdam');

    await fx.conn.sobject('Account').update({ Id: id, Phone: null, Website: 'https://harbour.example' });
    await until('the update', async () => (await fx.row(id))?.website === 'https://harbour.example' && (await fx.row(id))?.phone === null);
    expect(await fx.row(id)).toMatchObject({ name: 'Harbour Bank', billingcity: 'Rotterdam' });

    await fx.conn.sobject('Account').destroy(id);
    await until('the delete', async () => (await fx.row(id)) === undefined);
    fx.org.org.undelete('Account', id, 'emulator/admin');
    await until('the undelete', async () => (await fx.row(id))?.name === 'Harbour Bank');

    await fx.converged('Account', MAPPING, FIELDS);
    expect(await fx.apiCalls(MAPPING)).toBe(callsBefore);
  });

  it('completes updates of records the table lacks with one batched query', async () => {
    const ids = (await fx.conn.query<{ Id: string }>('SELECT Id FROM Account LIMIT 40')).records.map((r) => r.Id);
    await fx.db.pool.query('DELETE FROM salesforce.account WHERE sfid = ANY($1)', [ids]);
    const callsBefore = await fx.apiCalls(MAPPING);
    const pollsBefore = (await status(handle)).counts.polls;
    await fx.conn.sobject('Account').update(ids.map((Id) => ({ Id, Website: 'https://refetched.example' })));
    await until('the records completed', async () => {
      const { rows } = await fx.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM salesforce.account WHERE website = 'https://refetched.example'");
      return rows[0].n === ids.length;
    });
    await fx.converged('Account', MAPPING, FIELDS);
    // The sObject Collections update is the test's own call; ferry spent a query or two, not one per record.
    expect(await fx.apiCalls(MAPPING) - callsBefore).toBeGreaterThanOrEqual(1);
    expect(await fx.apiCalls(MAPPING) - callsBefore).toBeLessThanOrEqual(2);
    expect((await status(handle)).counts.polls).toBe(pollsBefore);
  });

  it('falls back to a poll on a GAP event and converges', async () => {
    const before = await status(handle);
    const ids = (await fx.conn.query<{ Id: string }>('SELECT Id FROM Account ORDER BY Id LIMIT 5')).records.map((r) => r.Id);
    withoutEvents(() => {
      for (const id of ids) fx.org.org.update('Account', id, { Phone: '555-GAP' }, 'emulator/admin');
    });
    fx.org.streaming!.injectGap!('Account', 'UPDATE', ids);
    const s = await waitForStatus(handle, 'the fallback poll after the gap', (x) => x.counts.polls > before.counts.polls && x.state === 'STREAMING', 30_000);
    expect(s.streaming?.lastFallback?.reason).toMatch(/GAP_UPDATE/);
    expect(s.streaming?.fallbacks).toBe((before.streaming?.fallbacks ?? 0) + 1);
    await fx.converged('Account', MAPPING, FIELDS);
    for (const id of ids) expect((await fx.row(id))?.phone).toBe('555-GAP');
  });

  it('falls back to a poll on a GAP_OVERFLOW event and converges', async () => {
    const before = await status(handle);
    withoutEvents(() => {
      for (let i = 0; i < 20; i += 1) fx.org.org.create('Account', { Name: `Overflow ${i}` }, 'emulator/admin');
    });
    fx.org.streaming!.injectOverflow!('Account');
    const s = await waitForStatus(handle, 'the fallback poll after the overflow', (x) => x.counts.polls > before.counts.polls && x.state === 'STREAMING', 30_000);
    expect(s.streaming?.lastFallback?.reason).toMatch(/GAP_OVERFLOW/);
    await fx.converged('Account', MAPPING, FIELDS);
  });
});
