// Faults at ferry's own API: the per-mapping cap on Salesforce calls is never exceeded (the mapping's ledger
// equals the org's own count of the calls it received), hostile requests are refused with a clear problem
// and never a 500 or a table in a system schema, and property-based fuzzing of mapping bodies (fast-check)
// finds no input that breaks that.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCallsInWindow } from '../../store/api-call-ledger';
import { CONNECTION_LEDGER_KEY } from '../../api/org-call-limits';
import type { ApiResponse } from '../support/api';
import { request, TEST_TOKEN } from '../support/api';
import { prng } from '../../emulator/org/seed';
import { recordHistories } from '../support/histories';
import type { FieldSpec } from '../support/compare';
import { statusQuery } from '../../workflows/mapping/messages';
import { ACCOUNT_FIELDS, faultStack, when, type FaultStack } from './harness';

type Call = (method: string, path: string, body?: unknown) => Promise<ApiResponse>;
const entry = (object: string, config: Record<string, unknown> = {}) => ({ object_name: object, config: { access: 'read_only', fields: { Id: {}, Name: {} }, ...config } });
const RESERVED = ['ferry', 'information_schema', 'pg_catalog', 'pg_toast', 'pg_temp_1', 'pg_anything'];

describe('API faults', { timeout: 400_000 }, () => {
  let s: FaultStack;
  let call: Call;
  let url: string;

  beforeAll(async () => {
    s = await faultStack('apifault', { seed: { Account: 400, Contact: 50, Lead: 40 } });
    ({ call, url } = await s.api({ orgCallsPerMinute: 1_000 }));
  });
  afterAll(async () => {
    await s?.close();
  });

  it('the API-call cap is never exceeded: the ledger equals the org\'s count', async () => {
    const CAP = 30;
    const orgTotal = () => Object.values(s.org.admin.counters().api.byKind).reduce((a, b) => a + b, 0);
    const ids = (await s.conn.query<{ Id: string }>('SELECT Id FROM Account').run({ autoFetch: true })).records.map((r) => r.Id);
    // From here on the org hears only from ferry: the mapping's worker and the API's own calls.
    const before = orgTotal();
    const connectionBefore = await apiCallsInWindow(s.pool, CONNECTION_LEDGER_KEY);
    const created = await call('POST', '/mappings', entry('Account', { sf_max_daily_api_calls: CAP, sf_polling_seconds: 120, fields: { Id: {}, Name: {}, AccountNumber: {}, Industry: {}, AnnualRevenue: {} } }));
    expect(created.status).toBe(201);
    const since = Date.now();
    let state = '';
    for (let i = 0; i < 80 && state !== 'API_BUDGET_EXHAUSTED'; i++) {
      s.org.admin.update('Account', ids[i % ids.length], { Industry: `Cap ${i}` });
      await call('POST', '/mappings/Account/actions/sync-now');
      await new Promise((r) => setTimeout(r, 300));
      state = ((await call('GET', '/mappings/Account')).body as { status: { state: string } }).status.state;
    }
    expect(state).toBe('API_BUDGET_EXHAUSTED');
    const used = await apiCallsInWindow(s.pool, 'salesforce.account');
    const connectionCalls = (await apiCallsInWindow(s.pool, CONNECTION_LEDGER_KEY)) - connectionBefore;
    const received = orgTotal() - before;
    console.log(`  (cap ${CAP}: mapping ledger ${used}, API's own calls ${connectionCalls}, org received ${received})`);
    expect(used).toBeLessThanOrEqual(CAP);
    expect(used).toBe(received - connectionCalls);
    // Removing the cap lifts the halt at once: no retry time 24 h out, the mapping polls again.
    const lifted = await call('PATCH', '/mappings/Account', { config: { sf_max_daily_api_calls: null } });
    expect(lifted.status).toBe(200);
    const after = await when('the halt lifted by removing the cap', async () => {
      const st = ((await call('GET', '/mappings/Account')).body as { status: { state: string; retry_at: string | null } }).status;
      return st.state !== 'API_BUDGET_EXHAUSTED' ? st : undefined;
    }, 10_000, 250);
    expect(after.retry_at).toBeNull();
    await recordHistories(s.client, 'ferry-mapping:salesforce.account', 'budget-lifted-by-cap');
    await s.converge('api-cap-never-exceeded', {
      object: 'Account', table: 'salesforce.account', fields: ACCOUNT_FIELDS, uniqueField: 'Name', since, boundS: 180,
      nudge: () => call('POST', '/mappings/Account/actions/sync-now'),
    });
    await call('DELETE', '/mappings/Account?drop_table=true');
  });

  it('20 concurrent API clients: creates, patches, queries and actions on several mappings end consistent, never a 500', async () => {
    const SCHEMA = 'conc';
    const objects: { name: string; fields: FieldSpec[] }[] = [
      { name: 'Account', fields: [{ name: 'Name', type: 'string' }] },
      { name: 'Contact', fields: [{ name: 'LastName', type: 'string' }, { name: 'Email', type: 'string' }] },
      { name: 'Lead', fields: [{ name: 'LastName', type: 'string' }, { name: 'Company', type: 'string' }] },
    ];
    const path = (o: string) => `/mappings/${SCHEMA}.${o}`;
    const body = (o: (typeof objects)[number]) => ({ object_name: o.name, config: { access: 'read_only', schema: SCHEMA, sf_polling_seconds: 600, fields: Object.fromEntries([['Id', {}], ...o.fields.map((f) => [f.name, {}])]) } });
    const answers: { client: number; op: string; status: number; text: string }[] = [];
    const since = Date.now();
    // Every client first races to create every mapping: each is created exactly once.
    const creates = await Promise.all(Array.from({ length: 20 }, (_, client) => Promise.all(objects.map(async (o) => {
      const r = await call('POST', '/mappings', body(o));
      answers.push({ client, op: `POST /mappings ${o.name}`, status: r.status, text: r.text.slice(0, 200) });
      return [o.name, r.status] as const;
    }))));
    for (const o of objects) {
      const statuses = creates.flat().filter(([name]) => name === o.name).map(([, st]) => st);
      expect(statuses.filter((st) => st === 201), `${o.name}: created once`).toHaveLength(1);
      expect(statuses.filter((st) => st !== 201 && st !== 409), `${o.name}: the others answered 409`).toEqual([]);
    }
    // Then each client runs a seeded mix of reads, patches and actions on the three mappings at once.
    const patched = new Map<string, Set<number>>(objects.map((o) => [o.name, new Set([600])]));
    const ops: ((o: string, rnd: () => number) => [string, string, unknown?])[] = [
      (o) => ['GET', path(o)],
      () => ['GET', '/mappings'],
      () => ['GET', '/mappings?state=DATA_SYNCED'],
      (o, rnd) => {
        const seconds = 600 + Math.floor(rnd() * 30) * 60;
        patched.get(o)!.add(seconds);
        return ['PATCH', path(o), { config: { sf_polling_seconds: seconds } }];
      },
      (o) => ['POST', `${path(o)}/actions/sync-now`],
      (o) => ['POST', `${path(o)}/actions/pause`],
      (o) => ['POST', `${path(o)}/actions/resume`],
      () => ['GET', '/errors?limit=5'],
      () => ['GET', '/connection'],
    ];
    await Promise.all(Array.from({ length: 20 }, async (_, client) => {
      const rnd = prng(1_800 + client);
      for (let i = 0; i < 15; i++) {
        const o = objects[Math.floor(rnd() * objects.length)].name;
        const [method, p, b] = ops[Math.floor(rnd() * ops.length)](o, rnd);
        const r = await call(method, p, b);
        answers.push({ client, op: `${method} ${p}`, status: r.status, text: r.text.slice(0, 200) });
      }
    }));
    const byStatus = answers.reduce<Record<number, number>>((acc, a) => ({ ...acc, [a.status]: (acc[a.status] ?? 0) + 1 }), {});
    console.log(`  (20 clients, ${answers.length} requests in ${Math.round((Date.now() - since) / 1000)} s: ${JSON.stringify(byStatus)})`);
    // Never a 500: a status query that a workflow busy with other clients' updates did not answer within the
    // API's Temporal deadline is a 503 naming Temporal, and rare.
    expect(answers.filter((a) => a.status >= 500 && a.status !== 503), 'answers of 5xx other than 503').toEqual([]);
    const unavailable = answers.filter((a) => a.status === 503);
    expect(unavailable.filter((a) => !/"detail":"Temporal is unavailable/.test(a.text)), '503s without a problem naming Temporal').toEqual([]);
    expect(unavailable.length, '503s').toBeLessThanOrEqual(answers.length * 0.1);
    expect(answers.filter((a) => ![200, 201, 202, 409, 429, 503].includes(a.status)), 'unexpected answers').toEqual([]);
    // Consistent: the API shows what each workflow holds, with a polling interval one of the clients set.
    const list = ((await call('GET', '/mappings')).body as unknown as { mappings: { mapping_id: string }[] }).mappings;
    for (const o of objects) {
      expect(list.filter((m) => m.mapping_id === `${SCHEMA}.${o.name.toLowerCase()}`), `${o.name}: listed once`).toHaveLength(1);
      const view = (await call('GET', path(o.name))).body as unknown as { workflow_id: string; config: { sf_polling_seconds: number }; status: { paused: boolean } };
      const wf = await s.client.workflow.getHandle(view.workflow_id).query(statusQuery);
      expect(view.config.sf_polling_seconds).toBe(wf.config.pollIntervalSeconds);
      expect(patched.get(o.name)!.has(wf.config.pollIntervalSeconds), `${o.name}: ${wf.config.pollIntervalSeconds} s was set by a client`).toBe(true);
      expect(view.status.paused).toBe(wf.paused);
      expect((await call('POST', `${path(o.name)}/actions/resume`)).status).toBe(200);
    }
    // And every table ends an exact copy of its object.
    for (const o of objects) {
      await s.converge(`api-20-concurrent-clients-${o.name.toLowerCase()}`, {
        object: o.name, table: `${SCHEMA}.${o.name.toLowerCase()}`, fields: o.fields, since, boundS: 240,
        nudge: () => call('POST', `${path(o.name)}/actions/sync-now`),
      });
    }
    for (const o of objects) await call('DELETE', `${path(o.name)}?drop_table=true`);
  });

  // A table of hostile requests: each answers its status with a problem body naming what is wrong.
  const cases: [string, string, string, unknown, number, RegExp?][] = [
    ['malformed JSON', 'POST', '/mappings', '{"object_name": "Account", "config": ', 400, /not valid JSON/],
    ['array body', 'POST', '/mappings', [], 422, /JSON object/],
    ['null body', 'POST', '/mappings', 'null', 400],
    ['number body', 'POST', '/mappings', '42', 400],
    ['no config', 'POST', '/mappings', { object_name: 'Account' }, 422, /config is required/],
    ['config a string', 'POST', '/mappings', { object_name: 'Account', config: 'x' }, 422],
    ['object name SQL', 'POST', '/mappings', entry("Account'; DROP TABLE ferry.api_call_ledger; --"), 422, /API name/],
    ['object name path', 'POST', '/mappings', entry('../../etc/passwd'), 422, /API name/],
    ['object name unicode', 'POST', '/mappings', entry('Accöunt'), 422, /API name/],
    ['object name 10k chars', 'POST', '/mappings', entry('A'.repeat(10_000)), 422],
    ['object name a number', 'POST', '/mappings', { object_name: 7, config: { access: 'read_only', fields: {} } }, 422, /^(?!.*object_name: object_name)/],
    ['unknown object', 'POST', '/mappings', entry('Nope__c'), 422, /Nope__c/],
    ['field SQL', 'POST', '/mappings', entry('Account', { fields: { Id: {}, 'Name"; DROP TABLE x; --': {} } }), 422],
    ['field unknown', 'POST', '/mappings', entry('Account', { fields: { Id: {}, Shoe__c: {} } }), 422, /Shoe__c/],
    ['5,000 fields', 'POST', '/mappings', entry('Account', { fields: Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`F${i}__c`, {}])) }), 422],
    ['polling a string', 'POST', '/mappings', entry('Account', { sf_polling_seconds: '600' }), 422],
    ['polling negative', 'POST', '/mappings', entry('Account', { sf_polling_seconds: -1 }), 422],
    ['polling Infinity-like', 'POST', '/mappings', '{"object_name":"Account","config":{"access":"read_only","fields":{"Id":{}},"sf_polling_seconds":1e400}}', 422],
    ['cap zero', 'POST', '/mappings', entry('Account', { sf_max_daily_api_calls: 0 }), 422],
    ['cap fractional', 'POST', '/mappings', entry('Account', { sf_max_daily_api_calls: 1.5 }), 422],
    ['access unknown', 'POST', '/mappings', entry('Account', { access: 'root' }), 422],
    ['schema uppercase', 'POST', '/mappings', entry('Account', { schema: 'Public' }), 422],
    ['schema SQL', 'POST', '/mappings', entry('Account', { schema: 'x; DROP SCHEMA ferry CASCADE' }), 422],
    ...RESERVED.map((schema): [string, string, string, unknown, number, RegExp] => [`schema ${schema}`, 'POST', '/mappings', entry('Contact', { schema }), 422, new RegExp(`Schema "${schema}" cannot hold mapping tables`)]),
    ['import into ferry', 'POST', '/import', { version: 1, connection: { schema_name: 'ferry' }, mappings: [entry('Contact')] }, 422, /Schema "ferry"/],
    ['import into pg_catalog', 'POST', '/import', { version: 1, connection: { schema_name: 'pg_catalog' }, mappings: [entry('Contact')] }, 422, /Schema "pg_catalog"/],
    ['import version 2', 'POST', '/import', { version: 2, mappings: [] }, 422],
    ['mapping in ferry schema by URL', 'GET', '/mappings/ferry.Account', undefined, 404],
    ['delete in pg_catalog by URL', 'DELETE', '/mappings/pg_catalog.Account?drop_table=true', undefined, 404],
    ['unknown mapping', 'GET', '/mappings/Nope__c', undefined, 404],
    ['mapping name traversal', 'GET', '/mappings/..%2F..%2Fetc', undefined, 404],
    ['unknown action', 'POST', '/mappings/Contact/actions/explode', undefined, 404],
    ['patch unknown mapping', 'PATCH', '/mappings/Nope__c', { config: { sf_polling_seconds: 600 } }, 404],
    ['errors negative offset', 'GET', '/errors?offset=-1', undefined, 400, /offset/],
    ['errors huge limit', 'GET', '/errors?limit=1000000000', undefined, 400, /limit/],
    ['estimate nothing', 'POST', '/estimate', {}, 422],
    ['estimate negative', 'POST', '/estimate', { record_count: -5 }, 422],
    ['estimate SQL object', 'POST', '/estimate', { object_name: "Account' OR 1=1" }, 422],
    ['estimate unknown key', 'POST', '/estimate', { record_count: 1, rm_rf: true }, 422],
    ['body over 1 MB', 'POST', '/mappings', { object_name: 'Account', pad: 'x'.repeat(1_100_000) }, 413],
  ];

  it.each(cases)('hostile input: %s', async (_name, method, path, body, status, detail) => {
    const r = await call(method, path, body);
    expect(r.status).toBe(status);
    expect(r.contentType).toContain('application/problem+json');
    const p = r.body as { status: number; detail: string; errors?: { path: string; message: string }[] };
    expect(p.status).toBe(status);
    expect(typeof p.detail).toBe('string');
    if (detail) expect(p.detail).toMatch(detail);
    expect(p.detail).not.toMatch(/(\w[\w.[\]]*): \1: /);
  });

  it('hostile input: wrong content types and no token', async () => {
    const text = await fetch(`${url}/mappings`, { method: 'POST', headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'text/plain' }, body: 'object_name=Account' });
    expect(text.status).toBe(415);
    expect((await request(url, 'GET', '/mappings', { token: null })).status).toBe(401);
    expect((await request(url, 'GET', '/mappings', { token: 'x'.repeat(64) })).status).toBe(401);
  });

  it('hostile input left nothing behind: no table or trigger log in a system schema, the stack alive', async () => {
    const { rows } = await s.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = ANY($1) AND (tablename IN ('contact', 'account', '_trigger_log'))`, [RESERVED]);
    expect(rows[0].n).toBe(0);
    expect((await call('GET', '/mappings')).status).toBe(200);
    expect(s.worker.alive).toBe(true);
    expect(s.worker.crashes).toEqual([]);
  });

  it('fuzzed mapping bodies (fast-check) never answer 5xx, and never target a system schema', async () => {
    const anyValue = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }));
    const fieldName = fc.oneof(fc.constantFrom('Id', 'Name', 'Phone', 'Email', 'LastName', 'Nope__c', 'name', 'ID'), fc.string({ maxLength: 20 }));
    // Mostly plausible values (so some bodies pass validation and reach the org and Postgres), some hostile.
    const mostly = <T,>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 12 }, { arbitrary: anyValue, weight: 1 });
    const config = fc.record({
      access: mostly(fc.constantFrom('read_only', 'read_write')),
      fields: mostly(fc.dictionary(fieldName, fc.oneof({ arbitrary: fc.constant({}), weight: 12 }, { arbitrary: anyValue, weight: 1 }), { maxKeys: 5 })),
      sf_polling_seconds: mostly(fc.integer({ min: 60, max: 4000 })),
      sf_max_daily_api_calls: mostly(fc.oneof(fc.integer({ min: -1, max: 100_000 }), fc.constant(null))),
      sync_mode: mostly(fc.constantFrom('polling', 'polling', 'event_driven')),
      streaming_source: mostly(fc.constantFrom('pushtopic', 'cdc')),
      flush_interval_seconds: mostly(fc.integer({ min: 0, max: 70 })),
      schema: fc.oneof(fc.constantFrom(...RESERVED, 'fuzz_a', 'fuzz_b', 'Fuzz', ''), fc.stringMatching(/^pg_[a-z0-9_]{0,10}$/), anyValue),
      indexes: mostly(fc.dictionary(fieldName, fc.record({ unique: fc.boolean() }), { maxKeys: 1 })),
      upsert_field: fc.oneof(fieldName, anyValue),
    }, { requiredKeys: [] });
    const fieldsOk = fc.constantFrom({ Id: {}, LastName: {} }, { Id: {}, Name: {} }, { Name: {}, Phone: {} });
    const body = fc.oneof(
      { arbitrary: fc.record({ object_name: mostly(fc.constantFrom('Contact', 'Lead', 'Opportunity', 'contact', 'Nope__c')), config }, { requiredKeys: [] }), weight: 3 },
      // Complete and nearly valid: only the schema (and sometimes one more key) is hostile.
      { arbitrary: fc.record({ object_name: fc.constantFrom('Contact', 'Lead'), config: fc.record({ access: fc.constant('read_only'), fields: fieldsOk, schema: config.map((c) => c.schema) }) }), weight: 3 },
      { arbitrary: anyValue, weight: 1 },
    );
    const created: string[] = [];
    await fc.assert(fc.asyncProperty(body, async (b) => {
      const r = await call('POST', '/mappings', b);
      expect([201, 400, 409, 413, 415, 422, 429], `POST /mappings ${JSON.stringify(b).slice(0, 300)} → ${r.status} ${r.text.slice(0, 300)}`).toContain(r.status);
      if (r.status === 201) {
        const m = r.body as { mapping_id: string; config: { schema?: string } };
        expect(RESERVED.some((x) => m.mapping_id.startsWith(`${x}.`)) || m.mapping_id.startsWith('pg_')).toBe(false);
        created.push(m.mapping_id);
      } else {
        expect(r.contentType).toContain('application/problem+json');
        expect((r.body as { detail: string }).detail).not.toMatch(/(\w[\w.[\]]*): \1: /);
      }
    }), { numRuns: 120, seed: 18 });
    console.log(`  (fuzz: ${created.length} of 120 bodies created a mapping)`);
    for (const id of created) {
      const [schema, table] = id.split('.');
      await call('DELETE', `/mappings/${schema}.${table === 'contact' ? 'Contact' : table === 'lead' ? 'Lead' : 'Opportunity'}?drop_table=true`);
    }
    expect(s.worker.crashes).toEqual([]);
    const { rows } = await s.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = ANY($1) AND tablename IN ('contact', 'lead', 'opportunity', 'account', '_trigger_log')", [RESERVED]);
    expect(rows[0].n).toBe(0);
  });
});
