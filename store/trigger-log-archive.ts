// Housekeeping of a mapping's trigger log: processed entries older than the retention period move to
// `_trigger_log_archive` (FAILED ones stay until retried or ignored, so the API can list them), and archived
// entries — and FAILED entries nobody acted on — are pruned after 31 days. Batched, so a large backlog never
// holds one long transaction.
import { TRIGGER_LOG, TRIGGER_LOG_ARCHIVE } from '../domain/outbound-trigger-sql';
import { qualified } from '../domain/sql-names';
import type { Pool } from '../infra/db';

export const ARCHIVE_AFTER_MS = 24 * 3600_000;
export const PRUNE_AFTER_MS = 31 * 24 * 3600_000;
const BATCH = 50_000;

/** Archives processed entries of one table's log and prunes old ones; returns how many rows moved and went. */
export async function archiveTriggerLog(pool: Pool, schema: string, table: string, nowMs = Date.now(), archiveAfterMs = ARCHIVE_AFTER_MS, pruneAfterMs = PRUNE_AFTER_MS): Promise<{ archived: number; pruned: number }> {
  const log = qualified(schema, TRIGGER_LOG);
  const archive = qualified(schema, TRIGGER_LOG_ARCHIVE);
  const archiveBefore = new Date(nowMs - archiveAfterMs);
  const pruneBefore = new Date(nowMs - pruneAfterMs);
  let archived = 0;
  for (;;) {
    const { rowCount } = await pool.query(
      `WITH moved AS (
         -- In id order (the primary key): old entries come first, so the scan stops early without an index
         -- on updated_at that every claim and write-back would have to maintain.
         DELETE FROM ${log} WHERE id IN (SELECT id FROM ${log} WHERE table_name = $1 AND updated_at < $2
                                          AND state NOT IN ('NEW', 'PENDING', 'FAILED') ORDER BY id LIMIT ${BATCH})
         RETURNING *)
       INSERT INTO ${archive} SELECT * FROM moved ON CONFLICT (id) DO NOTHING`, [table, archiveBefore]);
    archived += rowCount ?? 0;
    if ((rowCount ?? 0) < BATCH) break;
  }
  const a = await pool.query(`DELETE FROM ${archive} WHERE table_name = $1 AND updated_at < $2`, [table, pruneBefore]);
  const f = await pool.query(`DELETE FROM ${log} WHERE table_name = $1 AND state = 'FAILED' AND updated_at < $2`, [table, pruneBefore]);
  return { archived, pruned: (a.rowCount ?? 0) + (f.rowCount ?? 0) };
}
