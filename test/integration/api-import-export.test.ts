// A team leaving Heroku Connect imports its export file (test/fixtures/hc-export.json: Account, a read_write
// Contact with an External ID upsert field, and a namespaced custom object whose standard Name field is
// mapped, as almost every export does), against an org that has those objects
// (test/fixtures/hc-export-org-schema.json). Then: export gives the same mappings back,
// a second API process sees the same mappings (no state in the API), and /metrics reports each mapping.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { parseHcExport } from '../../domain/mapping-config';
import { eventually, sessionsFor } from '../support/org';
import { TEST_TOKEN, listen, request, startApi, type ApiHarness } from '../support/api';
import { testLogger } from '../support/services';

const FIXTURES = join(__dirname, '../fixtures');
const EXPORT_TEXT = readFileSync(join(FIXTURES, 'hc-export.json'), 'utf8');
const SEED = { Account: 40, Contact: 30, agf__ADM_Work__c: 12 };
/** Contact has sf_notify_enabled: it runs event-driven and rests in STREAMING, the others in DATA_SYNCED. */
const SETTLED: Record<string, string> = { Account: 'DATA_SYNCED', Contact: 'STREAMING', agf__ADM_Work__c: 'DATA_SYNCED' };

interface Listed { mappings: { object_name: string; mapping_id: string; config: { access: string }; status: { state: string; last_load: { rows: number } | null } }[]; count: number }

