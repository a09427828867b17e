// Writes Salesforce refused, as the API lists them (GET /mappings/{object}/errors) and the two things a user
// can do about one: retry it (POST …/errors/{id}/retry) or ignore it (POST …/errors/{id}/ignore).
//
// A retry never re-sends the old entry as it was: newer changes of the same record may have been sent since,
// and replaying old values would undo them. It queues a NEW entry built from the row as it is now (the
// failed entry's columns for an update, the whole row for an insert or for a record that never got an sfid)
// and marks the failed one REQUEUED. FAILED entries stay in `_trigger_log` (they are not archived) until
// retried or ignored, and are pruned with the archive after 31 days.
import type { Pool, PoolClient } from '../infra/db';
import { withTransaction } from '../infra/db';
import { OUTBOUND_CHANNEL, TRIGGER_LOG, UNSENT_COLUMNS } from '../domain/outbound-trigger-sql';
import { splitMappingId } from '../domain/mapping-id';
import { qualified } from '../domain/sql-names';
import type { SalesforceErrorInfo } from '../domain/outbound-writes';
import { withSyncWriter } from './sync-writer';

export type { SalesforceErrorInfo };

export interface FailedWrite {
  /** The trigger-log entry id (`_trigger_log.id`). */
  id: number;
  /** `<schema>.<table>`, the mapping the entry belongs to. */
  mappingId: string;
  /** The mapping table's name. */
  table: string;
  /** The row's `id` in the mapping table. */
  recordId: number | null;
  sfid: string | null;
  action: 'INSERT' | 'UPDATE' | 'DELETE';
  /** The captured values (columns → values); null for a delete. */
  values: Record<string, unknown> | null;
  error: SalesforceErrorInfo;
  /** When the entry was last processed, ISO. */
  at: string;
}

export type FailedWriteOutcome =
  | { ok: true; id: number; state: 'REQUEUED' | 'IGNORED'; requeuedAs?: number }
  | { ok: false; id: number; reason: 'not_found' | 'not_failed' | 'record_deleted'; state?: string };

interface LogRow {
  id: string;
  table_name: string;
  record_id: number | null;
  sfid: string | null;
  action: FailedWrite['action'];
  values: Record<string, unknown> | null;
  sf_message: string | null;
  processed_at: Date | null;
  updated_at: Date;
  state: string;
  schema_name: string;
}


/** sf_message holds Salesforce's first error as JSON; older or foreign entries may hold plain text. */
export function parseSfMessage(message: string | null): SalesforceErrorInfo {
  if (message) {
    try {
      const e = JSON.parse(message) as Partial<SalesforceErrorInfo>;
      if (typeof e.code === 'string') return { code: e.code, message: String(e.message ?? ''), fields: Array.isArray(e.fields) ? e.fields.map(String) : [] };
    } catch {
      // plain text below
    }
  }
  return { code: 'UNKNOWN', message: message ?? '', fields: [] };
}

function toFailedWrite(r: LogRow): FailedWrite {
  return {
    id: Number(r.id), mappingId: `${r.schema_name}.${r.table_name}`, table: r.table_name, recordId: r.record_id, sfid: r.sfid,
    action: r.action, values: r.values, error: parseSfMessage(r.sf_message), at: (r.processed_at ?? r.updated_at).toISOString(),
  };
}

async function captureSchemas(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ schema_name: string }>('SELECT DISTINCT schema_name FROM ferry.outbound_mapping ORDER BY 1');
  return rows.map((r) => r.schema_name);
}

/** FAILED entries, newest first; one mapping's, or every mapping's that capture writes. */
export async function listFailedWrites(pool: Pool, opts: { mappingId?: string; limit: number; offset: number }): Promise<FailedWrite[]> {
  const targets: [string, string | null][] = opts.mappingId ? [splitMappingId(opts.mappingId)] : (await captureSchemas(pool)).map((s) => [s, null]);
  if (targets.length === 0) return [];
  const params: unknown[] = [];
  const parts = targets.map(([schema, table]) => {
    params.push(schema);
    const schemaParam = `$${params.length}::text`;
    let where = "state = 'FAILED'";
    if (table !== null) {
      params.push(table);
      where += ` AND table_name = $${params.length}`;
    }
    return `SELECT id, table_name, record_id, sfid, action, "values", sf_message, processed_at, updated_at, state, ${schemaParam} AS schema_name
      FROM ${qualified(schema, TRIGGER_LOG)} WHERE ${where}`;
  });
  params.push(opts.limit, opts.offset);
  try {
    const { rows } = await pool.query<LogRow>(`${parts.join(' UNION ALL ')} ORDER BY id DESC LIMIT $${params.length - 1} OFFSET $${params.length}`, params);
    return rows.map(toFailedWrite);
  } catch (err) {
    // A mapping that never captured writes has no trigger log: it has no failed writes either.
    if ((err as { code?: string }).code === '42P01') return [];
    throw err;
  }
}

