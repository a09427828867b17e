// Turns claimed trigger-log entries into Salesforce writes, without I/O. Entries of one record arrive in
// commit order (row locks serialize a record's writers, so entry ids of one record follow commit order);
// they fold into ONE write per record: consecutive updates merge, an update after an unsent insert joins
// the insert, a delete after an unsent insert cancels both, a delete after updates wins.
//
//   entries (per record, by id)          write
//   INSERT, UPDATE, UPDATE           →   insert with the merged values
//   UPDATE, UPDATE                   →   one update (later values win)
//   UPDATE, DELETE                   →   delete
//   INSERT, DELETE                   →   none (nothing reaches Salesforce)
import { pgToSfJson, type SfJsonValue } from './wire-values.js';

export type LogAction = 'INSERT' | 'UPDATE' | 'DELETE';

export interface LogEntry {
  id: number;
  action: LogAction;
  recordId: number | null;
  sfid: string | null;
  values: Record<string, unknown> | null;
}

export type WriteKind = 'insert' | 'update' | 'delete' | 'none';

export interface FoldedWrite {
  /** Mapping-table row id; null only for entries written by hand without one. */
  recordId: number | null;
  kind: WriteKind;
  /** Known Salesforce id (from the entries); the flush fills it from the row or earlier entries when null. */
  sfid: string | null;
  /** Column → Postgres value (jsonb), after folding. */
  values: Record<string, unknown>;
  /** Every entry this write settles, in commit order. */
  entryIds: number[];
}

/** Folds entries (in id order) into one write per record, in the order each record first appeared. */
export function foldEntries(entries: readonly LogEntry[]): FoldedWrite[] {
  // Keyed by row id; an entry without one (a row deleted before capture knew its id) is a write of its own.
  const byRecord = new Map<number, FoldedWrite>();
  const writes: FoldedWrite[] = [];
  for (const e of entries) {
    let w = e.recordId === null ? undefined : byRecord.get(e.recordId);
    if (!w) {
      w = { recordId: e.recordId, kind: 'none', sfid: e.sfid, values: {}, entryIds: [] };
      writes.push(w);
      if (e.recordId !== null) byRecord.set(e.recordId, w);
    }
    w.entryIds.push(e.id);
    w.sfid = e.sfid ?? w.sfid;
    applyEntry(w, e);
  }
  return writes;
}

/** Folds one entry into its record's write. An entry's values are never changed: later entries merge into a copy. */
function applyEntry(w: FoldedWrite, e: LogEntry): void {
  const values = e.values ?? {};
  switch (e.action) {
    case 'INSERT':
      // A row inserted with an sfid already set points at an existing record: an update of it.
      w.kind = e.sfid ? 'update' : 'insert';
      w.values = values;
      return;
    case 'UPDATE':
      if (w.kind !== 'insert') w.kind = 'update';
      w.values = { ...w.values, ...values };
      return;
    case 'DELETE':
      w.kind = w.kind === 'insert' && !w.sfid ? 'none' : 'delete';
      w.values = {};
      return;
  }
}

/** What ferry knows of a mapped field to send it. */
export interface SendableField {
  name: string;
  column: string;
  sfType: string;
  createable?: boolean;
  updateable?: boolean;
}

export class ConversionError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'ConversionError';
  }
}

/**
 * Column values → the Salesforce record body for an insert or an update: only mapped fields that Salesforce
 * accepts for that operation (a field without writability flags counts as writable), keyed by API name.
 * Throws ConversionError naming the field when a value cannot be converted.
 */
export function toSfRecord(values: Record<string, unknown>, fields: readonly SendableField[], kind: 'insert' | 'update'): Record<string, SfJsonValue> {
  const out: Record<string, SfJsonValue> = {};
  for (const f of fields) {
    if (!(f.column in values) || f.column === 'sfid') continue;
    if (kind === 'insert' ? f.createable === false : f.updateable === false) continue;
    try {
      out[f.name] = pgToSfJson(values[f.column], f.sfType);
    } catch (err) {
      throw new ConversionError(f.name, `${f.name}: ${(err as Error).message}`);
    }
  }
  return out;
}

/** Records a sObject Collections request may carry. */
export const COLLECTION_MAX = 200;
/** Above this many writes in one flush, Bulk API 2.0 ingest is used. */
export const BULK_WRITE_THRESHOLD = 2000;
/** API calls one Bulk 2.0 ingest job costs, without its status polls: create, upload, close, results ×2. */
export const BULK_JOB_FIXED_CALLS = 5;

/**
 * Bulk 2.0 job sizes for `total` writes of one operation: a small first job of the oldest writes (they have
 * waited a whole flush interval; a small job lands them soonest), then jobs of up to 25,000, so that a flush
 * of 50,000 writes is a pipeline of three jobs in which uploading, processing and writing back overlap.
 * (Smaller jobs overlap more but cost more per record in write-backs, job set-up and API calls.)
 */
export const FIRST_JOB_ROWS = 2_000;
export const JOB_ROWS = 25_000;

export function jobSizes(total: number): number[] {
  const sizes: number[] = [];
  for (let left = total, first = true; left > 0; first = false) {
    const n = Math.min(left, first ? FIRST_JOB_ROWS : JOB_ROWS);
    sizes.push(n);
    left -= n;
  }
  return sizes;
}

export interface WriteCounts {
  insert: number;
  update: number;
  delete: number;
}

/** API calls a flush costs through collections, and (a typical estimate, two polls a job) through Bulk 2.0 jobs. */
export function estimateCalls(c: WriteCounts): { collections: number; bulk: number } {
  const ops = [c.insert, c.update, c.delete].filter((n) => n > 0);
  return {
    collections: ops.reduce((sum, n) => sum + Math.ceil(n / COLLECTION_MAX), 0),
    bulk: ops.reduce((sum, n) => sum + jobSizes(n).length * (BULK_JOB_FIXED_CALLS + 2), 0),
  };
}

/**
 * Collections for small flushes (fast, no job to poll), Bulk 2.0 for large ones. When the mapping's API
 * budget is nearly spent (fewer calls left than a generous margin over the collections cost), the cheaper
 * API in calls wins, so a scarce budget batches more per call instead of failing.
 */
export function chooseApi(c: WriteCounts, callsLeft: number | null): 'collections' | 'bulk' | 'none' {
  const total = c.insert + c.update + c.delete;
  if (total === 0) return 'none';
  const calls = estimateCalls(c);
  if (callsLeft !== null && callsLeft < calls.collections * 10) return calls.bulk < calls.collections ? 'bulk' : 'collections';
  return total > BULK_WRITE_THRESHOLD ? 'bulk' : 'collections';
}

/** Splits a list into chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A value as text for comparing what ferry sent with what Salesforce holds (numbers by value, datetimes by instant). */
export function comparableSfValue(value: unknown, sfType: string): string {
  if (value === null || value === undefined || value === '') return '';
  if (sfType === 'datetime') {
    const text = String(value).replace(/\+0000$/, 'Z');
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? text : String(ms);
  }
  if (['int', 'long', 'double', 'currency', 'percent'].includes(sfType)) return String(Number(value));
  return String(value);
}
