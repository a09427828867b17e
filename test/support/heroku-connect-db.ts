// A Heroku Connect database, as Heroku Connect builds it (from pg_dump output of real Heroku Connect schemas):
// the hstore extension, public.get_xmlbinary() (Heroku Connect's own sessions set xmlbinary to 'hex', apps
// have the default 'base64', which is how its triggers tell an app's write from its own), the schema's
// `_trigger_log` / `_trigger_log_archive` (integer ids, `old` / `values` as hstore text) with its notify
// trigger, and per mapped table the row-level `hc_<table>_logger()` / `hc_<table>_status()` functions with
// triggers `hc_<table>_logtrigger` and `hc_<table>_status_trigger`, the `hcu_idx_<table>_sfid` unique index and
// `hc_idx_<table>_systemmodstamp`. `loadAsHerokuConnect` writes rows as Heroku Connect's sync does (not captured,
// marked SYNCED); plain writes through the pool are an app's, captured as NEW entries.
import type { Pool } from 'pg';

export interface HcTable {
  table: string;
  access: 'read_only' | 'read_write';
  /** Mapped columns (besides Heroku Connect's own) and their types. */
  columns: [string, string][];
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function buildHerokuConnectDatabase(pool: Pool, schema: string, tables: readonly HcTable[]): Promise<void> {
  const s = q(schema);
  const statements = [
    'CREATE EXTENSION IF NOT EXISTS hstore WITH SCHEMA public',
    `CREATE OR REPLACE FUNCTION public.get_xmlbinary() RETURNS varchar LANGUAGE plpgsql AS $$
     DECLARE xmlbin varchar; BEGIN SELECT INTO xmlbin setting FROM pg_settings WHERE name = 'xmlbinary'; RETURN xmlbin; END; $$`,
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE ${s}._trigger_log (id integer NOT NULL, txid bigint, created_at timestamptz DEFAULT now(), updated_at timestamptz DEFAULT now(),
       processed_at timestamptz, processed_tx bigint, state varchar(8), action varchar(7), table_name varchar(128), record_id integer,
       sfid varchar(18), old text, "values" text, sf_result integer, sf_message text)`,
    `CREATE TABLE ${s}._trigger_log_archive (id integer NOT NULL, txid bigint, created_at timestamptz, updated_at timestamptz,
       processed_at timestamptz, processed_tx bigint, state varchar(8), action varchar(7), table_name varchar(128), record_id integer,
       sfid varchar(18), old text, "values" text, sf_result integer, sf_message text)`,
    `CREATE SEQUENCE ${s}._trigger_log_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1`,
    `ALTER SEQUENCE ${s}._trigger_log_id_seq OWNED BY ${s}._trigger_log.id`,
    `ALTER TABLE ONLY ${s}._trigger_log ALTER COLUMN id SET DEFAULT nextval('${schema}._trigger_log_id_seq'::regclass)`,
    `ALTER TABLE ONLY ${s}._trigger_log_archive ADD CONSTRAINT _trigger_log_archive_pkey PRIMARY KEY (id)`,
    `ALTER TABLE ONLY ${s}._trigger_log ADD CONSTRAINT _trigger_log_pkey PRIMARY KEY (id)`,
    `CREATE INDEX _trigger_log_archive_idx_created_at ON ${s}._trigger_log_archive USING btree (created_at)`,
    `CREATE INDEX _trigger_log_archive_idx_record_id ON ${s}._trigger_log_archive USING btree (record_id)`,
    `CREATE INDEX _trigger_log_idx_created_at ON ${s}._trigger_log USING btree (created_at)`,
    `CREATE INDEX _trigger_log_idx_state_id ON ${s}._trigger_log USING btree (state, id)`,
    `CREATE INDEX _trigger_log_idx_state_table_name ON ${s}._trigger_log USING btree (state, table_name) WHERE ((state)::text = 'NEW'::text) OR ((state)::text = 'PENDING'::text)`,
    `CREATE FUNCTION ${s}.tlog_notify_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN -- VERSION 1 --
       PERFORM pg_notify('${schema}.hc_trigger_log', 'ping'); RETURN new; END; $$`,
    `CREATE TRIGGER tlog_insert_trigger AFTER INSERT ON ${s}._trigger_log FOR EACH ROW EXECUTE PROCEDURE ${s}.tlog_notify_trigger()`,
  ];
  for (const t of tables) {
    const table = q(t.table);
    const cols = t.columns.map(([c, type]) => `, ${q(c)} ${type}`).join('');
    statements.push(
      `CREATE TABLE ${s}.${table} (sfid varchar(18), id integer NOT NULL, systemmodstamp timestamp, isdeleted boolean,
         _hc_lastop varchar(32), _hc_err text${cols})`,
      `CREATE SEQUENCE ${s}.${q(`${t.table}_id_seq`)} START WITH 1 INCREMENT BY 1 NO MINVALUE NO MAXVALUE CACHE 1`,
      `ALTER SEQUENCE ${s}.${q(`${t.table}_id_seq`)} OWNED BY ${s}.${table}.id`,
      `ALTER TABLE ONLY ${s}.${table} ALTER COLUMN id SET DEFAULT nextval('${schema}.${t.table}_id_seq'::regclass)`,
      `ALTER TABLE ONLY ${s}.${table} ADD CONSTRAINT ${q(`${t.table}_pkey`)} PRIMARY KEY (id)`,
      `CREATE INDEX ${q(`hc_idx_${t.table}_systemmodstamp`)} ON ${s}.${table} USING btree (systemmodstamp)`,
      `CREATE UNIQUE INDEX ${q(`hcu_idx_${t.table}_sfid`)} ON ${s}.${table} USING btree (sfid)`,
      // Heroku Connect's logger (VERSION 4): one entry per changed row; read_write entries are NEW.
      `CREATE FUNCTION ${s}.${q(`hc_${t.table}_logger`)}() RETURNS trigger LANGUAGE plpgsql AS $$
       DECLARE
         trigger_row ${s}."_trigger_log";
         excluded_cols text[] = ARRAY['_hc_lastop', '_hc_err']::text[];
       BEGIN
         -- VERSION 4 --
         trigger_row = ROW();
         trigger_row.id = nextval('${s}."_trigger_log_id_seq"');
         trigger_row.action = TG_OP::text;
         trigger_row.table_name = TG_TABLE_NAME::text;
         trigger_row.txid = txid_current();
         trigger_row.created_at = clock_timestamp();
         trigger_row.state = '${t.access === 'read_write' ? 'NEW' : 'READONLY'}';
         IF (TG_OP = 'DELETE') THEN
           trigger_row.record_id = OLD.id;
           trigger_row.old = hstore(OLD.*) - excluded_cols;
           IF (OLD.sfid IS NOT NULL) THEN trigger_row.sfid = OLD.sfid; END IF;
         ELSEIF (TG_OP = 'INSERT') THEN
           trigger_row.record_id = NEW.id;
           trigger_row.values = hstore(NEW.*) - excluded_cols;
         ELSEIF (TG_OP = 'UPDATE') THEN
           trigger_row.record_id = NEW.id;
           trigger_row.old = hstore(OLD.*) - excluded_cols;
           trigger_row.values = (hstore(NEW.*) - hstore(trigger_row.old)) - excluded_cols;
           IF (OLD.sfid IS NOT NULL) THEN trigger_row.sfid = OLD.sfid; END IF;
         END IF;
         INSERT INTO ${s}."_trigger_log" VALUES (trigger_row.*);
         RETURN NULL;
       END; $$`,
      `CREATE FUNCTION ${s}.${q(`hc_${t.table}_status`)}() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF (get_xmlbinary() = 'base64') THEN  -- user op
           NEW._hc_lastop = '${t.access === 'read_write' ? 'PENDING' : 'READONLY'}';
           NEW._hc_err = NULL;
           RETURN NEW;
         ELSE  -- connect op
           IF (TG_OP = 'UPDATE' AND NEW._hc_lastop IS NOT NULL AND NEW._hc_lastop != OLD._hc_lastop) THEN
             RETURN NEW;
           END IF;
           NEW._hc_lastop = 'SYNCED';
           NEW._hc_err = NULL;
           RETURN NEW;
         END IF;
       END; $$`,
      `CREATE TRIGGER ${q(`hc_${t.table}_logtrigger`)} AFTER INSERT OR DELETE OR UPDATE ON ${s}.${table} FOR EACH ROW
         WHEN ((public.get_xmlbinary())::text = 'base64'::text) EXECUTE PROCEDURE ${s}.${q(`hc_${t.table}_logger`)}()`,
      `CREATE TRIGGER ${q(`hc_${t.table}_status_trigger`)} BEFORE INSERT OR UPDATE ON ${s}.${table} FOR EACH ROW
         EXECUTE PROCEDURE ${s}.${q(`hc_${t.table}_status`)}()`,
    );
  }
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const sql of statements) await client.query(sql);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}

/** Rows written the way Heroku Connect's sync writes them (xmlbinary 'hex': not captured, marked SYNCED). */
export async function loadAsHerokuConnect(pool: Pool, schema: string, table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SET LOCAL xmlbinary = 'hex'");
    await client.query(
      `INSERT INTO ${q(schema)}.${q(table)} (${cols.map(q).join(', ')})
       SELECT ${cols.map(q).join(', ')} FROM jsonb_populate_recordset(NULL::${q(schema)}.${q(table)}, $1::jsonb)`, [JSON.stringify(rows)]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  } finally {
    client.release();
  }
}
