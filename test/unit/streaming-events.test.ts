import { describe, expect, it } from 'vitest';
import { componentField, eventToChanges, foldChanges, parseSfDatetime, type RecordChange } from '../../domain/streaming-events.js';

const FIELDS = ['Id', 'Name', 'Phone', 'BillingCity', 'FirstName', 'SystemModstamp', 'IsDeleted'];
const T = Date.UTC(2026, 0, 2, 3, 4, 5, 6);
const ISO = new Date(T).toISOString();
const ID = '001000000000001AAA';

const pushTopic = (type: string, sobject: Record<string, unknown>) => ({ event: { type, createdDate: ISO, replayId: 7 }, sobject });
const cdc = (changeType: string, fields: Record<string, unknown>, recordIds = [ID]) => ({
  payload: { ChangeEventHeader: { entityName: 'Account', changeType, recordIds, commitTimestamp: T }, ...fields }, event: { replayId: 9 },
});

describe('eventToChanges', () => {
  it.each([
    ['PushTopic created: a complete row, stamp from SystemModstamp', pushTopic('created', { Id: ID, Name: 'A', Phone: null, BillingCity: 'X', FirstName: null, SystemModstamp: '2026-01-02T03:04:05.006+0000', IsDeleted: false }),
      [{ kind: 'upsert', id: ID, stampMs: T, complete: true, values: { Id: ID, Name: 'A', Phone: null, BillingCity: 'X', FirstName: null, SystemModstamp: '2026-01-02T03:04:05.006+0000', IsDeleted: false } }]],
    ['PushTopic missing a mapped field: partial', pushTopic('updated', { Id: ID, Name: 'B', SystemModstamp: ISO }),
      [{ kind: 'upsert', id: ID, stampMs: T, complete: false, values: { Id: ID, Name: 'B', SystemModstamp: ISO, IsDeleted: false } }]],
    ['PushTopic deleted: a deletion at the event time', pushTopic('deleted', { Id: ID }),
      [{ kind: 'delete', id: ID, stampMs: T, complete: true, values: { Id: ID, SystemModstamp: ISO, IsDeleted: true } }]],
    ['CDC CREATE: absent fields are null, compounds flattened', cdc('CREATE', { Name: 'A', BillingAddress: { City: 'Rotterdam', Street: null }, Website: 'w' }),
      [{ kind: 'upsert', id: ID, stampMs: T, complete: true, values: { Id: ID, Name: 'A', Phone: null, BillingCity: 'Rotterdam', FirstName: null, SystemModstamp: ISO, IsDeleted: false } }]],
    ['CDC UPDATE: only the changed fields', cdc('UPDATE', { Phone: null, Name: { FirstName: 'Ada' } }),
      [{ kind: 'upsert', id: ID, stampMs: T, complete: false, values: { Id: ID, Phone: null, FirstName: 'Ada', SystemModstamp: ISO, IsDeleted: false } }]],
    ['CDC DELETE of two records', cdc('DELETE', {}, [ID, '001000000000002AAA']),
      [{ kind: 'delete', id: ID, stampMs: T, complete: true, values: { Id: ID, SystemModstamp: ISO, IsDeleted: true } },
        { kind: 'delete', id: '001000000000002AAA', stampMs: T, complete: true, values: { Id: '001000000000002AAA', SystemModstamp: ISO, IsDeleted: true } }]],
  ])('%s', (_name, payload, changes) => {
    expect(eventToChanges(payload, FIELDS)).toEqual({ changes });
  });

  it.each([['GAP_UPDATE'], ['GAP_OVERFLOW'], ['GAP_CREATE']])('%s asks for a poll and applies nothing', (type) => {
    expect(eventToChanges(cdc(type, {}), FIELDS)).toEqual({ changes: [], gap: `${type} event on Account` });
  });

  it.each([[null], ['text'], [{}], [{ sobject: {} }], [pushTopic('strange', { Id: ID })]])('ignores %j', (payload) => {
    expect(eventToChanges(payload, FIELDS)).toEqual({ changes: [] });
  });
});

describe('componentField', () => {
  it.each([
    ['BillingAddress', 'City', 'BillingCity'], ['MailingAddress', 'PostalCode', 'MailingPostalCode'], ['Name', 'FirstName', 'FirstName'],
    ['Location__c', 'Latitude', 'Location__Latitude__s'],
  ])('%s.%s → %s', (compound, component, field) => expect(componentField(compound, component)).toBe(field));
});

describe('parseSfDatetime', () => {
  it.each([['2026-01-02T03:04:05.006+0000', T], ['2026-01-02T03:04:05.006Z', T]])('%s', (text, ms) => expect(parseSfDatetime(text)).toBe(ms));
  it('NaN for other values', () => expect(parseSfDatetime(5)).toBeNaN());
});

const c = (kind: RecordChange['kind'], id: string, stampMs: number, values: Record<string, unknown>, complete: boolean): RecordChange => ({ kind, id, stampMs, values, complete });

describe('foldChanges', () => {
  it.each([
    ['a complete row replaces an earlier one', [c('upsert', 'a', 1, { N: 1 }, true), c('upsert', 'a', 2, { N: 2 }, true)], [c('upsert', 'a', 2, { N: 2 }, true)]],
    ['a partial row layers on a complete one and stays complete', [c('upsert', 'a', 1, { N: 1, P: 1 }, true), c('upsert', 'a', 2, { P: 2 }, false)], [c('upsert', 'a', 2, { N: 1, P: 2 }, true)]],
    ['partial rows layer on each other', [c('upsert', 'a', 1, { N: 1 }, false), c('upsert', 'a', 2, { P: 2 }, false)], [c('upsert', 'a', 2, { N: 1, P: 2 }, false)]],
    ['a deletion wins over what came before', [c('upsert', 'a', 1, { N: 1 }, true), c('delete', 'a', 2, {}, true)], [c('delete', 'a', 2, {}, true)]],
    ['an undelete after a deletion brings the row back', [c('delete', 'a', 1, {}, true), c('upsert', 'a', 2, { N: 3 }, true)], [c('upsert', 'a', 2, { N: 3 }, true)]],
    ['records stay apart, in first-seen order', [c('upsert', 'a', 1, {}, true), c('upsert', 'b', 1, {}, true), c('upsert', 'a', 2, {}, true)], [c('upsert', 'a', 2, {}, true), c('upsert', 'b', 1, {}, true)]],
  ])('%s', (_name, input, output) => expect(foldChanges(input)).toEqual(output));
});
