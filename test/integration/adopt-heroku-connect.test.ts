// Adopting a live Heroku Connect database (POST /import?adopt=true): a database built as Heroku Connect
// builds it (test/support/heroku-connect-db.ts) — tables loaded by "Heroku Connect", its triggers and
// functions, a trigger log with app writes still NEW (a parent and its child named by a relationship
// external ID, an update) — is taken over as it is: refused up front, changing nothing, while something is
// wrong; then rows and ids kept, queued writes sent once, no reload, later writes flowing.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgTypeFor } from '../../domain/type-map';
import { startApi, type ApiHarness } from '../support/api';
import { buildHerokuConnectDatabase, loadAsHerokuConnect } from '../support/heroku-connect-db';
import { eventually, jsforceFor } from '../support/org';

const SCHEMA_FILE = join(__dirname, '../fixtures/hc-relationships-schema.json');

interface MappingView { status: { state: string; last_load: unknown; counts: { loads: number }; watermark: string | null; outbound: { pending: boolean } } }

describe('adopting a Heroku Connect database', () => {
  let h: ApiHarness;
  let exportFile: Record<string, unknown>;
  let before: { id: number; sfid: string }[];
  const t = (name: string) => `"${h.schema}".${name}`;

  beforeAll(async () => {
    h = await startApi('adopt', { seed: { Account: 200, Contact: 120 }, schemaFile: SCHEMA_FILE });
    const conn = await jsforceFor(h.org);
    const acc = await conn.describe('Account');
    const con = await conn.describe('Contact');
    const type = (d: typeof acc, f: string) => pgTypeFor(d.fields.find((x) => x.name === f)!);
    await buildHerokuConnectDatabase(h.db.pool, h.schema, [
      { table: 'account', access: 'read_write', columns: [['name', type(acc, 'Name')], ['accountnumber', type(acc, 'AccountNumber')], ['external_id__c', type(acc, 'External_ID__c')]] },
      { table: 'contact', access: 'read_write', columns: [['lastname', type(con, 'LastName')], ['email', type(con, 'Email')], ['accountid', 'varchar(18)'], ['account__external_id__c', 'varchar(255)']] },
    ]);
    // What Heroku Connect loaded: every record, as its sync writes them.
    const accounts = await conn.query<Record<string, unknown>>('SELECT Id, Name, AccountNumber, External_ID__c, SystemModstamp, IsDeleted FROM Account', { autoFetch: true, maxFetch: 100_000 });
    await loadAsHerokuConnect(h.db.pool, h.schema, 'account', accounts.records.map((r) => ({
      sfid: r.Id, name: r.Name, accountnumber: r.AccountNumber, external_id__c: r.External_ID__c, systemmodstamp: r.SystemModstamp, isdeleted: r.IsDeleted,
    })));
    const contacts = await conn.query<Record<string, unknown>>('SELECT Id, LastName, Email, AccountId, SystemModstamp, IsDeleted FROM Contact', { autoFetch: true, maxFetch: 100_000 });
    await loadAsHerokuConnect(h.db.pool, h.schema, 'contact', contacts.records.map((r) => ({
      sfid: r.Id, lastname: r.LastName, email: r.Email, accountid: r.AccountId, systemmodstamp: r.SystemModstamp, isdeleted: r.IsDeleted,
    })));
    // History Heroku Connect already processed: never sent again.
    await h.db.pool.query(`INSERT INTO ${t('_trigger_log')} (id, txid, state, action, table_name, record_id, "values") VALUES (nextval('${h.schema}._trigger_log_id_seq'), 1, 'SUCCESS', 'UPDATE', 'account', 1, '"name"=>"old news"')`);
    before = (await h.db.pool.query<{ id: number; sfid: string }>(`SELECT id, sfid FROM ${t('account')} ORDER BY id`)).rows;
    exportFile = {
      version: 1,
      connection: { app_name: 'acme-prod', organization_id: '00D000000000001AAA', schema_name: h.schema, api_version: '59.0', logplex_log_enabled: false,
        features: { poll_db_no_merge: true, disable_bulk_writes: false } },
      mappings: [
        { object_name: 'Account', config: { access: 'read_write', sf_notify_enabled: false, sf_polling_seconds: 600, sf_max_daily_api_calls: 30000, upsert_field: null,
          fields: { Id: {}, Name: {}, AccountNumber: {}, External_ID__c: {}, SystemModstamp: {}, IsDeleted: {} },
          indexes: { External_ID__c: { unique: true }, Name: { unique: false } }, applied_at: '2023-02-14T01:40:34.070538Z', flush_interval_seconds: 2 } },
        { object_name: 'Contact', config: { access: 'read_write', sf_notify_enabled: false, sf_polling_seconds: 600, sf_max_daily_api_calls: 30000,
          fields: { Id: {}, LastName: {}, Email: {}, AccountId: {}, Account__External_ID__c: {}, SystemModstamp: {}, IsDeleted: {} },
          indexes: { Account__External_ID__c: { unique: false } }, applied_at: '2023-02-14T01:40:34.070538Z', flush_interval_seconds: 2 } },
      ],
    };
  }, 180_000);
  afterAll(async () => h?.close());

  const appWrites = async () => {
    // An app, while Heroku Connect is paused: a parent and its child in one transaction, and an update.
    const client = await h.db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${t('account')} (name, external_id__c) VALUES ('Written during the move', 'MOVE-1')`);
      await client.query(`INSERT INTO ${t('contact')} (lastname, account__external_id__c) VALUES ('Child written during the move', 'MOVE-1')`);
      await client.query(`UPDATE ${t('account')} SET accountnumber = 'CHANGED-IN-APP' WHERE id = $1`, [before[0].id]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    } finally {
      client.release();
    }
  };

  it('Heroku Connect\'s triggers capture the app\'s writes as NEW entries (hstore text)', async () => {
    await appWrites();
    const { rows } = await h.db.pool.query(`SELECT table_name, action, state FROM ${t('_trigger_log')} WHERE state = 'NEW' ORDER BY id`);
    expect(rows).toEqual([
      { table_name: 'account', action: 'INSERT', state: 'NEW' }, { table_name: 'contact', action: 'INSERT', state: 'NEW' },
      { table_name: 'account', action: 'UPDATE', state: 'NEW' },
    ]);
  });

  it('refuses up front, naming table and problem, and changes nothing', async () => {
    await h.db.pool.query(`CREATE FUNCTION ${t('audit')}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$`);
    await h.db.pool.query(`CREATE TRIGGER audit_account BEFORE UPDATE ON ${t('account')} FOR EACH ROW EXECUTE FUNCTION ${t('audit')}()`);
    await h.db.pool.query(`ALTER INDEX ${t('hcu_idx_contact_sfid')} RENAME TO keep_me`);
    await h.db.pool.query(`DROP INDEX ${t('keep_me')}`);
    await h.db.pool.query(`ALTER TABLE ${t('contact')} ALTER COLUMN email TYPE varchar(60)`);
    const r = await h.call<{ detail: string; errors: { path: string; rule: string; message: string }[] }>('POST', '/import?adopt=true', exportFile);
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([
      { path: 'mappings[0]', rule: 'adopt_trigger', message: `${h.schema}.account has trigger "audit_account", which is neither Heroku Connect's nor ferry's; drop it (or rename it) before adopting` },
      { path: 'mappings[1]', rule: 'adopt_column', message: `${h.schema}.contact: column "email" is character varying(60), the mapping needs character varying(80)` },
      { path: 'mappings[1]', rule: 'adopt_sfid_index', message: `${h.schema}.contact has no unique index on sfid (Heroku Connect creates hcu_idx_contact_sfid); ferry relies on it` },
    ]);
    // Nothing changed: Heroku Connect's log and triggers are where they were, no mapping started.
    const log = await h.db.pool.query(`SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = '${h.schema}._trigger_log'::regclass AND attname = 'values'`);
    expect(log.rows).toEqual([{ type: 'text' }]);
    const triggers = await h.db.pool.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = '${h.schema}.account'::regclass AND NOT tgisinternal ORDER BY 1`);
    expect(triggers.rows.map((x) => x.tgname)).toEqual(['audit_account', 'hc_account_logtrigger', 'hc_account_status_trigger']);
    expect((await h.call<{ count: number }>('GET', '/mappings')).body.count).toBe(0);
    expect((await h.db.pool.query(`SELECT count(*)::int AS n FROM ${t('_trigger_log')} WHERE state = 'NEW'`)).rows[0].n).toBe(3);
    // Fixed by the operator.
    await h.db.pool.query(`DROP TRIGGER audit_account ON ${t('account')}`);
    await h.db.pool.query(`CREATE UNIQUE INDEX hcu_idx_contact_sfid ON ${t('contact')} (sfid)`);
    await h.db.pool.query(`ALTER TABLE ${t('contact')} ALTER COLUMN email TYPE varchar(80)`);
  });

  it('adopts: rows and ids kept, indexes created, queued writes carried, a cheap count check, no reload', async () => {
    const apiBefore = h.org.admin.counters().api.byKind;
    const r = await h.call<{ adopted: number; write_algorithm: string; ignored: string[]; mappings: { result: string; adoption: Record<string, unknown> }[] }>('POST', '/import?adopt=true', exportFile);
    expect(r.status).toBe(201);
    expect(r.body.adopted).toBe(2);
    expect(r.body.write_algorithm).toBe('ordered');
    expect(r.body.ignored).toEqual(['connection.app_name', 'connection.organization_id', 'connection.api_version', 'connection.logplex_log_enabled',
      'connection.features.disable_bulk_writes', 'mappings[0].config.applied_at', 'mappings[1].config.applied_at']);
    const [account, contact] = r.body.mappings.map((m) => m.adoption);
    expect(account).toMatchObject({
      object_name: 'Account', table: `${h.schema}.account`, rows: 201, carried_writes: 2, replaced_triggers: ['hc_account_logtrigger', 'hc_account_status_trigger'],
      indexes_created: ['hcu_idx_account_external_id__c', 'hc_idx_account_name'], count_check: { postgres: 200, salesforce: 200, matches: true },
    });
    expect(contact).toMatchObject({ object_name: 'Contact', rows: 121, carried_writes: 1, count_check: { postgres: 120, salesforce: 120, matches: true } });
    // Ferry's triggers replaced Heroku Connect's; Heroku Connect's log is kept aside, the carried entries IGNORED there.
    const triggers = await h.db.pool.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = '${h.schema}.account'::regclass AND NOT tgisinternal ORDER BY 1`);
    expect(triggers.rows.map((x) => x.tgname)).toEqual(['hc_account_logtrigger_delete', 'hc_account_logtrigger_insert', 'hc_account_logtrigger_update', 'hc_account_notify_trigger', 'hc_account_status_trigger']);
    const hcLog = await h.db.pool.query(`SELECT state, count(*)::int AS n FROM ${t('_hc_trigger_log')} GROUP BY 1 ORDER BY 1`);
    expect(hcLog.rows).toEqual([{ state: 'IGNORED', n: 3 }, { state: 'SUCCESS', n: 1 }]);
    const saved = await h.db.pool.query('SELECT table_name, trigger_name FROM ferry.adopted_trigger WHERE schema_name = $1 ORDER BY 1, 2', [h.schema]);
    expect(saved.rows).toHaveLength(4);

    // The queued writes reach Salesforce once, the child linked to its parent; the update too.
    const conn = await jsforceFor(h.org);
    const parent = await eventually('the carried parent synced', async () => {
      const { rows } = await h.db.pool.query(`SELECT sfid, _hc_lastop FROM ${t('account')} WHERE external_id__c = 'MOVE-1'`);
      return rows[0]?._hc_lastop === 'SYNCED' ? rows[0] : undefined;
    }, 60_000);
    const child = await eventually('the carried child synced', async () => {
      const { rows } = await h.db.pool.query(`SELECT sfid, _hc_lastop, _hc_err FROM ${t('contact')} WHERE lastname = 'Child written during the move'`);
      return rows[0]?._hc_lastop === 'SYNCED' || rows[0]?._hc_lastop === 'FAILED' ? rows[0] : undefined;
    }, 60_000);
    expect(child).toMatchObject({ _hc_lastop: 'SYNCED', _hc_err: null });
    expect(((await conn.sobject('Contact').retrieve(child.sfid)) as unknown as { AccountId: string }).AccountId).toBe(parent.sfid);
    expect((await conn.query("SELECT Id FROM Account WHERE External_ID__c = 'MOVE-1'")).totalSize).toBe(1);
    await eventually('the carried update sent', async () => {
      const a = (await conn.sobject('Account').retrieve(before[0].sfid)) as unknown as { AccountNumber: string };
      return a.AccountNumber === 'CHANGED-IN-APP' ? true : undefined;
    }, 60_000);
    // Rows and ids kept.
    const after = (await h.db.pool.query<{ id: number; sfid: string }>(`SELECT id, sfid FROM ${t('account')} WHERE id <= $1 ORDER BY id`, [before.at(-1)!.id])).rows;
    expect(after).toEqual(before);
    // No reload: no load ran, no Bulk query job, the watermark came from the table.
    for (const object of ['Account', 'Contact']) {
      const m = await eventually(`${object} polled`, async () => {
        const v = (await h.call<MappingView>('GET', `/mappings/${h.schema}.${object}`)).body;
        return v.status.state === 'DATA_SYNCED' && v.status.outbound.pending === false ? v : undefined;
      }, 60_000);
      expect(m.status.counts.loads).toBe(0);
      expect(m.status.last_load).toBeNull();
    }
    const apiAfter = h.org.admin.counters().api.byKind;
    expect((apiAfter['bulk2-query'] ?? 0) - (apiBefore['bulk2-query'] ?? 0)).toBe(0);
    // Each mapping's own calls (describes, first poll, sweep, flushes) — a reload of the tables would add its own.
    const ledger = await h.db.pool.query<{ mapping: string; n: number }>(
      'SELECT mapping, sum(calls)::int AS n FROM ferry.api_call_ledger WHERE mapping LIKE $1 GROUP BY 1 ORDER BY 1', [`${h.schema}.%`]);
    expect(ledger.rows.map((x) => x.mapping)).toEqual([`${h.schema}.account`, `${h.schema}.contact`]);
    for (const row of ledger.rows) expect(row.n).toBeLessThanOrEqual(8);
  });

  it('later writes flow through ferry\'s triggers', async () => {
    await h.db.pool.query(`UPDATE ${t('account')} SET name = 'Renamed after the move' WHERE id = $1`, [before[1].id]);
    const conn = await jsforceFor(h.org);
    await eventually('the later update sent', async () => {
      const a = (await conn.sobject('Account').retrieve(before[1].sfid)) as unknown as { Name: string };
      return a.Name === 'Renamed after the move' ? true : undefined;
    }, 60_000);
    // The outcome is written back once Salesforce answered: the row becomes SYNCED just after the org changed.
    await eventually('the row marked SYNCED', async () => {
      const { rows } = await h.db.pool.query(`SELECT _hc_lastop FROM ${t('account')} WHERE id = $1`, [before[1].id]);
      return rows[0]._hc_lastop === 'SYNCED' ? true : undefined;
    }, 30_000);
  });
});
