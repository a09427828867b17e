// sf_filter and formula_refresh_seconds over HTTP: a bad filter is refused (422) naming the problem, on create
// and on PATCH, checked against the org's describe; a good one is accepted, shown back in the mapping entry,
// changed by PATCH (the table then holds the new scope) and removed with null; POST /estimate prices both.
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, type ApiHarness } from '../support/api';
import { eventually, jsforceFor } from '../support/org';

let api: ApiHarness;
const entry = (config: Record<string, unknown>) => ({
  object_name: 'Account', config: { access: 'read_only', fields: { Id: {}, Name: {}, IsActive__c: {}, Line_Count__c: {} }, ...config },
});
type Errors = { errors: { path: string; rule: string; message: string }[] };

beforeAll(async () => {
  api = await startApi('api_filter', { seed: { Account: 40 }, schemaFile: resolve(__dirname, '../fixtures/filters-formulas-schema.json') });
}, 120_000);
afterAll(async () => {
  await api?.close();
});

describe('sf_filter through the API', () => {
  it.each([
    ['Nope__c = true', 'unknown_field', 'sf_filter: field "Nope__c" does not exist on Account'],
    ["IsActive__c = 'yes'", 'bad_literal', "sf_filter: 'yes' is not a valid value for \"IsActive__c\" (boolean); expected true or false (unquoted)"],
    ['IsActive__c = true LIMIT 5', 'not_a_condition', 'sf_filter: must be a WHERE condition only; found LIMIT'],
    ['IsActive__c', 'not_a_condition', 'sf_filter: "IsActive__c" is not a SOQL WHERE condition'],
  ])('refuses %s on create', async (filter, rule, message) => {
    const r = await api.call<Errors>('POST', '/mappings', entry({ sf_filter: filter }));
    expect(r.status).toBe(422);
    expect(r.body.errors[0]).toMatchObject({ path: 'config.sf_filter', rule });
    expect(r.body.errors[0].message.startsWith(message)).toBe(true);
  });

  it('refuses a filter of the wrong JSON type and a formula refresh out of range', async () => {
    const typed = await api.call<Errors>('POST', '/mappings', entry({ sf_filter: 5 }));
    expect(typed.status).toBe(422);
    expect(typed.body.errors).toEqual([expect.objectContaining({ path: 'config.sf_filter', rule: 'type' })]);
    const ranged = await api.call<Errors>('POST', '/mappings', entry({ formula_refresh_seconds: 10 }));
    expect(ranged.status).toBe(422);
    expect(ranged.body.errors).toEqual([{ path: 'config.formula_refresh_seconds', rule: 'range', message: 'Formula refresh interval (seconds) must be between 60 and 86400, got 10' }]);
  });

  it('accepts a good filter, shows it back, applies a PATCHed one and refuses a bad PATCH', async () => {
    const created = await api.call<{ config: Record<string, unknown> }>('POST', '/mappings', entry({ sf_filter: 'IsActive__c = true', formula_refresh_seconds: 600 }));
    expect(created.status).toBe(201);
    expect(created.body.config).toMatchObject({ sf_filter: 'IsActive__c = true', formula_refresh_seconds: 600 });
    const conn = await jsforceFor(api.org);
    const table = `${api.schema}.account`;
    const holds = async (where: string) => {
      const want = (await conn.query<{ Id: string }>(`SELECT Id FROM Account${where ? ` WHERE ${where}` : ''}`)).records.map((r) => r.Id).sort();
      await eventually(`the table holding WHERE ${where || 'everything'}`, async () => {
        const got = (await api.db.pool.query<{ sfid: string }>(`SELECT sfid FROM ${table}`).catch(() => ({ rows: [] }))).rows.map((r) => r.sfid).sort();
        return JSON.stringify(got) === JSON.stringify(want) ? true : undefined;
      }, 90_000);
    };
    await holds('IsActive__c = true');

    const bad = await api.call<Errors>('PATCH', '/mappings/Account', { config: { sf_filter: 'Missing__c = 1' } });
    expect(bad.status).toBe(422);
    expect(bad.body.errors[0]).toMatchObject({ path: 'config.sf_filter', rule: 'unknown_field' });

    const patched = await api.call<{ config: Record<string, unknown> }>('PATCH', '/mappings/Account', { config: { sf_filter: 'IsActive__c = false' } });
    expect(patched.status).toBe(200);
    expect(patched.body.config.sf_filter).toBe('IsActive__c = false');
    await holds('IsActive__c = false');

    const cleared = await api.call<{ config: Record<string, unknown> }>('PATCH', '/mappings/Account', { config: { sf_filter: null } });
    expect(cleared.status).toBe(200);
    expect(cleared.body.config.sf_filter).toBeUndefined();
    await holds('');
    const view = await api.call<{ status: { record_filter: unknown } }>('GET', '/mappings/Account');
    expect(view.body.status.record_filter).toEqual({ applied: null, change_pending: false });
  }, 240_000);

  it('POST /estimate prices formula refreshes and the filtered polls', async () => {
    const plain = await api.call<{ daily: { low: number; high: number } }>('POST', '/estimate', { record_count: 3000, sf_polling_seconds: 3600 });
    const more = await api.call<{ daily: { low: number; high: number }; breakdown: Record<string, { low: number; high: number }> }>('POST', '/estimate', {
      record_count: 3000, sf_polling_seconds: 3600, formula_refresh_seconds: 900, sf_filter: 'IsActive__c = true',
    });
    expect(more.status).toBe(200);
    expect(more.body.breakdown.formula_refresh).toEqual({ low: 192, high: 192 });
    expect(more.body.breakdown.record_filter).toEqual({ low: 24, high: 24 });
    expect(more.body.daily.low).toBe(plain.body.daily.low + 192 + 24);
  });
});
