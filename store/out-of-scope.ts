// Removing records that left a mapping's record filter (domain/record-filter.ts) from its table. They still
// exist in Salesforce, so this is ferry's own write (the caller runs it in the sync-writer transaction: the
// capture triggers never send it back as a delete). A row with a write still queued for Salesforce stays:
// its write goes out first and the row is judged again at its next change.
import { qualified } from '../domain/sql-names';
import type { PoolClient } from '../infra/db';

/** Deletes the rows of `ids` (18-character sfids) that have no queued write; how many went. */
export async function deleteOutOfScope(client: PoolClient, schema: string, table: string, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const r = await client.query(
    `DELETE FROM ${qualified(schema, table)} WHERE sfid = ANY($1::varchar[]) AND _hc_lastop IS DISTINCT FROM 'PENDING'`, [ids]);
  return r.rowCount ?? 0;
}
