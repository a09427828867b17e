// DDL for outbound capture in Heroku Connect's layout. Per schema: `_trigger_log` and `_trigger_log_archive`
// (Heroku Connect's columns; `old`/`values` are jsonb where Heroku Connect used hstore text) and the trigger
// functions. Per mapped table: `hc_<table>_status_trigger` (BEFORE ROW: marks the row PENDING or READONLY)
// and, for read_write, `hc_<table>_logtrigger_{insert,update,delete}` (AFTER STATEMENT with transition
// tables: one log entry per changed row, written by one INSERT … SELECT per statement) plus
// `hc_<table>_notify_trigger` (AFTER STATEMENT: one pg_notify per statement, delivered at commit).
//
// The log triggers are statement-level because a row-level PL/pgSQL trigger runs one INSERT per changed row:
// for a multi-row statement (an app's bulk INSERT … SELECT or UPDATE) that per-row call cost several times
// what the change itself cost. Postgres allows transition tables on single-event triggers only, hence three.
//
// ferry's own writes (inbound merges, result write-back) run with `SET LOCAL ferry.sync_writer = 'on'`; the
// trigger functions see the marker and neither mark nor log them, so nothing echoes back to Salesforce. An
// application can set the same marker to make a write that is not sent (and can read it with
// `current_setting('ferry.sync_writer', true)`).
import { fitIdent, qualified, quoteIdent } from './sql-names.js';
import type { Access } from './mapping-rules.js';

/** The session setting that marks ferry's own writes. */
export const SYNC_WRITER_GUC = 'ferry.sync_writer';
/** `SET LOCAL` statement for the marker (run first in every transaction that writes mapping tables). */
export const SET_SYNC_WRITER = `SET LOCAL ${SYNC_WRITER_GUC} = 'on'`;
/** The LISTEN channel; the payload is `<schema>.<table>`. */
export const OUTBOUND_CHANNEL = 'ferry_outbound';
export const TRIGGER_LOG = '_trigger_log';
export const TRIGGER_LOG_ARCHIVE = '_trigger_log_archive';
/** Columns that are bookkeeping, never sent: they are left out of captured values. */
export const UNSENT_COLUMNS = ['id', 'sfid', 'systemmodstamp', 'isdeleted', '_hc_lastop', '_hc_err'] as const;

const unsent = `ARRAY[${UNSENT_COLUMNS.map((c) => `'${c}'`).join(', ')}]::text[]`;
const isSyncWriter = `coalesce(current_setting('${SYNC_WRITER_GUC}', true), '') = 'on'`;
// Checked by Postgres before it calls the trigger function at all: ferry's own bulk write-backs then cost no
// PL/pgSQL call per row. (The functions check again, for triggers created by hand without it.)
const notSyncWriter = `WHEN (coalesce(current_setting('${SYNC_WRITER_GUC}', true), '') <> 'on')`;

export function statusTriggerName(table: string): string {
  return fitIdent(`hc_${table}_status_trigger`);
}
export type CapturedEvent = 'insert' | 'update' | 'delete';
const CAPTURED_EVENTS: readonly CapturedEvent[] = ['insert', 'update', 'delete'];

export function logTriggerName(table: string, event: CapturedEvent): string {
  return fitIdent(`hc_${table}_logtrigger_${event}`);
}
/** The single row-level log trigger of earlier ferry versions (and Heroku Connect's name); dropped on reinstall. */
function legacyLogTriggerName(table: string): string {
  return fitIdent(`hc_${table}_logtrigger`);
}
export function notifyTriggerName(table: string): string {
  return fitIdent(`hc_${table}_notify_trigger`);
}

/**
 * The schema's trigger log, archive and trigger functions (idempotent; run under the schema's DDL lock):
 * ```sql
 * CREATE TABLE IF NOT EXISTS "salesforce"."_trigger_log" (id bigserial PRIMARY KEY, txid bigint DEFAULT txid_current(), …)
 * ```
 */
