// POST /import?adopt=true: takes over a live Heroku Connect database as it is, without reloading it.
//
// 1. Check (changes nothing): every mapping's table exists with the mapping's columns in compatible types,
//    a unique index on sfid, and no triggers but Heroku Connect's or ferry's; the schema has a trigger log;
//    no ferry mapping of the table runs yet. Any problem refuses the whole import, naming table and problem.
// 2. The export's per-mapping indexes are created as Heroku Connect names them (CONCURRENTLY: the tables stay
//    writable).
// 3. One transaction swaps capture: it locks the mapped tables against writes (reads go on), renames Heroku
//    Connect's `_trigger_log` / `_trigger_log_archive` (hstore text values) to `_hc_trigger_log` /
//    `_hc_trigger_log_archive`, creates ferry's log, replaces each table's Heroku Connect triggers with
//    ferry's, and copies every NEW or PENDING entry into ferry's queue (values converted to JSON, typed from the
//    row where it still exists), marking them IGNORED in Heroku Connect's log. It is one transaction for all
//    tables, not one per table, because every Heroku Connect trigger writes into the one shared log that is
//    swapped: an app write either lands before (and is carried) or after (and is captured by ferry). Heroku
//    Connect's trigger definitions are kept in ferry.adopted_trigger for a rollback.
// 4. Each mapping's workflow starts already synced, its watermark at the table's newest SystemModstamp less
//    a safety overlap: the first poll reads only what changed since, nothing is reloaded.
// 5. A cheap check: each table's row count beside Salesforce's COUNT() (one API call per mapping).
import type { DescribeSObjectResult } from 'jsforce';
import type { MappedField } from '../domain/mapped-field';
import {
  adoptionWatermarkMs, classifyTriggers, columnProblems, type ExpectedColumn,
} from '../domain/hc-adoption';
import type { MappingConfig } from '../domain/mapping-rules';
import { createCaptureSchema, installCaptureTriggers, SET_SYNC_WRITER, TRIGGER_LOG, TRIGGER_LOG_ARCHIVE, UNSENT_COLUMNS } from '../domain/outbound-trigger-sql';
import { resolveRelationshipField } from '../domain/relationship-fields';
import { createIndexes } from '../domain/sql-ddl';
import { qualified, quoteIdent } from '../domain/sql-names';
import { columnNameFor, pgTypeFor, tableNameFor } from '../domain/type-map';
import { withTransaction, type PoolClient } from '../infra/db';
import { initialState } from '../workflows/mapping/machine';
import type { ApiContext } from './context';
import { identityOfConfig as refOfConfig } from '../domain/mapping-id';
import { Problem } from './problem';

export const HC_TRIGGER_LOG = '_hc_trigger_log';
export const HC_TRIGGER_LOG_ARCHIVE = '_hc_trigger_log_archive';

export interface AdoptionInput {
  config: MappingConfig;
  describe: DescribeSObjectResult;
  parents: Map<string, DescribeSObjectResult | undefined>;
}

interface Plan extends AdoptionInput {
  table: string;
  fields: MappedField[];
  columns: ExpectedColumn[];
  hcTriggers: string[];
}

export interface AdoptionReport {
  object_name: string;
  mapping_id: string;
  table: string;
  rows: number;
  carried_writes: number;
  replaced_triggers: string[];
  indexes_created: string[];
  watermark: string;
  count_check: { postgres: number; salesforce: number | null; matches: boolean | null; note?: string };
}

function planOf(input: AdoptionInput): Plan {
  const { config, describe, parents } = input;
  const byName = new Map(describe.fields.map((f) => [f.name.toLowerCase(), f]));
  const fields: MappedField[] = [];
  const columns: ExpectedColumn[] = [];
  for (const name of config.fields) {
    const f = byName.get(name.toLowerCase());
    if (f) {
      const m: MappedField = { name: f.name, column: columnNameFor(f.name), sfType: f.type, pgType: pgTypeFor(f), createable: f.createable, updateable: f.updateable };
      fields.push(m);
      if (m.column !== 'sfid' && m.column !== 'systemmodstamp' && m.column !== 'isdeleted') columns.push({ name: m.column, pgType: m.pgType });
    } else {
      const r = resolveRelationshipField(name, describe, parents).field!;
      columns.push({ name: r.column, pgType: r.pgType });
    }
  }
  return { ...input, table: tableNameFor(describe.name), fields, columns, hcTriggers: [] };
}

