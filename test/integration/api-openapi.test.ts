// /openapi.json describes every route the app serves — no more, no less — checked against Express's own
// route table, and answers over HTTP behind the token like every other endpoint.
import pino from 'pino';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { initialStatus, statusView } from '../../api/mapping-view';
import { openApiDocument } from '../../api/openapi-document';
import { ACTIONS } from '../../api/routes/mapping-actions';
import { hcEntrySchema } from '../../domain/mapping-config';
import type { MappingConfig } from '../../domain/mapping-rules';
import { createPool } from '../../infra/db';
import { TEST_TOKEN, listen, request } from '../support/api';

interface Layer { route?: { path: string; methods: Record<string, boolean> }; handle?: { stack?: Layer[] } }

function routesOf(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
      return Object.keys(layer.route.methods).filter((m) => m !== '_all').map((m) => `${m.toUpperCase()} ${path}`);
    }
    return layer.handle?.stack ? routesOf(layer.handle.stack) : [];
  });
}

describe('the OpenAPI document', () => {
  // Nothing is called: the app is only built (and asked for a static document), so dead addresses do.
  const app = buildApp({
    pool: createPool('postgres://postgres@127.0.0.1:1/none'), temporal: new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) }),
    namespace: 'default', log: pino({ level: 'silent' }), apiToken: TEST_TOKEN,
  });

  it('describes exactly the routes the app registers', () => {
    const served = routesOf((app as unknown as { router: { stack: Layer[] } }).router.stack).sort();
    const documented = Object.entries(openApiDocument.paths)
      .flatMap(([path, item]) => Object.keys(item).filter((k) => ['get', 'post', 'patch', 'delete', 'put'].includes(k)).map((m) => `${m.toUpperCase()} ${path}`)).sort();
    expect(served.length).toBeGreaterThan(15);
    expect(documented).toEqual(served);
  });

  it('is served at /openapi.json to a caller with the token', async () => {
    const { url, server } = await listen(app);
    try {
      const r = await request<typeof openApiDocument>(url, 'GET', '/openapi.json');
      expect(r.status).toBe(200);
      expect(r.body.openapi).toBe('3.1.0');
      expect(r.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect((await request(url, 'GET', '/openapi.json', { token: null })).status).toBe(401);
    } finally {
      server.close();
    }
  });

  it('documents every action, in the API and in the console', () => {
    const paths = openApiDocument.paths;
    const enumOf = (params: readonly unknown[]) => (params.find((p) => (p as { name?: string }).name === 'action') as { schema: { enum: string[] } }).schema.enum;
    expect([...enumOf(paths['/mappings/{object}/actions/{action}'].parameters)].sort()).toEqual(Object.keys(ACTIONS).sort());
    // The console posts the same actions (api/console/router.ts looks them up in ACTIONS).
    expect([...enumOf(paths['/console/mappings/{key}/actions/{action}'].parameters)].sort()).toEqual(Object.keys(ACTIONS).sort());
    expect(paths['/mappings/{object}/actions/{action}'].post.summary).toMatch(/verify/);
  });

  it('documents exactly the config keys a mapping entry accepts', () => {
    const documented = Object.keys(openApiDocument.components.schemas.MappingEntry.properties.config.properties).sort();
    expect(documented).toEqual(Object.keys(hcEntrySchema.shape.config.shape).sort());
    expect(documented).toEqual(expect.arrayContaining(['sf_filter', 'formula_refresh_seconds', 'verify_interval_seconds']));
  });

  it('documents every key of a mapping\'s status, verify, record filter and formula refresh included', () => {
    const config: MappingConfig = {
      objectName: 'Account', access: 'read_only', pollIntervalSeconds: 600, maxDailyApiCalls: 3000, fields: ['Id', 'Name', 'SystemModstamp', 'IsDeleted'],
      indexes: [], upsertField: null, syncMode: 'polling', streamingSource: 'pubsub', flushIntervalSeconds: 10, schema: 'salesforce',
      sfFilter: 'Name != null', formulaRefreshSeconds: 600, verifyIntervalSeconds: 3600,
    };
    const at = '2026-01-01T00:00:00.000Z';
    const view = statusView({
      ...initialStatus(config),
      outbound: { access: 'read_write', pending: false, nextFlushAt: null, lastFlushAt: null, flushes: 0, sent: 0, failed: 0 },
      filter: { applied: 'Name != null', changePending: false },
      formulas: { refreshSeconds: 600, lastRefreshAt: at, nextRefreshAt: at, refreshes: 1, lastRowsChanged: 2, lastRecords: 3, lastApiCalls: 1 },
      verify: { intervalSeconds: 3600, nextAt: at, requested: false, waitingForBudgetUntil: null, runs: 1, last: {
        at, watermark: at, mode: 'rest', buckets: 1, bucketsDiffering: 1, rowsCompared: 40, missing: 1, stale: 1, extra: 1, skipped: 0, repaired: 3,
        apiCalls: 2, estimate: { low: 1, high: 3 }, durationMs: 120,
      } },
    }, { apiCalls24h: 0 });
    const status = openApiDocument.components.schemas.Status.properties as Record<string, { properties?: Record<string, { properties?: object }> }>;
    const missing = (shown: object, documented: object | undefined) => Object.keys(shown).filter((k) => !(k in (documented ?? {})));
    expect(missing(view, status)).toEqual([]);
    expect(missing(view.verify!, status.verify.properties)).toEqual([]);
    expect(missing(view.verify!.last!, status.verify.properties!.last.properties)).toEqual([]);
    expect(missing(view.record_filter!, status.record_filter.properties)).toEqual([]);
    expect(missing(view.formula_refresh!, status.formula_refresh.properties)).toEqual([]);
  });

  it('documents every key /health and /ready answer with, each check\'s included', async () => {
    const { url, server } = await listen(app);
    try {
      // Postgres and Temporal are dead addresses here: /health reports each failure, /ready says what is missing.
      const health = await request<Record<string, Record<string, unknown>>>(url, 'GET', '/health', { token: null });
      const ready = await request<{ checks: Record<string, Record<string, unknown>> }>(url, 'GET', '/ready', { token: null });
      expect(health.status).toBe(200);
      expect(ready.status).toBe(503);
      type Schema = { properties?: Record<string, unknown>; allOf?: ({ $ref?: string } & Schema)[] };
      const schemas = openApiDocument.components.schemas as unknown as Record<string, Schema>;
      const keys = (s: Schema): string[] => [
        ...Object.keys(s.properties ?? {}),
        ...(s.allOf ?? []).flatMap((part) => (part.$ref ? keys(schemas[part.$ref.split('/').pop()!]) : keys(part))),
      ];
      const missing = (shown: object, schema: string) => Object.keys(shown).filter((k) => !keys(schemas[schema]).includes(k));
      expect(missing(health.body, 'Health')).toEqual([]);
      expect(missing(ready.body, 'Ready')).toEqual([]);
      expect(missing(ready.body.checks, 'Checks')).toEqual([]);
      const probes = { schema: 'SchemaProbe', postgres: 'Probe', temporal: 'Probe', worker: 'WorkerProbe' };
      expect(Object.keys(ready.body.checks).sort()).toEqual(Object.keys(probes).sort());
      for (const [check, schema] of Object.entries(probes)) {
        expect(missing(ready.body.checks[check], schema), `/ready checks.${check}`).toEqual([]);
        expect(missing(health.body[check], schema), `/health ${check}`).toEqual([]);
        expect(ready.body.checks[check].ok, check).toBe(false);
      }
    } finally {
      server.close();
    }
  });

  it('every $ref points at a defined component', () => {
    const refs = JSON.stringify(openApiDocument).match(/"#\/components\/[a-zA-Z]+\/[a-zA-Z]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const r of new Set(refs)) {
      const [, , kind, name] = r.slice(1, -1).split('/');
      expect((openApiDocument.components as unknown as Record<string, Record<string, unknown>>)[kind][name], r).toBeDefined();
    }
  });
});