export function createCaptureSchema(schema: string): string[] {
  const log = qualified(schema, TRIGGER_LOG);
  const columns = `id bigserial PRIMARY KEY, txid bigint DEFAULT txid_current(), created_at timestamptz DEFAULT now(),
    updated_at timestamptz DEFAULT now(), processed_at timestamptz, processed_tx bigint, state varchar(8) NOT NULL,
    action varchar(7) NOT NULL, table_name varchar(128) NOT NULL, record_id integer, sfid varchar(18), old jsonb,
    "values" jsonb, sf_result integer, sf_message text`;
  return [
    `CREATE TABLE IF NOT EXISTS ${log} (${columns})`,
    // Work queue: only NEW and PENDING entries are indexed, so processed history costs the claim nothing.
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${TRIGGER_LOG}_pending`)} ON ${log} (table_name, id) WHERE state IN ('NEW', 'PENDING')`,
    // A record's queued changes (write-back keeps a row PENDING while one waits, and hands them the sfid an
    // insert learned). Partial like the work queue: marking an entry processed adds nothing to it.
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${TRIGGER_LOG}_queued_record`)} ON ${log} (table_name, record_id) WHERE state IN ('NEW', 'PENDING')`,
    // Earlier versions indexed every entry by record; each write-back then added an entry to it.
    `DROP INDEX IF EXISTS ${qualified(schema, `${TRIGGER_LOG}_record`)}`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${TRIGGER_LOG}_failed`)} ON ${log} (id) WHERE state = 'FAILED'`,
    `CREATE TABLE IF NOT EXISTS ${qualified(schema, TRIGGER_LOG_ARCHIVE)} (${columns.replace('bigserial PRIMARY KEY', 'bigint PRIMARY KEY')})`,
    `CREATE INDEX IF NOT EXISTS ${quoteIdent(`${TRIGGER_LOG_ARCHIVE}_updated`)} ON ${qualified(schema, TRIGGER_LOG_ARCHIVE)} (updated_at)`,
    statusFunction(schema),
    logFunction(schema),
    logRowsFunction(schema),
    notifyFunction(schema),
  ];
}

/** BEFORE INSERT OR UPDATE: the row's new _hc_lastop (TG_ARGV[0]: PENDING or READONLY), unless nothing sent changed. */
function statusFunction(schema: string): string {
  return `CREATE OR REPLACE FUNCTION ${qualified(schema, 'ferry_status_trigger')}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF ${isSyncWriter} THEN RETURN NEW; END IF;
  IF TG_OP = 'UPDATE' AND (to_jsonb(NEW) - ${unsent}) = (to_jsonb(OLD) - ${unsent}) THEN RETURN NEW; END IF;
  NEW._hc_lastop := TG_ARGV[0];
  NEW._hc_err := NULL;
  RETURN NEW;
END $fn$`;
}

/**
 * AFTER ROW: one entry per change; an update records only the columns that changed (and their old values).
 * Installed by earlier ferry versions; kept so their triggers (and hand-made ones) keep working.
 */
function logFunction(schema: string): string {
  const log = qualified(schema, TRIGGER_LOG);
  return `CREATE OR REPLACE FUNCTION ${qualified(schema, 'ferry_log_trigger')}() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
  v jsonb;
  o jsonb;
BEGIN
  IF ${isSyncWriter} THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO ${log} (state, action, table_name, record_id, sfid, "values")
    VALUES ('NEW', 'INSERT', TG_TABLE_NAME, NEW.id, NEW.sfid, to_jsonb(NEW) - ${unsent});
  ELSIF TG_OP = 'UPDATE' THEN
    SELECT jsonb_object_agg(n.key, n.value), jsonb_object_agg(n.key, p.value) INTO v, o
      FROM jsonb_each(to_jsonb(NEW) - ${unsent}) n JOIN jsonb_each(to_jsonb(OLD)) p USING (key)
     WHERE n.value IS DISTINCT FROM p.value;
    IF v IS NULL THEN RETURN NULL; END IF;
    INSERT INTO ${log} (state, action, table_name, record_id, sfid, "values", old)
    VALUES ('NEW', 'UPDATE', TG_TABLE_NAME, NEW.id, NEW.sfid, v, o);
  ELSE
    INSERT INTO ${log} (state, action, table_name, record_id, sfid, old)
    VALUES ('NEW', 'DELETE', TG_TABLE_NAME, OLD.id, OLD.sfid, to_jsonb(OLD) - ${unsent});
  END IF;
  RETURN NULL;
END $fn$`;
}

/**
 * AFTER STATEMENT with transition tables `new_rows` / `old_rows`: one entry per row the statement changed, in
 * one INSERT … SELECT. An update records only the columns that changed (and their old values), and no entry
 * when none of the sent columns changed; rows of the update's two transition tables pair up by `id`.
 */
