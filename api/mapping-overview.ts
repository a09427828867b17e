// Every mapping's status and live figures in one read, for the console's overview, GET /mappings and /metrics:
// one Temporal visibility listing (which mappings run) and one SQL statement over ferry's tables — the status
// each workflow publishes (ferry.mapping_status), the API-call ledger, load checkpoints, staged stream events,
// the activity journal's latest attempt and table statistics — plus one count per schema's trigger log
// (normally one schema). Never one query per mapping: a workflow that has not published a status yet (just
// started, or started by a ferry without the console) is the only one asked directly.
import { withTransaction, type Pool, type PoolClient } from '../infra/db';
import { quoteIdent } from '../domain/sql-names';
import type { MappingStatus } from '../workflows/mapping/messages';
import type { ApiContext } from './context';
import type { ListedMapping } from './mapping-workflows';
import type { LoadProgress } from './mapping-telemetry';

/** The activity Temporal is retrying, or the last one that failed since the mapping's last success. */
export interface CurrentProblem {
  activity: string;
  attempts: number;
  last_error: { type: string; message: string };
  /** When the first failed attempt of this run of failures ended. */
  since: string;
  last_attempt_at: string;
}

export interface MappingFigures {
  status: MappingStatus | null;
  statusAt: string | null;
  apiCalls24h: number;
  loadProgress?: LoadProgress;
  problem: CurrentProblem | null;
  /** Live rows in the Postgres table (Postgres's statistics: exact after ANALYZE, close otherwise). */
  pgRows: number | null;
  /** Seconds the oldest staged stream event has waited to be applied; 0 when none waits. */
  streamLagSeconds: number;
  outbound: { pending: number; failed: number };
}

interface Row {
  mapping_id: string;
  status: MappingStatus | null;
  status_at: Date | null;
  used: string;
  cp_target: 'live' | 'reload' | null; cp_mode: 'bulk' | 'rest' | null; cp_rows: string | null; cp_total: string | null; cp_started: Date | null;
  p_activity: string | null; p_ok: boolean | null; p_type: string | null; p_message: string | null; p_attempt: number | null; p_at: Date | null; p_since: Date | null;
  pg_rows: string | null;
  stream_lag: number | null;
}

// Lateral lookups ride the (mapping, time) indexes: the statement's cost grows with the number of mappings,
// not with the history kept.
const OVERVIEW_SQL = `
SELECT m.id AS mapping_id, s.status, s.updated_at AS status_at,
       coalesce((SELECT sum(l.calls) FROM ferry.api_call_ledger l
                  WHERE l.mapping = m.id AND l.minute > now() - interval '24 hours' - interval '1 minute'), 0) AS used,
       cp.target AS cp_target, cp.mode AS cp_mode, cp.rows_loaded AS cp_rows, cp.rows_total AS cp_total, cp.started_at AS cp_started,
       a.activity AS p_activity, a.ok AS p_ok, a.error_type AS p_type, a.error_message AS p_message, a.attempt AS p_attempt, a.finished_at AS p_at,
       CASE WHEN a.ok = false THEN (
         SELECT min(f.finished_at) FROM ferry.mapping_activity f
          WHERE f.mapping_id = m.id AND NOT f.ok AND f.finished_at > coalesce(
            (SELECT max(o.finished_at) FROM ferry.mapping_activity o WHERE o.mapping_id = m.id AND o.ok), '-infinity')
       ) END AS p_since,
       (SELECT t.n_live_tup FROM pg_stat_user_tables t
         WHERE t.schemaname = split_part(m.id, '.', 1) AND t.relname = coalesce(s.status->>'table', substr(m.id, strpos(m.id, '.') + 1))) AS pg_rows,
       (SELECT extract(epoch FROM now() - min(e.received_at)) FROM ferry.stream_events e WHERE e.mapping_id = m.id)::float8 AS stream_lag
  FROM (SELECT unnest($1::text[]) AS id UNION SELECT mapping_id FROM ferry.mapping_status WHERE $2) AS m(id)
  LEFT JOIN ferry.mapping_status s ON s.mapping_id = m.id
  LEFT JOIN LATERAL (SELECT c.target, c.mode, c.rows_loaded, c.rows_total, c.started_at FROM ferry.load_checkpoint c
                      WHERE c.mapping = m.id AND NOT c.done ORDER BY c.started_at LIMIT 1) cp ON true
  LEFT JOIN LATERAL (SELECT j.activity, j.ok, j.error_type, j.error_message, j.attempt, j.finished_at FROM ferry.mapping_activity j
                      WHERE j.mapping_id = m.id ORDER BY j.finished_at DESC LIMIT 1) a ON true`;

/**
 * Runs a read with JIT compilation off: the planner's cost estimate for the overview (one lateral lookup per
 * mapping over tables of hundreds of thousands of rows) crosses jit_above_cost, and compiling the plan took
 * longer (≈ 160 ms) than running it (a few ms).
 */
function withoutJit<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return withTransaction(pool, fn, 'BEGIN READ ONLY; SET LOCAL jit = off');
}

/** Entries counted at most: the overview says "at least" beyond it rather than scanning a huge backlog. */
export const OUTBOUND_COUNT_LIMIT = 100_000;

