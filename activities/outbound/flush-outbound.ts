// One outbound flush of a mapping: claim queued trigger-log entries, fold them into one write per record,
// send them (sObject Collections for small flushes, Bulk API 2.0 ingest for large ones or when API calls are
// scarce), and write every outcome back onto the log and the rows. Record-level rejections end FAILED on
// their row; failures of a whole request throw so Temporal retries the flush, which resumes exactly the
// entries left PENDING (see store/trigger-log-claims.ts, recover-inserts.ts and send-bulk.ts for duplicate
// safety).
import { Context } from '@temporalio/activity';
import { chooseApi, ConversionError, foldEntries, toSfRecord, type FoldedWrite } from '../../domain/outbound-batch';
import { TRIGGER_LOG } from '../../domain/outbound-trigger-sql';
import { qualified } from '../../domain/sql-names';
import { withTransaction, type Pool } from '../../infra/db';
import { apiCallsInWindow } from '../../store/api-call-ledger';
import { classifyFailure, connectMapping } from '../errors';
import type { MappedField } from '../../domain/mapped-field';
import { type MappingRef } from '../../salesforce/mapping-connection';
import type { SalesforceSessions } from '../../salesforce/session';
import { archiveTriggerLog } from '../../store/trigger-log-archive';
import { beginAttempt, claimEntries, endAttempt, fullRows, hasQueuedEntries, recordBulkJob, rowSfids, type Claim } from '../../store/trigger-log-claims';
import type { PreparedWrite, SettledWrite } from '../../domain/outbound-writes';
import { bulkHeader, relationshipValues, type RelationshipField } from '../../domain/relationship-fields';
import { holdBack, orderPreparedWrites, relationshipFieldsOf, writeAlgorithm } from '../../store/ordered-writes';
import { recoverCreatedRecords } from './recover-inserts';
import { sendBulk } from './send-bulk';
import { sendCollections } from './send-collections';
import { writeResults } from '../../store/write-results';

/**
 * Entries one flush claims at most; more wait for the next flush, which the workflow runs at once. 100,000
 * rather than 50,000 halves the flushes of a backlog: over a million narrow inserts, 330 API calls instead of 380
 * and 8 % less Postgres CPU, at the same worker peak (bench/README.md, "Outbound").
 */
export const FLUSH_MAX_ENTRIES = 100_000;
/**
 * Stored bytes of claimed values one flush takes at most. The claim lives in the worker's memory three to four
 * times over while it is sent; 16 MB keeps a flush of wide rows (long text areas, many fields) to tens of MB of
 * heap, and still claims the whole 100,000 entries of a narrow object (≈ 6 MB).
 */
export const FLUSH_MAX_BYTES = 16 * 1024 * 1024;

export interface FlushInput extends MappingRef {
  table: string;
  fields: MappedField[];
  maxEntries?: number;
  maxBytes?: number;
  /** Also move processed trigger-log entries to the archive (the workflow asks at most hourly). */
  archive?: boolean;
}

export interface FlushResult {
  claimed: number;
  writes: number;
  succeeded: number;
  failed: number;
  api: 'collections' | 'bulk' | 'none';
  /** NEW entries are waiting: flush again without waiting for the timer. */
  remaining: boolean;
  apiCalls: number;
  apiCallsInWindow: number;
  /** Writes were held back for their parents (ordered writes): flush again this soon. */
  retryAfterMs?: number;
  held?: number;
}

interface Deps {
  pool: Pool;
  sessions?: SalesforceSessions;
}

/**
 * Resolves each write's target: sfid from the entries (write-back hands a learned sfid to a record's queued
 * entries) or the row; updates of never-sent rows become inserts.
 */