async function tableColumns(client: PoolClient, schema: string, table: string): Promise<Map<string, string> | null> {
  const { rows } = await client.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped`, [qualified(schema, table)]);
  const exists = await client.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [qualified(schema, table)]);
  return exists.rows[0].ok ? new Map(rows.map((r) => [r.name, r.type])) : null;
}

async function hasUniqueSfidIndex(client: PoolClient, schema: string, table: string): Promise<boolean> {
  const { rows } = await client.query(
    `SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
      WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indnatts = 1 AND a.attname = 'sfid' AND i.indpred IS NULL`,
    [qualified(schema, table)]);
  return rows.length > 0;
}

async function triggerNames(client: PoolClient, schema: string, table: string): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    'SELECT tgname AS name FROM pg_trigger WHERE tgrelid = to_regclass($1) AND NOT tgisinternal ORDER BY tgname', [qualified(schema, table)]);
  return rows.map((r) => r.name);
}

/** The type of the `values` column of `<schema>.<name>`, or null when the table does not exist. */
async function logValuesType(client: PoolClient, schema: string, name: string): Promise<string | null> {
  const { rows } = await client.query<{ type: string }>(
    `SELECT format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
      WHERE a.attrelid = to_regclass($1) AND a.attname = 'values' AND NOT a.attisdropped`, [qualified(schema, name)]);
  return rows[0]?.type ?? null;
}

/** Step 1: every problem of every mapping, one message each (empty: all can be adopted). */
async function check(ctx: ApiContext, plans: Plan[]): Promise<{ path: string; rule: string; message: string }[]> {
  const problems: { path: string; rule: string; message: string }[] = [];
  const client = await ctx.pool.connect();
  try {
    const schemas = new Set(plans.map((p) => p.config.schema));
    for (const schema of schemas) {
      const t = await logValuesType(client, schema, TRIGGER_LOG);
      if (t === null) problems.push({ path: 'connection.schema_name', rule: 'adopt_trigger_log', message: `${schema}._trigger_log does not exist: this is not a Heroku Connect database (import without adopt=true to create and load the tables)` });
      else if (t !== 'text' && t !== 'jsonb') problems.push({ path: 'connection.schema_name', rule: 'adopt_trigger_log', message: `${schema}._trigger_log has "values" of type ${t}; Heroku Connect's is text (hstore), ferry's jsonb` });
      if (t === 'text' && (await client.query("SELECT to_regtype('hstore') IS NOT NULL AS ok")).rows[0].ok !== true) {
        problems.push({ path: 'connection.schema_name', rule: 'adopt_trigger_log', message: `${schema}._trigger_log holds hstore text, but the hstore extension is not installed to read it` });
      }
    }
    for (const [i, p] of plans.entries()) {
      const path = `mappings[${i}]`;
      const name = `${p.config.schema}.${p.table}`;
      const cols = await tableColumns(client, p.config.schema, p.table);
      if (cols === null) {
        problems.push({ path, rule: 'adopt_table', message: `${name} does not exist (import it without adopt=true to create and load it)` });
        continue;
      }
      for (const message of columnProblems(name, p.columns, cols)) problems.push({ path, rule: 'adopt_column', message });
      if (!(await hasUniqueSfidIndex(client, p.config.schema, p.table))) {
        problems.push({ path, rule: 'adopt_sfid_index', message: `${name} has no unique index on sfid (Heroku Connect creates hcu_idx_${p.table}_sfid); ferry relies on it` });
      }
      const triggers = classifyTriggers(p.table, await triggerNames(client, p.config.schema, p.table));
      for (const t of triggers.unknown) {
        problems.push({ path, rule: 'adopt_trigger', message: `${name} has trigger "${t}", which is neither Heroku Connect's nor ferry's; drop it (or rename it) before adopting` });
      }
      p.hcTriggers = triggers.herokuConnect;
      if (await ctx.workflows.statusOrNull(refOfConfig(p.config))) {
        problems.push({ path, rule: 'adopt_exists', message: `${name} is already synced by a ferry mapping` });
      }
    }
  } finally {
    client.release();
  }
  return problems;
}

/** Step 2: the export's indexes, as Heroku Connect creates them (names hc_idx_/hcu_idx_<table>_<column>). */
async function createExportIndexes(ctx: ApiContext, p: Plan): Promise<string[]> {
  const created: string[] = [];
  const indexes = p.config.indexes.map((ix) => ({ column: columnNameFor(ix.field), unique: ix.unique }));
  for (const sql of createIndexes(p.config.schema, p.table, indexes)) {
    const name = /INDEX IF NOT EXISTS ("(?:[^"]|"")+")/.exec(sql)![1];
    const { rows } = await ctx.pool.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [`${quoteIdent(p.config.schema)}.${name}`]);
    if (rows[0].ok) continue;
    await ctx.pool.query(sql.replace('CREATE UNIQUE INDEX IF NOT EXISTS', 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS')
      .replace(/^CREATE INDEX IF NOT EXISTS/, 'CREATE INDEX CONCURRENTLY IF NOT EXISTS'));
    created.push(name.slice(1, -1).replace(/""/g, '"'));
  }
  return created;
}

const unsentArray = `ARRAY[${UNSENT_COLUMNS.map((c) => `'${c}'`).join(', ')}]::text[]`;

/** hstore text (Heroku Connect's log) → jsonb, each value typed from the row when it still exists. */
function typedValues(column: 'old' | 'values', rowAlias: string): string {
  return `CASE WHEN h.${quoteIdent(column)} IS NULL THEN NULL ELSE (
    SELECT jsonb_object_agg(e.key, CASE WHEN ${rowAlias}.j ? e.key AND ${column === 'values' ? 'true' : 'false'} THEN ${rowAlias}.j -> e.key ELSE e.value END)
      FROM jsonb_each(hstore_to_jsonb(h.${quoteIdent(column)}::hstore) - ${unsentArray}) e) END`;
}

/** Step 3, in one transaction: swap logs and triggers, carry queued writes. Returns carried entries per table. */
async function swapCapture(ctx: ApiContext, plans: Plan[]): Promise<Map<string, number>> {
  const carried = new Map<string, number>();
  await withTransaction(ctx.pool, async (client) => {
    await client.query(SET_SYNC_WRITER);
    for (const schema of new Set(plans.map((p) => p.config.schema))) {
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ferry.ddl.${schema}`]);
      const mine = plans.filter((p) => p.config.schema === schema).sort((a, b) => a.table.localeCompare(b.table));
      // App writes wait here until the swap commits; reads go on.
      for (const p of mine) await client.query(`LOCK TABLE ${qualified(schema, p.table)} IN SHARE ROW EXCLUSIVE MODE`);
      const heroku = (await logValuesType(client, schema, TRIGGER_LOG)) === 'text';
      if (heroku) {
        await client.query(`LOCK TABLE ${qualified(schema, TRIGGER_LOG)} IN ACCESS EXCLUSIVE MODE`);
        await client.query(`ALTER TABLE ${qualified(schema, TRIGGER_LOG)} RENAME TO ${quoteIdent(HC_TRIGGER_LOG)}`);
        if ((await logValuesType(client, schema, TRIGGER_LOG_ARCHIVE)) === 'text') {
          await client.query(`ALTER TABLE ${qualified(schema, TRIGGER_LOG_ARCHIVE)} RENAME TO ${quoteIdent(HC_TRIGGER_LOG_ARCHIVE)}`);
        }
      }
      for (const sql of createCaptureSchema(schema)) await client.query(sql);
      for (const p of mine) {
        for (const name of p.hcTriggers) {
          await client.query(
            `INSERT INTO ferry.adopted_trigger (schema_name, table_name, trigger_name, definition)
             SELECT $1, $2, tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = to_regclass($3) AND tgname = $4
             ON CONFLICT (schema_name, table_name, trigger_name) DO UPDATE SET definition = EXCLUDED.definition, adopted_at = now()`,
            [schema, p.table, qualified(schema, p.table), name]);
          await client.query(`DROP TRIGGER IF EXISTS ${quoteIdent(name)} ON ${qualified(schema, p.table)}`);
        }
        for (const sql of installCaptureTriggers(schema, p.table, p.config.access)) await client.query(sql);
        if (!heroku || p.config.access !== 'read_write') {
          carried.set(p.table, 0);
          continue;
        }
        const hcLog = qualified(schema, HC_TRIGGER_LOG);
        const { rowCount } = await client.query(
          `INSERT INTO ${qualified(schema, TRIGGER_LOG)} (txid, created_at, updated_at, state, action, table_name, record_id, sfid, old, "values")
           SELECT h.txid, h.created_at, now(), 'NEW', h.action, h.table_name, h.record_id, h.sfid,
                  ${typedValues('old', 'r')}, ${typedValues('values', 'r')}
             FROM ${hcLog} h
             LEFT JOIN LATERAL (SELECT to_jsonb(t) AS j FROM ${qualified(schema, p.table)} t WHERE t.id = h.record_id) r ON true
            WHERE h.table_name = $1 AND h.state IN ('NEW', 'PENDING') AND h.action IN ('INSERT', 'UPDATE', 'DELETE')
            ORDER BY h.id`, [p.table]);
        carried.set(p.table, rowCount ?? 0);
        await client.query(
          `UPDATE ${hcLog} SET state = 'IGNORED', sf_message = 'carried over to ferry', updated_at = now()
            WHERE table_name = $1 AND state IN ('NEW', 'PENDING')`, [p.table]);
      }
    }
  });
  return carried;
}

