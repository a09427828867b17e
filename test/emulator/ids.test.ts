// Salesforce id rules the emulator relies on: the case-safe suffix, minting, decoding back to a row.
import { describe, expect, it } from 'vitest';
import { caseSuffix, decodeSeq, isIdShaped, makeId, toId18 } from '../../emulator/org/ids.js';

describe('Salesforce ids', () => {
  it.each([
    ['00D000000000062', 'EAA'],
    ['001000000000000', 'AAA'],
    ['AAAAAAAAAAAAAAA', '555'],
    ['aaaaaaaaaaaaaaa', 'AAA'],
    ['0015000000Ku6dG', 'AAR'],
  ])('the case-safe suffix of %s is %s', (id15, suffix) => {
    expect(caseSuffix(id15)).toBe(suffix);
  });

  it.each([1, 2, 61, 62, 3843, 1_000_000, 5_000_000, 62 ** 5])('mints an 18-char id for seq %i that decodes back', (seq) => {
    const id = makeId('001', seq);
    expect(id).toHaveLength(18);
    expect(id.startsWith('001')).toBe(true);
    expect(isIdShaped(id)).toBe(true);
    expect(decodeSeq(id)).toBe(seq);
    expect(decodeSeq(id.slice(0, 15))).toBe(seq);
  });

  /** The id spelled out piece by piece: prefix, pod Fy, a reserved 0, nine base-62 digits, the case-safe suffix. */
  const spelledOut = (prefix: string, seq: number): string => {
    const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    let digits = '';
    for (let n = seq, i = 0; i < 9; i++, n = Math.floor(n / 62)) digits = base62[n % 62] + digits;
    const id15 = `${prefix}Fy0${digits}`;
    return id15 + caseSuffix(id15);
  };

  it.each([
    ['001', 1], ['001', 61], ['a0B', 62], ['a0B', 3_843_999], ['00D', 62 ** 5 + 17], ['zZ9', 62 ** 9 - 1], ['Abc', 5_000_000],
    ['AB', 36], ['abcd', 1_000_001],
  ])('mints %s ids for seq %i as spelled out', (prefix, seq) => {
    expect(makeId(prefix, seq)).toBe(spelledOut(prefix, seq));
  });

  it('mints distinct ids for distinct counters', () => {
    const ids = new Set(Array.from({ length: 5000 }, (_, i) => makeId('003', i + 1)));
    expect(ids.size).toBe(5000);
  });

  it.each([
    ['', false], ['001', false], ['001Fy0000000001', true], ['001Fy0000000001IAA', true],
    ['001Fy0000000001iaa', true], ['001Fy0000000001ZZZ', false], ['001Fy000000000-IAA', false], ['001Fy0000000001IA', false],
  ])('isIdShaped(%j) is %s', (id, shaped) => {
    expect(isIdShaped(id)).toBe(shaped);
  });

  it('upgrades 15-char ids to 18 chars and refuses non-ids', () => {
    expect(toId18('00D000000000062')).toBe('00D000000000062EAA');
    expect(toId18('00D000000000062EAA')).toBe('00D000000000062EAA');
    expect(toId18('not-an-id')).toBeUndefined();
  });

  it('does not decode ids it never minted', () => {
    expect(decodeSeq('0015000000Ku6dGAAR')).toBeUndefined();
  });
});
