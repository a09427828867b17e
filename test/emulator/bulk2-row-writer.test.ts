// Result rows written as bytes: exactly what encoding the quoted line as a string would give, whatever the
// characters, delimiter and line ending, across Buffer boundaries.
import { describe, expect, it } from 'vitest';
import { CsvRowWriter, dialectFrom, quoteCell, type ColumnDelimiter, type LineEnding } from '../../emulator/bulk2/csv-format.js';

/** The row as a string, the way result lines were built: each cell quoteCell'd, joined by the delimiter. */
function expected(rows: (string | null)[][], delimiter: string, eol: string): Buffer {
  return Buffer.from(rows.map((cells) => cells.map(quoteCell).join(delimiter) + eol).join(''), 'utf8');
}

function written(rows: (string | null)[][], columnDelimiter: ColumnDelimiter, lineEnding: LineEnding): { bytes: Buffer; rows: number } {
  const writer = new CsvRowWriter(dialectFrom(columnDelimiter, lineEnding));
  for (const cells of rows) {
    for (const cell of cells) writer.cell(cell);
    writer.endRow();
  }
  const count = writer.rows;
  return { bytes: Buffer.concat(writer.take()), rows: count };
}

describe('CsvRowWriter', () => {
  it.each<{ name: string; rows: (string | null)[][] }>([
    { name: 'plain cells', rows: [['a0BFy0000000001MAA', 'true', 'ING-1', 'Lyon']] },
    { name: 'empty and null cells', rows: [['', null, 'x', null], [null], []] },
    { name: 'quotes, delimiters and line breaks inside cells', rows: [['say "hi"', 'a,b', 'two\nlines', '"', '""']] },
    { name: 'non-ASCII', rows: [['Zürich', 'naïve "café"', '東京', 'emoji 😀 end', 'ascii then é then "q"']] },
    { name: 'a lone surrogate', rows: [['bad \ud800 pair', 'x\udc00']] },
    { name: 'cells larger than one Buffer', rows: [['x'.repeat(70_000), 'é'.repeat(40_000), '"'.repeat(33_000)], ['after']] },
    { name: 'many rows across Buffers', rows: Array.from({ length: 3000 }, (_, i) => [`id-${i}`, i % 2 ? 'true' : 'false', `Item ${i}, "bench"`, '', `user${i}@bench.example`]) },
  ])('$name', ({ rows }) => {
    for (const [columnDelimiter, delimiter] of [['COMMA', ','], ['TAB', '\t'], ['PIPE', '|']] as const) {
      for (const [lineEnding, eol] of [['LF', '\n'], ['CRLF', '\r\n']] as const) {
        const out = written(rows, columnDelimiter, lineEnding);
        expect(out.bytes.equals(expected(rows, delimiter, eol))).toBe(true);
        expect(out.rows).toBe(rows.length);
      }
    }
  });

  it('starts over after take()', () => {
    const writer = new CsvRowWriter(dialectFrom());
    writer.cell('first');
    writer.endRow();
    writer.take();
    expect(writer.rows).toBe(0);
    expect(writer.take()).toEqual([]);
    writer.cell('second');
    writer.cell(null);
    writer.endRow();
    expect(Buffer.concat(writer.take()).toString('utf8')).toBe('"second",\n');
  });
});
