// The I/O half of ordered writes (domain/ordered-writes.ts has the rules): a mapping's relationship external
// ID fields and its connection's write algorithm, which parents named by a flush's writes have not reached
// Salesforce yet, and putting held-back writes back in the queue. A held-back write's entries become
// DEFERRED and one NEW entry carries the folded write (same txid, created_at and values), in one transaction,
// so a crash either leaves the write queued as it was or queued as its copy — never lost, never twice.
import { ORDERED_WRITE_RETRY_MS, orderWrites, parentKey, writeAlgorithmOf, type OrderCandidate, type ParentRef, type WriteAlgorithm } from '../domain/ordered-writes';
import { relationshipValues, type RelationshipField } from '../domain/relationship-fields';
import { TRIGGER_LOG } from '../domain/outbound-trigger-sql';
import { qualified } from '../domain/sql-names';
import { withTransaction, type Pool } from '../infra/db';
import type { PreparedWrite } from '../domain/outbound-writes';

export async function relationshipFieldsOf(pool: Pool, mappingId: string): Promise<RelationshipField[]> {
  const { rows } = await pool.query<{ spec: RelationshipField }>('SELECT spec FROM ferry.relationship_field WHERE mapping_id = $1 ORDER BY field', [mappingId]);
  return rows.map((r) => r.spec);
}

export async function writeAlgorithm(pool: Pool, schema: string): Promise<WriteAlgorithm> {
  const { rows } = await pool.query<{ features: Record<string, unknown> }>('SELECT features FROM ferry.connection_setting WHERE schema_name = $1', [schema]);
  return writeAlgorithmOf(rows[0]?.features);
}

/** Parent values (by parentKey) whose rows exist locally, have no sfid and wait to be sent (PENDING). */
async function unsentParents(pool: Pool, schema: string, refs: readonly ParentRef[]): Promise<Set<string>> {
  const byTarget = new Map<string, { table: string; column: string; values: Set<string> }>();
  for (const r of refs) {
    const k = `${r.table}\u0000${r.column}`;
    const t = byTarget.get(k) ?? { table: r.table, column: r.column, values: new Set<string>() };
    t.values.add(r.value);
    byTarget.set(k, t);
  }
  const out = new Set<string>();
  for (const t of byTarget.values()) {
    const exists = await pool.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [qualified(schema, t.table)]);
    if (!exists.rows[0].ok) continue;
    const col = `"${t.column.replace(/"/g, '""')}"`;
    const { rows } = await pool.query<{ v: string }>(
      `SELECT DISTINCT ${col}::text AS v FROM ${qualified(schema, t.table)}
        WHERE ${col}::text = ANY($1::text[]) AND sfid IS NULL AND _hc_lastop = 'PENDING'`, [[...t.values]]);
    for (const r of rows) out.add(parentKey({ table: t.table, column: t.column, value: r.v }));
  }
  return out;
}

/**
 * Which prepared writes to send now and which to hold back for their parents (inserts and updates carrying
 * a relationship external ID whose parent row has not reached Salesforce yet).
 */
export async function orderPreparedWrites(
  pool: Pool, schema: string, prepared: PreparedWrite[], relationships: readonly RelationshipField[], nowMs: number,
): Promise<{ send: PreparedWrite[]; hold: PreparedWrite[] }> {
  const withRefs = prepared.map((w) => ({
    w, parents: w.kind === 'delete' ? [] : [...relationshipValues(w.write.values, relationships)]
      .map(([f, value]) => ({ table: f.parentTable, column: f.parentColumn, value })),
  }));
  const refs = withRefs.flatMap((x) => x.parents);
  if (refs.length === 0) return { send: prepared, hold: [] };
  const unsent = await unsentParents(pool, schema, refs);
  if (unsent.size === 0) return { send: prepared, hold: [] };
  const waiting = withRefs.filter((x) => x.parents.some((p) => unsent.has(parentKey(p))));
  const queuedAt = await firstQueuedAt(pool, schema, waiting.flatMap((x) => x.w.write.entryIds));
  const candidates: OrderCandidate<PreparedWrite>[] = withRefs.map((x) => ({
    write: x.w, parents: x.parents, queuedAtMs: Math.min(...x.w.write.entryIds.map((id) => queuedAt.get(id) ?? nowMs)),
  }));
  return orderWrites(candidates, unsent, nowMs);
}

async function firstQueuedAt(pool: Pool, schema: string, entryIds: number[]): Promise<Map<number, number>> {
  if (entryIds.length === 0) return new Map();
  const { rows } = await pool.query<{ id: string; at: Date }>(
    `SELECT id, created_at AS at FROM ${qualified(schema, TRIGGER_LOG)} WHERE id = ANY($1::bigint[])`, [entryIds]);
  return new Map(rows.map((r) => [Number(r.id), r.at.getTime()]));
}

/** Puts held-back writes back in the queue (see the file comment); returns how soon to flush again. */
export async function holdBack(pool: Pool, schema: string, table: string, writes: readonly PreparedWrite[]): Promise<number> {
  if (writes.length === 0) return 0;
  const log = qualified(schema, TRIGGER_LOG);
  await withTransaction(pool, async (client) => {
    for (const w of writes) {
      const ids = w.write.entryIds;
      await client.query(
        `INSERT INTO ${log} (txid, created_at, state, action, table_name, record_id, sfid, "values")
         SELECT min(txid), min(created_at), 'NEW', $2, $3, $4, $5, $6::jsonb FROM ${log} WHERE id = ANY($1::bigint[])`,
        [ids, w.kind.toUpperCase(), table, w.write.recordId, w.sfid, JSON.stringify(w.write.values)]);
      await client.query(
        `UPDATE ${log} SET state = 'DEFERRED', sf_message = 'waiting for its parent to reach Salesforce (ordered writes)',
                processed_at = now(), processed_tx = txid_current(), updated_at = now()
          WHERE id = ANY($1::bigint[]) AND state = 'NEW'`, [ids]);
    }
  });
  return ORDERED_WRITE_RETRY_MS;
}
