// Verify through the HTTP API: the config key (validated, exported, changed by PATCH), POST …/actions/verify,
// what GET /mappings/{object} and /metrics show of the last verify, and the verify block of POST /estimate.
// Drift itself and its repair are verify-drift.test.ts's; here the org and the table agree.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/org';
import { startApi, type ApiHarness } from '../support/api';

interface VerifyBody {
  interval_seconds: number | null; next_at: string | null; runs: number;
  last: { buckets_compared: number; buckets_differing: number; rows_compared: number; missing: number; stale: number; extra: number; repaired: number; api_calls: number; mode: string } | null;
}
interface MappingBody { config: Record<string, unknown>; status: { state: string; verify: VerifyBody | null } }

describe('verify through the API', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApi('verify_api', { seed: { Account: 600 } });
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it('refuses a verify interval out of range, naming the key', async () => {
    const r = await h.call<{ errors: { path: string; rule: string }[] }>('POST', '/mappings', {
      object_name: 'Account', config: { access: 'read_only', verify_interval_seconds: 5, fields: { Id: {}, Name: {} } },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors).toEqual([expect.objectContaining({ path: 'config.verify_interval_seconds', rule: 'range' })]);
  });

  it('verifies on demand and reports it in the status and /metrics', async () => {
    const created = await h.call('POST', '/mappings', { object_name: 'Account', config: { access: 'read_only', verify_interval_seconds: 0, fields: { Id: {}, Name: {} } } });
    expect(created.status).toBe(201);
    await eventually('the initial load', async () => {
      const m = (await h.call<MappingBody>('GET', '/mappings/Account')).body;
      return m.status.state === 'DATA_SYNCED' ? m : undefined;
    }, 120_000, 200);
    const asked = await h.call<MappingBody>('POST', '/mappings/Account/actions/verify');
    expect(asked.status).toBe(200);
    const m = await eventually('the verify', async () => {
      const b = (await h.call<MappingBody>('GET', '/mappings/Account')).body;
      return (b.status.verify?.runs ?? 0) >= 1 ? b : undefined;
    }, 120_000, 200);
    expect(m.config).toMatchObject({ verify_interval_seconds: 0 });
    expect(m.status.verify).toMatchObject({ interval_seconds: null, next_at: null, runs: 1 });
    expect(m.status.verify!.last).toMatchObject({ mode: 'rest', rows_compared: 1200, buckets_differing: 0, missing: 0, stale: 0, extra: 0, repaired: 0, api_calls: 1 });
    const metrics = await h.call<string>('GET', '/metrics');
    const labels = `mapping="${h.schema}.account",object="Account"`;
    expect(metrics.text).toContain(`ferry_mapping_verify_repaired_rows{${labels}} 0`);
    expect(metrics.text).toContain(`ferry_mapping_verify_api_calls{${labels}} 1`);
    expect(metrics.text).toContain(`ferry_mapping_verify_rows{${labels},kind="compared"} 1200`);
    expect(metrics.text).toContain(`ferry_mapping_verify_buckets{${labels},result="compared"} ${m.status.verify!.last!.buckets_compared}`);

    const patched = await h.call<MappingBody>('PATCH', '/mappings/Account', { config: { verify_interval_seconds: 7200 } });
    expect(patched.status).toBe(200);
    const after = await eventually('the new interval', async () => {
      const b = (await h.call<MappingBody>('GET', '/mappings/Account')).body;
      return b.status.verify?.interval_seconds === 7200 ? b : undefined;
    }, 30_000, 200);
    expect(after.status.verify!.next_at).not.toBeNull();
  });

  it('estimates what verifying costs', async () => {
    const r = await h.call<{ verify: Record<string, unknown> }>('POST', '/estimate', { record_count: 1_000_000, verify_interval_seconds: 21_600 });
    expect(r.status).toBe(200);
    expect(r.body.verify).toEqual({
      interval_seconds: 21_600, per_verify: { low: 5, high: 70 }, compare: { mode: 'bulk', low: 5, high: 24 }, repair: { low: 0, high: 46 },
      verifies_per_day: 4, daily: { low: 20, high: 280 },
    });
    const off = await h.call<{ verify: Record<string, unknown> }>('POST', '/estimate', { record_count: 1_500, verify_interval_seconds: null, drift_records: 0 });
    expect(off.body.verify).toMatchObject({ interval_seconds: null, per_verify: { low: 1, high: 1 }, verifies_per_day: 0, daily: { low: 0, high: 0 } });
  });
});
