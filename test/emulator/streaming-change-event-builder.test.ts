// Change events as the streaming surface retains them: numbered within their transaction at commit, their body
// built from the committed change only when first needed, once, and shared by the object's channel and
// /data/ChangeEvents.
import { describe, expect, it } from 'vitest';
import type { ChangeEvent, ChangeType, SfRecord } from '../../emulator/contract.js';
import { standardObjects } from '../../emulator/org/standard-objects.js';
import { ALL_CHANGE_EVENTS_CHANNEL, ChangeEventBuilder, type ChangeEventData } from '../../emulator/streaming/change-events.js';

const ACCOUNT = standardObjects().find((o) => o.name === 'Account')!;
const ID = '001Fy000000000BAAA';
const STAMP = Date.UTC(2025, 2, 3, 4, 5, 6, 7);
const WIRE_STAMP = '2025-03-03T04:05:06.007+0000';

function change(changeType: ChangeType, transactionKey = 'tx-1', record: SfRecord = {}, changedFields: string[] = []): ChangeEvent {
  return {
    changeType,
    object: 'Account',
    recordId: ID,
    record: { Id: ID, IsDeleted: changeType === 'DELETE', SystemModstamp: WIRE_STAMP, ...record },
    changedFields,
    commitTimestamp: STAMP,
    commitNumber: 42,
    transactionKey,
    changeOrigin: 'com/salesforce/api/bulk/62.0',
    commitUser: '005Fy0000000001IAA',
  };
}

const dataOf = (message: { data?: unknown }) => message.data as ChangeEventData;

describe('ChangeEventBuilder sequence numbers', () => {
  it.each([
    { keys: ['a', 'a', 'a'], expected: [1, 2, 3] },
    { keys: ['a', 'b', 'a', 'c', 'b', 'a'], expected: [1, 1, 2, 1, 2, 3] },
    { keys: ['a', 'a', 'b', 'b', 'a', 'a'], expected: [1, 2, 1, 2, 3, 4] },
  ])('number changes per transaction, in commit order: $keys', ({ keys, expected }) => {
    const builder = new ChangeEventBuilder();
    const events = keys.map((key) => builder.fromChange(change('CREATE', key), ACCOUNT));
    // Built in reverse: the number is fixed at commit, not when the body is built.
    const numbers = events.reverse().map((e) => dataOf(e.build('/data/AccountChangeEvent', 1)).payload.ChangeEventHeader.sequenceNumber);
    expect(numbers.reverse()).toEqual(expected);
  });

  it.each([
    { others: 999, expected: 2 },
    { others: 1000, expected: 1 },
  ])('remembers the last 1000 transactions: after $others others, a transaction continues at $expected', ({ others, expected }) => {
    const builder = new ChangeEventBuilder();
    const sequenceOf = (key: string) => dataOf(builder.fromChange(change('CREATE', key), ACCOUNT).build('/data/ChangeEvents', 1)).payload.ChangeEventHeader.sequenceNumber;
    sequenceOf('first');
    for (let i = 0; i < others; i += 1) sequenceOf(`other-${i}`);
    expect(sequenceOf('first')).toBe(expected);
  });
});

describe('RetainedChangeEvent', () => {
  it('builds one body, shared by both channels, each message with its own channel and replay id', () => {
    const record = { Name: 'Harbour', Phone: null, BillingCity: 'Utrecht', CreatedDate: WIRE_STAMP };
    const event = new ChangeEventBuilder().fromChange(change('CREATE', 'tx', record), ACCOUNT);
    const own = event.build('/data/AccountChangeEvent', 7);
    const all = event.build(ALL_CHANGE_EVENTS_CHANNEL, 1234);
    expect(own.channel).toBe('/data/AccountChangeEvent');
    expect(all.channel).toBe(ALL_CHANGE_EVENTS_CHANNEL);
    expect(dataOf(own).event).toEqual({ replayId: 7 });
    expect(dataOf(all).event).toEqual({ replayId: 1234 });
    expect(dataOf(all).payload).toBe(dataOf(own).payload);
    expect(dataOf(all).schema).toBe(dataOf(own).schema);
  });

  it.each<{ changeType: ChangeType; record: SfRecord; changedFields: string[]; fields: Record<string, unknown>; headerChangedFields: string[] }>([
    {
      changeType: 'CREATE', record: { Name: 'Harbour', Phone: null, BillingCity: 'Utrecht', CreatedDate: WIRE_STAMP }, changedFields: ['Name', 'BillingCity'],
      fields: { Name: 'Harbour', CreatedDate: '2025-03-03T04:05:06.007Z', BillingAddress: { Street: null, City: 'Utrecht', State: null, PostalCode: null, Country: null, Latitude: null, Longitude: null, GeocodeAccuracy: null } },
      headerChangedFields: [],
    },
    {
      changeType: 'UPDATE', record: { Name: 'Harbour', Phone: null, BillingCity: 'Delft', LastModifiedDate: WIRE_STAMP }, changedFields: ['Phone', 'BillingCity', 'LastModifiedDate', 'SystemModstamp'],
      fields: { Phone: null, BillingAddress: { City: 'Delft' }, LastModifiedDate: '2025-03-03T04:05:06.007Z' },
      headerChangedFields: ['Phone', 'BillingAddress.City', 'LastModifiedDate'],
    },
    { changeType: 'DELETE', record: { Name: 'Harbour' }, changedFields: ['IsDeleted'], fields: {}, headerChangedFields: [] },
  ])('$changeType body from the committed change', ({ changeType, record, changedFields, fields, headerChangedFields }) => {
    const message = new ChangeEventBuilder().fromChange(change(changeType, 'tx', record, changedFields), ACCOUNT).build('/data/AccountChangeEvent', 3);
    const { ChangeEventHeader: header, ...payloadFields } = dataOf(message).payload;
    expect(payloadFields).toEqual(fields);
    expect(header).toEqual({
      entityName: 'Account', recordIds: [ID], changeType, changeOrigin: 'com/salesforce/api/bulk/62.0', transactionKey: 'tx',
      sequenceNumber: 1, commitTimestamp: STAMP, commitNumber: 42, commitUser: '005Fy0000000001IAA',
      changedFields: headerChangedFields, nulledFields: [], diffFields: [],
    });
  });
});
