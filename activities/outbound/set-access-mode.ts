// Installs the capture a mapping's access mode needs, in one transaction: the schema's trigger log and
// trigger functions, the table's triggers for read_only or read_write (the old ones dropped first), and the
// registry row the worker's listener uses to wake this workflow. Switching to read_only also settles what
// was queued and never sent: those entries and rows become READONLY (nothing is sent later by surprise).
import type { Access } from '../../domain/mapping-rules';
import { createCaptureSchema, installCaptureTriggers, TRIGGER_LOG } from '../../domain/outbound-trigger-sql';
import { qualified } from '../../domain/sql-names';
import type { Pool } from '../../infra/db';
import type { MappingRef } from '../../salesforce/mapping-connection';
import { registerOutboundMapping } from '../../store/outbound-mappings';
import { withSyncWriter } from '../../store/sync-writer';

export interface SetAccessModeInput extends MappingRef {
  table: string;
  /** The mapping's workflow, woken by the worker's listener when the table's rows change. */
  workflowId: string;
}

export function createSetAccessMode(deps: { pool: Pool }) {
  return async function setAccessMode(input: SetAccessModeInput): Promise<{ access: Access }> {
    const { schema, access } = input.config;
    const { workflowId } = input;
    await withSyncWriter(deps.pool, async (client) => {
      // The same lock prepare-mapping takes: DDL on one schema is serialized across workers.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ferry.ddl.${schema}`]);
      for (const sql of createCaptureSchema(schema)) await client.query(sql);
      for (const sql of installCaptureTriggers(schema, input.table, access)) await client.query(sql);
      if (access === 'read_only') {
        await client.query(`UPDATE ${qualified(schema, TRIGGER_LOG)} SET state = 'READONLY', updated_at = now()
                             WHERE table_name = $1 AND state IN ('NEW', 'PENDING')`, [input.table]);
        await client.query(`UPDATE ${qualified(schema, input.table)} SET _hc_lastop = 'READONLY' WHERE _hc_lastop = 'PENDING'`);
      }
      await registerOutboundMapping(client, { mappingId: input.mappingId, schema, table: input.table, access, workflowId });
    });
    return { access };
  };
}
