// Housekeeping of a mapping's trigger log: processed entries older than the retention period move to
// `_trigger_log_archive` (FAILED ones stay until retried or ignored, so the API can list them), and archived
// entries — and FAILED entries nobody acted on — are pruned after 31 days. Batched, so a large backlog never
// holds one long transaction.
import { TRIGGER_LOG, TRIGGER_LOG_ARCHIVE } from '../../domain/outbound-trigger-sql';
import { qualified } from '../../domain/sql-names';
import type { Pool } from '../../infra/db';
import type { MappingRef } from '../salesforce/for-mapping';

export const ARCHIVE_AFTER_MS = 24 * 3600_000;
export const PRUNE_AFTER_MS = 31 * 24 * 3600_000;
const BATCH = 50_000;

export interface ArchiveInput extends MappingRef {
  table: string;
  archiveAfterMs?: number;
  pruneAfterMs?: number;
}

export function createArchiveTriggerLog(deps: { pool: Pool }) {
  return async function archiveTriggerLog(input: ArchiveInput): Promise<{ archived: number; pruned: number }> {
    const { schema } = input.config;
    const log = qualified(schema, TRIGGER_LOG);
    const archive = qualified(schema, TRIGGER_LOG_ARCHIVE);
    const archiveBefore = new Date(Date.now() - (input.archiveAfterMs ?? ARCHIVE_AFTER_MS));
    const pruneBefore = new Date(Date.now() - (input.pruneAfterMs ?? PRUNE_AFTER_MS));
    let archived = 0;
    let pruned = 0;
    try {
      for (;;) {
        const { rowCount } = await deps.pool.query(
          `WITH moved AS (
             DELETE FROM ${log} WHERE id IN (SELECT id FROM ${log} WHERE table_name = $1 AND updated_at < $2
                                              AND state NOT IN ('NEW', 'PENDING', 'FAILED') LIMIT ${BATCH})
             RETURNING *)
           INSERT INTO ${archive} SELECT * FROM moved ON CONFLICT (id) DO NOTHING`, [input.table, archiveBefore]);
        archived += rowCount ?? 0;
        if ((rowCount ?? 0) < BATCH) break;
      }
      const a = await deps.pool.query(`DELETE FROM ${archive} WHERE table_name = $1 AND updated_at < $2`, [input.table, pruneBefore]);
      const f = await deps.pool.query(`DELETE FROM ${log} WHERE table_name = $1 AND state = 'FAILED' AND updated_at < $2`, [input.table, pruneBefore]);
      pruned = (a.rowCount ?? 0) + (f.rowCount ?? 0);
    } catch (err) {
      // A mapping that never captured has no trigger log: nothing to archive.
      if ((err as { code?: string }).code !== '42P01') throw err;
    }
    return { archived, pruned };
  };
}
