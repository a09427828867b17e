// Sends large flushes through Bulk API 2.0 ingest: jobs per operation (insert or upsert, update, delete),
// pipelined: the next job is uploaded while Salesforce processes the current one, and jobs' results are
// written back (two jobs' at once, on their own connections) while the next is processed. Each job id is recorded in ferry.outbound_attempt as soon as the job exists, so a flush
// retried after a crash reads the results of the jobs it already ran instead of loading the records again.
// Results come back unordered: updates and deletes are matched by Id, inserts by their row's exact cells.
import type { Connection } from 'jsforce';
import { parseCsvTable, type CsvTable } from '../../domain/csv-table';
import { jobSizes } from '../../domain/outbound-batch';
import type { SalesforceErrorInfo } from '../../domain/outbound-writes';
import { retryTransient } from '../../salesforce/transient-retry';
import type { BulkJobRef } from '../../store/trigger-log-claims';
import type { PreparedWrite, SettledWrite, WriteOutcome } from '../../domain/outbound-writes';

export interface BulkTarget {
  objectName: string;
  upsertField: string | null;
}

type Op = BulkJobRef['op'];

/**
 * Waits between checks of a job's state: short at first (a job of a few thousand rows is often done within
 * a tenth of a second), then every 250 ms. Each check is one API call.
 */
const POLL_DELAYS_MS = [50, 100, 150, 250];

/** Write-backs of one flush's jobs that may run at once (each holds one database connection). */
export const WRITE_BACKS_IN_FLIGHT = 2;