async function tableStats(ctx: ApiContext, p: Plan): Promise<{ rows: number; synced: number; maxStampMs: number | null }> {
  // systemmodstamp is a timestamp without time zone holding UTC: its epoch is taken as UTC.
  const { rows } = await ctx.pool.query<{ rows: string; synced: string; max: string | null }>(
    `SELECT count(*) AS rows, count(sfid) AS synced, floor(extract(epoch FROM max(systemmodstamp)) * 1000)::bigint AS max
       FROM ${qualified(p.config.schema, p.table)}`);
  return { rows: Number(rows[0].rows), synced: Number(rows[0].synced), maxStampMs: rows[0].max === null ? null : Number(rows[0].max) };
}

/** Adopts every mapping of an import, or throws a 422 listing every reason it cannot (nothing changed). */
export async function adoptHerokuConnect(ctx: ApiContext, inputs: AdoptionInput[]): Promise<AdoptionReport[]> {
  const plans = inputs.map(planOf);
  const problems = await check(ctx, plans);
  if (problems.length > 0) {
    throw new Problem(422, `The database cannot be adopted as it is: ${problems.map((p) => p.message).join('; ')}`, problems, '/problems/cannot-adopt');
  }
  const indexes = new Map<string, string[]>();
  for (const p of plans) indexes.set(p.table, await createExportIndexes(ctx, p));
  const carried = await swapCapture(ctx, plans);
  const reports: AdoptionReport[] = [];
  for (const p of plans) {
    const stats = await tableStats(ctx, p);
    const watermarkMs = adoptionWatermarkMs(stats.maxStampMs);
    const ref = refOfConfig(p.config);
    const carriedState = {
      ...initialState(p.config), state: 'DATA_SYNCED' as const, table: p.table, fields: p.fields,
      loadedFields: p.fields.map((f) => f.name), watermarkMs, needsPrepare: true,
    };
    await ctx.workflows.start(ref, p.config, { carried: carriedState });
    let salesforce: number | null = null;
    let note: string | undefined;
    try {
      salesforce = await ctx.org.countRecords(p.config.objectName);
    } catch (err) {
      note = `Salesforce's count could not be read: ${(err as Error).message}`;
    }
    reports.push({
      object_name: p.config.objectName, mapping_id: ref.mappingId, table: `${p.config.schema}.${p.table}`, rows: stats.rows,
      carried_writes: carried.get(p.table) ?? 0, replaced_triggers: p.hcTriggers, indexes_created: indexes.get(p.table) ?? [],
      watermark: new Date(watermarkMs).toISOString(),
      count_check: { postgres: stats.synced, salesforce, matches: salesforce === null ? null : salesforce === stats.synced, ...(note ? { note } : {}) },
    });
  }
  return reports;
}
