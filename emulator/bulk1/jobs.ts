// Bulk API 1.0 jobs and batches: a job names the object, operation and content type (CSV or XML); each batch
// is one upload (up to 10,000 records) or one query, processed asynchronously after it is queued
// (Queued → InProgress → Completed | Failed; NotProcessed when the job is aborted first). Rows are applied
// through the same per-row code as Bulk API 2.0, so errors read the same.
import { SfRequestError, type EmulatorContext, type QueryCursor, type SfError } from '../contract.js';
import { makeId } from '../org/ids.js';
import { applyRow, type IngestOperation, type RowOutcome } from '../bulk2/ingest-apply.js';
import { checkIngestJob, resolveTarget } from '../bulk2/ingest-target.js';
import { CsvParser, CsvSyntaxError } from '../bulk2/csv-parser.js';
import { JobFailure, jobTimestamp } from '../bulk2/job-common.js';
import { parseXml, XmlSyntaxError, type XmlElement } from './xml.js';

export type Bulk1Operation = IngestOperation | 'query' | 'queryAll';
export type Bulk1ContentType = 'CSV' | 'XML';
export type JobState = 'Open' | 'Closed' | 'Aborted' | 'Failed';
export type BatchState = 'Queued' | 'InProgress' | 'Completed' | 'Failed' | 'NotProcessed';

export const MAX_BATCH_RECORDS = 10_000;
const OPERATIONS = new Set<Bulk1Operation>(['insert', 'update', 'upsert', 'delete', 'hardDelete', 'query', 'queryAll']);

/** A Bulk API 1.0 failure: HTTP status, exceptionCode, exceptionMessage. */
export class AsyncApiError extends Error {
  constructor(readonly status: number, readonly exceptionCode: string, message: string) {
    super(message);
  }
}

let seq = 0;
const nextId = (prefix: string) => makeId(prefix, ++seq);

export class Batch {
  readonly id = nextId('751');
  state: BatchState = 'Queued';
  stateMessage: string | undefined;
  readonly createdMs = Date.now();
  modifiedMs = this.createdMs;
  processed = 0;
  failed = 0;
  processingMs = 0;
  /** Ingest outcomes, in upload order. */
  outcomes: RowOutcome[] = [];
  /** Query batches: the matching rows, and the id of their one result. */
  cursor: QueryCursor | undefined;
  readonly resultId = nextId('752');
  constructor(readonly job: Job, readonly payload: string) {}
}

export class Job {
  readonly id = nextId('750');
  state: JobState = 'Open';
  readonly createdMs = Date.now();
  modifiedMs = this.createdMs;
  readonly batches: Batch[] = [];
  constructor(
    readonly object: string,
    readonly operation: Bulk1Operation,
    readonly externalIdFieldName: string | undefined,
    readonly contentType: Bulk1ContentType,
    readonly concurrencyMode: 'Parallel' | 'Serial',
    readonly createdById: string,
    readonly apiVersion: number,
  ) {}

  get isQuery(): boolean {
    return this.operation === 'query' || this.operation === 'queryAll';
  }

  /** JobInfo members in Salesforce's order. */
  info(): [string, string | number | undefined][] {
    const count = (s: BatchState) => this.batches.filter((b) => b.state === s).length;
    const processed = this.batches.reduce((n, b) => n + b.processed, 0);
    const failed = this.batches.reduce((n, b) => n + b.failed, 0);
    const time = this.batches.reduce((n, b) => n + b.processingMs, 0);
    return [
      ['id', this.id], ['operation', this.operation], ['object', this.object], ['createdById', this.createdById],
      ['createdDate', jobTimestamp(this.createdMs)], ['systemModstamp', jobTimestamp(this.modifiedMs)], ['state', this.state],
      ['externalIdFieldName', this.externalIdFieldName], ['concurrencyMode', this.concurrencyMode], ['contentType', this.contentType],
      ['numberBatchesQueued', count('Queued')], ['numberBatchesInProgress', count('InProgress')], ['numberBatchesCompleted', count('Completed')],
      ['numberBatchesFailed', count('Failed')], ['numberBatchesTotal', this.batches.length], ['numberRecordsProcessed', processed],
      ['numberRetries', 0], ['apiVersion', this.apiVersion.toFixed(1)], ['numberRecordsFailed', failed], ['totalProcessingTime', time],
      ['apiActiveProcessingTime', time], ['apexProcessingTime', 0],
    ];
  }
}

export function batchInfo(b: Batch): [string, string | number | undefined][] {
  return [
    ['id', b.id], ['jobId', b.job.id], ['state', b.state], ['stateMessage', b.stateMessage],
    ['createdDate', jobTimestamp(b.createdMs)], ['systemModstamp', jobTimestamp(b.modifiedMs)],
    ['numberRecordsProcessed', b.processed], ['numberRecordsFailed', b.failed], ['totalProcessingTime', b.processingMs],
    ['apiActiveProcessingTime', b.processingMs], ['apexProcessingTime', 0],
  ];
}

