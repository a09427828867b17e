// The README's "Moving from Heroku Connect" runbook, followed literally: its `sh` blocks are taken from the
// README and run by bash, as written, against a database built as Heroku Connect builds it (tables it
// loaded, its triggers and functions, app writes queued NEW while it is paused), the API and worker of this
// test, and the org emulator. The `console` blocks are Heroku's CLI: pausing Heroku Connect is already the
// state of this database (nothing processes its log), and its export is the file written beside the script.
// Then the rollback section puts Heroku Connect's log and triggers back.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgTypeFor } from '../../domain/type-map';
import { TEST_TOKEN, startApi, type ApiHarness } from '../support/api';
import { buildHerokuConnectDatabase, loadAsHerokuConnect } from '../support/heroku-connect-db';
import { jsforceFor } from '../support/org';

const run = promisify(execFile);
const README = readFileSync(join(__dirname, '../../README.md'), 'utf8');

/** The `sh` blocks of the README between two headings, in order. */
function shBlocks(from: string, to: string): string[] {
  const start = README.indexOf(from);
  const end = README.indexOf(to, start + from.length);
  expect(start, `README has "${from}"`).toBeGreaterThan(0);
  expect(end, `README has "${to}" after it`).toBeGreaterThan(start);
  const section = README.slice(start, end);
  return [...section.matchAll(/^( *)```sh\n([\s\S]*?)^\1```$/gm)].map((m) => m[2].split('\n').map((l) => l.slice(m[1].length)).join('\n'));
}

