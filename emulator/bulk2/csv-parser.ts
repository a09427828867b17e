// A streaming RFC 4180 parser for ingest uploads: text arrives in arbitrary chunks (a quoted field may span
// chunks and lines), complete rows come out. Hand-written because it sits on the ingest hot path and needs
// nothing but slices of the incoming text for the common unquoted field.

const QUOTE = 34;
const LF = 10;
const CR = 13;

const enum State { FieldStart, Unquoted, Quoted, QuoteInQuoted, AfterCr }

/** Thrown for CSV Salesforce would refuse (a stray quote, an unterminated quoted field). */
export class CsvSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(`${message} (line ${line})`);
    this.name = 'CsvSyntaxError';
  }
}

export class CsvParser {
  private readonly delimiter: number;
  private state = State.FieldStart;
  private field = '';
  private row: string[] = [];
  private line = 1;
  private started = false;

  constructor(delimiter = ',') {
    this.delimiter = delimiter.charCodeAt(0);
  }

  /** Parses the next piece of text; calls onRow for every row it completes. */
  feed(text: string, onRow: (fields: string[]) => void): void {
    let i = 0;
    if (!this.started) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    const n = text.length;
    const delim = this.delimiter;
    let segStart = i;
    while (i < n) {
      const c = text.charCodeAt(i);
      switch (this.state) {
        case State.FieldStart:
          if (c === QUOTE) { this.state = State.Quoted; segStart = i + 1; }
          else if (c === delim) this.row.push('');
          else if (c === LF) this.endRow(onRow, true);
          else if (c === CR) { this.closeFieldIfRowStarted(); this.state = State.AfterCr; }
          else { this.state = State.Unquoted; segStart = i; }
          i++;
          break;
        case State.Unquoted: {
          // Scan to the end of the field in one go.
          let j = i;
          while (j < n) {
            const d = text.charCodeAt(j);
            if (d === delim || d === LF || d === CR) break;
            if (d === QUOTE) throw new CsvSyntaxError('Quote inside an unquoted field', this.line);
            j++;
          }
          if (j === n) { i = n; break; }
          this.field += text.slice(segStart, j);
          this.pushField();
          const d = text.charCodeAt(j);
          if (d === LF) this.endRow(onRow, false);
          else if (d === CR) this.state = State.AfterCr;
          i = j + 1;
          break;
        }
        case State.Quoted: {
          const j = text.indexOf('"', i);
          if (j === -1) { this.field += text.slice(segStart, n); this.countLines(text, segStart, n); i = n; break; }
          this.field += text.slice(segStart, j);
          this.countLines(text, segStart, j);
          this.state = State.QuoteInQuoted;
          i = j + 1;
          break;
        }
        case State.QuoteInQuoted:
          if (c === QUOTE) { this.field += '"'; this.state = State.Quoted; segStart = i + 1; }
          else if (c === delim) this.pushField();
          else if (c === LF) { this.pushField(); this.endRow(onRow, false); }
          else if (c === CR) { this.pushField(); this.state = State.AfterCr; }
          else throw new CsvSyntaxError('Text after a closing quote', this.line);
          i++;
          break;
        case State.AfterCr:
          // CRLF ends the row; a bare CR ends it too and the character is read again as the next row's start.
          this.endRow(onRow, false);
          if (c === LF) i++;
          break;
      }
    }
    // An unquoted field cut by the chunk boundary continues in the next chunk.
    if (this.state === State.Unquoted) this.field += text.slice(segStart, n);
  }

  /** Flushes the last row when the text does not end with a line ending. */
  end(onRow: (fields: string[]) => void): void {
    if (this.state === State.Quoted) throw new CsvSyntaxError('Unterminated quoted field', this.line);
    if (this.state === State.Unquoted || this.state === State.QuoteInQuoted) this.pushField();
    if (this.state === State.AfterCr) { this.endRow(onRow, false); return; }
    if (this.row.length > 0) this.endRow(onRow, false);
  }

  private pushField(): void {
    this.row.push(this.field);
    this.field = '';
    this.state = State.FieldStart;
  }

  private closeFieldIfRowStarted(): void {
    if (this.row.length > 0) this.row.push('');
  }

  /** fromFieldStart: the line ended right after a delimiter or on an empty line. Empty lines are skipped. */
  private endRow(onRow: (fields: string[]) => void, fromFieldStart: boolean): void {
    if (fromFieldStart && this.row.length > 0) this.row.push('');
    this.state = State.FieldStart;
    this.line++;
    if (this.row.length === 0) return;
    const row = this.row;
    this.row = [];
    onRow(row);
  }

  private countLines(text: string, from: number, to: number): void {
    for (let k = text.indexOf('\n', from); k !== -1 && k < to; k = text.indexOf('\n', k + 1)) this.line++;
  }
}
