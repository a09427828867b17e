// Where a finished job's result rows live: an append-only CSV file on disk plus a sparse index of where each
// appended block starts. Results then cost no heap however large they are, stay exactly as the job produced
// them (Salesforce's result files do not change after JobComplete), and any row range — a page chosen by the
// client's locator and maxRecords — is served as one file byte range.
import { createReadStream } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { spoolPath } from './spool-dir.js';

const QUOTE = 34;
const LF = 10;

/** Byte offset just past the `rows`-th line ending in a block of quoted CSV (line endings inside quotes do not count). */
function skipRows(block: Buffer, rows: number): number {
  let inQuotes = false;
  let seen = 0;
  for (let i = 0; i < block.length; i++) {
    const c = block[i];
    if (c === QUOTE) inQuotes = !inQuotes;
    else if (c === LF && !inQuotes && ++seen === rows) return i + 1;
  }
  return block.length;
}

/** Lines per short-lived string before it becomes a Buffer (see LineBatch). */
const PIECE_LINES = 100;

/**
 * Result lines on their way to a spool. They are gathered in short strings turned into Buffers every
 * PIECE_LINES lines: a long string being built would survive every young-generation GC as thousands of rope
 * nodes (and be promoted, to die in the old generation), while Buffers live off-heap.
 */
export class LineBatch {
  private pieces: Buffer[] = [];
  private text = '';
  private pending = 0;
  /** Lines added since the last take(). */
  lines = 0;

  add(line: string): void {
    this.text += line;
    this.lines++;
    if (++this.pending === PIECE_LINES) this.flushText();
  }

  /** Everything added so far, as Buffers for ResultSpool.append; the batch starts over empty. */
  take(): Buffer[] {
    if (this.pending > 0) this.flushText();
    const pieces = this.pieces;
    this.pieces = [];
    this.lines = 0;
    return pieces;
  }

  private flushText(): void {
    this.pieces.push(Buffer.from(this.text, 'utf8'));
    this.text = '';
    this.pending = 0;
  }
}

export class ResultSpool {
  /** First row number and first byte of every appended block, plus a final sentinel once finished. */
  private readonly blockRows: number[] = [0];
  private readonly blockBytes: number[] = [0];
  private bytes = 0;
  private rowTotal = 0;

  private constructor(readonly path: string, private handle: FileHandle | undefined) {}

  static async create(): Promise<ResultSpool> {
    const path = spoolPath();
    return new ResultSpool(path, await open(path, 'w'));
  }

  get rows(): number {
    return this.rowTotal;
  }

  /** Appends `rows` complete CSV lines; resolves once the bytes are handed to the file (backpressure). */
  async append(text: string | Buffer[], rows: number): Promise<void> {
    if (rows === 0) return;
    if (!this.handle) throw new Error('ferry emulator: result spool already finished');
    const parts = typeof text === 'string' ? [Buffer.from(text, 'utf8')] : text;
    const { bytesWritten } = await this.handle.writev(parts);
    this.bytes += bytesWritten;
    this.rowTotal += rows;
    this.blockRows.push(this.rowTotal);
    this.blockBytes.push(this.bytes);
  }

  async finish(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }

  /** Byte offset where row `row` (0-based) starts; `rows` gives the end of the file. */
  async offsetOf(row: number): Promise<number> {
    if (row >= this.rowTotal) return this.bytes;
    let lo = 0;
    let hi = this.blockRows.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.blockRows[mid] <= row) lo = mid; else hi = mid - 1;
    }
    const within = row - this.blockRows[lo];
    if (within === 0) return this.blockBytes[lo];
    const start = this.blockBytes[lo];
    const block = Buffer.alloc(this.blockBytes[lo + 1] - start);
    const fh = await open(this.path, 'r');
    try {
      await fh.read(block, 0, block.length, start);
    } finally {
      await fh.close();
    }
    return start + skipRows(block, within);
  }

  /** The bytes of rows [fromRow, toRow) as a stream. */
  async streamRows(fromRow: number, toRow: number): Promise<Readable | undefined> {
    const [start, end] = await Promise.all([this.offsetOf(fromRow), this.offsetOf(toRow)]);
    if (end <= start) return undefined;
    return createReadStream(this.path, { start, end: end - 1, highWaterMark: 256 * 1024 });
  }

  async remove(): Promise<void> {
    await this.finish();
    await rm(this.path, { force: true });
  }
}
