// A Bulk API 2.0 ingest job. The upload is kept on disk as sent; processing streams it through the CSV
// parser and applies it to the org in chunks of rows, writing successful, failed and unprocessed rows to their
// own result files as it goes, so neither the upload nor its results ever sit in the heap whole.
//
//   Open ──PUT batches──▶ Open ──PATCH UploadComplete──▶ UploadComplete ──▶ InProgress ──▶ JobComplete
//    │  (a second PUT makes the close fail, as in Salesforce)                  │ └─bad header/CSV─▶ Failed
//    └──────────────PATCH Aborted (Open, UploadComplete, InProgress)───────────┴──────────────────▶ Aborted
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { EmulatorContext } from '../contract.js';
import { CsvRowWriter, type CsvDialect } from './csv-format.js';
import { CsvParser, CsvSyntaxError } from './csv-parser.js';
import { applyRow, type IngestOperation, type IngestTarget } from './ingest-apply.js';
import { resolveTarget } from './ingest-target.js';
import { baseInfo, invalidState, JobFailure, newJobId, type JobBase } from './job-common.js';
import { ResultSpool } from './result-spool.js';
import { spoolPath } from './spool-dir.js';

export type IngestJobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

/** Rows applied between two turns of the event loop; each chunk is one transaction of the org. */
export const CHUNK_ROWS = 1000;

export interface NewIngestJob {
  object: string;
  operation: IngestOperation;
  externalIdFieldName: string | undefined;
  createdById: string;
  dialect: CsvDialect;
  apiVersion: number;
  /** Sforce-Call-Options client of the request that created the job: its changes' changeOrigin names it. */
  callOptionsClient?: string;
}

export class IngestJob implements JobBase {
  readonly id = newJobId();
  readonly object: string;
  readonly operation: IngestOperation;
  readonly externalIdFieldName: string | undefined;
  readonly createdById: string;
  readonly createdMs = Date.now();
  modifiedMs = this.createdMs;
  readonly dialect: CsvDialect;
  readonly apiVersion: number;
  readonly callOptionsClient: string | undefined;
  state: IngestJobState = 'Open';
  errorMessage: string | undefined;
  uploads = 0;
  private processing = false;
  readonly uploadPath = spoolPath();
  numberRecordsProcessed = 0;
  numberRecordsFailed = 0;
  totalProcessingTime = 0;
  /** Upload header as sent (result files repeat it after their sf__ columns). */
  columns: string[] = [];
  successful: ResultSpool | undefined;
  failed: ResultSpool | undefined;
  unprocessed: ResultSpool | undefined;
  readonly done: Promise<void>;
  private settle!: () => void;

  constructor(init: NewIngestJob) {
    this.object = init.object;
    this.operation = init.operation;
    this.externalIdFieldName = init.externalIdFieldName;
    this.createdById = init.createdById;
    this.dialect = init.dialect;
    this.apiVersion = init.apiVersion;
    this.callOptionsClient = init.callOptionsClient;
    this.done = new Promise((resolve) => { this.settle = resolve; });
  }

  info(detailed: boolean): Record<string, unknown> {
    const info: Record<string, unknown> = {
      ...baseInfo(this, this.operation, this.state),
      ...(this.externalIdFieldName === undefined ? {} : { externalIdFieldName: this.externalIdFieldName }),
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: this.apiVersion,
      contentUrl: `services/data/v${this.apiVersion.toFixed(1)}/jobs/ingest/${this.id}/batches`,
      lineEnding: this.dialect.lineEnding,
      columnDelimiter: this.dialect.columnDelimiter,
    };
    if (!detailed) return info;
    return {
      ...info,
      jobType: 'V2Ingest',
      numberRecordsProcessed: this.numberRecordsProcessed,
      numberRecordsFailed: this.numberRecordsFailed,
      retries: 0,
      totalProcessingTime: this.totalProcessingTime,
      apiActiveProcessingTime: this.totalProcessingTime,
      apexProcessingTime: 0,
      ...(this.errorMessage === undefined ? {} : { errorMessage: this.errorMessage }),
    };
  }

  /** Resolves once a finished job's result files are complete (at once while it is still open or running). */
  async settled(): Promise<void> {
    if (this.state === 'JobComplete' || this.state === 'Failed' || this.state === 'Aborted') await this.done;
  }

  /** The result-file header for a kind of result. */
  resultHeader(kind: 'successful' | 'failed' | 'unprocessed'): string {
    const original = this.columns.join(this.dialect.delimiter);
    if (kind === 'unprocessed') return original + this.dialect.eol;
    const d = this.dialect.delimiter;
    const second = kind === 'successful' ? '"sf__Created"' : '"sf__Error"';
    return `"sf__Id"${d}${second}${this.columns.length > 0 ? d + original : ''}${this.dialect.eol}`;
  }

  close(): void {
    if (this.state !== 'Open') throw invalidState(`Job ${this.id} is ${this.state}; only an Open job can be closed`);
    if (this.uploads > 1) {
      throw invalidState(`Found multipe contents for job: <${this.id}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure you only do 'PUT' once on a given Job.`);
    }
    this.state = 'UploadComplete';
    this.modifiedMs = Date.now();
  }

