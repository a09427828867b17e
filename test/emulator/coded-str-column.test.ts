// The emulator's dictionary-coded string column: the same values as a plain one, before and after it outgrows its codes.
import { describe, expect, it } from 'vitest';
import { CodedStrColumn, StrColumn } from '../../emulator/org/columns';

describe('CodedStrColumn', () => {
  it('reads back what was stored, nulls included, across chunks', () => {
    const col = new CodedStrColumn();
    col.reserve(200_000);
    const rows: [number, string | null][] = [[0, 'Paris'], [1, null], [65_535, 'Lyon'], [65_536, 'Paris'], [199_999, ''], [150_000, 'Oslo']];
    for (const [row, value] of rows) col.set(row, value);
    for (const [row, value] of rows) expect(col.get(row)).toBe(value);
    expect(col.get(2)).toBeNull();
    expect(col.get(120_000)).toBeNull();
    col.set(0, null);
    expect(col.get(0)).toBeNull();
    col.set(1, 'Lyon');
    expect(col.get(1)).toBe('Lyon');
  });

  it('holds the same values as a plain column once its values outnumber its codes', () => {
    const coded = new CodedStrColumn();
    const plain = new StrColumn();
    const n = 150_000;
    coded.reserve(n);
    plain.reserve(n);
    // A few shared values first, then unique ones past the 65,535 codes, then shared ones again.
    for (let row = 0; row < n; row++) {
      const value = row % 7 === 0 ? null : row < 1000 || row > 140_000 ? `city-${row % 10}` : `user${row}@example.com`;
      coded.set(row, value);
      plain.set(row, value);
    }
    for (let row = 0; row < n; row++) expect(coded.get(row)).toBe(plain.get(row));
    coded.set(5, 'changed');
    expect(coded.get(5)).toBe('changed');
  });
});