/** Validates a jobInfo request (object, operation, upsert key, content type) into a new job. */
export function newJob(ctx: EmulatorContext, fields: Record<string, string>, createdById: string, apiVersion: number): Job {
  const operation = fields.operation as Bulk1Operation;
  if (!OPERATIONS.has(operation)) throw new AsyncApiError(400, 'InvalidJob', `Invalid operation: ${fields.operation ?? ''}`);
  const contentType = (fields.contentType ?? 'XML') as Bulk1ContentType;
  if (contentType !== 'CSV' && contentType !== 'XML') throw new AsyncApiError(400, 'InvalidJob', `Unsupported content type: ${contentType} (the emulator takes CSV and XML)`);
  const concurrency = fields.concurrencyMode ?? 'Parallel';
  if (concurrency !== 'Parallel' && concurrency !== 'Serial') throw new AsyncApiError(400, 'InvalidJob', `Invalid concurrency mode: ${concurrency}`);
  if (operation === 'query' || operation === 'queryAll') {
    const def = fields.object ? ctx.org.describe(fields.object) : undefined;
    if (!def) throw new AsyncApiError(400, 'InvalidJob', `Unable to find object: ${fields.object ?? ''}`);
    return new Job(def.name, operation, undefined, contentType, concurrency, createdById, apiVersion);
  }
  try {
    const checked = checkIngestJob(ctx, fields.object, operation, fields.externalIdFieldName);
    return new Job(checked.def.name, checked.operation, checked.externalIdField, contentType, concurrency, createdById, apiVersion);
  } catch (err) {
    if (!(err instanceof SfRequestError)) throw err;
    if (err.errorCode === 'NOT_FOUND') throw new AsyncApiError(400, 'InvalidJob', `Unable to find object: ${fields.object ?? ''}`);
    throw new AsyncApiError(400, 'InvalidJob', err.message.replace(/^InvalidJob : /, ''));
  }
}

/** An XML batch (`<sObjects><sObject><Name>…</Name></sObject>…`) as a header and rows of cells. */
function xmlRows(root: XmlElement): { header: string[]; rows: string[][] } {
  if (root.name !== 'sObjects') throw new XmlSyntaxError(`expected <sObjects>, found <${root.name}>`);
  const header: string[] = [];
  const column = new Map<string, number>();
  const records = root.children.filter((c) => c.name === 'sObject').map((o) => {
    const cells = new Map<number, string>();
    for (const f of o.children) {
      if (f.name === 'type') continue;
      let at = column.get(f.name.toLowerCase());
      if (at === undefined) {
        at = header.push(f.name) - 1;
        column.set(f.name.toLowerCase(), at);
      }
      cells.set(at, f.attrs['xsi:nil'] === 'true' ? '#N/A' : f.text);
    }
    return cells;
  });
  return { header, rows: records.map((cells) => header.map((_, i) => cells.get(i) ?? '')) };
}

function csvRows(text: string): { header: string[]; rows: string[][] } {
  const parser = new CsvParser(',');
  const all: string[][] = [];
  parser.feed(text, (row) => all.push(row));
  parser.feed('\n', (row) => all.push(row));
  const nonEmpty = all.filter((r) => !(r.length === 1 && r[0] === ''));
  return { header: nonEmpty[0] ?? [], rows: nonEmpty.slice(1) };
}

/** Runs a queued batch now (callers schedule it after the request that queued it has been answered). */
export function processBatch(ctx: EmulatorContext, b: Batch): void {
  if (b.state !== 'Queued') return;
  b.state = 'InProgress';
  const started = Date.now();
  try {
    if (b.job.isQuery) {
      b.cursor = ctx.org.queryCursor(b.payload, { scanAll: b.job.operation === 'queryAll', apiVersion: b.job.apiVersion.toFixed(1), bulk: true });
      if (b.cursor.count !== null) throw new JobFailure('InvalidBatch : Failed to process query: COUNT() is not supported by the Bulk API');
      b.processed = b.cursor.size;
    } else {
      const { header, rows } = b.job.contentType === 'XML' ? xmlRows(parseXml(b.payload)) : csvRows(b.payload);
      if (rows.length > MAX_BATCH_RECORDS) throw new JobFailure(`InvalidBatch : Records in a batch must not exceed ${MAX_BATCH_RECORDS}`);
      if (header.length === 0 && rows.length === 0) {
        b.outcomes = [];
      } else {
        const target = resolveTarget(ctx, { object: b.job.object, operation: b.job.operation as IngestOperation, externalIdFieldName: b.job.externalIdFieldName, apiVersion: b.job.apiVersion }, header);
        ctx.org.transaction(target.changeOrigin, () => {
          for (const row of rows) b.outcomes.push(applyRow(ctx.org, target, row));
        });
      }
      b.processed = b.outcomes.length;
      b.failed = b.outcomes.filter((o) => !o.ok).length;
    }
    b.state = 'Completed';
  } catch (err) {
    b.state = 'Failed';
    if (err instanceof JobFailure) b.stateMessage = err.message;
    else if (err instanceof SfRequestError) b.stateMessage = `InvalidBatch : Failed to process query: ${err.errorCode}: ${err.message}`;
    else if (err instanceof CsvSyntaxError || err instanceof XmlSyntaxError) b.stateMessage = `InvalidBatch : ${err.message}`;
    else b.stateMessage = `InvalidBatch : ${err instanceof Error ? err.message : String(err)}`;
  }
  b.modifiedMs = Date.now();
  b.processingMs = b.modifiedMs - started;
  b.job.modifiedMs = b.modifiedMs;
}

/** The errors of a failed row as record errors (XML results list them one by one). */
export function rowErrors(outcome: RowOutcome): SfError[] {
  if (outcome.ok) return [];
  // formatRowError wrote `CODE:message:Field,Field --` (or `CODE:message:--`) per error; read them back.
  const out: SfError[] = [];
  for (const m of outcome.error.matchAll(/([A-Z_]+):([\s\S]*?):((?:[\w.]+,?)*) ?--/g)) {
    out.push({ statusCode: m[1], message: m[2], fields: m[3] ? m[3].split(',') : [] });
  }
  return out.length ? out : [{ statusCode: 'UNKNOWN_EXCEPTION', message: outcome.error, fields: [] }];
}