describe('README runbook: moving from Heroku Connect, and back', () => {
  let h: ApiHarness;
  let dir: string;
  const t = (name: string) => `"${h.schema}".${name}`;
  const bash = async (script: string) => {
    const env = { ...process.env, FERRY: h.url, TOKEN: TEST_TOKEN, DATABASE_URL: h.db.url, SCHEMA: h.schema, PGCONNECT_TIMEOUT: '5' };
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, env, timeout: 170_000 });
    return stdout;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ferry-runbook-'));
    h = await startApi('runbook', { seed: { Account: 150 } });
    const conn = await jsforceFor(h.org);
    const acc = await conn.describe('Account');
    const type = (f: string) => pgTypeFor(acc.fields.find((x) => x.name === f)!);
    await buildHerokuConnectDatabase(h.db.pool, h.schema, [
      { table: 'account', access: 'read_write', columns: [['name', type('Name')], ['accountnumber', type('AccountNumber')], ['createddate', 'timestamp']] },
    ]);
    const accounts = await conn.query<Record<string, unknown>>('SELECT Id, Name, AccountNumber, CreatedDate, SystemModstamp, IsDeleted FROM Account', { autoFetch: true, maxFetch: 100_000 });
    await loadAsHerokuConnect(h.db.pool, h.schema, 'account', accounts.records.map((r) => ({
      sfid: r.Id, name: r.Name, accountnumber: r.AccountNumber, createddate: r.CreatedDate, systemmodstamp: r.SystemModstamp, isdeleted: r.IsDeleted,
    })));
    // Heroku Connect is paused; apps go on writing.
    await h.db.pool.query(`INSERT INTO ${t('account')} (name, accountnumber) VALUES ('Inserted while paused', 'RUNBOOK-1')`);
    await h.db.pool.query(`UPDATE ${t('account')} SET accountnumber = 'RUNBOOK-2' WHERE id = 1`);
    // Heroku Connect's export, unchanged (its format, no ferry keys).
    writeFileSync(join(dir, 'export.json'), JSON.stringify({
      mappings: [{ object_name: 'Account', config: {
        access: 'read_write', sf_notify_enabled: false, sf_polling_seconds: 600, sf_max_daily_api_calls: 30000,
        fields: { CreatedDate: {}, Id: {}, IsDeleted: {}, Name: {}, SystemModstamp: {}, AccountNumber: {} },
        indexes: { Id: { unique: true }, SystemModstamp: { unique: false }, Name: { unique: false } }, applied_at: '2023-02-14T01:40:34.070538Z' } }],
      connection: { app_name: 'acme-prod', organization_id: '00D5e000000AbCdEAK', exported_at: '2024-03-01T10:11:12.123456+00:00',
        features: { disable_bulk_writes: false, poll_db_no_merge: true, poll_external_ids: false, rest_count_only: false, ucs_basic_collation_index: false },
        api_version: '59.0', name: 'acme-prod:DATABASE_URL:salesforce', logplex_log_enabled: false, schema_name: h.schema },
      version: 1,
    }));
  }, 180_000);
  afterAll(async () => {
    await h?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('the cut-over: every sh block of the section, as written', async () => {
    const blocks = shBlocks('## Moving from Heroku Connect', '### Rolling back to Heroku Connect');
    // The setup (SCHEMA, auth) and steps 3, 4 and 5; steps 1, 2 and 6 are Heroku's CLI.
    expect(blocks).toHaveLength(4);
    const out = await bash(blocks.join('\n'));
    // Step 3 showed what was queued; step 4 adopted and checked counts; step 5 saw the queue drain.
    expect(out).toContain(`${h.schema}.account: 151 rows, 2 queued writes carried, Salesforce count matches: true`);
    expect(out).toContain('ignored: connection.app_name, connection.organization_id, connection.exported_at, connection.api_version, connection.name, connection.logplex_log_enabled, connection.features.disable_bulk_writes, connection.features.poll_external_ids, connection.features.rest_count_only, connection.features.ucs_basic_collation_index, mappings[0].config.applied_at');
    expect(out).toMatch(/Account DATA_SYNCED loads=0/);
    expect(out).toMatch(/ account +\| SUCCESS +\| +2/);
    const conn = await jsforceFor(h.org);
    expect((await conn.query("SELECT Id FROM Account WHERE AccountNumber = 'RUNBOOK-1'")).totalSize).toBe(1);
    const first = await h.db.pool.query(`SELECT sfid FROM ${t('account')} WHERE id = 1`);
    expect(((await conn.sobject('Account').retrieve(first.rows[0].sfid)) as unknown as { AccountNumber: string }).AccountNumber).toBe('RUNBOOK-2');
    const ix = await h.db.pool.query("SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'account' ORDER BY 1", [h.schema]);
    expect(ix.rows.map((r) => r.indexname)).toEqual(['account_pkey', 'hc_idx_account_name', 'hc_idx_account_systemmodstamp', 'hcu_idx_account_sfid']);
  }, 200_000);

  it('the rollback: Heroku Connect\'s log and triggers are back, and capture an app\'s write again', async () => {
    const blocks = shBlocks('### Rolling back to Heroku Connect', '## HTTP API');
    expect(blocks).toHaveLength(1);
    // In the same shell as the cut-over: its first block set SCHEMA and auth.
    const setup = shBlocks('## Moving from Heroku Connect', '### Rolling back to Heroku Connect')[0];
    await bash(`${setup}\n${blocks[0]}`);
    const triggers = await h.db.pool.query(`SELECT tgname FROM pg_trigger WHERE tgrelid = '${h.schema}.account'::regclass AND NOT tgisinternal ORDER BY 1`);
    expect(triggers.rows.map((r) => r.tgname)).toEqual(['hc_account_logtrigger', 'hc_account_status_trigger']);
    expect((await h.call<{ count: number }>('GET', '/mappings')).body.count).toBe(0);
    const { rows } = await h.db.pool.query<{ id: number }>(`INSERT INTO ${t('account')} (name) VALUES ('After the rollback') RETURNING id`);
    const log = await h.db.pool.query(`SELECT state, action, "values" FROM ${t('_trigger_log')} WHERE record_id = $1 AND table_name = 'account'`, [rows[0].id]);
    expect(log.rows).toEqual([{ state: 'NEW', action: 'INSERT', values: expect.stringContaining('"name"=>"After the rollback"') }]);
    const row = await h.db.pool.query(`SELECT _hc_lastop FROM ${t('account')} WHERE id = $1`, [rows[0].id]);
    expect(row.rows[0]._hc_lastop).toBe('PENDING');
  }, 200_000);
});
