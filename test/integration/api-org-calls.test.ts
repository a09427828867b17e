// The API's own calls to the org (describes when validating, COUNT() for /estimate, identity and limits for
// /connection) are counted in the connection's ledger and shown in /connection and /metrics; describes are
// cached; a client in a loop gets 429 once the API's per-minute budget of org calls is spent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCallsInWindow } from '../../store/api-call-ledger';
import { CONNECTION_LEDGER_KEY } from '../../api/org-call-limits';
import { startApi, type ApiHarness } from '../support/api';

const PER_MINUTE = 6;
const entry = (object: string, config: Record<string, unknown>) => ({ object_name: object, config: { access: 'read_only', fields: { Id: {}, Name: {} }, ...config } });

describe('API-side org calls', () => {
  let h: ApiHarness;
  const ledger = () => apiCallsInWindow(h.db.pool, CONNECTION_LEDGER_KEY);
  const orgCalls = () => h.org.admin.counters().api.total;

  beforeAll(async () => {
    h = await startApi('api_orgcalls', { seed: { Account: 25 } }, { orgCallsPerMinute: PER_MINUTE });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('counts every call in the connection ledger, caches describes, and rate-limits the endpoints that call the org', async () => {
    expect(await ledger()).toBe(0);
    const before = orgCalls();
    // One COUNT() query.
    const est = await h.call('POST', '/estimate', { object_name: 'Account' });
    expect(est.status).toBe(200);
    expect(await ledger()).toBe(1);
    expect(orgCalls() - before).toBe(1);

    // Validation describes Account once; the second and third refusals use the cached describe.
    for (let i = 0; i < 3; i++) {
      const r = await h.call('POST', '/mappings', entry('Account', { fields: { Id: {}, Name: {}, Nope__c: {} } }));
      expect(r.status).toBe(422);
    }
    expect(await ledger()).toBe(2);
    expect(orgCalls() - before).toBe(2);

    // /connection shows what the API spent, including its own lookups.
    const conn = await h.call<{ api_calls: { used_24h: number; limit_per_minute: number } }>('GET', '/connection');
    expect(conn.status).toBe(200);
    const afterConnection = await ledger();
    expect(afterConnection).toBeGreaterThan(2);
    expect(conn.body.api_calls.limit_per_minute).toBe(PER_MINUTE);
    expect(conn.body.api_calls.used_24h).toBeGreaterThanOrEqual(2);
    expect(conn.body.api_calls.used_24h).toBeLessThanOrEqual(afterConnection);

    const metrics = await h.call('GET', '/metrics');
    expect(metrics.text).toContain(`ferry_connection_api_calls_24h ${afterConnection}`);

    // 3 org operations so far (count, describe, connection): the rest of the minute's budget, then 429.
    const statuses: number[] = [];
    for (let i = 0; i < PER_MINUTE; i++) statuses.push((await h.call('POST', '/estimate', { object_name: 'Account' })).status);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(PER_MINUTE - 3 + 1);
    const limited = await h.call('POST', '/estimate', { object_name: 'Account' });
    expect(limited.status).toBe(429);
    expect(limited.body).toMatchObject({ status: 429, type: '/problems/org-rate-limited' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Nothing was asked of the org for the refused requests.
    const ledgerNow = await ledger();
    expect(await h.call('POST', '/estimate', { object_name: 'Account' })).toMatchObject({ status: 429 });
    expect(await ledger()).toBe(ledgerNow);
    // Requests that do not call the org still work, and a given record count needs no org call.
    expect((await h.call('GET', '/mappings')).status).toBe(200);
    expect((await h.call('POST', '/estimate', { record_count: 10 })).status).toBe(200);
    // A cached describe needs no org call either.
    expect((await h.call('POST', '/mappings', entry('Account', { fields: { Id: {}, Nope__c: {} } }))).status).toBe(422);
  });
});
