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
