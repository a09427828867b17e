// The set-based inbound merge: one statement applies a batch of Salesforce rows (from a staging table or from
// unnest'ed parameter arrays) to the mapping table.
//
// Semantics, per sfid, taking only the newest staged version (DISTINCT ON … ORDER BY systemmodstamp DESC):
// - deleted in Salesforce (isdeleted true): the row is DELETED from the table, as Heroku Connect does — unless
//   the table already holds a newer version (target.systemmodstamp > staged).
// - otherwise: inserted, or updated only when the staged version is not older than the stored one, so a late
//   page never overwrites a newer change; _hc_lastop becomes 'SYNCED' and _hc_err is cleared. A version the
//   row already holds (same SystemModstamp, same values, already SYNCED) is not written again: polls re-read
//   an overlap behind each window (domain/poll-window.ts), and that must cost no row writes. A row holding a
//   local change not yet sent to Salesforce (_hc_lastop 'PENDING') is left alone (no outbound flip-flop).
// The statement returns one row {inserted, updated, deleted}; `xmax = 0` tells a fresh insert from an update.
// Rows updated by the ON CONFLICT clause but skipped by its WHERE are not counted.
import { mappedColumns, type ColumnDef } from './sql-columns.js';
import { qualified, quoteIdent } from './sql-names.js';

/** The single row both merge statements return (counts come back as int, not bigint). */
export interface MergeCounts { inserted: number; updated: number; deleted: number }

function mergeStatement(schema: string, table: string, cols: readonly ColumnDef[], source: string): string {
  const target = qualified(schema, table);
  const names = cols.map((c) => quoteIdent(c.name));
  const all = ['sfid', 'systemmodstamp', 'isdeleted', ...names];
  const sets = ['systemmodstamp', 'isdeleted', ...names].map((n) => `${n} = EXCLUDED.${n}`);
  const held = ['isdeleted', ...names];
  return [
    'WITH src AS (',
    `  SELECT DISTINCT ON (sfid) ${all.join(', ')}`,
    `  FROM ${source}`,
    '  WHERE sfid IS NOT NULL',
    '  ORDER BY sfid, systemmodstamp DESC NULLS LAST',
    '), deleted AS (',
    `  DELETE FROM ${target} AS t USING src`,
    '  WHERE src.isdeleted AND t.sfid = src.sfid',
    '    AND (t.systemmodstamp IS NULL OR t.systemmodstamp <= src.systemmodstamp)',
    '  RETURNING 1',
    '), upserted AS (',
    `  INSERT INTO ${target} AS t (${all.join(', ')}, _hc_lastop, _hc_err)`,
    `  SELECT ${all.join(', ')}, 'SYNCED', NULL FROM src WHERE src.isdeleted IS NOT TRUE`,
    `  ON CONFLICT (sfid) DO UPDATE SET ${sets.join(', ')}, _hc_lastop = 'SYNCED', _hc_err = NULL`,
    // A row whose local change is not yet sent (PENDING) keeps it: the echo of an earlier write, or any
    // Salesforce version, must not flip it back; the pending write's own echo brings the record in later.
    "  WHERE t._hc_lastop IS DISTINCT FROM 'PENDING' AND (t.systemmodstamp IS NULL OR t.systemmodstamp <= EXCLUDED.systemmodstamp)",
    `    AND (t.systemmodstamp IS DISTINCT FROM EXCLUDED.systemmodstamp OR t._hc_lastop IS DISTINCT FROM 'SYNCED' OR t._hc_err IS NOT NULL`,
    `      OR (${held.map((n) => `t.${n}`).join(', ')}) IS DISTINCT FROM (${held.map((n) => `EXCLUDED.${n}`).join(', ')}))`,
    '  RETURNING (xmax = 0) AS inserted',
    ')',
    'SELECT (SELECT count(*) FROM upserted WHERE inserted)::int AS inserted,',
    '  (SELECT count(*) FROM upserted WHERE NOT inserted)::int AS updated,',
    '  (SELECT count(*) FROM deleted)::int AS deleted',
  ].join('\n');
}

