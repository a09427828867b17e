// The overview with 50 mappings: its server time (Server-Timing: the visibility listing + the one SQL read +
// rendering) must stay under 300 ms, and GET /mappings and /metrics must not ask each workflow. The 50 mapping
// workflows run on a task queue no worker polls, so a status query to any of them could only time out: the
// answers below can only come from the status the workflows published (seeded here as a worker would have
// written it) and from ferry's tables, filled with 8 days of journal, 24 h of ledger and a trigger log.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { mappingIdentity as refOf } from '../../domain/mapping-id';
import { initialStatus } from '../../api/mapping-view';
import type { MappingConfig } from '../../domain/mapping-rules';
import { FERRY_OBJECT, FERRY_STATE } from '../../infra/search-attributes';
import type { MappingStatus } from '../../workflows/mapping/messages';
import { listen, TEST_TOKEN } from '../support/api';
import { ARTIFACTS } from '../support/browser';
import { eventually } from '../support/org';
import { connectTemporal, createTestDatabase, testLogger, type TestDatabase, type TestTemporal } from '../support/services';

const MAPPINGS = 50;
const SCHEMA = 'scale';
/** Mappings whose last poll failed: every third (the journal's ordinality counts from 1). */
const FAILING = Math.floor(MAPPINGS / 3);

