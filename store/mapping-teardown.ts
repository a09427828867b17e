// What ferry keeps for a mapping, removed when the mapping is deleted so that a mapping created again later
// starts clean: the table's capture triggers and its queued trigger-log entries (they would otherwise be sent
// by the new mapping), the load checkpoints, the outbound registration and attempt, the streaming
// subscription with its staged events and position, its relationship external ID fields, its verify runs
// (ferry.verify_run) — and the table itself when asked. The API-call ledger
// stays: the rolling 24 h budget counts calls already made, whatever happened to the mapping since.
import { removeCaptureTriggers, TRIGGER_LOG } from '../domain/outbound-trigger-sql';
import { qualified, reloadTableName } from '../domain/sql-names';
import { withTransaction, type Pool } from '../infra/db';
import { removeStreamState } from './stream-state';

export async function removeMappingState(pool: Pool, m: { mappingId: string; schema: string; table: string; dropTable: boolean }): Promise<{ tableDropped: boolean }> {
  return withTransaction(pool, async (client) => {
    // The lock every DDL on the schema takes (prepare, capture install, swap).
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ferry.ddl.${m.schema}`]);
    const exists = async (name: string) => (await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [qualified(m.schema, name)])).rows[0].t !== null;
    const hasTable = await exists(m.table);
    if (hasTable) for (const sql of removeCaptureTriggers(m.schema, m.table)) await client.query(sql);
    if (await exists(TRIGGER_LOG)) await client.query(`DELETE FROM ${qualified(m.schema, TRIGGER_LOG)} WHERE table_name = $1`, [m.table]);
    await client.query('DELETE FROM ferry.load_page WHERE mapping = $1', [m.mappingId]);
    await client.query('DELETE FROM ferry.load_checkpoint WHERE mapping = $1', [m.mappingId]);
    await client.query('DELETE FROM ferry.outbound_mapping WHERE mapping_id = $1', [m.mappingId]);
    await client.query('DELETE FROM ferry.outbound_attempt WHERE mapping_id = $1', [m.mappingId]);
    await client.query('DELETE FROM ferry.relationship_field WHERE mapping_id = $1', [m.mappingId]);
    await client.query('DELETE FROM ferry.verify_run WHERE mapping_id = $1', [m.mappingId]);
    await removeStreamState(client, m.mappingId);
    // A reload's table built beside the live one never outlives its mapping.
    await client.query(`DROP TABLE IF EXISTS ${qualified(m.schema, reloadTableName(m.table))}`);
    if (m.dropTable && hasTable) await client.query(`DROP TABLE ${qualified(m.schema, m.table)}`);
    return { tableDropped: m.dropTable && hasTable };
  });
}
