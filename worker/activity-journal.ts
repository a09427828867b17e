// The activity journal: every attempt of a mapping's activity (load, poll, flush, stream apply, …) leaves one
// row in ferry.mapping_activity when it ends — outcome, duration, rows in and out, refused writes, API calls,
// or the error it failed with and its attempt number. An activity interceptor writes it, so no activity
// changes: the console's 24 h chart and recent activity read it, and so does the current problem while
// Temporal retries an activity (the workflow itself only learns of a failure once the retries are spent).
// Writing the journal never fails or delays the activity's outcome beyond one INSERT; a failed INSERT is logged.
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityInboundCallsInterceptor, ActivityInterceptorsFactory } from '@temporalio/worker';
import type { Pool } from '../infra/db';
import type { Logger } from '../infra/logger';

/** Activities that are bookkeeping, not sync work: not journaled. */
const UNJOURNALED = new Set(['publishMappingStatus', 'describePostgres']);
const RETENTION = "interval '8 days'";
const MAX_MESSAGE = 2000;

export interface JournalFigures {
  rowsIn: number;
  rowsOut: number;
  writeErrors: number;
  apiCalls: number;
  detail: Record<string, unknown> | null;
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** What an activity's result says it did, in the journal's terms. Pure; unknown results count nothing. */
export function figuresOf(activity: string, result: unknown): JournalFigures {
  const r = (typeof result === 'object' && result !== null ? result : {}) as Record<string, unknown>;
  const merged = num(r.inserted) + num(r.updated) + num(r.deleted);
  const f: JournalFigures = { rowsIn: 0, rowsOut: 0, writeErrors: 0, apiCalls: num(r.apiCalls), detail: null };
  switch (activity) {
    case 'loadObject':
      f.rowsIn = num(r.rowsLoaded);
      f.detail = { mode: r.mode, rows_loaded: num(r.rowsLoaded) };
      break;
    case 'pollChanges':
      f.rowsIn = merged;
      f.detail = { mode: r.mode, records: num(r.records), inserted: num(r.inserted), updated: num(r.updated), deleted: num(r.deleted) };
      break;
    case 'applyStreamEvents':
      f.rowsIn = merged;
      f.detail = { events: num(r.events), inserted: num(r.inserted), updated: num(r.updated), deleted: num(r.deleted) };
      break;
    case 'syncPurgedDeletes':
      f.rowsIn = num(r.deleted);
      break;
    case 'flushOutbound':
      f.rowsOut = num(r.succeeded);
      f.writeErrors = num(r.failed);
      f.detail = { claimed: num(r.claimed), writes: num(r.writes), api: r.api };
      break;
  }
  return f;
}

/** The failure as the journal names it: its Temporal failure type, else the Salesforce error code, else its class. */
export function failureOf(err: unknown): { type: string; message: string } {
  const message = (err instanceof Error ? err.message : String(err)).slice(0, MAX_MESSAGE);
  if (err instanceof ApplicationFailure && err.type) return { type: err.type, message };
  const e = err as { errorCode?: unknown; code?: unknown; name?: unknown };
  const type = typeof e?.errorCode === 'string' ? e.errorCode : typeof e?.code === 'string' ? e.code : typeof e?.name === 'string' ? e.name : 'Error';
  return { type, message };
}

function mappingIdOf(args: unknown[]): string | undefined {
  const a = args[0] as { mappingId?: unknown } | undefined;
  return typeof a?.mappingId === 'string' ? a.mappingId : undefined;
}

export function activityJournal(pool: Pool, log: Logger): ActivityInterceptorsFactory {
  let writes = 0;
  const record = async (row: unknown[]): Promise<void> => {
    try {
      await pool.query(
        `INSERT INTO ferry.mapping_activity (mapping_id, activity, attempt, started_at, finished_at, ok, error_type, error_message,
           rows_in, rows_out, write_errors, api_calls, detail)
         VALUES ($1, $2, $3, $4, now(), $5, $6, $7, $8, $9, $10, $11, $12)`,
        row,
      );
      if (++writes % 500 === 0) await pool.query(`DELETE FROM ferry.mapping_activity WHERE finished_at < now() - ${RETENTION}`);
    } catch (err) {
      log.warn({ err: err instanceof Error ? err.message : String(err) }, 'activity journal: could not record an attempt');
    }
  };
  return (ctx) => {
    const inbound: ActivityInboundCallsInterceptor = {
      async execute(input, next) {
        const info = ctx.info;
        const mappingId = mappingIdOf(input.args);
        if (mappingId === undefined || UNJOURNALED.has(info.activityType)) return next(input);
        const startedAt = new Date();
        try {
          const result = await next(input);
          const f = figuresOf(info.activityType, result);
          await record([mappingId, info.activityType, info.attempt, startedAt, true, null, null, f.rowsIn, f.rowsOut, f.writeErrors, f.apiCalls, f.detail && JSON.stringify(f.detail)]);
          return result;
        } catch (err) {
          const e = failureOf(err);
          await record([mappingId, info.activityType, info.attempt, startedAt, false, e.type, e.message, 0, 0, 0, 0, null]);
          throw err;
        }
      },
    };
    return { inbound };
  };
}
