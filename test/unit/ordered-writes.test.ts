import { describe, expect, it } from 'vitest';
import { ORDERED_WRITE_MAX_WAIT_MS, orderWrites, parentKey, writeAlgorithmOf, type OrderCandidate } from '../../domain/ordered-writes.js';
import { flushDueAtMs, markFlushed as flushed, initialOutbound } from '../../workflows/mapping/outbound.js';

const P1 = { table: 'account', column: 'external_id__c', value: 'A-1' };
const P2 = { table: 'account', column: 'external_id__c', value: 'A-2' };
const NOW = 1_000_000_000;

describe('orderWrites', () => {
  const c = (write: string, parents: typeof P1[], ageMs = 0): OrderCandidate<string> => ({ write, parents, queuedAtMs: NOW - ageMs });
  it.each([
    ['no parents: everything is sent', [c('a', []), c('b', [])], [], ['a', 'b'], []],
    ['a parent already in Salesforce: sent', [c('a', [P1])], [], ['a'], []],
    ['a parent not sent yet: held', [c('a', [P1]), c('b', [P2]), c('c', [])], [P1], ['b', 'c'], ['a']],
    ['one of two parents not sent: held', [c('a', [P2, P1])], [P1], [], ['a']],
    ['held long enough: sent anyway (and Salesforce decides)', [c('a', [P1], ORDERED_WRITE_MAX_WAIT_MS), c('b', [P1], ORDERED_WRITE_MAX_WAIT_MS - 1)], [P1], ['a'], ['b']],
  ])('%s', (_what, candidates, unsent, send, hold) => {
    expect(orderWrites(candidates, new Set(unsent.map(parentKey)), NOW)).toEqual({ send, hold });
  });
});

describe('writeAlgorithmOf (connection.features.poll_db_no_merge)', () => {
  it.each([
    [{ poll_db_no_merge: true }, 'ordered'], [{ poll_db_no_merge: false }, 'merged'], [{}, 'ordered'], [null, 'ordered'], [undefined, 'ordered'],
  ] as const)('%j → %s', (features, algorithm) => expect(writeAlgorithmOf(features)).toBe(algorithm));
});

describe('the flush after one that held writes back', () => {
  const view = (o = initialOutbound()) => ({ access: 'read_write' as const, table: 'contact', flushIntervalSeconds: 10, o });
  it('comes after the retry delay, not the flush interval, and only once', () => {
    const o = { ...initialOutbound(), installedAccess: 'read_write' as const, installedTable: 'contact' };
    flushed(o, { succeeded: 1, failed: 0, remaining: false, archived: false, retryAfterMs: 2000 }, NOW - 100, null, NOW);
    expect(flushDueAtMs(view(o))).toBe(NOW + 2000);
    flushed(o, { succeeded: 1, failed: 0, remaining: false, archived: false }, NOW + 2000, null, NOW + 2100);
    expect(flushDueAtMs(view(o))).toBeNull();
    expect(o.retryAtMs).toBeNull();
  });
  it('a flush without held writes leaves the state as before (histories replay unchanged)', () => {
    const o = { ...initialOutbound(), installedAccess: 'read_write' as const, installedTable: 'contact' };
    flushed(o, { succeeded: 1, failed: 0, remaining: false, archived: false }, NOW - 100, NOW - 50, NOW);
    expect(o).not.toHaveProperty('retryAtMs');
    expect(flushDueAtMs(view(o))).toBe(NOW - 100 + 10_000);
  });
});
