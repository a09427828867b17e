// Writing rows back and dealing with the ones Salesforce refuses, through the HTTP API: a read_write mapping
// created over HTTP, a row updated in Postgres reaching the org, refused inserts listed per mapping and for
// all mappings, one retried after a fix, one ignored — against the real worker, its LISTEN connection and the
// org emulator.
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, jsforceFor } from '../support/org';
import { startApi, type ApiHarness } from '../support/api';

interface FailedWriteBody {
  id: number; mapping_id: string; table: string; record_id: number; sfid: string | null; action: string;
  values: Record<string, unknown>; error: { code: string; message: string; fields: string[] }; at: string;
}

describe('write-back and failed writes through the HTTP API', () => {
  let h: ApiHarness;
  let conn: Connection;
  let table: string;
  const bad: number[] = [];

  const row = (id: number) => h.db.pool.query<{ id: number; sfid: string | null; name: string; _hc_lastop: string; _hc_err: string | null }>(
    `SELECT id, sfid, name, _hc_lastop, _hc_err FROM ${table} WHERE id = $1`, [id]).then((r) => r.rows[0]);
  const waitForRow = (id: number, what: string, ok: (r: Awaited<ReturnType<typeof row>>) => boolean) =>
    eventually(what, async () => {
      const r = await row(id);
      return ok(r) ? r : undefined;
    }, 30_000, 100);

  beforeAll(async () => {
    h = await startApi('api_err', { seed: { Account: 20 } });
    conn = await jsforceFor(h.org);
    table = `${h.schema}.account`;
    const created = await h.call('POST', '/mappings', {
      object_name: 'Account', config: { access: 'read_write', flush_interval_seconds: 1, fields: { Id: {}, Name: {}, Rating: {} } },
    });
    expect(created.status).toBe(201);
    await eventually('the mapping loaded with capture installed', async () => {
      const r = await h.call<{ status: { state: string; last_load: unknown; outbound: { access: string } | null } }>('GET', '/mappings/Account');
      const s = r.body.status;
      return s.state === 'DATA_SYNCED' && s.last_load && s.outbound?.access === 'read_write' ? true : undefined;
    }, 60_000);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('an UPDATE in Postgres reaches Salesforce and _hc_lastop shows SYNCED', async () => {
    const { rows } = await h.db.pool.query<{ id: number; sfid: string }>(`SELECT id, sfid FROM ${table} ORDER BY id LIMIT 1`);
    await h.db.pool.query(`UPDATE ${table} SET name = 'Written back from Postgres' WHERE id = $1`, [rows[0].id]);
    expect((await row(rows[0].id))._hc_lastop).toBe('PENDING');
    await waitForRow(rows[0].id, 'the update synced', (r) => r._hc_lastop === 'SYNCED');
    expect(await conn.sobject('Account').retrieve(rows[0].sfid)).toMatchObject({ Name: 'Written back from Postgres' });
  });

  it('lists the writes Salesforce refused, per mapping and for every mapping', async () => {
    const { rows } = await h.db.pool.query<{ id: number }>(`INSERT INTO ${table} (name, rating) VALUES ('Retry me', 'Lukewarm'), ('Ignore me', 'Tepid') RETURNING id`);
    bad.push(...rows.map((r) => r.id));
    for (const id of bad) await waitForRow(id, `row ${id} refused`, (r) => r._hc_lastop === 'FAILED');
    const mine = await h.call<{ errors: FailedWriteBody[]; limit: number; offset: number }>('GET', '/mappings/Account/errors');
    expect(mine.status).toBe(200);
    expect(mine.body.errors.map((e) => e.record_id).sort()).toEqual([...bad].sort());
    expect(mine.body.errors[0]).toMatchObject({
      mapping_id: `${h.schema}.account`, table: 'account', action: 'INSERT', sfid: null,
      error: { code: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: ['Rating'] },
    });
    expect(mine.body.errors.find((e) => e.record_id === bad[1])!.values).toMatchObject({ name: 'Ignore me', rating: 'Tepid' });
    const all = await h.call<{ errors: FailedWriteBody[] }>('GET', '/errors?limit=10');
    expect(all.body.errors.map((e) => e.id)).toEqual(mine.body.errors.map((e) => e.id));
    const paged = await h.call<{ errors: FailedWriteBody[]; limit: number; offset: number }>('GET', '/errors?limit=1&offset=1');
    expect(paged.body).toMatchObject({ limit: 1, offset: 1 });
    expect(paged.body.errors.map((e) => e.id)).toEqual([mine.body.errors[1].id]);
  });

  it('retries a refused write after the row is fixed, and ignores another', async () => {
    const errors = (await h.call<{ errors: FailedWriteBody[] }>('GET', '/mappings/Account/errors')).body.errors;
    const retry = errors.find((e) => e.record_id === bad[0])!;
    const ignore = errors.find((e) => e.record_id === bad[1])!;
    // Fixed locally as ferry's own write (not captured again), then retried through the API.
    const client = await h.db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SET LOCAL ferry.sync_writer = 'on'");
      await client.query(`UPDATE ${table} SET rating = 'Warm' WHERE id = $1`, [bad[0]]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const retried = await h.call('POST', `/mappings/Account/errors/${retry.id}/retry`);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ id: retry.id, mapping_id: `${h.schema}.account`, state: 'REQUEUED' });
    expect(typeof retried.body.requeued_as).toBe('number');
    const synced = await waitForRow(bad[0], 'the retried insert synced', (r) => r._hc_lastop === 'SYNCED' && r.sfid !== null);
    expect(await conn.sobject('Account').retrieve(synced.sfid!)).toMatchObject({ Name: 'Retry me', Rating: 'Warm' });

    const ignored = await h.call('POST', `/mappings/Account/errors/${ignore.id}/ignore`);
    expect(ignored.status).toBe(200);
    expect(ignored.body).toEqual({ id: ignore.id, mapping_id: `${h.schema}.account`, state: 'IGNORED' });
    expect((await row(bad[1]))._hc_lastop).toBe('FAILED');

    const again = await h.call('POST', `/mappings/Account/errors/${ignore.id}/ignore`);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ type: '/problems/failed-write-settled', detail: `Write ${ignore.id} is IGNORED, not FAILED: there is nothing to retry or ignore` });
    const missing = await h.call('POST', '/mappings/Account/errors/999999/retry');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ detail: `No failed write 999999 for ${h.schema}.account` });
    const unknownAction = await h.call('POST', `/mappings/Account/errors/${ignore.id}/forget`);
    expect(unknownAction.status).toBe(404);
    const otherMapping = await h.call('GET', '/mappings/Contact/errors');
    expect(otherMapping.status).toBe(404);
    expect((await h.call<{ errors: unknown[] }>('GET', '/mappings/Account/errors')).body.errors).toEqual([]);
  });

  it('the status and /metrics count rows written out and writes refused', async () => {
    const s = (await h.call<{ status: { outbound: { sent: number; failed: number } } }>('GET', '/mappings/Account')).body.status;
    expect(s.outbound.sent).toBeGreaterThanOrEqual(2);
    expect(s.outbound.failed).toBeGreaterThanOrEqual(2);
    const metrics = await h.call<string>('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.contentType).toMatch(/^text\/plain/);
    const labels = `mapping="${h.schema}.account",object="Account"`;
    expect(metrics.text).toContain(`ferry_mapping_rows_out_total{${labels}} ${s.outbound.sent}`);
    expect(metrics.text).toContain(`ferry_mapping_write_errors_total{${labels}} ${s.outbound.failed}`);
  });
});
