// Live figures the workflow's own status cannot give, read from Postgres for many mappings in one query
// each: a running load's progress (ferry.load_checkpoint, committed with every page) and the API calls in the
// rolling 24 h window (ferry.api_call_ledger — the same window the cap is enforced on, see migration 002).
import type { Pool } from '../infra/db';

export interface LoadProgress {
  target: 'live' | 'reload';
  mode: 'bulk' | 'rest';
  rows_loaded: number;
  rows_total: number | null;
  started_at: string;
}

export async function readLoadProgress(pool: Pool, mappingIds: string[]): Promise<Map<string, LoadProgress>> {
  const { rows } = await pool.query<{ mapping: string; target: 'live' | 'reload'; mode: 'bulk' | 'rest'; rows_loaded: string; rows_total: string | null; started_at: Date }>(
    `SELECT mapping, target, mode, rows_loaded, rows_total, started_at FROM ferry.load_checkpoint
      WHERE mapping = ANY($1::text[]) AND NOT done ORDER BY started_at`,
    [mappingIds],
  );
  return new Map(rows.map((r) => [r.mapping, {
    target: r.target, mode: r.mode, rows_loaded: Number(r.rows_loaded),
    rows_total: r.rows_total === null ? null : Number(r.rows_total), started_at: r.started_at.toISOString(),
  }]));
}

/** Calls reserved per mapping over the rolling 24 h (a minute bucket counts until a minute after it is 24 h old). */
export async function readApiCalls24h(pool: Pool, mappingIds: string[]): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ mapping: string; used: string }>(
    `SELECT m AS mapping, coalesce(sum(l.calls), 0) AS used
       FROM unnest($1::text[]) AS m
       LEFT JOIN ferry.api_call_ledger l ON l.mapping = m AND l.minute > now() - interval '24 hours' - interval '1 minute'
      GROUP BY m`,
    [mappingIds],
  );
  return new Map(rows.map((r) => [r.mapping, Number(r.used)]));
}
