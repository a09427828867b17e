// Authentication and secrets: every endpoint but /health needs the bearer token (compared in constant time);
// neither the token nor the Salesforce credentials ever appear in a response or a log line.
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../api/app';
import { TEST_TOKEN, listen, request, startApi, type ApiHarness } from '../support/api';

const ENDPOINTS: [string, string][] = [
  ['GET', '/mappings'], ['POST', '/mappings'], ['GET', '/mappings/Account'], ['PATCH', '/mappings/Account'], ['DELETE', '/mappings/Account'],
  ['POST', '/mappings/Account/actions/pause'], ['GET', '/mappings/Account/errors'], ['GET', '/errors'], ['POST', '/estimate'],
  ['GET', '/connection'], ['GET', '/export'], ['POST', '/import'], ['GET', '/metrics'], ['GET', '/openapi.json'], ['GET', '/no-such-endpoint'],
];

describe('bearer-token authentication', () => {
  let h: ApiHarness;
  const lines: string[] = [];

  beforeAll(async () => {
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done(); } });
    h = await startApi('api_auth', { seed: { Account: 5 } }, { log: pino({ level: 'trace' }, sink) });
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(ENDPOINTS)('%s %s without a token: 401 problem with a Bearer challenge', async (method, path) => {
    const r = await request(h.url, method, path, { token: null });
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer realm="ferry"');
    expect(r.body).toEqual({ type: '/problems/unauthorized', title: 'Unauthorized', status: 401, detail: 'Send the API token as "Authorization: Bearer <token>"' });
  });

  it.each([
    ['the last character differs', `${TEST_TOKEN.slice(0, -1)}X`],
    ['the first character differs', `X${TEST_TOKEN.slice(1)}`],
    ['a prefix of the token', TEST_TOKEN.slice(0, 8)],
    ['the token with more after it', `${TEST_TOKEN}0`],
    ['a much longer token', TEST_TOKEN.repeat(50)],
  ])('a wrong token (%s): 401', async (_name, token) => {
    const r = await request(h.url, 'GET', '/mappings', { token });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ status: 401, detail: 'The API token is not valid' });
  });

  it.each([
    ['Basic credentials', `Basic ${Buffer.from(`user:${TEST_TOKEN}`).toString('base64')}`],
    ['the bare token', TEST_TOKEN],
    ['Bearer with no token', 'Bearer '],
  ])('another scheme (%s): 401', async (_name, header) => {
    const r = await request(h.url, 'GET', '/mappings', { token: null, headers: { authorization: header } });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ detail: 'Send the API token as "Authorization: Bearer <token>"' });
  });

  it('the right token is accepted, whatever the scheme\'s case', async () => {
    expect((await request(h.url, 'GET', '/mappings')).status).toBe(200);
    const r = await request(h.url, 'GET', '/mappings', { token: null, headers: { authorization: `bearer ${TEST_TOKEN}` } });
    expect(r.status).toBe(200);
    expect(r.headers.get('www-authenticate')).toBeNull();
  });

  it('/health needs no token', async () => {
    const r = await request(h.url, 'GET', '/health', { token: null });
    expect(r.status).toBe(200);
  });

  it('an API without a configured token refuses everything but /health', async () => {
    const { url, server } = await listen(buildApp({ pool: h.db.pool, temporal: h.temporal.client, namespace: 'default', log: pino({ level: 'silent' }) }));
    try {
      const r = await request(url, 'GET', '/mappings');
      expect(r.status).toBe(401);
      expect(r.body).toMatchObject({ detail: 'The server has no API_TOKEN configured, so every authenticated request is refused' });
      expect((await request(url, 'GET', '/health', { token: null })).status).toBe(200);
    } finally {
      server.close();
    }
  });

  it('no response or log line carries the token or the Salesforce credentials', async () => {
    const secrets = [TEST_TOKEN, h.org.credentials.password, h.org.credentials.clientSecret];
    const bodies: string[] = [];
    for (const [method, path] of [['GET', '/connection'], ['POST', '/mappings'], ['GET', '/export'], ['GET', '/metrics'], ['GET', '/openapi.json']]) {
      const body = method === 'POST' ? { object_name: 'Account', config: { access: 'read_only', fields: { Id: {}, Name: {} } } } : undefined;
      const r = await request(h.url, method, path, { body });
      expect(r.status).toBeLessThan(300);
      bodies.push(r.text);
    }
    await request(h.url, 'GET', '/mappings', { token: `${TEST_TOKEN}-wrong` });
    expect(lines.length).toBeGreaterThan(5);
    for (const secret of secrets) {
      for (const text of [...bodies, ...lines]) expect(text).not.toContain(secret);
    }
    // /connection answers with org identity and API usage only: no session token, no credentials.
    const connection = JSON.parse(bodies[0]) as Record<string, unknown>;
    expect(Object.keys(connection).sort()).toEqual(['api_calls', 'api_usage', 'api_version', 'daily_api_requests', 'display_name', 'features', 'instance_url', 'organization_id', 'user_id', 'username', 'write_algorithm']);
    expect(connection.features).toEqual({ poll_db_no_merge: true });
  });
});
