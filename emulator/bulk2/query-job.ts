// A Bulk API 2.0 query job: created UploadComplete, run asynchronously, its result spooled to disk.
//
//   UploadComplete ──run──▶ InProgress ──rows spooled──▶ JobComplete
//         │                     │ └──SOQL error──────────▶ Failed (errorMessage)
//         └──PATCH Aborted──────┴──────────────────────────▶ Aborted
//
// Snapshot semantics: which records are in the result is fixed when the job starts (the org's cursor holds
// the matching row numbers); their values are read in slices while the job runs, so a change committed during
// the run may or may not show, as with Salesforce's chunked jobs. Once the job is JobComplete its result never
// changes, however the org moves on, because the CSV text itself is stored — on disk, not in the heap — and a
// sync reading it meets the stale rows a real org would hand it.
import { SfRequestError, type EmulatorContext, type QueryCursor } from '../contract.js';
import { encodeRow, type CsvDialect } from './csv-format.js';
import { lineEncoder } from './column-values.js';
import { baseInfo, invalidState, newJobId, type JobBase } from './job-common.js';
import { LineBatch, ResultSpool } from './result-spool.js';

export type QueryJobState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
export type QueryOperation = 'query' | 'queryAll';

/** Rows per spooled block: the unit of backpressure and of the page index. */
const BLOCK_ROWS = 2000;

export interface NewQueryJob {
  soql: string;
  operation: QueryOperation;
  object: string;
  createdById: string;
  dialect: CsvDialect;
  apiVersion: number;
}

export class QueryJob implements JobBase {
  readonly id = newJobId();
  readonly object: string;
  readonly createdById: string;
  readonly createdMs = Date.now();
  modifiedMs = this.createdMs;
  readonly dialect: CsvDialect;
  readonly apiVersion: number;
  readonly soql: string;
  readonly operation: QueryOperation;
  state: QueryJobState = 'UploadComplete';
  errorMessage: string | undefined;
  numberRecordsProcessed = 0;
  totalProcessingTime = 0;
  /** The CSV header line; set once the query has been parsed. */
  header = '';
  spool: ResultSpool | undefined;
  /** Settles when the job reaches a final state (tests and the bench wait on it). */
  readonly done: Promise<void>;
  private settle!: () => void;

  constructor(init: NewQueryJob) {
    this.soql = init.soql;
    this.operation = init.operation;
    this.object = init.object;
    this.createdById = init.createdById;
    this.dialect = init.dialect;
    this.apiVersion = init.apiVersion;
    this.done = new Promise((resolve) => { this.settle = resolve; });
  }

  /** The JobInfo of job creation (no counters), and of GET (with them). */
  info(detailed: boolean): Record<string, unknown> {
    const info: Record<string, unknown> = {
      ...baseInfo(this, this.operation, this.state),
      concurrencyMode: 'Parallel',
      contentType: 'CSV',
      apiVersion: this.apiVersion,
      lineEnding: this.dialect.lineEnding,
      columnDelimiter: this.dialect.columnDelimiter,
    };
    if (!detailed) return info;
    return {
      ...info,
      jobType: 'V2Query',
      numberRecordsProcessed: this.numberRecordsProcessed,
      retries: 0,
      totalProcessingTime: this.totalProcessingTime,
      isPkChunkingSupported: true,
      ...(this.errorMessage === undefined ? {} : { errorMessage: this.errorMessage }),
    };
  }

  abort(): void {
    if (this.state !== 'UploadComplete' && this.state !== 'InProgress') {
      throw invalidState(`Job ${this.id} is ${this.state} and can no longer be aborted`);
    }
    this.finish('Aborted');
  }

  /** Runs the query against the org; never throws (failures become the Failed state). */
  async run(ctx: EmulatorContext): Promise<void> {
    const started = Date.now();
    try {
      if (this.state !== 'UploadComplete') return;
      this.state = 'InProgress';
      this.modifiedMs = Date.now();
      const cursor = ctx.org.queryCursor(this.soql, { scanAll: this.operation === 'queryAll', bulk: true });
      if (cursor.count !== null) throw new SfRequestError(400, 'API_ERROR', 'Aggregate functions are not supported by Bulk API 2.0 query jobs');
      await this.spoolRows(ctx, cursor);
      if (this.state === 'InProgress') this.finish('JobComplete');
    } catch (err) {
      if (this.state === 'InProgress') {
        this.errorMessage = err instanceof SfRequestError ? `${err.errorCode}: ${err.message}` : String(err);
        this.finish('Failed');
      }
    } finally {
      // Only a complete result is ever served; a partial one is dropped at once.
      if (this.state !== 'JobComplete') await this.spool?.remove();
      else await this.spool?.finish();
      this.totalProcessingTime = Date.now() - started;
      this.settle();
    }
  }

  private async spoolRows(ctx: EmulatorContext, cursor: QueryCursor): Promise<void> {
    this.header = encodeRow(cursor.columns, this.dialect);
    const encode = lineEncoder(ctx.org, cursor.object, cursor.columns, this.dialect);
    const spool = await ResultSpool.create();
    this.spool = spool;
    const batch = new LineBatch();
    for (let i = 0; i < cursor.size; i++) {
      batch.add(encode(cursor.values(i)));
      if (batch.lines === BLOCK_ROWS) {
        // Awaiting the write hands the event loop back between blocks, so the emulator keeps serving.
        await spool.append(batch.take(), BLOCK_ROWS);
        this.numberRecordsProcessed = spool.rows;
        if (this.state !== 'InProgress') return;
      }
    }
    const rows = batch.lines;
    await spool.append(batch.take(), rows);
    this.numberRecordsProcessed = spool.rows;
  }

  private finish(state: QueryJobState): void {
    this.state = state;
    this.modifiedMs = Date.now();
    this.settle();
  }

  async dispose(): Promise<void> {
    await this.spool?.remove();
  }
}
