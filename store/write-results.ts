// Writes what Salesforce answered back onto the trigger log and the mapping rows, set-based, as ferry's own
// write (the sync-writer marker keeps it from being captured again):
// - entries: SUCCESS or FAILED, sf_message = the first error as JSON, sfid of the record they touched;
// - rows: sfid after an insert; _hc_lastop SYNCED or FAILED and _hc_err — unless a newer change of the row is
//   still queued, in which case the row stays PENDING for the flush that sends it;
// - a row the inbound side created from the echo of ferry's own insert (same sfid, other id) is dropped, so
//   the unique sfid index never sees the record twice;
// - the sfid an insert learned goes onto the record's queued entries that have none (the row was updated or
//   deleted while the insert was on its way), so the next flush knows which record to change.
import { TRIGGER_LOG } from '../domain/outbound-trigger-sql';
import { qualified } from '../domain/sql-names';
import type { Pool } from '../infra/db';
import type { SettledWrite } from '../domain/outbound-writes';
import { withSyncWriter } from './sync-writer';

export async function writeResults(pool: Pool, schema: string, table: string, settled: readonly SettledWrite[]): Promise<void> {
  if (settled.length === 0) return;
  const log = qualified(schema, TRIGGER_LOG);
  const target = qualified(schema, table);
  const entryIds: number[] = [];
  const entryStates: string[] = [];
  const entryMessages: (string | null)[] = [];
  const entrySfids: (string | null)[] = [];
  const rowIds: number[] = [];
  const rowSfids: (string | null)[] = [];
  const rowOps: string[] = [];
  const rowErrors: (string | null)[] = [];
  for (const s of settled) {
    const ok = s.outcome.ok;
    const sfid = s.outcome.ok ? s.outcome.sfid : s.write.sfid;
    const message = s.outcome.ok ? null : JSON.stringify(s.outcome.error);
    for (const id of s.write.entryIds) {
      entryIds.push(id);
      entryStates.push(ok ? 'SUCCESS' : 'FAILED');
      entryMessages.push(message);
      entrySfids.push(sfid);
    }
    if (s.write.recordId !== null && s.kind !== 'delete') {
      rowIds.push(s.write.recordId);
      rowSfids.push(ok && s.kind === 'insert' ? sfid : null);
      rowOps.push(ok ? 'SYNCED' : 'FAILED');
      rowErrors.push(s.outcome.ok ? null : JSON.stringify({ ...s.outcome.error, op: s.kind.toUpperCase(), src: 'SFDC' }));
    }
  }
  await withSyncWriter(pool, async (client) => {
    await client.query(
      `UPDATE ${log} l SET state = u.state, sf_message = u.msg, sfid = coalesce(u.sfid, l.sfid), processed_at = now(),
              processed_tx = txid_current(), updated_at = now()
         FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS u(id, state, msg, sfid) WHERE l.id = u.id`,
      [entryIds, entryStates, entryMessages, entrySfids]);
    if (rowIds.length === 0) return;
    const updateRows = () => client.query<{ id: number; queued: boolean }>(
      `UPDATE ${target} t SET sfid = coalesce(u.sfid, t.sfid),
              _hc_lastop = CASE WHEN q.queued THEN t._hc_lastop ELSE u.op END,
              _hc_err = CASE WHEN q.queued THEN t._hc_err ELSE u.err END
         FROM unnest($1::int[], $2::text[], $3::text[], $4::text[]) AS u(rid, sfid, op, err)
        CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM ${log} x
                             WHERE x.table_name = $5 AND x.record_id = u.rid AND x.state IN ('NEW', 'PENDING')) AS queued) q
        WHERE t.id = u.rid
       RETURNING t.id, q.queued`,
      [rowIds, rowSfids, rowOps, rowErrors, table]);
    // An echo row (the inbound side merged the new record before its sfid was written back) makes the update
    // break the unique sfid index. That is rare, so the update is tried first, and only when it meets such a
    // row are the echo rows dropped and the update run again.
    await client.query('SAVEPOINT ferry_write_back');
    let updated: { id: number; queued: boolean }[];
    try {
      ({ rows: updated } = await updateRows());
    } catch (err) {
      if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
      await client.query('ROLLBACK TO SAVEPOINT ferry_write_back');
      await client.query(
        `DELETE FROM ${target} t USING unnest($1::int[], $2::text[]) AS u(rid, sfid)
          WHERE u.sfid IS NOT NULL AND t.sfid = u.sfid AND t.id <> u.rid`,
        [rowIds, rowSfids]);
      ({ rows: updated } = await updateRows());
    }
    // A new sfid goes onto the record's queued entries: those of rows with a queued change, and of rows gone
    // (deleted while the insert was on its way). A change committed after the row update waited for its row
    // lock and logged the sfid itself.
    const settledRows = new Set(updated.filter((r) => !r.queued).map((r) => r.id));
    const patch = rowIds.flatMap((rid, i) => (rowSfids[i] !== null && !settledRows.has(rid) ? [i] : []));
    if (patch.length > 0) {
      await client.query(
        `UPDATE ${log} l SET sfid = u.sfid FROM unnest($1::int[], $2::text[]) AS u(rid, sfid)
          WHERE l.table_name = $3 AND l.record_id = u.rid AND l.state IN ('NEW', 'PENDING') AND l.sfid IS NULL`,
        [patch.map((i) => rowIds[i]), patch.map((i) => rowSfids[i]), table]);
    }
  }, [...INDEX_PROBES_ONLY, NO_COMMIT_WAIT]);
}

/**
 * Every statement here joins a batch (arrays of ids) to large tables: the right plan is one index probe per
 * element, whatever the tables' statistics say. Right after a burst they are stale (a trigger log that grew
 * by a million rows since the last ANALYZE looks tiny), and Postgres then hashes or scans the whole table
 * for each batch, which made write-back cost grow with the log's size.
 */
const INDEX_PROBES_ONLY = ['SET LOCAL enable_hashjoin = off', 'SET LOCAL enable_mergejoin = off', 'SET LOCAL enable_seqscan = off'];

/**
 * A write-back's commit does not wait for its WAL to reach the disk. Losing one in a crash is what a crash
 * before the write-back already does, and is recovered the same way: the flush's attempt row
 * (ferry.outbound_attempt) is removed only by a later, synchronous commit, and WAL is flushed in order, so
 * once that removal is durable every write-back before it is too; until then a retried flush resumes the
 * attempt and settles its entries again from the recorded Bulk jobs (or the records its inserts created).
 */
const NO_COMMIT_WAIT = 'SET LOCAL synchronous_commit = off';

/** SQLSTATE of a unique index violation. */
const UNIQUE_VIOLATION = '23505';