/**
 * Merge everything in the staging table into the mapping table (run in the transaction that then truncates or
 * drops the staging table):
 * ```sql
 * WITH src AS (
 *   SELECT DISTINCT ON (sfid) sfid, systemmodstamp, isdeleted, "name", "email"
 *   FROM "salesforce"."contact__ferry_stage"
 *   WHERE sfid IS NOT NULL
 *   ORDER BY sfid, systemmodstamp DESC NULLS LAST
 * ), deleted AS (
 *   DELETE FROM "salesforce"."contact" AS t USING src
 *   WHERE src.isdeleted AND t.sfid = src.sfid
 *     AND (t.systemmodstamp IS NULL OR t.systemmodstamp <= src.systemmodstamp)
 *   RETURNING 1
 * ), upserted AS (
 *   INSERT INTO "salesforce"."contact" AS t (sfid, systemmodstamp, isdeleted, "name", "email", _hc_lastop, _hc_err)
 *   SELECT sfid, systemmodstamp, isdeleted, "name", "email", 'SYNCED', NULL FROM src WHERE src.isdeleted IS NOT TRUE
 *   ON CONFLICT (sfid) DO UPDATE SET systemmodstamp = EXCLUDED.systemmodstamp, isdeleted = EXCLUDED.isdeleted,
 *     "name" = EXCLUDED."name", "email" = EXCLUDED."email", _hc_lastop = 'SYNCED', _hc_err = NULL
 *   WHERE t._hc_lastop IS DISTINCT FROM 'PENDING' AND (t.systemmodstamp IS NULL OR t.systemmodstamp <= EXCLUDED.systemmodstamp)
 *     AND (t.systemmodstamp IS DISTINCT FROM EXCLUDED.systemmodstamp OR t._hc_lastop IS DISTINCT FROM 'SYNCED' OR t._hc_err IS NOT NULL
 *       OR (t.isdeleted, t."name", t."email") IS DISTINCT FROM (EXCLUDED.isdeleted, EXCLUDED."name", EXCLUDED."email"))
 *   RETURNING (xmax = 0) AS inserted
 * )
 * SELECT (SELECT count(*) FROM upserted WHERE inserted)::int AS inserted,
 *   (SELECT count(*) FROM upserted WHERE NOT inserted)::int AS updated,
 *   (SELECT count(*) FROM deleted)::int AS deleted
 * ```
 */
export function mergeFromStaging(
  schema: string, table: string, stagingTable: string, columns: readonly ColumnDef[],
): string {
  return mergeStatement(schema, table, mappedColumns(columns), qualified(schema, stagingTable));
}

/** `varchar(80)` → `varchar`: arrays are cast without length so an over-long value fails on assignment
 * ("value too long") instead of being silently truncated by an explicit cast. */
function arrayElementType(pgType: string): string {
  const paren = pgType.indexOf('(');
  return paren < 0 ? pgType : pgType.slice(0, paren);
}

/**
 * Parameter array types, in parameter order: `$1` sfid `varchar[]`, `$2` systemmodstamp `timestamp[]`,
 * `$3` isdeleted `boolean[]`, then one array per mapped column in the order of `columns` (after
 * mappedColumns: lower-cased, fixed columns dropped) — the same order as stagingColumnOrder.
 */
export function mergeParamTypes(columns: readonly ColumnDef[]): string[] {
  return ['varchar[]', 'timestamp[]', 'boolean[]', ...mappedColumns(columns).map((c) => `${arrayElementType(c.pgType)}[]`)];
}

/**
 * The same merge for small batches (≤ 10,000 rows) without a staging table: call with one array per column,
 * all of equal length, in stagingColumnOrder (see mergeParamTypes). Values are Postgres text (wire-values) or
 * null. The source is:
 * ```sql
 * unnest($1::varchar[], $2::timestamp[], $3::boolean[], $4::varchar[], $5::varchar[])
 *   AS s(sfid, systemmodstamp, isdeleted, "name", "email")
 * ```
 * and the rest is exactly mergeFromStaging's statement.
 */
export function mergeRowsFromParams(schema: string, table: string, columns: readonly ColumnDef[]): string {
  const cols = mappedColumns(columns);
  const types = mergeParamTypes(cols);
  const args = types.map((t, i) => `$${i + 1}::${t}`).join(', ');
  const aliases = ['sfid', 'systemmodstamp', 'isdeleted', ...cols.map((c) => quoteIdent(c.name))].join(', ');
  return mergeStatement(schema, table, cols, `unnest(${args}) AS s(${aliases})`);
}
