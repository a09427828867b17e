// The CSV dialect of one Bulk API 2.0 job (columnDelimiter, lineEnding) and the encoding of one row the way
// Salesforce writes result files: every value quoted, null as an empty unquoted cell.
import { SfRequestError } from '../contract.js';

export type ColumnDelimiter = 'BACKQUOTE' | 'CARET' | 'COMMA' | 'PIPE' | 'SEMICOLON' | 'TAB';
export type LineEnding = 'LF' | 'CRLF';

const delimiterChars: Record<ColumnDelimiter, string> = {
  BACKQUOTE: '`', CARET: '^', COMMA: ',', PIPE: '|', SEMICOLON: ';', TAB: '\t',
};

export interface CsvDialect {
  columnDelimiter: ColumnDelimiter;
  lineEnding: LineEnding;
  /** The delimiter as one character. */
  delimiter: string;
  /** The line ending as characters. */
  eol: string;
}

/** Validates the job-create options; Salesforce answers 400 INVALIDJOB for values it does not know. */
export function dialectFrom(columnDelimiter: unknown = 'COMMA', lineEnding: unknown = 'LF'): CsvDialect {
  if (typeof columnDelimiter !== 'string' || !(columnDelimiter in delimiterChars)) {
    throw new SfRequestError(400, 'INVALIDJOB', `Invalid column delimiter: ${String(columnDelimiter)}`);
  }
  if (lineEnding !== 'LF' && lineEnding !== 'CRLF') {
    throw new SfRequestError(400, 'INVALIDJOB', `Invalid line ending: ${String(lineEnding)}`);
  }
  const delimiter = delimiterChars[columnDelimiter as ColumnDelimiter];
  return { columnDelimiter: columnDelimiter as ColumnDelimiter, lineEnding, delimiter, eol: lineEnding === 'LF' ? '\n' : '\r\n' };
}

/** One CSV cell: quoted with inner quotes doubled, or empty (unquoted) for null. */
export function quoteCell(value: string | null): string {
  if (value === null) return '';
  return value.includes('"') ? `"${value.replace(/"/g, '""')}"` : `"${value}"`;
}

/** One CSV line including its line ending. Hot path of every result download: plain concatenation, no arrays joined. */
export function encodeRow(values: readonly (string | null)[], dialect: CsvDialect): string {
  let line = '';
  const last = values.length - 1;
  for (let i = 0; i <= last; i++) {
    const v = values[i];
    if (v !== null) line += v.includes('"') ? `"${v.replace(/"/g, '""')}"` : `"${v}"`;
    if (i !== last) line += dialect.delimiter;
  }
  return line + dialect.eol;
}

const QUOTE = 34;
/** Bytes per Buffer a CsvRowWriter fills before starting the next. */
const PIECE_BYTES = 64 * 1024;
const NO_BYTES = Buffer.alloc(0);

/**
 * Rows of quoted cells written straight into Buffers as UTF-8, the way result files repeat every uploaded
 * row. Building each such line as a string and then encoding it allocated more per row than applying the row
 * to the org (a rope node per cell, a quoted copy per value); here an ASCII cell costs no allocation at all.
 */
export class CsvRowWriter {
  private readonly delimiter: number;
  private readonly eol: Buffer;
  private pieces: Buffer[] = [];
  /** The Buffer being filled; none (empty) until the first write after a take(). */
  private buf = NO_BYTES;
  private pos = 0;
  private cellsInRow = 0;
  /** Rows ended since the last take(). */
  rows = 0;

  constructor(dialect: CsvDialect) {
    this.delimiter = dialect.delimiter.charCodeAt(0);
    this.eol = Buffer.from(dialect.eol, 'latin1');
  }

  /** The next cell of the row, as quoteCell writes it: quoted with inner quotes doubled, or empty for null. */
  cell(value: string | null): void {
    this.room(value === null ? 1 : 3 + 2 * value.length);
    const buf = this.buf;
    let pos = this.pos;
    if (this.cellsInRow++ > 0) buf[pos++] = this.delimiter;
    if (value !== null) {
      buf[pos++] = QUOTE;
      for (let i = 0; i < value.length; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) {
          // Past ASCII: the rest of the value through the UTF-8 encoder (at most 3 bytes a UTF-16 unit).
          const rest = value.slice(i).replace(/"/g, '""');
          this.pos = pos;
          this.room(3 * rest.length + 1);
          pos = this.pos + this.buf.write(rest, this.pos, 'utf8');
          break;
        }
        buf[pos++] = c;
        if (c === QUOTE) buf[pos++] = QUOTE;
      }
      this.buf[pos++] = QUOTE;
    }
    this.pos = pos;
  }

  endRow(): void {
    this.room(this.eol.length);
    this.pos += this.eol.copy(this.buf, this.pos);
    this.cellsInRow = 0;
    this.rows++;
  }

  /** Everything written so far, for ResultSpool.append; the writer starts over empty. */
  take(): Buffer[] {
    if (this.pos > 0) this.pieces.push(this.buf.subarray(0, this.pos));
    this.buf = NO_BYTES;
    this.pos = 0;
    const pieces = this.pieces;
    this.pieces = [];
    this.rows = 0;
    return pieces;
  }

  /** Makes sure `bytes` more fit in the current Buffer. */
  private room(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    this.startPiece(bytes);
  }

  private startPiece(atLeast = 0): void {
    if (this.pos > 0) this.pieces.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(Math.max(PIECE_BYTES, atLeast));
    this.pos = 0;
  }
}
