// SQL for applying streamed partial rows (CDC updates carry only the fields that changed) and the channel
// names of the two streaming sources. Values are parameters; identifiers go through quoteIdent.
import { mappedColumns, type ColumnDef } from './sql-columns.js';
import { qualified, quoteIdent } from './sql-names.js';
import { pushTopicName } from './soql.js';
import type { StreamingSource } from './mapping-rules.js';

/** `Account` → `/data/AccountChangeEvent`, `Invoice__c` → `/data/Invoice__ChangeEvent`. */
export function changeEventChannel(object: string): string {
  return `/data/${object.endsWith('__c') ? `${object.slice(0, -3)}__ChangeEvent` : `${object}ChangeEvent`}`;
}

/** The channel a mapping's listener subscribes to (CDC over CometD and over the Pub/Sub API share the topic name). */
export function streamChannel(object: string, source: StreamingSource): string {
  return source === 'cdc' || source === 'pubsub' ? changeEventChannel(object) : `/topic/${pushTopicName(object)}`;
}

function baseType(pgType: string): string {
  const paren = pgType.indexOf('(');
  return paren < 0 ? pgType : pgType.slice(0, paren);
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/**
 * Applies partial rows: `$1` sfid varchar[], `$2` systemmodstamp timestamp[], `$3` values jsonb[] (column →
 * Postgres text). Only the columns a row's object holds change; the same guards as the merge apply (never
 * older over newer, never over a PENDING local change). Returns the sfids it updated:
 * ```sql
 * UPDATE "salesforce"."account" AS t SET systemmodstamp = s.systemmodstamp,
 *   "phone" = CASE WHEN s.vals ? 'phone' THEN (s.vals->>'phone')::varchar ELSE t."phone" END,
 *   _hc_lastop = 'SYNCED', _hc_err = NULL
 * FROM unnest($1::varchar[], $2::timestamp[], $3::jsonb[]) AS s(sfid, systemmodstamp, vals)
 * WHERE t.sfid = s.sfid AND t._hc_lastop IS DISTINCT FROM 'PENDING'
 *   AND (t.systemmodstamp IS NULL OR t.systemmodstamp <= s.systemmodstamp)
 * RETURNING t.sfid
 * ```
 */
export function partialUpdateStatement(schema: string, table: string, columns: readonly ColumnDef[]): string {
  const sets = mappedColumns(columns).map((c) => {
    const col = quoteIdent(c.name);
    return `${col} = CASE WHEN s.vals ? ${literal(c.name)} THEN (s.vals->>${literal(c.name)})::${baseType(c.pgType)} ELSE t.${col} END`;
  });
  return [
    `UPDATE ${qualified(schema, table)} AS t SET systemmodstamp = s.systemmodstamp,`,
    ...sets.map((s) => `  ${s},`),
    "  _hc_lastop = 'SYNCED', _hc_err = NULL",
    'FROM unnest($1::varchar[], $2::timestamp[], $3::jsonb[]) AS s(sfid, systemmodstamp, vals)',
    "WHERE t.sfid = s.sfid AND t._hc_lastop IS DISTINCT FROM 'PENDING'",
    '  AND (t.systemmodstamp IS NULL OR t.systemmodstamp <= s.systemmodstamp)',
    'RETURNING t.sfid',
  ].join('\n');
}
