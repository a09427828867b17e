// POST /estimate predicts a mapping's API calls; a real run must land inside the prediction. The run is a
// compressed day of hourly polling: the initial load, then 24 polls (the number an hour's interval makes in a
// day) driven by sync-now, with changes made in the org before each — small ones spread out, then one burst.
// The ledger (ferry.api_call_ledger, every call reserved before it is made) is the measurement.
// Also GET /connection: the org's identity and its remaining daily allowance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMappingEntry } from '../../domain/mapping-config';
import { eventually, jsforceFor } from '../support/org';
import { startApi, type ApiHarness } from '../support/api';

const RECORDS = 3_000;
const POLLS = 24; // what sf_polling_seconds = 3600 makes in a day
const SMALL = 20; // changes before each of polls 2..23
const BURST = 2_500; // changes before the last poll
const CHANGES = (POLLS - 2) * SMALL + BURST;

interface Range { low: number; high: number }
interface EstimateBody {
  object_name: string; record_count: number; record_count_source: string; daily: Range; first_day: Range;
  breakdown: { initial_load: Range; polling: Range; streaming: Range; outbound: Range; purge_sweeps: Range };
  cap: { sf_max_daily_api_calls: number | null; fits: boolean };
}
interface MappingBody { status: { state: string; counts: { polls: number }; api_calls: { used_24h: number } } }