function logRowsFunction(schema: string): string {
  const log = qualified(schema, TRIGGER_LOG);
  return `CREATE OR REPLACE FUNCTION ${qualified(schema, 'ferry_log_rows_trigger')}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF ${isSyncWriter} THEN RETURN NULL; END IF;
  IF TG_OP = 'INSERT' THEN
    INSERT INTO ${log} (state, action, table_name, record_id, sfid, "values")
    SELECT 'NEW', 'INSERT', TG_TABLE_NAME, r.id, r.sfid, to_jsonb(r) - ${unsent} FROM new_rows r;
  ELSIF TG_OP = 'UPDATE' THEN
    INSERT INTO ${log} (state, action, table_name, record_id, sfid, "values", old)
    SELECT 'NEW', 'UPDATE', TG_TABLE_NAME, r.id, r.sfid, d.v, d.o
      FROM new_rows r JOIN old_rows q ON q.id = r.id
     CROSS JOIN LATERAL (
       SELECT jsonb_object_agg(n.key, n.value) AS v, jsonb_object_agg(n.key, p.value) AS o
         FROM jsonb_each(to_jsonb(r) - ${unsent}) n JOIN jsonb_each(to_jsonb(q)) p USING (key)
        WHERE n.value IS DISTINCT FROM p.value) d
     WHERE d.v IS NOT NULL;
  ELSE
    INSERT INTO ${log} (state, action, table_name, record_id, sfid, old)
    SELECT 'NEW', 'DELETE', TG_TABLE_NAME, r.id, r.sfid, to_jsonb(r) - ${unsent} FROM old_rows r;
  END IF;
  RETURN NULL;
END $fn$`;
}

/** AFTER STATEMENT: wakes the worker's listener (Postgres folds identical notifications of one transaction). */
function notifyFunction(schema: string): string {
  return `CREATE OR REPLACE FUNCTION ${qualified(schema, 'ferry_notify_trigger')}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  IF ${isSyncWriter} THEN RETURN NULL; END IF;
  PERFORM pg_notify('${OUTBOUND_CHANNEL}', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME);
  RETURN NULL;
END $fn$`;
}

/**
 * The triggers a mapping table carries for `access` (after dropping whatever it had, so a change of access
 * mode is one transaction):
 * ```sql
 * DROP TRIGGER IF EXISTS "hc_contact_status_trigger" ON "salesforce"."contact"
 * … (log, notify)
 * CREATE TRIGGER "hc_contact_status_trigger" BEFORE INSERT OR UPDATE ON "salesforce"."contact"
 *   FOR EACH ROW WHEN (coalesce(current_setting('ferry.sync_writer', true), '') <> 'on')
 *   EXECUTE FUNCTION "salesforce"."ferry_status_trigger"('PENDING')
 * CREATE TRIGGER "hc_contact_logtrigger_insert" AFTER INSERT ON "salesforce"."contact" REFERENCING NEW TABLE AS new_rows
 *   FOR EACH STATEMENT WHEN (…same…) EXECUTE FUNCTION "salesforce"."ferry_log_rows_trigger"()
 * … (the same for UPDATE with OLD and NEW TABLE, and for DELETE with OLD TABLE)
 * CREATE TRIGGER "hc_contact_notify_trigger" AFTER INSERT OR UPDATE OR DELETE ON "salesforce"."contact"
 *   FOR EACH STATEMENT WHEN (…same…) EXECUTE FUNCTION "salesforce"."ferry_notify_trigger"()
 * ```
 */
export function installCaptureTriggers(schema: string, table: string, access: Access): string[] {
  const target = qualified(schema, table);
  const fn = (name: string) => qualified(schema, name);
  const out = removeCaptureTriggers(schema, table);
  const lastop = access === 'read_write' ? 'PENDING' : 'READONLY';
  out.push(`CREATE TRIGGER ${quoteIdent(statusTriggerName(table))} BEFORE INSERT OR UPDATE ON ${target} `
    + `FOR EACH ROW ${notSyncWriter} EXECUTE FUNCTION ${fn('ferry_status_trigger')}('${lastop}')`);
  if (access === 'read_write') {
    const transitionTables: Record<CapturedEvent, string> = {
      insert: 'NEW TABLE AS new_rows', update: 'OLD TABLE AS old_rows NEW TABLE AS new_rows', delete: 'OLD TABLE AS old_rows',
    };
    for (const event of CAPTURED_EVENTS) {
      out.push(`CREATE TRIGGER ${quoteIdent(logTriggerName(table, event))} AFTER ${event.toUpperCase()} ON ${target} `
        + `REFERENCING ${transitionTables[event]} FOR EACH STATEMENT ${notSyncWriter} EXECUTE FUNCTION ${fn('ferry_log_rows_trigger')}()`);
    }
    out.push(`CREATE TRIGGER ${quoteIdent(notifyTriggerName(table))} AFTER INSERT OR UPDATE OR DELETE ON ${target} `
      + `FOR EACH STATEMENT ${notSyncWriter} EXECUTE FUNCTION ${fn('ferry_notify_trigger')}()`);
  }
  return out;
}

export function removeCaptureTriggers(schema: string, table: string): string[] {
  const target = qualified(schema, table);
  return [statusTriggerName(table), legacyLogTriggerName(table), ...CAPTURED_EVENTS.map((e) => logTriggerName(table, e)), notifyTriggerName(table)]
    .map((name) => `DROP TRIGGER IF EXISTS ${quoteIdent(name)} ON ${target}`);
}