async function prepareWrites(pool: Pool, input: FlushInput, folded: FoldedWrite[]): Promise<{ prepared: PreparedWrite[]; settled: SettledWrite[] }> {
  const { schema } = input.config;
  // Inserts need no lookup: their rows have no sfid until ferry writes one back.
  const ids = folded.filter((w) => w.recordId !== null && (w.kind === 'update' || w.kind === 'delete') && !w.sfid).map((w) => w.recordId!);
  const rows = await rowSfids(pool, schema, input.table, ids);
  for (const w of folded) if (w.recordId !== null && !w.sfid) w.sfid = rows.get(w.recordId) ?? null;
  const orphanUpdates = folded.filter((w) => w.kind === 'update' && !w.sfid && w.recordId !== null && rows.has(w.recordId));
  const whole = await fullRows(pool, schema, input.table, orphanUpdates.map((w) => w.recordId!));
  for (const w of orphanUpdates) {
    w.kind = 'insert';
    w.values = whole.get(w.recordId!) ?? w.values;
  }

  const prepared: PreparedWrite[] = [];
  const settled: SettledWrite[] = [];
  for (const w of folded) {
    if (w.kind === 'none' || ((w.kind === 'delete' || w.kind === 'update') && !w.sfid)) {
      // Nothing reaches Salesforce: a cancelled insert, or a record Salesforce never had.
      settled.push({ write: w, kind: 'none', outcome: { ok: true, sfid: w.sfid } });
      continue;
    }
    try {
      const record = w.kind === 'delete' ? {} : toSfRecord(w.values, input.fields, w.kind);
      if (w.kind === 'update' && Object.keys(record).length === 0) {
        settled.push({ write: w, kind: 'none', outcome: { ok: true, sfid: w.sfid } });
        continue;
      }
      prepared.push({ write: w, kind: w.kind, sfid: w.sfid, record });
    } catch (err) {
      if (!(err instanceof ConversionError)) throw err;
      settled.push({ write: w, kind: w.kind, outcome: { ok: false, error: { code: 'FERRY_INVALID_VALUE', message: err.message, fields: [err.field] } } });
    }
  }
  return { prepared, settled };
}

export function createFlushOutbound(deps: Deps) {
  return async function flushOutbound(input: FlushInput): Promise<FlushResult> {
    const { pool } = deps;
    const { schema, objectName, upsertField, maxDailyApiCalls } = input.config;
    const heartbeat = () => Context.current().heartbeat();
    const maxEntries = input.maxEntries ?? FLUSH_MAX_ENTRIES;
    const claim: Claim = await claimEntries(pool, input.mappingId, schema, input.table, { maxEntries, maxBytes: input.maxBytes ?? FLUSH_MAX_BYTES });
    const result: FlushResult = { claimed: claim.entries.length, writes: 0, succeeded: 0, failed: 0, api: 'none', remaining: false, apiCalls: 0, apiCallsInWindow: 0 };
    if (claim.entries.length === 0) {
      if (input.archive) await archiveTriggerLog(pool, schema, input.table);
      result.remaining = await hasQueuedEntries(pool, schema, input.table);
      return result;
    }
    if (claim.entries.length >= ANALYZE_AFTER_CLAIM) await refreshStatistics(pool, schema);
    const settle = async (s: SettledWrite[]) => {
      await writeResults(pool, schema, input.table, s);
      for (const x of s) if (x.outcome.ok) result.succeeded += 1; else result.failed += 1;
      heartbeat();
    };
    const folded = foldEntries(claim.entries);
    result.writes = folded.length;
    const writes = await prepareWrites(pool, input, folded);
    let { prepared } = writes;
    await settle(writes.settled);
    // Relationship external IDs: sent as the relationship; under ordered writes, a child whose parent has not
    // reached Salesforce yet waits for it (a resumed claim sends exactly what it sent before).
    const relationships = await relationshipFieldsOf(pool, input.mappingId);
    if (relationships.length > 0) {
      addRelationships(prepared, relationships);
      if (!claim.resumed && (await writeAlgorithm(pool, schema)) === 'ordered') {
        const { send: now, hold } = await orderPreparedWrites(pool, schema, prepared, relationships, Date.now());
        if (hold.length > 0) {
          result.retryAfterMs = await holdBack(pool, schema, input.table, hold);
          result.held = hold.length;
        }
        prepared = now;
      }
    }
    const sf = await connectMapping(deps, input);
    try {
      if (prepared.length > 0) await send(input, claim, prepared, sf.conn, result, settle);
      await endAttempt(pool, input.mappingId);
      if (input.archive) await archiveTriggerLog(pool, schema, input.table);
      // Only a backlog (the claim hit its limit) flushes again at once; writes committed while this flush ran
      // wait for the next tick of the timer, so a busy mapping flushes once an interval, not back to back.
      result.remaining = claim.limited;
      return { ...result, apiCalls: sf.callsMade(), apiCallsInWindow: sf.callsMade() > 0 ? sf.usedInWindow() : await apiCallsInWindow(pool, input.mappingId) };
    } catch (err) {
      classifyFailure(err);
    }

    async function send(i: FlushInput, c: Claim, writes: PreparedWrite[], conn: Parameters<typeof sendCollections>[0], r: FlushResult, onSettled: typeof settle): Promise<void> {
      await beginAttempt(pool, i.mappingId, c.resumed?.startedAtMs ?? Date.now());
      const counts = { insert: 0, update: 0, delete: 0 };
      for (const w of writes) counts[w.kind] += 1;
      const callsLeft = maxDailyApiCalls === null ? null : maxDailyApiCalls - (await apiCallsInWindow(pool, i.mappingId));
      r.api = c.resumed && c.resumed.bulkJobs.length > 0 ? 'bulk' : chooseApi(counts, callsLeft);
      if (r.api === 'bulk') {
        const { unsent } = await sendBulk(conn, { objectName, upsertField }, writes, c.resumed?.bulkJobs ?? [],
          (job) => recordBulkJob(pool, i.mappingId, job), onSettled, heartbeat);
        if (unsent.length > 0) throw new Error(`${unsent.length} writes were not processed by Bulk API 2.0; the flush is retried`);
        return;
      }
      let toSend = writes;
      if (c.resumed && !upsertField) {
        const inserts = writes.filter((w) => w.kind === 'insert');
        const found = await recoverCreatedRecords(conn, objectName, i.fields, inserts, c.resumed.startedAtMs, (ids) => linkedSfids(pool, schema, i.table, ids));
        await onSettled([...found].map(([w, id]) => ({ write: w.write, kind: 'insert' as const, outcome: { ok: true as const, sfid: id } })));
        toSend = writes.filter((w) => !found.has(w));
      }
      await sendCollections(conn, { objectName, upsertField }, toSend, onSettled);
    }
  };
}

