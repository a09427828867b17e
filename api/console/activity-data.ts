// What the mapping page reads from the activity journal (ferry.mapping_activity, see worker/activity-journal.ts):
// the last 24 h in fixed intervals for the chart, and the most recent attempts.
import type { Pool } from '../../infra/db';

export const CHART_BUCKET_MINUTES = 15;

export interface ChartSeries {
  /** Interval starts, Unix seconds (uPlot's x axis). */
  t: number[];
  rowsIn: number[];
  rowsOut: number[];
  apiCalls: number[];
  /** Failed attempts plus writes Salesforce refused. */
  errors: number[];
}

export async function readChart(pool: Pool, mappingId: string): Promise<ChartSeries> {
  const { rows } = await pool.query<{ t: number; rows_in: string; rows_out: string; api_calls: string; errors: string }>(
    `WITH b AS (
       SELECT generate_series(date_bin($2::interval, now() - interval '24 hours', 'epoch'), now(), $2::interval) AS t
     )
     SELECT extract(epoch FROM b.t)::float8 AS t,
            coalesce(sum(a.rows_in), 0) AS rows_in, coalesce(sum(a.rows_out), 0) AS rows_out,
            coalesce(sum(a.api_calls), 0) AS api_calls,
            coalesce(sum(a.write_errors) + count(*) FILTER (WHERE NOT a.ok), 0) AS errors
       FROM b LEFT JOIN ferry.mapping_activity a
         ON a.mapping_id = $1 AND a.finished_at >= b.t AND a.finished_at < b.t + $2::interval
      GROUP BY b.t ORDER BY b.t`,
    [mappingId, `${CHART_BUCKET_MINUTES} minutes`],
  );
  return {
    t: rows.map((r) => r.t), rowsIn: rows.map((r) => Number(r.rows_in)), rowsOut: rows.map((r) => Number(r.rows_out)),
    apiCalls: rows.map((r) => Number(r.api_calls)), errors: rows.map((r) => Number(r.errors)),
  };
}

export interface ActivityEntry {
  activity: string;
  attempt: number;
  startedAt: Date;
  finishedAt: Date;
  ok: boolean;
  errorType: string | null;
  errorMessage: string | null;
  rowsIn: number;
  rowsOut: number;
  writeErrors: number;
  apiCalls: number;
  detail: Record<string, unknown> | null;
}

export async function readRecentActivity(pool: Pool, mappingId: string, limit = 25): Promise<ActivityEntry[]> {
  const { rows } = await pool.query<{
    activity: string; attempt: number; started_at: Date; finished_at: Date; ok: boolean; error_type: string | null; error_message: string | null;
    rows_in: number; rows_out: number; write_errors: number; api_calls: number; detail: Record<string, unknown> | null;
  }>(
    `SELECT activity, attempt, started_at, finished_at, ok, error_type, error_message, rows_in, rows_out, write_errors, api_calls, detail
       FROM ferry.mapping_activity WHERE mapping_id = $1 ORDER BY finished_at DESC, id DESC LIMIT $2`,
    [mappingId, limit],
  );
  return rows.map((r) => ({
    activity: r.activity, attempt: r.attempt, startedAt: r.started_at, finishedAt: r.finished_at, ok: r.ok, errorType: r.error_type,
    errorMessage: r.error_message, rowsIn: r.rows_in, rowsOut: r.rows_out, writeErrors: r.write_errors, apiCalls: r.api_calls, detail: r.detail,
  }));
}
