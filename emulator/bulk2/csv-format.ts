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
