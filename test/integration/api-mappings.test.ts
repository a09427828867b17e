// The mapping lifecycle over real HTTP: create → watch the load → list → reconfigure → pause → resume →
// sync now → reload → delete (table kept) → create again → delete with drop_table — against the real
// Temporal dev server, Postgres, the org emulator and an in-process ferry worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/org';
import { startApi, type ApiHarness } from '../support/api';

const ACCOUNTS = 6_000;

interface Mapping {
  object_name: string;
  mapping_id: string;
  workflow_id: string;
  config: Record<string, unknown> & { fields: Record<string, object>; sf_polling_seconds: number; schema: string };
  status: {
    state: string; label: string; paused: boolean; table: string | null; last_poll_at: string | null;
    last_load: { mode: string; rows: number } | null; counts: { loads: number; polls: number; inserted: number };
    load_progress: { target: string; mode: string; rows_loaded: number; rows_total: number | null } | null;
    api_calls: { used_24h: number; cap: number | null }; last_error: unknown;
  };
}

describe('mapping lifecycle through the HTTP API', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApi('api_life', { seed: { Account: ACCOUNTS, Contact: 20 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  const get = (object: string) => h.call<Mapping>('GET', `/mappings/${object}`);
  const waitFor = (what: string, ok: (m: Mapping) => boolean, timeoutMs = 90_000) => eventually(what, async () => {
    const r = await get('Account');
    return r.status === 200 && ok(r.body) ? r.body : undefined;
  }, timeoutMs, 100);
  const columns = async () => (await h.db.pool.query<{ column_name: string }>(
    'SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2', [h.schema, 'account'])).rows.map((r) => r.column_name);

  it('creates a mapping: 201 with the config in Heroku Connect shape, the status and a Location', async () => {
    // Each Salesforce call takes 400 ms so the load is slow enough to watch its progress.
    h.org.admin.setFaults({ latencyMs: 400, latencyFraction: 1 });
    const r = await h.call<Mapping>('POST', '/mappings', {
      object_name: 'account',
      config: { access: 'read_only', sf_polling_seconds: 600, fields: { Id: {}, name: {}, AnnualRevenue: {} }, indexes: { Name: { unique: false } } },
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe('/mappings/Account');
    expect(r.body).toMatchObject({
      object_name: 'Account', mapping_id: `${h.schema}.account`, workflow_id: `ferry-mapping:${h.schema}.account`,
      config: {
        access: 'read_only', sf_notify_enabled: false, sf_polling_seconds: 600, sf_max_daily_api_calls: 3000,
        fields: { Id: {}, Name: {}, AnnualRevenue: {}, SystemModstamp: {}, IsDeleted: {} }, upsert_field: null, schema: h.schema,
      },
      status: { state: 'INITIAL', paused: false, api_calls: { used_24h: 0, cap: 3000 } },
    });
  });

  it('refuses a second mapping of the same object with 409', async () => {
    const r = await h.call('POST', '/mappings', { object_name: 'Account', config: { access: 'read_only', fields: { Id: {} } } });
    expect(r.status).toBe(409);
    expect(r.contentType).toMatch(/^application\/problem\+json/);
    expect(r.body).toEqual({ type: '/problems/mapping-exists', title: 'Conflict', status: 409, detail: `A mapping of Account into ${h.schema}.account already exists` });
  });

  it('shows live load progress from the checkpoint while the load runs, then the loaded table', async () => {
    const during = await waitFor('load progress mid-load', (m) => m.status.load_progress !== null && m.status.load_progress.rows_loaded > 0);
    expect(during.status.state).toBe('LOADING_BULK_JOB');
    expect(during.status.load_progress).toMatchObject({ target: 'live', mode: 'rest', rows_total: ACCOUNTS });
    expect(during.status.load_progress!.rows_loaded).toBeLessThan(ACCOUNTS);
    h.org.admin.clearFaults();
    const done = await waitFor('the initial load', (m) => m.status.last_load !== null && m.status.counts.polls > 0 && m.status.state === 'DATA_SYNCED');
    expect(done.status).toMatchObject({ load_progress: null, last_load: { mode: 'rest', rows: ACCOUNTS }, table: 'account', last_error: null });
    // describe + COUNT() + 3 REST pages + 1 poll + 1 purge sweep, all recorded in the ledger.
    expect(done.status.api_calls.used_24h).toBeGreaterThanOrEqual(6);
    const { rows } = await h.db.pool.query(`SELECT count(*)::int AS n FROM ${h.schema}.account`);
    expect(rows[0].n).toBe(ACCOUNTS);
  });

  it('lists the mapping with its state and counts', async () => {
    const listed = await eventually('the mapping in visibility', async () => {
      const r = await h.call<{ mappings: Mapping[]; count: number }>('GET', '/mappings');
      return r.body.count === 1 ? r.body : undefined;
    }, 30_000);
    expect(listed.mappings[0]).toMatchObject({ object_name: 'Account', mapping_id: `${h.schema}.account`, status: { state: 'DATA_SYNCED', counts: { loads: 1, inserted: ACCOUNTS } } });
  });

  it('reconfigures: a new field and poll interval through a workflow update, answered with the new config', async () => {
    const r = await h.call<Mapping>('PATCH', '/mappings/Account', { config: { sf_polling_seconds: 300, fields: { Id: {}, Name: {}, AnnualRevenue: {}, phone: {} } } });
    expect(r.status).toBe(200);
    expect(r.body.config.sf_polling_seconds).toBe(300);
    expect(Object.keys(r.body.config.fields)).toEqual(['Id', 'Name', 'AnnualRevenue', 'Phone', 'SystemModstamp', 'IsDeleted']);
    await waitFor('the new column loaded', (m) => m.status.counts.loads === 2 && m.status.state === 'DATA_SYNCED');
    expect(await columns()).toContain('phone');
    const { rows } = await h.db.pool.query(`SELECT count(*)::int AS n FROM ${h.schema}.account WHERE phone IS NOT NULL`);
    expect(rows[0].n).toBeGreaterThan(0);
  });

  it('raises the API-call cap, then removes it', async () => {
    const raised = await h.call<Mapping>('PATCH', '/mappings/Account', { config: { sf_max_daily_api_calls: 50_000 } });
    expect(raised.status).toBe(200);
    expect(raised.body.config.sf_max_daily_api_calls).toBe(50_000);
    expect(raised.body.status.api_calls.cap).toBe(50_000);
    const removed = await h.call<Mapping>('PATCH', '/mappings/Account', { config: { sf_max_daily_api_calls: null } });
    expect(removed.body.config.sf_max_daily_api_calls).toBeNull();
    expect((await get('Account')).body.status.api_calls.cap).toBeNull();
  });

  it('pauses and resumes', async () => {
    const paused = await h.call<Mapping>('POST', '/mappings/Account/actions/pause');
    expect(paused.status).toBe(200);
    expect(paused.body.status).toMatchObject({ state: 'PAUSED', paused: true, label: 'Paused' });
    expect((await get('Account')).body.status.state).toBe('PAUSED');
    const resumed = await h.call<Mapping>('POST', '/mappings/Account/actions/resume');
    expect(resumed.status).toBe(200);
    expect(resumed.body.status).toMatchObject({ paused: false });
    expect(resumed.body.status.state).not.toBe('PAUSED');
  });

  it('syncs now: a poll picks up a change made in the org', async () => {
    const before = (await get('Account')).body.status.counts.polls;
    const [id] = h.org.org.updatedIds('Account', 0, Date.now());
    h.org.admin.update('Account', id, { Name: 'Renamed for sync-now' });
    const r = await h.call<Mapping>('POST', '/mappings/Account/actions/sync-now');
    expect(r.status).toBe(200);
    await waitFor('a poll after sync-now', (m) => m.status.counts.polls > before && m.status.state === 'DATA_SYNCED');
    const { rows } = await h.db.pool.query(`SELECT name FROM ${h.schema}.account WHERE sfid = $1`, [id]);
    expect(rows[0].name).toBe('Renamed for sync-now');
  });

  it('reloads the table', async () => {
    const r = await h.call<Mapping>('POST', '/mappings/Account/actions/reload');
    expect(r.status).toBe(200);
    const done = await waitFor('the reload', (m) => m.status.counts.loads === 3 && m.status.state === 'DATA_SYNCED');
    expect(done.status.last_load).toMatchObject({ rows: ACCOUNTS });
  });

  it('deletes the mapping but keeps its table; a later GET is 404', async () => {
    const r = await h.call('DELETE', '/mappings/Account');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ object_name: 'Account', mapping_id: `${h.schema}.account`, deleted: true, table: `${h.schema}.account`, table_dropped: false });
    const after = await get('Account');
    expect(after.status).toBe(404);
    expect(after.body).toMatchObject({ status: 404, detail: `No mapping of Account in schema ${h.schema}` });
    expect(await columns()).toContain('sfid');
    const again = await h.call('DELETE', '/mappings/Account');
    expect(again.status).toBe(404);
  });

  it('creates the mapping again after a delete, then deletes it with drop_table=true', async () => {
    const created = await h.call<Mapping>('POST', '/mappings', { object_name: 'Account', config: { access: 'read_only', fields: { Id: {}, Name: {} } } });
    expect(created.status).toBe(201);
    await waitFor('the second mapping loaded', (m) => m.status.state === 'DATA_SYNCED' && m.status.last_load !== null);
    const r = await h.call('DELETE', '/mappings/Account?drop_table=true');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ deleted: true, table_dropped: true });
    expect(await columns()).toEqual([]);
  });
});
