// Parses a whole CSV text (RFC 4180, as Bulk API 2.0 result files are written: `,` separated, fields quoted
// with `"` when they hold a comma, quote or line break, LF or CRLF line ends) into a header and rows of
// strings. The common unquoted field costs one slice; a result file of 100,000 rows parses in tens of ms.

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

export interface CsvTable {
  header: string[];
  rows: string[][];
}

export class CsvFormatError extends Error {
  constructor(message: string, readonly line: number) {
    super(`${message} (CSV line ${line})`);
    this.name = 'CsvFormatError';
  }
}

/** Splits `text` into rows of fields. An empty text (or one with only a header) has no rows. */
export function parseCsvTable(text: string): CsvTable {
  const rows: string[][] = [];
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (i < n) {
    const row: string[] = [];
    for (;;) {
      let value: string;
      if (text.charCodeAt(i) === QUOTE) {
        // Quoted: up to the next lone quote; "" is one quote.
        let parts = '';
        let start = i + 1;
        for (;;) {
          const q = text.indexOf('"', start);
          if (q < 0) throw new CsvFormatError('Unterminated quoted field', line);
          for (let k = text.indexOf('\n', start); k >= 0 && k < q; k = text.indexOf('\n', k + 1)) line += 1;
          if (text.charCodeAt(q + 1) === QUOTE) {
            parts += text.slice(start, q + 1);
            start = q + 2;
            continue;
          }
          value = parts + text.slice(start, q);
          i = q + 1;
          break;
        }
      } else {
        let j = i;
        for (let c = text.charCodeAt(j); j < n && c !== COMMA && c !== LF && c !== CR; c = text.charCodeAt(++j)) {
          if (c === QUOTE) throw new CsvFormatError('Quote inside an unquoted field', line);
        }
        value = text.slice(i, j);
        i = j;
      }
      row.push(value);
      const c = text.charCodeAt(i);
      if (c === COMMA) {
        i += 1;
        continue;
      }
      if (c === CR) i += 1;
      if (text.charCodeAt(i) === LF) i += 1;
      else if (i < n) throw new CsvFormatError('Text after a quoted field', line);
      line += 1;
      break;
    }
    // A blank line (one empty field) is not a row.
    if (!(row.length === 1 && row[0] === '')) rows.push(row);
  }
  const header = rows.shift() ?? [];
  return { header, rows };
}
