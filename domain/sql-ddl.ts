// DDL builders for mapping tables in Heroku Connect's layout. Each builder's doc comment shows its output for
// Contact with the columns (name varchar(121), email varchar(80)).
import { columnList, mappedColumns, stagingColumnOrder, type ColumnDef } from './sql-columns.js';
import { indexName, qualified, quoteIdent, uniqueIndexName } from './sql-names.js';

/** An extra index from the mapping's `indexes` config (column as Salesforce or Postgres spells it). */
export interface IndexDef { column: string; unique: boolean }

function indexStatement(schema: string, table: string, column: string, unique: boolean): string {
  const name = unique ? uniqueIndexName(table, column) : indexName(table, column);
  return `CREATE ${unique ? 'UNIQUE ' : ''}INDEX IF NOT EXISTS ${quoteIdent(name)} `
    + `ON ${qualified(schema, table)} (${quoteIdent(column)})`;
}

/**
 * The mapping table and Heroku Connect's indexes (sfid unique, systemmodstamp, then configured ones):
 * ```sql
 * CREATE TABLE IF NOT EXISTS "salesforce"."contact" (id serial PRIMARY KEY, sfid varchar(18),
 *   systemmodstamp timestamp, isdeleted boolean, _hc_lastop varchar(32), _hc_err text,
 *   "name" varchar(121), "email" varchar(80))
 * CREATE UNIQUE INDEX IF NOT EXISTS "hcu_idx_contact_sfid" ON "salesforce"."contact" ("sfid")
 * CREATE INDEX IF NOT EXISTS "hc_idx_contact_systemmodstamp" ON "salesforce"."contact" ("systemmodstamp")
 * CREATE INDEX IF NOT EXISTS "hc_idx_contact_email" ON "salesforce"."contact" ("email")
 * ```
 * sfid gets a unique index (not a constraint), as in Heroku Connect: rows inserted in Postgres have no sfid yet,
 * and `ON CONFLICT (sfid)` infers the index. Run the statements in one transaction; serialize concurrent
 * creators (advisory lock), since CREATE … IF NOT EXISTS can still race.
 */
export function createMappingTable(
  schema: string, table: string, columns: readonly ColumnDef[], indexes: readonly IndexDef[] = [],
): string[] {
  const cols = mappedColumns(columns);
  const extra = cols.length > 0 ? `, ${columnList(cols)}` : '';
  return [
    `CREATE TABLE IF NOT EXISTS ${qualified(schema, table)} (id serial PRIMARY KEY, sfid varchar(18), `
      + `systemmodstamp timestamp, isdeleted boolean, _hc_lastop varchar(32), _hc_err text${extra})`,
    indexStatement(schema, table, 'sfid', true),
    indexStatement(schema, table, 'systemmodstamp', false),
    ...createIndexes(schema, table, indexes),
  ];
}

/**
 * One `CREATE [UNIQUE] INDEX IF NOT EXISTS` per configured index, named `hcu_idx_<table>_<column>` when unique
 * and `hc_idx_<table>_<column>` otherwise. `Id` (sfid) and `SystemModstamp` are skipped: every mapping table
 * already indexes them.
 * ```sql
 * CREATE UNIQUE INDEX IF NOT EXISTS "hcu_idx_contact_ext_id__c" ON "salesforce"."contact" ("ext_id__c")
 * ```
 */
export function createIndexes(schema: string, table: string, indexes: readonly IndexDef[]): string[] {
  const out: string[] = [];
  for (const ix of indexes) {
    const column = ix.column.toLowerCase();
    if (column === 'id' || column === 'sfid' || column === 'systemmodstamp') continue;
    out.push(indexStatement(schema, table, column, ix.unique));
  }
  return out;
}

/**
 * New mapped columns for an existing table (empty list when there are none):
 * ```sql
 * ALTER TABLE "salesforce"."contact" ADD COLUMN IF NOT EXISTS "phone" varchar(40),
 *   ADD COLUMN IF NOT EXISTS "birthdate" date
 * ```
 */
export function addColumns(schema: string, table: string, columns: readonly ColumnDef[]): string[] {
  const cols = mappedColumns(columns);
  if (cols.length === 0) return [];
  const adds = cols.map((c) => `ADD COLUMN IF NOT EXISTS ${quoteIdent(c.name)} ${c.pgType}`).join(', ');
  return [`ALTER TABLE ${qualified(schema, table)} ${adds}`];
}

/**
 * A fresh UNLOGGED staging table without constraints, key columns first (recreated, so a changed column list
 * never meets an old staging table):
 * ```sql
 * DROP TABLE IF EXISTS "salesforce"."contact__ferry_stage"
 * CREATE UNLOGGED TABLE "salesforce"."contact__ferry_stage" (sfid varchar(18), systemmodstamp timestamp,
 *   isdeleted boolean, "name" varchar(121), "email" varchar(80))
 * ```
 */
export function createStagingTable(schema: string, stagingTable: string, columns: readonly ColumnDef[]): string[] {
  const cols = mappedColumns(columns);
  const extra = cols.length > 0 ? `, ${columnList(cols)}` : '';
  return [
    `DROP TABLE IF EXISTS ${qualified(schema, stagingTable)}`,
    `CREATE UNLOGGED TABLE ${qualified(schema, stagingTable)} (sfid varchar(18), systemmodstamp timestamp, `
      + `isdeleted boolean${extra})`,
  ];
}

/**
 * COPY into the staging table, text format (lines from copyTextLine, values in stagingColumnOrder):
 * ```sql
 * COPY "salesforce"."contact__ferry_stage" ("sfid", "systemmodstamp", "isdeleted", "name", "email") FROM STDIN
 * ```
 */
export function copyIntoStaging(schema: string, stagingTable: string, columns: readonly ColumnDef[]): string {
  const names = stagingColumnOrder(columns).map(quoteIdent).join(', ');
  return `COPY ${qualified(schema, stagingTable)} (${names}) FROM STDIN`;
}
