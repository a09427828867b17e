// Drift detection's pure parts: bucket boundaries and lookup, the per-bucket tallies and which buckets differ,
// the Id ranges re-fetched and the one WHERE clause every verify query carries, stamp parsing, and the cost
// arithmetic POST /estimate shows.
import { describe, expect, it } from 'vitest';
import {
  BucketTally, boundariesOf, bucketModulus, bucketOf, bucketRanges, chooseFetch, differingBuckets, estimateVerifyCalls, fetchCalls,
  inRanges, parseStampMs, rowHashes, verifyWhere,
} from '../../domain/verify-buckets';

const id = (n: number) => `001Fy0000000${String(n).padStart(3, '0')}AAA`;
const B = [id(100), id(200), id(300)];

describe('buckets', () => {
  it.each([
    [id(1), 0], [id(99), 0], [id(100), 1], [id(150), 1], [id(200), 2], [id(299), 2], [id(300), 3], [id(999), 3],
  ])('%s falls in bucket %i', (x, k) => {
    expect(bucketOf(B, x)).toBe(k);
  });

  it('boundaries are sorted by code unit, distinct and id-shaped only', () => {
    expect(boundariesOf(['001Fy000000000aAAA', '001Fy000000000ZAAA', '001Fy000000000ZAAA', "x' OR Id != '", '001Fy000000000AAAA']))
      .toEqual(['001Fy000000000AAAA', '001Fy000000000ZAAA', '001Fy000000000aAAA']);
  });

  it.each([[0, 8], [500_000, 8], [1_000_000, 16], [10_000_000, 153]])('a table of %i rows has about %i rows a bucket', (rows, m) => {
    expect(bucketModulus(rows)).toBe(m);
  });

  it('adjacent differing buckets merge into one Id range; the ends are open', () => {
    expect(bucketRanges(B, [0, 1, 3])).toEqual([{ lo: null, hi: id(200) }, { lo: id(300), hi: null }]);
    expect(bucketRanges(B, [2])).toEqual([{ lo: id(200), hi: id(300) }]);
    expect(bucketRanges(B, [])).toEqual([]);
  });

  it.each([
    [id(50), true], [id(199), true], [id(200), false], [id(250), false], [id(300), true], [id(900), true],
  ])('%s in the ranges of buckets 0, 1 and 3: %s', (x, inside) => {
    expect(inRanges(bucketRanges(B, [0, 1, 3]), x)).toBe(inside);
  });
});

describe('tallies', () => {
  const rows: [string, number][] = [[id(1), 1000], [id(150), 2000], [id(250), 3000], [id(350), 4000]];
  const tally = (list: [string, number][]) => {
    const t = new BucketTally(B);
    for (const [x, ms] of list) t.add(x, ms);
    return t;
  };

  it.each([
    ['the same rows in any order', [...rows].reverse(), []],
    ['a row missing', rows.slice(1), [0]],
    ['a stale stamp', [rows[0], [id(150), 2001], rows[2], rows[3]], [1]],
    ['an extra row', [...rows, [id(260), 5]], [2]],
    ['two rows swapping stamps', [rows[0], rows[1], [id(250), 4000], [id(350), 3000]], [2, 3]],
  ] as [string, [string, number][], number[]][])('%s: buckets %j differ', (_name, other, differing) => {
    expect(differingBuckets(tally(rows), tally(other))).toEqual(differing);
  });

  it('taking a row away undoes adding it', () => {
    const t = tally(rows);
    t.add(id(260), 5);
    t.add(id(260), 5, -1);
    expect(differingBuckets(t, tally(rows))).toEqual([]);
    expect(t.rows).toBe(4);
  });

  it('the two hashes differ and depend on both the id and the stamp', () => {
    const [a, b] = rowHashes(id(1), 1000);
    expect(a).not.toBe(b);
    expect(rowHashes(id(1), 1001)[0]).not.toBe(a);
    expect(rowHashes(id(2), 1000)[0]).not.toBe(a);
    expect(rowHashes(id(1), 1000)).toEqual([a, b]);
  });
});

describe('the WHERE of verify queries', () => {
  it.each([
    [{}, ''],
    [{ extraCondition: 'IsActive__c = true' }, ' WHERE (IsActive__c = true)'],
    [{ ranges: [{ lo: id(100), hi: id(200) }] }, ` WHERE (Id >= '${id(100)}' AND Id < '${id(200)}')`],
    [{ ranges: [{ lo: null, hi: id(100) }, { lo: id(300), hi: null }], extraCondition: 'Amount > 5' },
      ` WHERE (Amount > 5) AND ((Id < '${id(100)}') OR (Id >= '${id(300)}'))`],
    [{ ranges: [{ lo: null, hi: null }] }, ''],
  ])('%j → %s', (opts, where) => {
    expect(verifyWhere(opts)).toBe(where);
  });

  it('refuses a boundary that is not an id', () => {
    expect(() => verifyWhere({ ranges: [{ lo: "001' OR Name != '", hi: null }] })).toThrow(/Not a Salesforce id/);
  });
});

describe('stamps', () => {
  it.each([
    ['2026-12-06T04:00:00.123+0000', Date.UTC(2026, 11, 6, 4, 0, 0, 123)],
    ['2026-12-06T04:00:00.123Z', Date.UTC(2026, 11, 6, 4, 0, 0, 123)],
    ['2026-12-06T05:00:00.000+0100', Date.UTC(2026, 11, 6, 4, 0, 0, 0)],
    ['', NaN],
  ])('%s → %d', (text, ms) => {
    expect(parseStampMs(text)).toBe(ms);
  });
});

describe('cost', () => {
  it.each([
    [0, 'rest', 1, 1], [2_000, 'rest', 1, 1], [20_000, 'rest', 10, 10], [44_000, 'rest', 22, 22], [48_000, 'bulk', 4, 23], [1_000_000, 'bulk', 5, 24],
  ])('%i records are read by %s in %i–%i calls', (rows, mode, low, high) => {
    expect(chooseFetch(rows)).toBe(mode);
    expect(fetchCalls(mode as 'rest' | 'bulk', rows)).toEqual({ low, high });
  });

  it('a verify of 1M rows with 0.1% drift: one Bulk job to compare, two to re-fetch (800 Id ranges each)', () => {
    const e = estimateVerifyCalls(1_000_000);
    expect(e.compare).toEqual({ mode: 'bulk', low: 5, high: 24 });
    expect(e.repair).toEqual({ low: 0, high: 46 });
  });

  it('no drift costs the comparison only', () => {
    expect(estimateVerifyCalls(1_500, 0)).toMatchObject({ low: 1, high: 1, repair: { low: 0, high: 0 } });
  });
});
