// Change Data Capture as a ferry worker sees it: jsforce subscribed to /data/<Object>ChangeEvent and
// /data/ChangeEvents while records change over REST; gap and overflow events injected by the emulator's admin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { settle, startFixture, waitFor, type StreamingFixture } from './streaming-fixture.js';

interface ChangeEventMessage {
  schema: string;
  payload: {
    ChangeEventHeader: {
      entityName: string; recordIds: string[]; changeType: string; changeOrigin: string; transactionKey: string;
      sequenceNumber: number; commitTimestamp: number; commitNumber: number; commitUser: string;
      changedFields: string[]; nulledFields: string[]; diffFields: string[];
    };
    [field: string]: unknown;
  };
  event: { replayId: number };
}

let fx: StreamingFixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx?.close();
});

/** The payload without its header: the record fields the event carries. */
function fieldsOf(message: ChangeEventMessage): Record<string, unknown> {
  const { ChangeEventHeader: _header, ...fields } = message.payload;
  return fields;
}

describe('Change Data Capture channels', () => {
  it('publishes create, update (changed fields only), delete and undelete events for an object', async () => {
    const account = fx.subscribe<ChangeEventMessage>('/data/AccountChangeEvent');
    await account.subscribed;

    const created = await fx.conn.sobject('Account').create({ Name: 'Harbour Bank', Phone: '555-0100', BillingCity: 'Rotterdam' });
    if (!created.success) throw new Error('Account not created');
    const id = created.id;
    await fx.conn.sobject('Account').update({ Id: id, Phone: null, Website: 'https://harbour.example' });
    await fx.conn.sobject('Account').destroy(id);
    fx.undelete('Account', id);
    await waitFor('four change events', () => account.events.length >= 4);
    await settle();

    const [create, update, remove, undelete] = account.events;
    expect(account.events.map((e) => e.payload.ChangeEventHeader.changeType)).toEqual(['CREATE', 'UPDATE', 'DELETE', 'UNDELETE']);
    for (const e of account.events) {
      expect(e.payload.ChangeEventHeader).toMatchObject({ entityName: 'Account', recordIds: [id], nulledFields: [], diffFields: [] });
      expect(typeof e.schema).toBe('string');
      expect(fieldsOf(e)).not.toHaveProperty('IsDeleted');
      expect(fieldsOf(e)).not.toHaveProperty('SystemModstamp');
      expect(fieldsOf(e)).not.toHaveProperty('Id');
    }
    const commitNumbers = account.events.map((e) => e.payload.ChangeEventHeader.commitNumber);
    expect(commitNumbers).toEqual([...commitNumbers].sort((a, b) => a - b));

    // CREATE: every non-empty field, addresses nested as Salesforce's compound fields.
    expect(create.payload.ChangeEventHeader.changedFields).toEqual([]);
    expect(fieldsOf(create)).toMatchObject({ Name: 'Harbour Bank', Phone: '555-0100', BillingAddress: { City: 'Rotterdam', Street: null } });
    expect(fieldsOf(create)).not.toHaveProperty('Website');
    expect(fieldsOf(create).LastModifiedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(fieldsOf(create)).toHaveProperty('OwnerId');

    // UPDATE: only what changed, an explicit null included, LastModifiedDate too.
    expect([...update.payload.ChangeEventHeader.changedFields].sort()).toEqual(['LastModifiedDate', 'Phone', 'Website']);
    expect(Object.keys(fieldsOf(update)).sort()).toEqual(['LastModifiedDate', 'Phone', 'Website']);
    expect(fieldsOf(update)).toMatchObject({ Phone: null, Website: 'https://harbour.example' });

    // DELETE: no fields; UNDELETE: the record again.
    expect(fieldsOf(remove)).toEqual({});
    expect(fieldsOf(undelete)).toMatchObject({ Name: 'Harbour Bank', Website: 'https://harbour.example' });
    expect(fieldsOf(undelete)).not.toHaveProperty('Phone');
  });

  it('nests a changed address component and names it Compound.Component in changedFields', async () => {
    const contacts = fx.subscribe<ChangeEventMessage>('/data/ContactChangeEvent');
    await contacts.subscribed;
    const created = await fx.conn.sobject('Contact').create({ FirstName: 'Ada', LastName: 'Lock', MailingCity: 'Utrecht' });
    if (!created.success) throw new Error('Contact not created');
    await fx.conn.sobject('Contact').update({ Id: created.id, MailingStreet: 'Oudegracht 1' });
    await waitFor('two contact events', () => contacts.events.length >= 2);

    expect(fieldsOf(contacts.events[0])).toMatchObject({ Name: { FirstName: 'Ada', LastName: 'Lock' }, MailingAddress: { City: 'Utrecht' } });
    expect(contacts.events[1].payload.ChangeEventHeader.changedFields).toContain('MailingAddress.Street');
    expect(fieldsOf(contacts.events[1]).MailingAddress).toEqual({ Street: 'Oudegracht 1' });
  });

  it('publishes every object on /data/ChangeEvents, each event with its own per-channel replay id', async () => {
    const all = fx.subscribe<ChangeEventMessage>('/data/ChangeEvents');
    await all.subscribed;
    await fx.conn.sobject('Account').create({ Name: 'Weir Works' });
    await fx.conn.sobject('Contact').create({ LastName: 'Sluice' });
    await waitFor('both objects', () => all.events.length >= 2);
    await settle();
    expect(all.events.map((e) => e.payload.ChangeEventHeader.entityName)).toEqual(['Account', 'Contact']);
    expect(all.events[1].event.replayId).toBe(all.events[0].event.replayId + 1);
  });

  it('groups the changes of one request under one transaction key with increasing sequence numbers', async () => {
    const account = fx.subscribe<ChangeEventMessage>('/data/AccountChangeEvent');
    await account.subscribed;
    const results = await fx.conn.sobject('Account').create([{ Name: 'Batch One' }, { Name: 'Batch Two' }, { Name: 'Batch Three' }]);
    expect(results.every((r) => r.success)).toBe(true);
    await waitFor('three creates', () => account.events.length >= 3);
    const headers = account.events.map((e) => e.payload.ChangeEventHeader);
    expect(new Set(headers.map((h) => h.transactionKey)).size).toBe(1);
    expect(headers.map((h) => h.sequenceNumber)).toEqual([1, 2, 3]);
  });

  it('delivers gap and overflow events injected through the admin API', async () => {
    const account = fx.subscribe<ChangeEventMessage>('/data/AccountChangeEvent');
    await account.subscribed;
    const ids = ['001Fy00000GapAAAAA', '001Fy00000GapBAAAA'];
    const admin = async (path: string, body: unknown) => {
      const res = await fetch(`${fx.emulator.url}/__emulator${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    expect(await admin('/streaming/gap', { object: 'account', changeType: 'UPDATE', recordIds: ids })).toEqual({ status: 200, body: { published: true } });
    expect(await admin('/streaming/overflow', { object: 'Account' })).toEqual({ status: 200, body: { published: true } });
    await waitFor('gap and overflow', () => account.events.length >= 2);
    // Bad input is refused with the reason, and publishes nothing.
    expect(await admin('/streaming/gap', { object: 'Account', changeType: 'RENAME', recordIds: ids })).toMatchObject({ status: 400, body: { error: expect.stringContaining('changeType') } });
    expect(await admin('/streaming/gap', { object: 'Account', changeType: 'UPDATE', recordIds: [] })).toMatchObject({ status: 400, body: { error: expect.stringContaining('recordIds') } });
    expect(await admin('/streaming/overflow', { object: 'Nope__c' })).toMatchObject({ status: 400, body: { error: 'unknown object Nope__c' } });

    const [gap, overflow] = account.events;
    expect(gap.payload.ChangeEventHeader).toMatchObject({ entityName: 'Account', changeType: 'GAP_UPDATE', recordIds: ids, changedFields: [] });
    expect(fieldsOf(gap)).toEqual({});
    expect(overflow.payload.ChangeEventHeader).toMatchObject({ entityName: 'Account', changeType: 'GAP_OVERFLOW', recordIds: ['000000000000000AAA'] });
    expect(overflow.event.replayId).toBe(gap.event.replayId + 1);
    await settle();
    expect(account.events).toHaveLength(2);
  });

  it('publishes a custom object on /data/<Name>__ChangeEvent', async () => {
    const invoices = fx.subscribe<ChangeEventMessage>('/data/Invoice__ChangeEvent');
    await invoices.subscribed;
    const created = await fx.conn.sobject('Invoice__c').create({ Invoice_Number__c: 'INV-1', Amount__c: 120.5 });
    if (!created.success) throw new Error('Invoice not created');
    await waitFor('the invoice event', () => invoices.events.length > 0);
    expect(invoices.events[0].payload.ChangeEventHeader).toMatchObject({ entityName: 'Invoice__c', changeType: 'CREATE', recordIds: [created.id] });
    expect(fieldsOf(invoices.events[0])).toMatchObject({ Invoice_Number__c: 'INV-1', Amount__c: 120.5 });
  });

  it('refuses change event channels for objects the org does not have', async () => {
    await expect(fx.subscribe('/data/NoSuchObjectChangeEvent').subscribed).rejects.toMatchObject({
      message: "400::The channel you requested to subscribe to doesn't exist {/data/NoSuchObjectChangeEvent}",
    });
    // A custom object's channel drops the __c: Invoice__c publishes on /data/Invoice__ChangeEvent.
    await expect(fx.subscribe('/data/Invoice__cChangeEvent').subscribed).rejects.toMatchObject({
      message: "400::The channel you requested to subscribe to doesn't exist {/data/Invoice__cChangeEvent}",
    });
  });
});
