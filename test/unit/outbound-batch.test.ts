// Folding trigger-log entries into writes, building Salesforce bodies, choosing the API, and the workflow's
// flush timing rules — pure code, tables of cases.
import { describe, expect, it } from 'vitest';
import {
  BULK_WRITE_THRESHOLD, chooseApi, chunk, comparableSfValue, ConversionError, estimateCalls, foldEntries, toSfRecord,
  type LogEntry, type SendableField,
} from '../../domain/outbound-batch';
import { flushDueAtMs, markFlushed as flushed, initialOutbound, markInstalled as installed, markPending, needsCaptureInstall, type OutboundView } from '../../workflows/mapping/outbound';

const ins = (id: number, recordId: number, values: Record<string, unknown>, sfid: string | null = null): LogEntry => ({ id, action: 'INSERT', recordId, sfid, values });
const upd = (id: number, recordId: number, values: Record<string, unknown>, sfid: string | null = '001A'): LogEntry => ({ id, action: 'UPDATE', recordId, sfid, values });
const del = (id: number, recordId: number, sfid: string | null = '001A'): LogEntry => ({ id, action: 'DELETE', recordId, sfid, values: null });

describe('foldEntries: one write per record, in commit order', () => {
  it.each<[string, LogEntry[], { kind: string; values: Record<string, unknown>; entryIds: number[]; sfid?: string | null }[]]>([
    ['an insert alone', [ins(1, 10, { name: 'A' })], [{ kind: 'insert', values: { name: 'A' }, entryIds: [1] }]],
    ['updates after an unsent insert join it', [ins(1, 10, { name: 'A', phone: null }), upd(2, 10, { phone: '1' }, null), upd(3, 10, { name: 'B' }, null)],
      [{ kind: 'insert', values: { name: 'B', phone: '1' }, entryIds: [1, 2, 3] }]],
    ['consecutive updates merge, later values win', [upd(1, 10, { name: 'A' }), upd(2, 10, { name: 'B', phone: '2' })],
      [{ kind: 'update', values: { name: 'B', phone: '2' }, entryIds: [1, 2], sfid: '001A' }]],
    ['a delete after updates wins', [upd(1, 10, { name: 'A' }), del(2, 10)], [{ kind: 'delete', values: {}, entryIds: [1, 2], sfid: '001A' }]],
    ['a delete after an unsent insert cancels both', [ins(1, 10, { name: 'A' }), del(2, 10, null)], [{ kind: 'none', values: {}, entryIds: [1, 2] }]],
    ['an insert that already has an sfid is an update of that record', [ins(1, 10, { name: 'A' }, '001X')],
      [{ kind: 'update', values: { name: 'A' }, entryIds: [1], sfid: '001X' }]],
    ['records stay apart, in first-seen order', [upd(1, 11, { name: 'x' }), ins(2, 10, { name: 'y' }), upd(3, 11, { phone: '3' })],
      [{ kind: 'update', values: { name: 'x', phone: '3' }, entryIds: [1, 3] }, { kind: 'insert', values: { name: 'y' }, entryIds: [2] }]],
  ])('%s', (_name, entries, expected) => {
    expect(foldEntries(entries)).toMatchObject(expected);
  });
});

describe('toSfRecord: only writable mapped fields, as Salesforce values', () => {
  const fields: SendableField[] = [
    { name: 'Id', column: 'sfid', sfType: 'id', createable: false, updateable: false },
    { name: 'Name', column: 'name', sfType: 'string', createable: true, updateable: true },
    { name: 'Full__c', column: 'full__c', sfType: 'string', createable: false, updateable: false },
    { name: 'Since__c', column: 'since__c', sfType: 'datetime', createable: true, updateable: true },
    { name: 'Count__c', column: 'count__c', sfType: 'double' },
    { name: 'Ext__c', column: 'ext__c', sfType: 'string', createable: true, updateable: false },
  ];
  it.each<[string, Record<string, unknown>, 'insert' | 'update', Record<string, unknown>]>([
    ['insert: createable fields, datetimes in UTC', { name: 'A', full__c: 'x', since__c: '2024-01-02T03:04:05.5', count__c: '3.5', ext__c: 'E1', other: 1 }, 'insert',
      { Name: 'A', Since__c: '2024-01-02T03:04:05.500Z', Count__c: 3.5, Ext__c: 'E1' }],
    ['update: updateable fields only', { name: 'B', ext__c: 'E2', count__c: null }, 'update', { Name: 'B', Count__c: null }],
    ['sfid never goes into a body', { sfid: '001', name: 'C' }, 'update', { Name: 'C' }],
  ])('%s', (_name, values, kind, expected) => expect(toSfRecord(values, fields, kind)).toEqual(expected));

  it('names the field a value cannot be converted for', () => {
    expect(() => toSfRecord({ count__c: 'many' }, fields, 'insert')).toThrow(ConversionError);
    expect(() => toSfRecord({ count__c: 'many' }, fields, 'insert')).toThrow(/Count__c/);
  });
});