function config(i: number): MappingConfig {
  return {
    objectName: `Thing${String(i).padStart(2, '0')}__c`, access: i % 2 ? 'read_write' : 'read_only', pollIntervalSeconds: 120, maxDailyApiCalls: 3000,
    fields: ['Id', 'Name', 'Amount__c', 'Stage__c', 'SystemModstamp', 'IsDeleted'], indexes: [], upsertField: null,
    syncMode: i % 5 === 0 ? 'event_driven' : 'polling', streamingSource: 'cdc', flushIntervalSeconds: 10, schema: SCHEMA,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function serverTiming(header: string | null, name: string): number {
  const m = new RegExp(`${name};dur=([\\d.]+)`).exec(header ?? '');
  if (!m) throw new Error(`no Server-Timing ${name} in ${header}`);
  return Number(m[1]);
}

describe('the overview of 50 mappings', () => {
  let db: TestDatabase;
  let temporal: TestTemporal;
  let url: string;
  let close: () => void;
  let cookie: string;
  const refs = Array.from({ length: MAPPINGS }, (_, i) => refOf(SCHEMA, config(i).objectName));

  beforeAll(async () => {
    db = await createTestDatabase('console_scale');
    temporal = await connectTemporal('console-scale'); // no worker: the workflows never run a task
    await db.pool.query(`CREATE SCHEMA ${SCHEMA}`);
    await db.pool.query(`CREATE TABLE ${SCHEMA}._trigger_log (id bigserial PRIMARY KEY, table_name varchar(128), state varchar(8) NOT NULL, action varchar(7))`);
    await db.pool.query(`CREATE INDEX ON ${SCHEMA}._trigger_log (table_name, id) WHERE state IN ('NEW', 'PENDING')`);
    await db.pool.query(`CREATE INDEX ON ${SCHEMA}._trigger_log (id) WHERE state = 'FAILED'`);
    const now = Date.now();
    for (const [i, ref] of refs.entries()) {
      const c = config(i);
      const table = ref.mappingId.slice(SCHEMA.length + 1);
      await db.pool.query(`CREATE TABLE ${SCHEMA}.${table} (id serial PRIMARY KEY, sfid varchar(18), name text)`);
      await db.pool.query(`INSERT INTO ${SCHEMA}.${table} (sfid, name) SELECT 'a0' || g, 'n' || g FROM generate_series(1, 200) g`);
      const status: MappingStatus = {
        ...initialStatus(c), mappingId: ref.mappingId, state: 'DATA_SYNCED', table, watermark: new Date(now - 60_000).toISOString(),
        lastPollAt: new Date(now - 60_000).toISOString(), nextPollAt: new Date(now + 60_000).toISOString(),
        lastLoad: { mode: 'bulk', rows: 200, finishedAt: new Date(now - 86_400_000).toISOString() },
        counts: { loads: 1, polls: 700, inserted: 200, updated: 1500, deleted: 3 },
        outbound: { access: c.access, pending: false, nextFlushAt: null, lastFlushAt: new Date(now - 30_000).toISOString(), flushes: 300, sent: 900, failed: 4 },
        streaming: { channel: null, applies: 0, events: 0, lastAppliedAt: null, fallbacks: 0, lastFallback: null },
      };
      await db.pool.query('INSERT INTO ferry.mapping_status (mapping_id, workflow_id, status) VALUES ($1, $2, $3)', [ref.mappingId, ref.workflowId, JSON.stringify(status)]);
      await temporal.client.workflow.start('mappingWorkflow', {
        taskQueue: temporal.taskQueue, workflowId: ref.workflowId, args: [{ mappingId: ref.mappingId, config: c }],
        typedSearchAttributes: [{ key: FERRY_OBJECT, value: c.objectName }, { key: FERRY_STATE, value: 'DATA_SYNCED' }],
      });
    }
    // 8 days of journal: a poll every 2 minutes and a flush every 4 per mapping (≈ 430,000 rows), the last
    // poll of every third mapping failing; 24 h of ledger minutes; a trigger log with queued and failed writes.
    await db.pool.query(`
      INSERT INTO ferry.mapping_activity (mapping_id, activity, attempt, started_at, finished_at, ok, error_type, error_message, rows_in, rows_out, api_calls)
      SELECT m, CASE WHEN g % 3 = 0 THEN 'flushOutbound' ELSE 'pollChanges' END, 1,
             now() - g * interval '80 seconds' - interval '2 seconds', now() - g * interval '80 seconds',
             NOT (g = 1 AND mi % 3 = 0), CASE WHEN g = 1 AND mi % 3 = 0 THEN 'SERVER_UNAVAILABLE' END, CASE WHEN g = 1 AND mi % 3 = 0 THEN 'Service Unavailable' END,
             g % 7, CASE WHEN g % 3 = 0 THEN 2 ELSE 0 END, 1
        FROM unnest($1::text[]) WITH ORDINALITY AS x(m, mi), generate_series(1, 8640) g`, [refs.map((r) => r.mappingId)]);
    await db.pool.query(`
      INSERT INTO ferry.api_call_ledger (mapping, minute, calls)
      SELECT m, date_trunc('minute', now()) - g * interval '1 minute', 2 FROM unnest($1::text[]) m, generate_series(0, 1439) g`, [refs.map((r) => r.mappingId)]);
    await db.pool.query(`
      INSERT INTO ${SCHEMA}._trigger_log (table_name, state, action)
      SELECT split_part(m, '.', 2), CASE WHEN g <= 4 THEN 'FAILED' WHEN g <= 40 THEN 'NEW' ELSE 'SUCCESS' END, 'UPDATE'
        FROM unnest($1::text[]) m, generate_series(1, 400) g`, [refs.map((r) => r.mappingId)]);
    await db.pool.query('ANALYZE');

    const app = buildApp({ pool: db.pool, temporal: temporal.client, namespace: 'default', log: testLogger, taskQueue: temporal.taskQueue, apiToken: TEST_TOKEN, schema: SCHEMA });
    const l = await listen(app);
    url = l.url;
    close = () => l.server.close();
    await eventually('50 mappings in visibility', async () => {
      const r = await fetch(`${url}/mappings`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
      const body = await r.json() as { count: number };
      return body.count === MAPPINGS ? true : undefined;
    }, 60_000, 500);
    const login = await fetch(`${url}/console/login`, {
      method: 'POST', redirect: 'manual', body: new URLSearchParams({ token: TEST_TOKEN }),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url },
    });
    expect(login.status).toBe(303);
    cookie = login.headers.get('set-cookie')!.split(';')[0];
  }, 300_000);

  afterAll(async () => {
    close?.();
    for (const ref of refs) await temporal?.client.workflow.getHandle(ref.workflowId).terminate('test cleanup').catch(() => undefined);
    await temporal?.close();
    await db?.drop();
  });

  it('GET /mappings and /metrics answer for every mapping without asking any workflow', async () => {
    const started = Date.now();
    const r = await fetch(`${url}/mappings`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    const body = await r.json() as { count: number; mappings: { mapping_id: string; status: { state: string; counts: { polls: number }; current_problem: unknown } }[] };
    // A status query to a workflow without a worker waits for the 10 s deadline.
    expect(Date.now() - started).toBeLessThan(5000);
    expect(body.count).toBe(MAPPINGS);
    for (const m of body.mappings) expect(m.status).toMatchObject({ state: 'DATA_SYNCED', counts: { polls: 700 } });
    expect(body.mappings.filter((m) => m.status.current_problem !== null)).toHaveLength(FAILING);
    const metrics = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
    const text = await metrics.text();
    expect(text.match(/^ferry_mapping_up\{.*\} 1$/gm)).toHaveLength(MAPPINGS);
    expect(text.match(/^ferry_mapping_status_age_seconds\{.*\} \d/gm)).toHaveLength(MAPPINGS);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('renders in under 300 ms server time (median of 20, after 3 warm-ups)', async () => {
    const server: number[] = [];
    const wall: number[] = [];
    const parts: Record<'list' | 'sql' | 'render', number[]> = { list: [], sql: [], render: [] };
    let html = '';
    for (let i = 0; i < 23; i++) {
      const t0 = performance.now();
      const r = await fetch(`${url}/console/`, { headers: { cookie } });
      html = await r.text();
      const t1 = performance.now();
      expect(r.status).toBe(200);
      if (i < 3) continue;
      const header = r.headers.get('server-timing');
      server.push(serverTiming(header, 'total'));
      for (const p of ['list', 'sql', 'render'] as const) parts[p].push(serverTiming(header, p));
      wall.push(t1 - t0);
    }
    expect(html.match(/<tr data-mapping=/g)).toHaveLength(MAPPINGS);
    expect(html.match(/The poll is failing/g)).toHaveLength(FAILING);
    const figures = {
      mappings: MAPPINGS, samples: server.length, server_ms: { median: median(server), max: Math.max(...server) },
      wall_ms: { median: median(wall), max: Math.max(...wall) }, journal_rows: MAPPINGS * 8640,
      median_parts_ms: { list: median(parts.list), sql: median(parts.sql), render: median(parts.render) },
    };
    writeFileSync(join(ARTIFACTS, 'overview-scale.json'), `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(`overview of ${MAPPINGS} mappings: ${JSON.stringify(figures)}\n`);
    expect(figures.server_ms.median).toBeLessThan(300);
  });
});