/** Pending and failed outbound writes per mapping id, one statement per schema that has a trigger log. */
async function readOutboundCounts(pool: Pool, mappingIds: string[]): Promise<Map<string, { pending: number; failed: number }>> {
  const schemas = [...new Set(mappingIds.map((id) => id.slice(0, id.indexOf('.'))))];
  const out = new Map<string, { pending: number; failed: number }>();
  if (schemas.length === 0) return out;
  const { rows: logs } = await pool.query<{ schema: string }>(
    `SELECT s AS schema FROM unnest($1::text[]) AS s WHERE to_regclass(format('%I._trigger_log', s)) IS NOT NULL`, [schemas]);
  await Promise.all(logs.map(async ({ schema }) => {
    const { rows } = await pool.query<{ table_name: string; pending: string; failed: string }>(
      `SELECT table_name, count(*) FILTER (WHERE state IN ('NEW', 'PENDING')) AS pending, count(*) FILTER (WHERE state = 'FAILED') AS failed
         FROM (SELECT table_name, state FROM ${quoteIdent(schema)}._trigger_log WHERE state IN ('NEW', 'PENDING', 'FAILED') LIMIT ${OUTBOUND_COUNT_LIMIT}) e
        GROUP BY table_name`);
    for (const r of rows) out.set(`${schema}.${r.table_name}`, { pending: Number(r.pending), failed: Number(r.failed) });
  }));
  return out;
}

/**
 * Figures of the given mappings, plus (allPublished) of every mapping that published a status — so the read
 * can run beside the visibility listing instead of after it.
 */
export async function readMappingFigures(pool: Pool, mappingIds: string[], allPublished = false): Promise<Map<string, MappingFigures>> {
  const { rows } = await withoutJit(pool, (client) => client.query<Row>(OVERVIEW_SQL, [mappingIds, allPublished]));
  const outbound = await readOutboundCounts(pool, rows.map((r) => r.mapping_id));
  return new Map(rows.map((r) => [r.mapping_id, {
    status: r.status,
    statusAt: r.status_at?.toISOString() ?? null,
    apiCalls24h: Number(r.used),
    loadProgress: r.cp_target === null ? undefined : {
      target: r.cp_target, mode: r.cp_mode!, rows_loaded: Number(r.cp_rows), rows_total: r.cp_total === null ? null : Number(r.cp_total), started_at: r.cp_started!.toISOString(),
    },
    problem: r.p_ok === false ? {
      activity: r.p_activity!, attempts: r.p_attempt!, last_error: { type: r.p_type ?? 'Error', message: r.p_message ?? '' },
      since: (r.p_since ?? r.p_at!).toISOString(), last_attempt_at: r.p_at!.toISOString(),
    } : null,
    pgRows: r.pg_rows === null ? null : Number(r.pg_rows),
    streamLagSeconds: Math.max(0, r.stream_lag ?? 0),
    outbound: outbound.get(r.mapping_id) ?? { pending: 0, failed: 0 },
  }]));
}

export interface OverviewEntry {
  listed: ListedMapping;
  /** The workflow's status: published, or asked directly when none is published; null when it did not answer. */
  status: MappingStatus | null;
  figures: MappingFigures;
}

export interface OverviewTiming {
  listMs?: number;
  sqlMs?: number;
}

/**
 * Every running mapping with its status and figures: the visibility listing and the SQL read of every
 * published status run side by side; a listed mapping that has not published yet is read (and asked) after.
 */
export async function readOverview(ctx: ApiContext, timing: OverviewTiming = {}): Promise<OverviewEntry[]> {
  const t0 = performance.now();
  const [listed, published] = await Promise.all([
    ctx.workflows.list().finally(() => (timing.listMs = performance.now() - t0)),
    ctx.pg((pool) => readMappingFigures(pool, [], true)).finally(() => (timing.sqlMs = performance.now() - t0)),
  ]);
  const missing = listed.map((m) => m.ref.mappingId).filter((id) => !published.has(id));
  const figures = missing.length === 0 ? published : new Map([...published, ...await ctx.pg((pool) => readMappingFigures(pool, missing))]);
  const entries = listed.map((m) => ({ listed: m, figures: figures.get(m.ref.mappingId)!, status: figures.get(m.ref.mappingId)?.status ?? null }));
  // Only mappings that never published are asked directly (a freshly started one, or one on an older worker).
  await Promise.all(entries.filter((e) => e.status === null).map(async (e) => {
    e.status = await ctx.workflows.statusOrNull(e.listed.ref);
  }));
  return entries;
}

/**
 * Forgets a mapping's published status and journal written before `before` (Postgres's clock; all of it when
 * absent): on delete, and after a start, so a mapping of the same table ended outside ferry (e.g. terminated in
 * the Temporal UI) never shows through the new one.
 */
export async function forgetMapping(pool: Pool, mappingId: string, before?: Date): Promise<void> {
  await pool.query('DELETE FROM ferry.mapping_status WHERE mapping_id = $1 AND updated_at < coalesce($2::timestamptz, \'infinity\')', [mappingId, before ?? null]);
  await pool.query('DELETE FROM ferry.mapping_activity WHERE mapping_id = $1 AND finished_at < coalesce($2::timestamptz, \'infinity\')', [mappingId, before ?? null]);
}

/** Postgres's clock now, for forgetMapping after a start. */
export async function postgresNow(pool: Pool): Promise<Date> {
  return (await pool.query<{ now: Date }>('SELECT now()')).rows[0].now;
}