async function lockFailedEntry(client: PoolClient, schema: string, table: string, id: number): Promise<LogRow | { missing: true } | { state: string }> {
  const { rows } = await client.query<LogRow>(
    `SELECT id, table_name, record_id, sfid, action, "values", sf_message, processed_at, updated_at, state, $3::text AS schema_name
       FROM ${qualified(schema, TRIGGER_LOG)} WHERE id = $1 AND table_name = $2 FOR UPDATE`, [id, table, schema]);
  if (rows.length === 0) return { missing: true };
  if (rows[0].state !== 'FAILED') return { state: rows[0].state };
  return rows[0];
}

/** Queues the failed entry's change again, from the row as it is now; the failed entry becomes REQUEUED. */
export function retryFailedWrite(pool: Pool, mappingId: string, triggerLogId: number): Promise<FailedWriteOutcome> {
  // As ferry's own write: marking the row PENDING again must not be captured as a local change.
  return withFailedEntry(pool, mappingId, triggerLogId, withSyncWriter, async (client, schema, table, entry) => {
    const requeued = await requeue(client, schema, table, entry);
    if (requeued === null) return { ok: false, id: triggerLogId, reason: 'record_deleted' };
    await client.query(`UPDATE ${qualified(schema, TRIGGER_LOG)} SET state = 'REQUEUED', updated_at = now() WHERE id = $1`, [triggerLogId]);
    await client.query('SELECT pg_notify($1, $2)', [OUTBOUND_CHANNEL, mappingId]);
    return { ok: true, id: triggerLogId, state: 'REQUEUED', requeuedAs: requeued };
  });
}

/**
 * Runs `act` on a FAILED entry locked in a transaction (`transaction` opens it); an entry that does not exist
 * (nor its schema's trigger log) or is no longer FAILED is answered without acting.
 */
async function withFailedEntry(
  pool: Pool, mappingId: string, triggerLogId: number, transaction: <T>(pool: Pool, fn: (client: PoolClient) => Promise<T>) => Promise<T>,
  act: (client: PoolClient, schema: string, table: string, entry: LogRow) => Promise<FailedWriteOutcome>,
): Promise<FailedWriteOutcome> {
  const [schema, table] = splitMappingId(mappingId);
  try {
    return await transaction(pool, async (client) => {
      const entry = await lockFailedEntry(client, schema, table, triggerLogId);
      if ('missing' in entry) return { ok: false, id: triggerLogId, reason: 'not_found' };
      if (!('action' in entry)) return { ok: false, id: triggerLogId, reason: 'not_failed', state: entry.state };
      return act(client, schema, table, entry);
    });
  } catch (err) {
    if ((err as { code?: string }).code === '42P01') return { ok: false, id: triggerLogId, reason: 'not_found' };
    throw err;
  }
}

async function requeue(client: PoolClient, schema: string, table: string, entry: LogRow): Promise<number | null> {
  const log = qualified(schema, TRIGGER_LOG);
  const { rows } = entry.record_id === null ? { rows: [] } : await client.query<{ sfid: string | null; row: Record<string, unknown> }>(
    `SELECT t.sfid, to_jsonb(t) AS row FROM ${qualified(schema, table)} t WHERE t.id = $1 FOR UPDATE`, [entry.record_id]);
  const current = rows[0];
  let action = entry.action;
  let values: Record<string, unknown> | null = null;
  let sfid = current?.sfid ?? entry.sfid;
  if (action === 'DELETE') {
    if (!sfid) return null;
  } else {
    if (!current) return null;
    const all = Object.fromEntries(Object.entries(current.row).filter(([k]) => !(UNSENT_COLUMNS as readonly string[]).includes(k)));
    if (!current.sfid) action = 'INSERT';
    values = action === 'INSERT' ? all : Object.fromEntries(Object.keys(entry.values ?? {}).filter((k) => k in all).map((k) => [k, all[k]]));
    sfid = current.sfid;
    await client.query(`UPDATE ${qualified(schema, table)} SET _hc_lastop = 'PENDING', _hc_err = NULL WHERE id = $1`, [entry.record_id]);
  }
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO ${log} (state, action, table_name, record_id, sfid, "values") VALUES ('NEW', $1, $2, $3, $4, $5) RETURNING id`,
    [action, table, entry.record_id, sfid, values === null ? null : JSON.stringify(values)]);
  return Number(inserted.rows[0].id);
}

/** Gives up on a failed entry: it becomes IGNORED (the row keeps _hc_lastop FAILED and its _hc_err). */
export function ignoreFailedWrite(pool: Pool, mappingId: string, triggerLogId: number): Promise<FailedWriteOutcome> {
  return withFailedEntry(pool, mappingId, triggerLogId, (p, fn) => withTransaction(p, fn), async (client, schema, _table, _entry) => {
    await client.query(`UPDATE ${qualified(schema, TRIGGER_LOG)} SET state = 'IGNORED', updated_at = now() WHERE id = $1`, [triggerLogId]);
    return { ok: true, id: triggerLogId, state: 'IGNORED' };
  });
}