  abort(): void {
    if (this.state !== 'Open' && this.state !== 'UploadComplete' && this.state !== 'InProgress') {
      throw invalidState(`Job ${this.id} is ${this.state} and can no longer be aborted`);
    }
    this.state = 'Aborted';
    this.modifiedMs = Date.now();
  }

  /**
   * Applies the upload to the org; never throws (a bad upload makes the job Failed). Called once the job is
   * closed, and once it is aborted: rows an aborted job never applied become its unprocessed records.
   */
  async process(ctx: EmulatorContext): Promise<void> {
    if (this.processing || (this.state !== 'UploadComplete' && this.state !== 'Aborted')) return;
    this.processing = true;
    const started = Date.now();
    try {
      if (this.state === 'UploadComplete') this.state = 'InProgress';
      this.modifiedMs = Date.now();
      [this.successful, this.failed, this.unprocessed] = await Promise.all([ResultSpool.create(), ResultSpool.create(), ResultSpool.create()]);
      if (this.uploads > 0) await this.applyUpload(ctx);
      if (this.state === 'InProgress') this.state = 'JobComplete';
    } catch (err) {
      if (this.state === 'InProgress') {
        this.errorMessage = err instanceof JobFailure || err instanceof CsvSyntaxError ? err.message : `UNKNOWN_EXCEPTION : ${String(err)}`;
        this.state = 'Failed';
      }
    } finally {
      // The upload is not needed once every row is in a result file.
      await Promise.all([this.successful?.finish(), this.failed?.finish(), this.unprocessed?.finish(), rm(this.uploadPath, { force: true })]);
      this.modifiedMs = Date.now();
      this.totalProcessingTime = Date.now() - started;
      this.settle();
    }
  }

  private async applyUpload(ctx: EmulatorContext): Promise<void> {
    const parser = new CsvParser(this.dialect.delimiter);
    let pending: string[][] = [];
    let target: IngestTarget | undefined;
    const take = (row: string[]) => {
      if (this.columns.length > 0) pending.push(row);
      else {
        this.columns = row;
        try {
          target = resolveTarget(ctx, this, row);
        } catch (err) {
          // A bad header fails the job, and every row of it is then reported unprocessed.
          if (!(err instanceof JobFailure) || this.state !== 'InProgress') throw err;
          this.errorMessage = err.message;
          this.state = 'Failed';
        }
      }
    };
    const drain = async (all: boolean) => {
      let at = 0;
      while (pending.length - at >= CHUNK_ROWS || (all && at < pending.length)) {
        const chunk = pending.slice(at, at + CHUNK_ROWS);
        at += chunk.length;
        await this.applyChunk(ctx, target, chunk);
      }
      if (at > 0) pending = pending.slice(at);
    };
    // Reads of 64 KB (some 600 rows) keep few parsed rows waiting for their chunk: rows parsed far ahead
    // outlive young-generation GCs and are copied, then promoted, only to die in the old generation.
    for await (const text of createReadStream(this.uploadPath, { encoding: 'utf8', highWaterMark: 64 * 1024 })) {
      parser.feed(text as string, take);
      await drain(false);
    }
    parser.end(take);
    await drain(true);
    // An empty upload (no header, no rows) completes with empty result sets, as in Salesforce.
  }

  private async applyChunk(ctx: EmulatorContext, target: IngestTarget | undefined, rows: string[][]): Promise<void> {
    if (this.state !== 'InProgress' || !target) {
      const unprocessed = new CsvRowWriter(this.dialect);
      for (const row of rows) this.resultRow(unprocessed, row);
      await (this.unprocessed as ResultSpool).append(unprocessed.take(), rows.length);
      return;
    }
    const ok = new CsvRowWriter(this.dialect);
    const bad = new CsvRowWriter(this.dialect);
    // One chunk is one org transaction: its change events share a transactionKey, as Salesforce's bulk chunks do.
    ctx.org.transaction(target.changeOrigin, () => {
      for (const row of rows) {
        const o = applyRow(ctx.org, target, row);
        if (o.ok) this.resultRow(ok, row, o.id, o.created ? 'true' : 'false');
        else this.resultRow(bad, row, o.id, o.error);
      }
    });
    const failed = bad.rows;
    await Promise.all([(this.successful as ResultSpool).append(ok.take(), rows.length - failed), (this.failed as ResultSpool).append(bad.take(), failed)]);
    this.numberRecordsProcessed += rows.length;
    this.numberRecordsFailed += failed;
  }

  /** A result row: the two sf__ cells (none for unprocessed records), then the row as uploaded (empty stays empty). */
  private resultRow(out: CsvRowWriter, row: readonly string[], sfId?: string, second?: string): void {
    if (sfId !== undefined) {
      out.cell(sfId);
      out.cell(second ?? null);
    }
    for (const cell of row) out.cell(cell === '' ? null : cell);
    out.endRow();
  }

  async dispose(): Promise<void> {
    await Promise.all([rm(this.uploadPath, { force: true }), this.successful?.remove(), this.failed?.remove(), this.unprocessed?.remove()]);
  }
}