describe('chooseApi: Collections for small flushes, Bulk 2.0 for large ones or a scarce budget', () => {
  it.each<[string, { insert: number; update: number; delete: number }, number | null, string]>([
    ['nothing to send', { insert: 0, update: 0, delete: 0 }, null, 'none'],
    ['a few records', { insert: 3, update: 2, delete: 1 }, null, 'collections'],
    ['exactly the threshold', { insert: BULK_WRITE_THRESHOLD, update: 0, delete: 0 }, null, 'collections'],
    ['one over the threshold', { insert: BULK_WRITE_THRESHOLD + 1, update: 0, delete: 0 }, null, 'bulk'],
    ['plenty of budget', { insert: 1500, update: 0, delete: 0 }, 1_000, 'collections'],
    ['scarce budget: fewer calls through Bulk', { insert: 1500, update: 0, delete: 0 }, 40, 'bulk'],
    ['scarce budget, tiny flush: Collections is cheaper', { insert: 10, update: 0, delete: 0 }, 5, 'collections'],
  ])('%s', (_name, counts, left, api) => expect(chooseApi(counts, left)).toBe(api));

  it('estimates calls: one per 200 records and operation for Collections', () => {
    expect(estimateCalls({ insert: 401, update: 200, delete: 0 })).toEqual({ collections: 4, bulk: 14 });
    // 50,000 inserts are six jobs (2,000 + 4 × 10,000 + 8,000).
    expect(estimateCalls({ insert: 50_000, update: 0, delete: 0 })).toEqual({ collections: 250, bulk: 42 });
  });
});

describe('helpers', () => {
  it('chunks by size', () => expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]));
  it.each<[unknown, string, string]>([
    ['2024-01-02T03:04:05.000+0000', 'datetime', String(Date.UTC(2024, 0, 2, 3, 4, 5))],
    ['2024-01-02T03:04:05.000Z', 'datetime', String(Date.UTC(2024, 0, 2, 3, 4, 5))],
    ['12.50', 'currency', '12.5'],
    [null, 'string', ''],
    ['', 'string', ''],
    ['Acme', 'string', 'Acme'],
  ])('comparableSfValue(%j, %s) = %s', (value, type, expected) => expect(comparableSfValue(value, type)).toBe(expected));
});

describe('flush timing (workflow rules)', () => {
  const view = (o = initialOutbound(), access: 'read_write' | 'read_only' = 'read_write'): OutboundView => ({ access, table: 'account', flushIntervalSeconds: 10, o });

  it('installs capture when the table exists and the access mode differs from what is installed', () => {
    const v = view();
    expect(needsCaptureInstall(v)).toBe(true);
    installed(v.o, 'read_write', 'account', 0);
    expect(needsCaptureInstall(v)).toBe(false);
    expect(needsCaptureInstall({ ...v, access: 'read_only' })).toBe(true);
    expect(needsCaptureInstall({ ...v, table: null })).toBe(false);
  });

  it('arms the timer only while work is pending, an interval after the first signal', () => {
    const o = initialOutbound();
    installed(o, 'read_write', 'account', 0);
    flushed(o, { succeeded: 0, failed: 0, remaining: false, archived: false }, 0, null, 50);
    expect(flushDueAtMs(view(o))).toBeNull();
    markPending(o, 1_000);
    markPending(o, 5_000);
    expect(flushDueAtMs(view(o))).toBe(11_000);
    expect(flushDueAtMs(view(o, 'read_only'))).toBeNull();
  });

  it.each<[string, { remaining: boolean; signalAt: number | null }, number | null]>([
    ['idle after a flush that emptied the queue', { remaining: false, signalAt: null }, null],
    ['a signal during the flush: due an interval after the flush started', { remaining: false, signalAt: 20_500 }, 30_000],
    ['a signal before the flush started is already covered', { remaining: false, signalAt: 19_000 }, null],
    ['a backlog (claim limit reached): flush again at once', { remaining: true, signalAt: null }, -1],
  ])('%s', (_name, r, due) => {
    const o = initialOutbound();
    installed(o, 'read_write', 'account', 0);
    markPending(o, 10_000);
    flushed(o, { succeeded: 1, failed: 0, remaining: r.remaining, archived: false }, 20_000, r.signalAt, 21_000);
    const at = flushDueAtMs(view(o));
    if (due === -1) expect(at).toBeLessThanOrEqual(21_000);
    else expect(at).toBe(due);
  });
});
