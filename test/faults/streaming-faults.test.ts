// Faults on event-driven sync: the stream dropped on each event source (Change Data Capture for Account,
// PushTopic for Contact), dropped and its held replay id expired before it came back, replay ids expired while
// the listener was away, CDC gap and overflow events (changes
// Salesforce could not describe), and the worker process SIGKILLed while it applies a burst of events. Each
// ends with the table an exact copy of the org.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FieldSpec } from '../support/compare';
import type { Handle } from '../support/mappings';
import { waitForStatus } from '../support/mappings';
import { faultStack, when, type FaultStack } from './harness';

const ACCOUNT: FieldSpec[] = [{ name: 'Name', type: 'string' }, { name: 'Phone', type: 'string' }, { name: 'SystemModstamp', type: 'datetime' }];
const CONTACT: FieldSpec[] = [{ name: 'LastName', type: 'string' }, { name: 'Phone', type: 'string' }, { name: 'SystemModstamp', type: 'datetime' }];
const BOUND_S = 120;

describe('streaming faults', { timeout: (BOUND_S + 120) * 1000 }, () => {
  let s: FaultStack;
  let account: Handle;
  let contact: Handle;
  let accountIds: string[];
  let contactIds: string[];
  let n = 0;

  const streaming = (h: Handle, what: string) => waitForStatus(h, what, (x) => x.state === 'STREAMING' && x.lastLoad !== null && (x.streaming?.fallbacks ?? 0) >= 1, 240_000);

  beforeAll(async () => {
    s = await faultStack('streamfault', { seed: { Account: 400, Contact: 400 } });
    accountIds = (await s.conn.query<{ Id: string }>('SELECT Id FROM Account').run({ autoFetch: true })).records.map((r) => r.Id);
    contactIds = (await s.conn.query<{ Id: string }>('SELECT Id FROM Contact').run({ autoFetch: true })).records.map((r) => r.Id);
    account = await s.start('Account', ['Id', 'Name', 'Phone', 'SystemModstamp', 'IsDeleted'], { sync_mode: 'event_driven', streaming_source: 'cdc' });
    contact = await s.start('Contact', ['Id', 'LastName', 'Phone', 'SystemModstamp', 'IsDeleted'], { sync_mode: 'event_driven', streaming_source: 'pushtopic' });
    await streaming(account, 'Account streaming (CDC)');
    await streaming(contact, 'Contact streaming (PushTopic)');
  });
  afterAll(async () => {
    await s?.close();
  });

  /** Changes `count` records of `object`; returns their ids. */
  const change = (object: 'Account' | 'Contact', count: number, silent = false): string[] => {
    const ids = object === 'Account' ? accountIds : contactIds;
    const changed: string[] = [];
    const apply = () => {
      for (let i = 0; i < count; i++) {
        n++;
        const id = ids[(n * 31) % ids.length];
        changed.push(id);
        if (silent) s.org.org.update(object, id, { Phone: `555-${n}` }, 'emulator/admin');
        else s.org.admin.update(object, id, { Phone: `555-${n}` });
      }
    };
    if (!silent) {
      apply();
      return changed;
    }
    // Changes the stream never announces (what a gap or an overflow stands for).
    const store = s.org.org as unknown as NodeJS.EventEmitter;
    const listeners = store.listeners('change') as ((...a: unknown[]) => void)[];
    store.removeAllListeners('change');
    try {
      apply();
    } finally {
      for (const l of listeners) store.on('change', l);
    }
    return changed;
  };
  const converge = (name: string, object: 'Account' | 'Contact', since: number) => s.converge(name, {
    object, table: `salesforce.${object.toLowerCase()}`, fields: object === 'Account' ? ACCOUNT : CONTACT, since, boundS: BOUND_S,
  });

  for (const [object, source] of [['Account', 'cdc'], ['Contact', 'pushtopic']] as const) {
    it(`stream dropped (${source})`, async () => {
      const since = Date.now();
      change(object, 30);
      expect(s.org.admin.dropStreamingClients()).toBe(true);
      change(object, 30);
      await converge(`stream-drop-${source}`, object, since);
    });
  }

  it('stream dropped, then the replay id it holds expired before it came back (cdc)', async () => {
    const before = await s.status(account);
    // The listener holds a replay id: a few changes streamed and applied first.
    change('Account', 5);
    await when('the listener holding a replay id', async () => ((await s.status(account)).streaming?.events ?? 0) >= (before.streaming?.events ?? 0) + 5, 60_000, 50);
    const since = Date.now();
    change('Account', 30);
    expect(s.org.admin.dropStreamingClients()).toBe(true);
    // While faye is away (it learns of the drop at its next connect), the org forgets every event published so far.
    expect(s.org.admin.expireReplayIds(0)).toBe(true);
    change('Account', 30);
    const after = await waitForStatus(account, 'the fallback poll after the held replay id expired',
      (x) => (x.streaming?.fallbacks ?? 0) > (before.streaming?.fallbacks ?? 0), BOUND_S * 1000);
    expect(after.streaming?.lastFallback?.reason).toMatch(/expired on \/data\/AccountChangeEvent while the stream was dropped/);
    await converge('stream-drop-then-expire', 'Account', since);
  });

  it('replay ids expired while no worker listened', async () => {
    const h = contact;
    // The listener holds a replay id (stored with what it applied): a few changes streamed first.
    const streamed = (await s.status(h)).streaming?.events ?? 0;
    change('Contact', 5);
    await when('the listener holding a replay id', async () => ((await s.status(h)).streaming?.events ?? 0) >= streamed + 5, 60_000, 50);
    const before = await s.status(h);
    // The worker (and its listener) gone; changes made meanwhile; the org forgets their events.
    await s.worker.kill();
    const since = Date.now();
    change('Contact', 60);
    s.org.admin.expireReplayIds(0);
    s.worker.start();
    const after = await waitForStatus(h, 'the fallback poll after the replay id expired', (x) => (x.streaming?.fallbacks ?? 0) > (before.streaming?.fallbacks ?? 0), BOUND_S * 1000);
    expect(after.streaming?.lastFallback?.reason).toMatch(/no longer retained/);
    await converge('stream-replay-id-expired', 'Contact', since);
  });

  it('a CDC gap event', async () => {
    const since = Date.now();
    const ids = change('Account', 10, true);
    expect(s.org.admin.injectGap('Account', 'UPDATE', ids)).toBe(true);
    await converge('stream-gap', 'Account', since);
  });

  it('a CDC overflow event', async () => {
    const since = Date.now();
    change('Account', 40, true);
    expect(s.org.admin.injectOverflow('Account')).toBe(true);
    await converge('stream-overflow', 'Account', since);
  });

  it('worker SIGKILLed while applying a burst of events', async () => {
    const before = (await s.status(account)).streaming?.events ?? 0;
    const since = Date.now();
    change('Account', 1_500);
    await when('the burst being applied', async () => ((await s.status(account)).streaming?.events ?? 0) > before, 60_000, 20);
    await s.worker.kill();
    s.worker.start();
    await converge('worker-kill-streaming-apply', 'Account', since);
  });
});
