// Failures show while they happen, and one failing direction never holds the other back: a read_write
// Account mapping whose writes the org refuses (500 on every Composite and Bulk ingest request) shows RETRYING
// with the org's error, the attempt and the retry time — in the workflow query and in GET /mappings — while
// its polls and sync-now go on; the org's REQUEST_LIMIT_EXCEEDED shows as such; one 5xx on one Bulk job-status
// check repeats that check instead of failing the flush; after recovery the error moves to previous_error.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { ApiResponse } from '../support/api';
import { recordHistories } from '../support/histories';
import { statusQuery, type MappingStatus } from '../../workflows/mapping/messages';
import { ACCOUNT_FIELDS, ACCOUNT_FIELD_NAMES, Traffic, faultStack, when, type FaultStack } from './harness';

const SEED = 2_500;
const BOUND_S = 150;
/** Every write the org takes: sObject Collections (composite) and Bulk 2.0 ingest; never a query. */
/** A schema of its own: the API names workflows by mapping, and other scenarios map salesforce.account on the same Temporal. */
const SCHEMA = 'visible';
const TABLE = `${SCHEMA}.account`;
const PATH = `/mappings/${SCHEMA}.Account`;
const WRITES = '^(POST|PATCH|PUT|DELETE) .*/(composite|jobs/ingest)';

interface StatusBody {
  status: {
    state: string;
    last_error: { type: string; message: string; at: string } | null;
    retry_at: string | null;
    retrying: { step: string; attempts: number; retry_at: string }[];
    previous_error: { type: string; message: string; cleared_at: string } | null;
    last_poll_at: string | null;
  };
}