/** A claim at least this large means the log grows fast: its planner statistics are refreshed (at most every minute). */
const ANALYZE_AFTER_CLAIM = 10_000;
const ANALYZE_EVERY_MS = 60_000;
const analyzedAt = new Map<string, number>();

/**
 * ANALYZE of the schema's trigger log. Autovacuum analyzes a table once 10% of it changed and looks every
 * minute; during a burst the log outgrows its statistics faster, and the claim's plan then walks processed
 * entries from the start of the primary key instead of the queue index. Never waits for a lock: autovacuum
 * busy on the log means fresh statistics are on their way anyway.
 */
async function refreshStatistics(pool: Pool, schema: string): Promise<void> {
  const now = Date.now();
  if (now - (analyzedAt.get(schema) ?? 0) < ANALYZE_EVERY_MS) return;
  analyzedAt.set(schema, now);
  await withTransaction(pool, async (client) => {
    await client.query("SET LOCAL lock_timeout = '100ms'");
    await client.query(`ANALYZE ${qualified(schema, TRIGGER_LOG)}`);
  }).catch((err: { code?: string; message?: string }) => {
    // 55P03: lock_not_available (autovacuum holds the log). Anything else is worth a line, not a failed flush.
    if (err.code !== '55P03') Context.current().log.warn('ANALYZE of the trigger log failed', { schema, error: err.message });
  });
}

/**
 * Adds each write's relationship external IDs to its record, keyed `Account.External_ID__c` (the Bulk 2.0
 * header; sObject Collections nests it). A lookup field sent as null beside its relationship is dropped:
 * Salesforce refuses a record that sets both.
 */
function addRelationships(prepared: PreparedWrite[], relationships: readonly RelationshipField[]): void {
  for (const w of prepared) {
    if (w.kind === 'delete') continue;
    for (const [f, value] of relationshipValues(w.write.values, relationships)) {
      const lookup = w.record[f.lookupField];
      if (lookup !== undefined && lookup !== null) continue;
      delete w.record[f.lookupField];
      w.record[bulkHeader(f)] = value;
    }
  }
}

async function linkedSfids(pool: Pool, schema: string, table: string, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await pool.query<{ sfid: string }>(`SELECT sfid FROM ${qualified(schema, table)} WHERE sfid = ANY($1::text[])`, [ids]);
  return new Set(rows.map((r) => r.sfid));
}
