// ferry.outbound_mapping (migration 010): which workflow to wake when a mapping's table changes. Written when
// a mapping's capture is installed, read by the worker's outbound listener, removed with the mapping.
import type { ClientBase } from 'pg';
import type { Access } from '../domain/mapping-rules';
import type { Pool } from '../infra/db';

type Db = Pool | ClientBase;

export async function registerOutboundMapping(db: Db, m: { mappingId: string; schema: string; table: string; access: Access; workflowId: string }): Promise<void> {
  await db.query(
    `INSERT INTO ferry.outbound_mapping (mapping_id, schema_name, table_name, access, workflow_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (mapping_id) DO UPDATE SET schema_name = EXCLUDED.schema_name, table_name = EXCLUDED.table_name,
       access = EXCLUDED.access, workflow_id = EXCLUDED.workflow_id, updated_at = now()`,
    [m.mappingId, m.schema, m.table, m.access, m.workflowId]);
}

export interface ReadWriteMapping {
  workflowId: string;
  schema: string;
  table: string;
}

/** The workflow and table of a read_write mapping; undefined for a read_only or unknown one. */
export async function readWriteMapping(db: Db, mappingId: string): Promise<ReadWriteMapping | undefined> {
  const { rows } = await db.query<{ workflow_id: string; schema_name: string; table_name: string }>(
    "SELECT workflow_id, schema_name, table_name FROM ferry.outbound_mapping WHERE mapping_id = $1 AND access = 'read_write'", [mappingId]);
  return rows[0] && { workflowId: rows[0].workflow_id, schema: rows[0].schema_name, table: rows[0].table_name };
}

export async function listReadWriteMappings(db: Db): Promise<string[]> {
  const { rows } = await db.query<{ mapping_id: string }>("SELECT mapping_id FROM ferry.outbound_mapping WHERE access = 'read_write'");
  return rows.map((r) => r.mapping_id);
}