describe('failures show while they happen', { timeout: 600_000 }, () => {
  let s: FaultStack;
  let traffic: Traffic;
  let call: (method: string, path: string, body?: unknown) => Promise<ApiResponse>;
  let workflowId: string;
  const query = (): Promise<MappingStatus> => s.client.workflow.getHandle(workflowId).query(statusQuery);
  const apiStatus = async (): Promise<StatusBody['status']> => ((await call('GET', PATH)).body as unknown as StatusBody).status;
  const syncNow = () => call('POST', `${PATH}/actions/sync-now`);

  beforeAll(async () => {
    s = await faultStack('visible', { seed: { Account: SEED } });
    traffic = new Traffic(s, TABLE);
    ({ call } = await s.api());
    const created = await call('POST', '/mappings', {
      object_name: 'Account',
      config: { access: 'read_write', schema: SCHEMA, flush_interval_seconds: 1, sf_polling_seconds: 600, fields: Object.fromEntries(ACCOUNT_FIELD_NAMES.map((f) => [f, {}])) },
    });
    expect(created.status, created.text).toBe(201);
    workflowId = (created.body as { workflow_id: string }).workflow_id;
    await when('the initial load with capture installed', async () => {
      const x = await query().catch(() => undefined);
      return x && x.state === 'DATA_SYNCED' && x.lastLoad !== null && x.outbound?.access === 'read_write' && !x.outbound.pending;
    }, 240_000, 500);
    await traffic.orgIds();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('a flush the org keeps refusing shows RETRYING with its error while polls and sync-now go on', async () => {
    const since = Date.now();
    s.org.admin.setFaults({ errorFraction: 1, errorStatus: 500, match: WRITES });
    onTestFinished(() => s.org.admin.clearFaults());
    await traffic.localInserts('refused ', 30);
    // Shown while it fails: in the workflow's query and in the API, the org's error, the attempt and when it retries.
    const failing = await when('the failing flush to show', async () => {
      const st = await query();
      return st.retrying?.some((r) => r.step === 'flush') ? st : undefined;
    }, 60_000, 250);
    console.log(`  (failing flush shown ${Math.round((Date.now() - since) / 1000)} s after the writes: state=${failing.state} last_error=${failing.lastError?.type}: ${failing.lastError?.message.slice(0, 80)} retry_at=${failing.retryAt})`);
    expect(failing.state).toBe('RETRYING');
    expect(failing.lastError).toMatchObject({ type: 'SalesforceUnavailable', message: expect.stringMatching(/^UNKNOWN_EXCEPTION: Injected fault/) });
    expect(failing.retryAt).not.toBeNull();
    const api = await when('the API to show it', async () => {
      const st = await apiStatus();
      return st.state === 'RETRYING' && st.last_error !== null && st.retry_at !== null ? st : undefined;
    }, 30_000, 250);
    expect(api.retrying.find((r) => r.step === 'flush')?.attempts).toBeGreaterThanOrEqual(1);

    // Inbound goes on beside it: a change made in Salesforce arrives on sync-now, and the poll time moves.
    const before = await query();
    const [id] = await traffic.orgIds();
    s.org.admin.update('Account', id, { Industry: 'While the flush fails' });
    expect((await syncNow()).status).toBe(200);
    await when('the poll beside the failing flush', async () => {
      const st = await query();
      const { rows } = await s.pool.query<{ industry: string }>(`SELECT industry FROM ${TABLE} WHERE sfid = $1`, [id]);
      return st.lastPollAt !== before.lastPollAt && st.counts.polls > before.counts.polls && rows[0]?.industry === 'While the flush fails';
    }, 30_000, 250);
    const still = await query();
    expect(still.retrying?.some((r) => r.step === 'flush'), 'the flush still fails').toBe(true);
    expect(['DATA_SYNCED', 'POLLING_SF_CHANGES']).not.toContain(still.state);
    expect(await traffic.drained()).toBe(false);

    s.org.admin.clearFaults();
    await s.converge('org-refuses-writes-visible', {
      object: 'Account', table: TABLE, fields: ACCOUNT_FIELDS, uniqueField: 'Name', since, boundS: BOUND_S,
      nudge: syncNow, settled: () => traffic.drained(),
    });
    // Recovered: the error is the previous one, with the time it cleared.
    const after = await when('the error to clear', async () => {
      const st = await apiStatus();
      return st.last_error === null ? st : undefined;
    }, 30_000, 250);
    expect(after.state).toBe('DATA_SYNCED');
    expect(after.retrying).toEqual([]);
    expect(after.previous_error?.message).toMatch(/Injected fault|UNKNOWN_EXCEPTION|500/);
    expect(after.previous_error?.cleared_at).toBeTruthy();
    await recordHistories(s.client, workflowId, 'flush-retried-beside-polls');
  });

  it('REQUEST_LIMIT_EXCEEDED shows as such, and clears after', async () => {
    const since = Date.now();
    s.org.admin.setFaults({ requestLimitExceeded: true });
    onTestFinished(() => s.org.admin.clearFaults());
    await traffic.orgChanges(10);
    await syncNow();
    const limited = await when('the request limit to show', async () => {
      const st = await apiStatus();
      return st.state === 'REQUEST_LIMIT_EXCEEDED' ? st : undefined;
    }, 60_000, 250);
    console.log(`  (request limit shown ${Math.round((Date.now() - since) / 1000)} s after sync-now: last_error=${limited.last_error?.type}: ${limited.last_error?.message.slice(0, 80)} retry_at=${limited.retry_at})`);
    expect(limited.last_error?.type).toBe('RequestLimitExceeded');
    expect(limited.last_error?.message).toMatch(/^REQUEST_LIMIT_EXCEEDED: /);
    expect(limited.retry_at).not.toBeNull();
    s.org.admin.clearFaults();
    await s.converge('org-request-limit-visible', {
      object: 'Account', table: TABLE, fields: ACCOUNT_FIELDS, uniqueField: 'Name', since, boundS: BOUND_S,
      nudge: syncNow, settled: async () => (await apiStatus()).last_error === null,
    });
    expect((await apiStatus()).previous_error?.type).toBe('RequestLimitExceeded');
  });

  it('one 5xx on one Bulk job-status check repeats the check, not the flush', async () => {
    const since = new Date();
    const errorsBefore = s.org.admin.counters().faults.errors;
    s.org.admin.setFaults({ errorCount: 1, errorStatus: 503, match: '^GET .*/jobs/ingest/[^/]+$' });
    onTestFinished(() => s.org.admin.clearFaults());
    // Over the Bulk threshold (2,000 writes): one Bulk 2.0 job.
    await traffic.localInserts('bulk ', 2_100);
    await s.converge('bulk-status-check-5xx', {
      object: 'Account', table: TABLE, fields: ACCOUNT_FIELDS, uniqueField: 'Name', since: since.getTime(), boundS: BOUND_S,
      nudge: syncNow, settled: () => traffic.drained(),
    });
    expect(s.org.admin.counters().faults.errors - errorsBefore, 'the one job-status check was refused').toBe(1);
    const { rows } = await s.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM ferry.mapping_activity WHERE activity = 'flushOutbound' AND NOT ok AND finished_at >= $1", [since]);
    expect(rows[0].n, 'failed flush attempts').toBe(0);
    expect((await query()).lastError).toBeNull();
    s.org.admin.clearFaults();
  });
});
