// Ends a reload: the table built beside the live one replaces it in one transaction, so readers see the
// old table until the new one is complete, never an empty or half-loaded one.
import { renameForSwap } from '../domain/sql-swap';
import { reloadTableName } from '../domain/sql-names';
import { columnNameFor } from '../domain/type-map';
import { withTransaction, type Pool } from '../infra/db';
import type { MappingRef } from '../salesforce/mapping-connection';

export function createSwapReloadedTable(deps: { pool: Pool }) {
  return async function swapReloadedTable(input: MappingRef & { table: string }): Promise<void> {
    const { schema } = input.config;
    const indexes = input.config.indexes.map((ix) => ({ column: columnNameFor(ix.field), unique: ix.unique }));
    await withTransaction(deps.pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ferry.ddl.${schema}`]);
      const exists = await client.query('SELECT to_regclass($1) AS t', [`${client.escapeIdentifier(schema)}.${client.escapeIdentifier(reloadTableName(input.table))}`]);
      if (exists.rows[0].t === null) return; // already swapped by an earlier attempt
      for (const sql of renameForSwap(schema, input.table, reloadTableName(input.table), indexes)) await client.query(sql);
    });
  };
}