/** One CSV cell: Bulk 2.0 reads an empty cell as "leave unchanged" and `#N/A` as null. */
function cell(value: unknown): string {
  if (value === null) return '#N/A';
  if (value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Uploaded text of a value as Salesforce echoes it in result files (unquoted). */
function rawCell(value: unknown): string {
  return value === null ? '#N/A' : value === undefined ? '' : String(value);
}

interface JobPlan {
  op: Op;
  writes: PreparedWrite[];
  columns: string[];
}

function planOf(op: Op, ws: readonly PreparedWrite[]): JobPlan {
  const columns = op === 'delete' ? ['Id'] : [...new Set(ws.flatMap((w) => Object.keys(w.record)))];
  if (op === 'update') columns.unshift('Id');
  return { op, writes: [...ws], columns };
}

/**
 * The job's upload. Built when the job starts, not with the plan: a flush's first job then goes out without
 * waiting for the CSV of all its others, which are built while Salesforce processes the jobs before them.
 */
export function csvOf(plan: JobPlan): string {
  const lines = [plan.columns.join(',')];
  for (const w of plan.writes) lines.push(plan.columns.map((c) => cell(c === 'Id' ? w.sfid : w.record[c])).join(','));
  return `${lines.join('\n')}\n`;
}

/** The jobs for `writes` (in their order); `split` cuts each operation's writes into jobs of jobSizes. */
export function planJobs(target: BulkTarget, writes: readonly PreparedWrite[], split = false): JobPlan[] {
  const plans: JobPlan[] = [];
  const byKind = (k: PreparedWrite['kind']) => writes.filter((w) => w.kind === k);
  const insertOp: Op = target.upsertField ? 'upsert' : 'insert';
  for (const [op, ws] of [[insertOp, byKind('insert')], ['update', byKind('update')], ['delete', byKind('delete')]] as const) {
    let at = 0;
    for (const n of split ? jobSizes(ws.length) : ws.length > 0 ? [ws.length] : []) {
      plans.push(planOf(op, ws.slice(at, at + n)));
      at += n;
    }
  }
  return plans;
}

/**
 * `CODE:message:Field1,Field2 --` (one or more, space separated) → the first error. An error naming no field
 * ends `CODE:message:--` (no space before the `--`): its field list is empty, not `--`.
 */
export function parseBulkError(text: string): SalesforceErrorInfo {
  const end = /(?:\s|(?<=:))--(?:\s|$)/.exec(text);
  const first = end ? text.slice(0, end.index) : text;
  const colon = first.indexOf(':');
  if (colon < 0) return { code: 'UNKNOWN', message: text, fields: [] };
  const rest = first.slice(colon + 1);
  const last = rest.lastIndexOf(':');
  const fields = last < 0 ? '' : rest.slice(last + 1).trim();
  return { code: first.slice(0, colon), message: last < 0 ? rest : rest.slice(0, last), fields: fields ? fields.split(',') : [] };
}

/** Key of a write's uploaded row (for inserts, whose results carry no id ferry knows): its cells, NUL-joined. */
function rowKey<T>(columns: readonly T[], get: (c: T) => string): string {
  let key = '';
  for (const c of columns) key += `${get(c)}\u0000`;
  return key;
}

async function waitForJob(conn: Connection, jobId: string, onPoll: () => void): Promise<string> {
  const job = conn.bulk2.job('ingest', { id: jobId });
  // A flush's latency is its jobs', and each check is one API call a flush can afford (a flush of ≤ 100,000
  // records is a few jobs that finish in seconds).
  for (let check = 0; ; check++) {
    await new Promise((r) => setTimeout(r, POLL_DELAYS_MS[Math.min(check, POLL_DELAYS_MS.length - 1)]));
    // A check is a read: one 5xx or dropped connection repeats the check, not the whole flush.
    const info = await retryTransient(() => job.check());
    onPoll();
    if (['JobComplete', 'Failed', 'Aborted', 'Open'].includes(info.state)) return info.state;
  }
}

/**
 * Matches result rows (successfulResults and failedResults, as parsed CSV) to the plan's writes; the rows
 * come in any order. Writes without a result row are left out (not processed).
 */
export function matchResults(plan: Pick<JobPlan, 'op' | 'writes' | 'columns'>, ok: CsvTable, failed: CsvTable): SettledWrite[] {
  const settled: SettledWrite[] = [];
  if (plan.writes.length === 0) return settled;
  const kind = plan.writes[0].kind;
  const byInsert = plan.op === 'insert' || plan.op === 'upsert';
  // Inserts are matched on the columns the job's own upload had (its results repeat them), which for a job
  // of an earlier attempt may be fewer than the plan's.
  const resultHeader = ok.rows.length > 0 || failed.rows.length === 0 ? ok.header : failed.header;
  const columns = resultHeader.length > 0 ? resultHeader.filter((c) => !c.startsWith('sf__')) : plan.columns;
  const byKey = new Map<string, PreparedWrite[]>();
  for (const w of plan.writes) {
    const k = byInsert ? rowKey(columns, (c) => rawCell(w.record[c])) : String(w.sfid);
    const list = byKey.get(k);
    if (list) list.push(w);
    else byKey.set(k, [w]);
  }
  // One pass per result file; `outcome` gets the row's cell of the column it names (sf__Id or sf__Error).
  const settle = (table: CsvTable, named: string, outcome: (w: PreparedWrite, cell: string) => WriteOutcome) => {
    const index = new Map(table.header.map((name, i) => [name, i]));
    const idAt = index.get('sf__Id');
    const plainIdAt = index.get('Id');
    const namedAt = index.get(named) ?? -1;
    const cellsAt = columns.map((c) => index.get(c));
    for (const row of table.rows) {
      const key = byInsert
        ? rowKey(cellsAt, (at) => (at === undefined ? '' : row[at] ?? ''))
        : (idAt !== undefined && row[idAt]) || (plainIdAt !== undefined && row[plainIdAt]) || '';
      const w = byKey.get(key)?.shift();
      if (w) settled.push({ write: w.write, kind, outcome: outcome(w, row[namedAt] ?? '') });
    }
  };
  settle(ok, 'sf__Id', (w, id) => ({ ok: true, sfid: id || w.sfid || null }));
  settle(failed, 'sf__Error', (w, text) => {
    const error = parseBulkError(text);
    if (plan.op === 'delete' && ['ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY'].includes(error.code)) return { ok: true, sfid: w.sfid };
    return { ok: false, error };
  });
  return settled;
}

async function collect(conn: Connection, plan: JobPlan, jobId: string, onPoll: () => void): Promise<SettledWrite[] | null> {
  const state = await waitForJob(conn, jobId, onPoll);
  const job = conn.bulk2.job('ingest', { id: jobId });
  if (state === 'Open') {
    // The upload never finished: nothing of it was applied. Abort it and let the writes be sent again.
    await job.abort().catch(() => undefined);
    return null;
  }
  if (state !== 'JobComplete') return null;
  // As text, parsed here: jsforce's own parsing into record objects cost more than the rest of the flush's
  // work in the worker for large jobs.
  const [ok, failed] = await Promise.all([retryTransient(() => job.getSuccessfulResults(true)), retryTransient(() => job.getFailedResults(true))]);
  return matchResults(plan, parseCsvTable(ok), parseCsvTable(failed));
}

export interface BulkSend {
  /** Writes Salesforce did not process (left for the next attempt). */
  unsent: PreparedWrite[];
}

/**
 * Runs the writes as Bulk 2.0 jobs, first reading the results of jobs a lost attempt already ran
 * (`earlierJobs`). `record` persists a job id before its data is uploaded; `settle` writes outcomes back.
 */
export async function sendBulk(
  conn: Connection, target: BulkTarget, writes: readonly PreparedWrite[], earlierJobs: readonly BulkJobRef[],
  record: (job: BulkJobRef) => Promise<void>, settle: (s: SettledWrite[]) => Promise<void>, onPoll: () => void,
): Promise<BulkSend> {
  let remaining = [...writes];
  for (const earlier of earlierJobs) {
    const plan = planJobs(target, remaining).find((p) => p.op === earlier.op);
    if (!plan) continue;
    const settled = await collect(conn, plan, earlier.jobId, onPoll);
    if (!settled) continue;
    await settle(settled);
    const done = new Set(settled.map((s) => s.write));
    remaining = remaining.filter((w) => !done.has(w.write));
  }
  const done = new Set<PreparedWrite['write']>();
  const plans = planJobs(target, remaining, true);
  /** Creates a job, records its id (before any data can reach Salesforce), uploads and closes it. */
  const start = async (plan: JobPlan): Promise<string> => {
    const job = conn.bulk2.createJob({
      object: target.objectName, operation: plan.op, lineEnding: 'LF',
      ...(plan.op === 'upsert' ? { externalIdFieldName: target.upsertField! } : {}),
    });
    await job.open();
    await record({ op: plan.op, jobId: job.id });
    await job.uploadData(csvOf(plan));
    await job.close();
    return job.id;
  };
  // Awaited later; marked handled now so that a failure cannot surface as an unhandled rejection first.
  const handled = <T>(p: Promise<T>): Promise<T> => {
    p.catch(() => undefined);
    return p;
  };
  const settling: Promise<void>[] = [];
  let next = plans.length > 0 ? handled(start(plans[0])) : null;
  try {
    for (let i = 0; i < plans.length; i++) {
      const jobId = await (next as Promise<string>);
      // The next job is uploaded while Salesforce processes this one. Two jobs of one flush never hold the
      // same record (a flush folds each record's changes into one write), so their order does not matter.
      next = i + 1 < plans.length ? handled(start(plans[i + 1])) : null;
      const settled = (await collect(conn, plans[i], jobId, onPoll)) ?? [];
      // Write-backs of earlier jobs run while Salesforce processes this one, and up to WRITE_BACKS_IN_FLIGHT
      // of them at once (each in its own transaction and connection): they touch disjoint entries and rows,
      // so they cannot wait for each other, and on a multi-core database they run side by side.
      if (settling.length >= WRITE_BACKS_IN_FLIGHT) await settling.shift();
      settling.push(handled(settle(settled).then(() => {
        for (const x of settled) done.add(x.write);
      })));
    }
    while (settling.length > 0) await settling.shift();
  } finally {
    // Every write-back has ended (written or failed) before the attempt ends.
    await Promise.allSettled(settling);
    // A failed flush is retried from the jobs recorded in ferry.outbound_attempt: an upload still under way
    // must have finished (recorded, uploaded and closed, or failed) before this attempt ends.
    await next?.catch(() => undefined);
  }
  return { unsent: remaining.filter((w) => !done.has(w.write)) };
}
