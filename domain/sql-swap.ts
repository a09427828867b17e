// Reload swaps a freshly built table in for the live one. Building beside the live table keeps it readable
// during a reload (Heroku Connect truncates and leaves readers with an empty table meanwhile).
import type { IndexDef } from './sql-ddl.js';
import { fitIdent, indexName, qualified, quoteIdent, uniqueIndexName } from './sql-names.js';

/**
 * Replace `table` by `reloadTable` (built with createMappingTable(schema, reloadTable, …) and the same
 * `indexes`). Run all statements in ONE transaction; the DROP takes an ACCESS EXCLUSIVE lock, so readers wait
 * for the swap instead of seeing a missing table. Views on the old table make the DROP fail (on purpose: ferry
 * will not CASCADE away a user's views). Triggers for read_write mappings must be recreated afterwards.
 * ```sql
 * DROP TABLE IF EXISTS "salesforce"."contact"
 * ALTER TABLE "salesforce"."contact__ferry_reload" RENAME TO "contact"
 * ALTER INDEX IF EXISTS "salesforce"."contact__ferry_reload_pkey" RENAME TO "contact_pkey"
 * ALTER SEQUENCE IF EXISTS "salesforce"."contact__ferry_reload_id_seq" RENAME TO "contact_id_seq"
 * ALTER INDEX IF EXISTS "salesforce"."hcu_idx_contact__ferry_reload_sfid" RENAME TO "hcu_idx_contact_sfid"
 * ALTER INDEX IF EXISTS "salesforce"."hc_idx_contact__ferry_reload_systemmodstamp" RENAME TO "hc_idx_contact_systemmodstamp"
 * ALTER INDEX IF EXISTS "salesforce"."hc_idx_contact__ferry_reload_email" RENAME TO "hc_idx_contact_email"
 * ```
 * IF EXISTS on the renames: Postgres shortens long pkey/sequence names its own way; a name it chose differently
 * is left as is rather than failing the swap.
 */
export function renameForSwap(
  schema: string, table: string, reloadTable: string, indexes: readonly IndexDef[] = [],
): string[] {
  const renameIndex = (from: string, to: string): string =>
    `ALTER INDEX IF EXISTS ${qualified(schema, from)} RENAME TO ${quoteIdent(to)}`;
  const out = [
    `DROP TABLE IF EXISTS ${qualified(schema, table)}`,
    `ALTER TABLE ${qualified(schema, reloadTable)} RENAME TO ${quoteIdent(table)}`,
    renameIndex(fitIdent(`${reloadTable}_pkey`), fitIdent(`${table}_pkey`)),
    `ALTER SEQUENCE IF EXISTS ${qualified(schema, fitIdent(`${reloadTable}_id_seq`))} `
      + `RENAME TO ${quoteIdent(fitIdent(`${table}_id_seq`))}`,
    renameIndex(uniqueIndexName(reloadTable, 'sfid'), uniqueIndexName(table, 'sfid')),
    renameIndex(indexName(reloadTable, 'systemmodstamp'), indexName(table, 'systemmodstamp')),
  ];
  for (const ix of indexes) {
    const column = ix.column.toLowerCase();
    if (column === 'id' || column === 'sfid' || column === 'systemmodstamp') continue;
    const name = ix.unique ? uniqueIndexName : indexName;
    out.push(renameIndex(name(reloadTable, column), name(table, column)));
  }
  return out;
}