describe('Heroku Connect export import and export', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApi('api_imp', { seed: SEED, schemaFile: join(FIXTURES, 'hc-export-org-schema.json') });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('imports the export file as is, custom object Name included: one mapping per object, each loaded', async () => {
    const r = await request(h.url, 'POST', '/import', { body: EXPORT_TEXT });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      created: 3,
      mappings: [
        { object_name: 'Account', mapping_id: 'salesforce.account', result: 'created' },
        { object_name: 'Contact', mapping_id: 'salesforce.contact', result: 'created' },
        { object_name: 'agf__ADM_Work__c', mapping_id: 'salesforce.agf__adm_work__c', result: 'created' },
      ],
      // The export's connection.features.poll_db_no_merge is true: ordered writes.
      write_algorithm: 'ordered',
      // Accepted, not used: reported, never an error.
      ignored: [
        'connection.app_name', 'connection.organization_id', 'connection.exported_at', 'connection.api_version', 'connection.name',
        'connection.logplex_log_enabled', 'connection.features.disable_bulk_writes', 'connection.features.poll_external_ids',
        'connection.features.rest_count_only', 'connection.features.ucs_basic_collation_index',
        'mappings[0].config.applied_at', 'mappings[1].config.applied_at', 'mappings[2].config.applied_at',
      ],
    });
    const conn = await h.call<{ features: Record<string, unknown>; write_algorithm: string }>('GET', '/connection');
    expect(conn.body).toMatchObject({ features: { poll_db_no_merge: true }, write_algorithm: 'ordered' });
    for (const [object, n] of Object.entries(SEED)) {
      await eventually(`${object} loaded`, async () => {
        const m = await h.call<Listed['mappings'][number]>('GET', `/mappings/salesforce.${object}`);
        return m.body.status.state === SETTLED[object] && m.body.status.last_load?.rows === n ? true : undefined;
      }, 90_000);
    }
    const contact = await h.call<{ config: Record<string, unknown> }>('GET', '/mappings/salesforce.Contact');
    expect(contact.body.config).toMatchObject({
      access: 'read_write', sf_notify_enabled: true, sync_mode: 'event_driven', sf_polling_seconds: 300, sf_max_daily_api_calls: 30000,
      upsert_field: 'Ext_Id__c', indexes: { SystemModstamp: { unique: false }, Ext_Id__c: { unique: true }, Id: { unique: true }, Email: { unique: false } },
    });
    const { rows } = await h.db.pool.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE schemaname = 'salesforce' AND tablename = 'contact'");
    expect(rows.map((r) => r.indexdef).join('\n')).toMatch(/UNIQUE INDEX .*\(ext_id__c\)/);
    const work = await h.db.pool.query('SELECT count(*)::int AS n FROM salesforce.agf__adm_work__c WHERE agf__subject__c IS NOT NULL OR agf__status__c IS NOT NULL');
    expect(work.rows[0].n).toBeGreaterThan(0);
    // Every custom object has Name; seeded records carry their id as name, as records inserted without one do.
    const names = await h.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM salesforce.agf__adm_work__c WHERE name = left(sfid, 15)');
    expect(names.rows[0].n).toBe(SEED.agf__ADM_Work__c);
  });

  it('importing the same mappings again changes nothing: 409', async () => {
    const r = await request(h.url, 'POST', '/import', { body: EXPORT_TEXT });
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ detail: 'Every mapping in the file already exists: salesforce.account, salesforce.contact, salesforce.agf__adm_work__c' });
  });

  it('exports the mappings in the same format: parsing it gives back the imported configs', async () => {
    const r = await h.call<Record<string, unknown>>('GET', '/export');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toBe('attachment; filename="ferry-export.json"');
    expect(r.body).toMatchObject({ version: 1, connection: { schema_name: h.schema, app_name: 'ferry' } });
    const byObject = <T extends { objectName: string }>(xs: T[]) => [...xs].sort((a, b) => a.objectName.localeCompare(b.objectName));
    const exported = parseHcExport(r.body);
    const imported = parseHcExport(JSON.parse(EXPORT_TEXT));
    expect(byObject(exported.mappings)).toEqual(byObject(imported.mappings));
  });

  it('a second API process serves the same mappings: the API keeps no state of its own', async () => {
    const other = buildApp({
      pool: h.db.pool, temporal: h.temporal.client, namespace: 'default', log: testLogger, taskQueue: h.temporal.taskQueue,
      apiToken: TEST_TOKEN, salesforce: sessionsFor(h.org), schema: 'salesforce',
    });
    const { url, server } = await listen(other);
    try {
      const listed = await eventually('all three in visibility', async () => {
        const r = await request<Listed>(url, 'GET', '/mappings');
        return r.body.count === 3 ? r.body : undefined;
      }, 30_000);
      expect(listed.mappings.map((m) => [m.mapping_id, m.config.access, m.status.state])).toEqual([
        ['salesforce.account', 'read_only', 'DATA_SYNCED'], ['salesforce.agf__adm_work__c', 'read_only', 'DATA_SYNCED'], ['salesforce.contact', 'read_write', 'STREAMING'],
      ]);
      const paused = await request<{ status: { state: string } }>(url, 'POST', '/mappings/Account/actions/pause');
      expect(paused.body.status.state).toBe('PAUSED');
      expect((await h.call<{ status: { state: string } }>('GET', '/mappings/salesforce.Account')).body.status.state).toBe('PAUSED');
      expect((await request(url, 'POST', '/mappings/Account/actions/resume')).status).toBe(200);
    } finally {
      server.close();
    }
  });

  it('/metrics reports each mapping from its workflow and the ledger', async () => {
    const r = await h.call<string>('GET', '/metrics');
    expect(r.status).toBe(200);
    for (const [object, n] of Object.entries(SEED)) {
      const labels = `mapping="salesforce.${object.toLowerCase()}",object="${object}"`;
      expect(r.text).toContain(`ferry_mapping_up{${labels}} 1`);
      expect(r.text).toContain(`ferry_mapping_rows_in_total{${labels},operation="insert"} ${n}`);
      expect(r.text).toContain(`ferry_mapping_state{${labels},state="${SETTLED[object]}"} 1`);
      expect(r.text).toMatch(new RegExp(`ferry_mapping_api_calls_24h\\{${labels.replace(/[.]/g, '\\.')}\\} [1-9]\\d*`));
      expect(r.text).toMatch(new RegExp(`ferry_mapping_lag_seconds\\{${labels.replace(/[.]/g, '\\.')}\\} \\d`));
    }
    expect(r.text).toContain('ferry_mapping_api_call_cap{mapping="salesforce.account",object="Account"} 30000');
    expect(r.text).not.toContain('ferry_mapping_api_call_cap{mapping="salesforce.agf__adm_work__c"');
  });
});