describe('API usage: estimate vs a measured run', () => {
  let h: ApiHarness;
  let estimate: EstimateBody;

  beforeAll(async () => {
    h = await startApi('api_est', { seed: { Account: RECORDS } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('estimates from the counted records (COUNT() through jsforce) and the stated volumes', async () => {
    const r = await h.call<EstimateBody>('POST', '/estimate', { object_name: 'Account', changes_per_day: CHANGES, sf_polling_seconds: 3600 });
    expect(r.status).toBe(200);
    estimate = r.body;
    expect(estimate).toMatchObject({
      object_name: 'Account', record_count: RECORDS, record_count_source: 'count_query',
      breakdown: {
        // describe + COUNT() + 2 REST pages of 2,000
        initial_load: { low: 4, high: 4 },
        // uniform: 24 polls of ~123 changes, one page each; bursty: 23 empty polls + one of 2,940 (2 pages)
        polling: { low: 24, high: 25 },
        streaming: { low: 0, high: 0 }, outbound: { low: 0, high: 0 }, purge_sweeps: { low: 24, high: 24 },
      },
      daily: { low: 48, high: 49 }, first_day: { low: 52, high: 53 }, cap: { sf_max_daily_api_calls: 3000, fits: true },
    });
    const given = await h.call<EstimateBody>('POST', '/estimate', { record_count: 2_000_000, changes_per_day: 1_000, sf_polling_seconds: 600, sf_max_daily_api_calls: 100 });
    expect(given.body).toMatchObject({ record_count: 2_000_000, record_count_source: 'given', daily: { low: 168, high: 168 }, cap: { fits: false, exceeds: true } });
  });

  it('an event-driven estimate that names no streaming_source assumes the source a mapping would get', async () => {
    const inputs = { record_count: 5_000, changes_per_day: 40_000, sf_polling_seconds: 600 };
    const post = async (extra: Record<string, unknown>) => {
      const r = await h.call<EstimateBody>('POST', '/estimate', { ...inputs, ...extra });
      expect(r.status).toBe(200);
      return r.body;
    };
    const pubsub = await post({ sync_mode: 'event_driven', streaming_source: 'pubsub' });
    const pushtopic = await post({ sync_mode: 'event_driven', streaming_source: 'pushtopic' });
    // The two sources cost differently (PushTopic: 2 more set-up calls, complete events; CDC: partial rows).
    expect(pubsub.breakdown.streaming.high).toBeGreaterThan(0);
    expect(pushtopic.breakdown.streaming).toEqual({ low: 0, high: 0 });
    expect(pushtopic.breakdown.initial_load.low).toBe(pubsub.breakdown.initial_load.low + 2);
    // No source named: Pub/Sub, as mapping creation defaults to for an object CDC covers (or one not named)…
    expect(await post({ sync_mode: 'event_driven' })).toEqual(pubsub);
    expect(await post({ sf_notify_enabled: true })).toEqual(pubsub);
    expect(await post({ sync_mode: 'event_driven', object_name: 'Account' })).toEqual({ ...pubsub, object_name: 'Account' });
    // …and PushTopic for one Change Data Capture never covers, again as mapping creation does.
    expect(await post({ sync_mode: 'event_driven', object_name: 'AccountHistory' })).toEqual({ ...pushtopic, object_name: 'AccountHistory' });
    const created = (object: string) => parseMappingEntry({ object_name: object, config: { access: 'read_only', sync_mode: 'event_driven', fields: { Id: {} } } }).streamingSource;
    expect([created('Account'), created('AccountHistory')]).toEqual(['pubsub', 'pushtopic']);
  });

  it('a real run of the initial load and 24 polls spends calls inside the predicted range', async () => {
    const created = await h.call('POST', '/mappings', { object_name: 'Account', config: { access: 'read_only', sf_polling_seconds: 3600, fields: { Id: {}, Name: {}, AnnualRevenue: {} } } });
    expect(created.status).toBe(201);
    const polled = (n: number) => eventually(`poll ${n}`, async () => {
      const m = (await h.call<MappingBody>('GET', '/mappings/Account')).body;
      return m.status.counts.polls >= n && m.status.state === 'DATA_SYNCED' ? m : undefined;
    }, 60_000, 50);
    await polled(1); // the first poll follows the load by itself
    const ids = h.org.org.updatedIds('Account', 0, Date.now());
    let next = 0;
    const change = (n: number) => {
      for (let i = 0; i < n; i++) h.org.admin.update('Account', ids[next++ % ids.length], { AnnualRevenue: next });
    };
    for (let poll = 2; poll <= POLLS; poll++) {
      change(poll === POLLS ? BURST : SMALL);
      expect((await h.call('POST', '/mappings/Account/actions/sync-now')).status).toBe(200);
      await polled(poll);
    }
    // Let the purge sweep that follows the first poll settle, then read the ledger.
    const measured = await eventually('the ledger to settle', async () => {
      const a = (await h.call<MappingBody>('GET', '/mappings/Account')).body.status.api_calls.used_24h;
      await new Promise((r) => setTimeout(r, 1000));
      const b = (await h.call<MappingBody>('GET', '/mappings/Account')).body.status.api_calls.used_24h;
      return a === b ? b : undefined;
    }, 30_000);
    const { rows } = await h.db.pool.query<{ calls: string }>(
      "SELECT coalesce(sum(calls), 0) AS calls FROM ferry.api_call_ledger WHERE mapping = $1 AND minute > now() - interval '24 hours' - interval '1 minute'",
      [`${h.schema}.account`]);
    expect(Number(rows[0].calls)).toBe(measured);
    // The estimate's day has 24 hourly purge sweeps; the compressed run lasts minutes and makes one.
    const b = estimate.breakdown;
    const predicted = { low: b.initial_load.low + b.polling.low + 1, high: b.initial_load.high + b.polling.high + 1 };
    console.log(`API usage estimate: predicted ${predicted.low}–${predicted.high} calls for the initial load, ${POLLS} polls and 1 purge sweep; measured ${measured}`);
    expect(measured).toBeGreaterThanOrEqual(predicted.low);
    expect(measured).toBeLessThanOrEqual(predicted.high);
  });

  it('GET /connection: org identity, API version and the org\'s remaining daily calls', async () => {
    const r = await h.call<Record<string, unknown> & { daily_api_requests: { max: number; remaining: number; used: number } }>('GET', '/connection');
    expect(r.status).toBe(200);
    const own = await jsforceFor(h.org);
    expect(r.body).toMatchObject({
      organization_id: own.userInfo!.organizationId, user_id: own.userInfo!.id, username: h.org.credentials.username, instance_url: h.org.url, api_version: '62.0',
    });
    // The org counts every call — the mapping's and the API's own describes and counts.
    expect(r.body.daily_api_requests.max).toBe(15_000);
    expect(r.body.daily_api_requests.used).toBeGreaterThan(30);
    expect(r.body.daily_api_requests.remaining).toBe(r.body.daily_api_requests.max - r.body.daily_api_requests.used);
  });
});
