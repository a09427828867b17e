// Claims a mapping's queued trigger-log entries for one flush, safely against any other flusher: the claim
// takes NEW entries FOR UPDATE SKIP LOCKED and turns them PENDING (processed_tx = the claiming transaction)
// in one commit. A flush that died after claiming leaves PENDING entries and its ferry.outbound_attempt row;
// the next flush resumes exactly those (and nothing newer), so the retried writes are the same writes.
import type { LogEntry } from '../../domain/outbound-batch';
import { TRIGGER_LOG } from '../../domain/outbound-trigger-sql';
import { qualified } from '../../domain/sql-names';
import { withTransaction, type Pool } from '../../infra/db';

export interface BulkJobRef {
  op: 'insert' | 'upsert' | 'update' | 'delete';
  jobId: string;
}

export interface Claim {
  entries: LogEntry[];
  /** The claim resumes a flush that did not finish: what it sent may have reached Salesforce. */
  resumed: { startedAtMs: number; bulkJobs: BulkJobRef[] } | null;
}

interface Row {
  id: string;
  action: LogEntry['action'];
  record_id: number | null;
  sfid: string | null;
  values: Record<string, unknown> | null;
}

const toEntry = (r: Row): LogEntry => ({ id: Number(r.id), action: r.action, recordId: r.record_id, sfid: r.sfid, values: r.values });

export async function claimEntries(pool: Pool, mappingId: string, schema: string, table: string, maxEntries: number): Promise<Claim> {
  const log = qualified(schema, TRIGGER_LOG);
  return withTransaction(pool, async (client) => {
    // One flusher per mapping at a time (a zombie attempt of an earlier activity try waits here).
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ferry.flush.${mappingId}`]);
    const attempt = await client.query<{ started_at: Date; bulk_jobs: BulkJobRef[] }>(
      'SELECT started_at, bulk_jobs FROM ferry.outbound_attempt WHERE mapping_id = $1', [mappingId]);
    const pending = await client.query<Row>(
      `SELECT id, action, record_id, sfid, "values" FROM ${log} WHERE table_name = $1 AND state = 'PENDING' ORDER BY id`, [table]);
    if (pending.rows.length > 0) {
      const a = attempt.rows[0];
      return {
        entries: pending.rows.map(toEntry),
        // Without an attempt row nothing was sent yet (the claim committed, the attempt row did not follow).
        resumed: a ? { startedAtMs: a.started_at.getTime(), bulkJobs: a.bulk_jobs } : null,
      };
    }
    const { rows } = await client.query<Row>(
      `WITH c AS (SELECT id FROM ${log} WHERE table_name = $1 AND state = 'NEW' ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
       UPDATE ${log} l SET state = 'PENDING', processed_tx = txid_current(), updated_at = now() FROM c WHERE l.id = c.id
       RETURNING l.id, l.action, l.record_id, l.sfid, l."values"`,
      [table, maxEntries]);
    await client.query('DELETE FROM ferry.outbound_attempt WHERE mapping_id = $1', [mappingId]);
    rows.sort((a, b) => Number(a.id) - Number(b.id));
    return { entries: rows.map(toEntry), resumed: null };
  });
}

/** Records that sending starts now (before the first request), so a retry knows what may have been sent. */
export async function beginAttempt(pool: Pool, mappingId: string, startedAtMs: number): Promise<void> {
  await pool.query(
    `INSERT INTO ferry.outbound_attempt (mapping_id, started_at) VALUES ($1, $2)
     ON CONFLICT (mapping_id) DO UPDATE SET started_at = LEAST(ferry.outbound_attempt.started_at, EXCLUDED.started_at)`,
    [mappingId, new Date(startedAtMs)]);
}

export async function recordBulkJob(pool: Pool, mappingId: string, job: BulkJobRef): Promise<void> {
  await pool.query('UPDATE ferry.outbound_attempt SET bulk_jobs = bulk_jobs || $2::jsonb WHERE mapping_id = $1', [mappingId, JSON.stringify([job])]);
}

export async function endAttempt(pool: Pool, mappingId: string): Promise<void> {
  await pool.query('DELETE FROM ferry.outbound_attempt WHERE mapping_id = $1', [mappingId]);
}

/** Whether NEW entries wait for the next flush. */
export async function hasQueuedEntries(pool: Pool, schema: string, table: string): Promise<boolean> {
  const { rows } = await pool.query(`SELECT 1 FROM ${qualified(schema, TRIGGER_LOG)} WHERE table_name = $1 AND state = 'NEW' LIMIT 1`, [table]);
  return rows.length > 0;
}

/** Current sfid of each row that still exists. */
export async function rowSfids(pool: Pool, schema: string, table: string, recordIds: number[]): Promise<Map<number, string | null>> {
  if (recordIds.length === 0) return new Map();
  const { rows } = await pool.query<{ id: number; sfid: string | null }>(
    `SELECT id, sfid FROM ${qualified(schema, table)} WHERE id = ANY($1::int[])`, [recordIds]);
  return new Map(rows.map((r) => [r.id, r.sfid]));
}

/** The last sfid the trigger log learned for rows that no longer hold one (deleted before their insert's answer). */
export async function loggedSfids(pool: Pool, schema: string, table: string, recordIds: number[]): Promise<Map<number, string>> {
  if (recordIds.length === 0) return new Map();
  const { rows } = await pool.query<{ record_id: number; sfid: string }>(
    `SELECT DISTINCT ON (record_id) record_id, sfid FROM ${qualified(schema, TRIGGER_LOG)}
      WHERE table_name = $1 AND record_id = ANY($2::int[]) AND sfid IS NOT NULL ORDER BY record_id, id DESC`, [table, recordIds]);
  return new Map(rows.map((r) => [r.record_id, r.sfid]));
}

/** Whole rows (without bookkeeping columns), for an update of a row whose insert never reached Salesforce. */
export async function fullRows(pool: Pool, schema: string, table: string, recordIds: number[]): Promise<Map<number, Record<string, unknown>>> {
  if (recordIds.length === 0) return new Map();
  const { rows } = await pool.query<{ id: number; row: Record<string, unknown> }>(
    `SELECT t.id, to_jsonb(t) AS row FROM ${qualified(schema, table)} t WHERE t.id = ANY($1::int[])`, [recordIds]);
  return new Map(rows.map((r) => [r.id, r.row]));
}
