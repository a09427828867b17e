// /openapi.json describes every route the app serves — no more, no less — checked against Express's own
// route table, and answers over HTTP behind the token like every other endpoint.
import pino from 'pino';
import { Client, Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { openApiDocument } from '../../api/openapi-document';
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

  it('every $ref points at a defined component', () => {
    const refs = JSON.stringify(openApiDocument).match(/"#\/components\/[a-zA-Z]+\/[a-zA-Z]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(10);
    for (const r of new Set(refs)) {
      const [, , kind, name] = r.slice(1, -1).split('/');
      expect((openApiDocument.components as unknown as Record<string, Record<string, unknown>>)[kind][name], r).toBeDefined();
    }
  });
});
