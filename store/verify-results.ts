// ferry's own rows about drift verification (ferry.verify_run), what a verify must leave alone (rows with
// queued outbound changes), and when a verify that would overrun the mapping's API budget may start.
import { TRIGGER_LOG } from '../domain/outbound-trigger-sql';
import { qualified } from '../domain/sql-names';
import type { VerifyCounts } from '../domain/verify-buckets';
import type { Pool } from '../infra/db';

export interface VerifyRunRow extends VerifyCounts {
  mappingId: string;
  startedAtMs: number;
  finishedAtMs: number;
  watermarkMs: number | null;
  mode: string;
}

export async function recordVerifyRun(pool: Pool, r: VerifyRunRow): Promise<void> {
  await pool.query(
    `INSERT INTO ferry.verify_run (mapping_id, started_at, finished_at, watermark, mode, buckets, buckets_differing, rows_compared,
       missing, stale, extra, skipped, repaired, api_calls)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [r.mappingId, new Date(r.startedAtMs), new Date(r.finishedAtMs), r.watermarkMs === null ? null : new Date(r.watermarkMs), r.mode,
      r.buckets, r.bucketsDiffering, r.rowsCompared, r.missing, r.stale, r.extra, r.skipped, r.repaired, r.apiCalls],
  );
  await pool.query("DELETE FROM ferry.verify_run WHERE mapping_id = $1 AND finished_at < now() - interval '90 days'", [r.mappingId]);
}

/** The sfids of the table's rows with queued (NEW or PENDING) outbound changes; empty without capture. */
export async function pendingOutboundSfids(pool: Pool, schema: string, table: string): Promise<Set<string>> {
  const log = qualified(schema, TRIGGER_LOG);
  const exists = await pool.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [log]);
  if (exists.rows[0].t === null) return new Set();
  const { rows } = await pool.query<{ sfid: string }>(
    `SELECT coalesce(l.sfid, t.sfid) AS sfid FROM ${log} l LEFT JOIN ${qualified(schema, table)} t ON t.id = l.record_id
      WHERE l.table_name = $1 AND l.state IN ('NEW', 'PENDING') AND coalesce(l.sfid, t.sfid) IS NOT NULL`,
    [table],
  );
  return new Set(rows.map((r) => r.sfid));
}

/**
 * When `calls` more calls fit under `cap` in the mapping's rolling 24 h window (the ledger's own rule,
 * ferry.reserve_api_calls): null when they fit now, else the time enough reserved calls age out.
 */
export async function budgetFreesAtMs(pool: Pool, mapping: string, calls: number, cap: number | null, nowMs = Date.now()): Promise<number | null> {
  if (cap === null) return null;
  const { rows } = await pool.query<{ minute: Date; calls: string }>(
    `SELECT minute, calls FROM ferry.api_call_ledger
      WHERE mapping = $1 AND minute > $2::timestamptz - interval '24 hours' - interval '1 minute' ORDER BY minute`,
    [mapping, new Date(nowMs)],
  );
  const used = rows.reduce((n, r) => n + Number(r.calls), 0);
  if (used + calls <= cap) return null;
  let freed = 0;
  for (const r of rows) {
    freed += Number(r.calls);
    if (used - freed + calls <= cap) return r.minute.getTime() + 24 * 3600_000 + 60_000;
  }
  return nowMs + 24 * 3600_000 + 60_000;
}
