// OAuth2 against the emulator through jsforce: password and client-credentials logins, identity, failures,
// and sessions that expire (by lifetime or by the admin) being refreshed transparently.
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_API_VERSION } from '../../emulator/server.js';
import { rawRest, startCore, type CoreFixture } from './core-fixture.js';

let fx: CoreFixture;
beforeAll(async () => {
  fx = await startCore({ tokenLifetimeSeconds: 1 });
});
afterAll(async () => {
  await fx.close();
});

const newConnection = (overrides: { clientId?: string; clientSecret?: string } = {}) => new Connection({
  loginUrl: fx.emulator.url,
  version: EMULATOR_API_VERSION,
  oauth2: { loginUrl: fx.emulator.url, clientId: overrides.clientId ?? 'ferry-client-id', clientSecret: overrides.clientSecret ?? 'ferry-client-secret' },
});

const tokenRequest = (form: Record<string, string>) => fetch(`${fx.emulator.url}/services/oauth2/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(form).toString(),
});

describe('login', () => {
  it('logs in with the password grant and gets a Salesforce-shaped session', async () => {
    const conn = newConnection();
    const user = await conn.login('ferry@example.com', 'ferry-password');
    expect(conn.instanceUrl).toBe(fx.emulator.url);
    expect(conn.accessToken).toMatch(/^00D[0-9A-Za-z]{12}!AQ[0-9A-Za-z]+$/);
    expect(user.organizationId).toMatch(/^00D[0-9A-Za-z]{15}$/);
    expect(user.id).toMatch(/^005[0-9A-Za-z]{15}$/);
  });

  it('logs in with the client credentials grant', async () => {
    const conn = newConnection();
    const user = await conn.authorize({ grant_type: 'client_credentials' });
    expect(conn.accessToken).toMatch(/^00D/);
    expect(user.id).toBe(fx.conn.userInfo?.id);
    const result = await conn.query('SELECT Id FROM User');
    expect(result.totalSize).toBe(1);
  });

  it('answers identity with the user and org', async () => {
    // A fresh session: this suite's tokens live 1 s, and the identity URL answers 403 (no refresh) once expired.
    const identity = await (await fx.login()).identity();
    expect(identity.username).toBe('ferry@example.com');
    expect(identity.user_id).toBe(fx.conn.userInfo?.id);
    expect(identity.organization_id).toBe(fx.conn.userInfo?.organizationId);
  });

  it('answers identity for a connection made from a token alone (found through the versioned resource list)', async () => {
    const session = await fx.login();
    const fromToken = new Connection({ instanceUrl: session.instanceUrl, accessToken: session.accessToken!, version: EMULATOR_API_VERSION });
    const identity = await fromToken.identity();
    expect(identity.username).toBe('ferry@example.com');
    expect(identity.user_id).toBe(session.userInfo?.id);
  });

  it.each([
    ['a wrong password', {}, 'ferry-password-nope', /authentication failure/],
    ['an unknown client id', { clientId: 'nope' }, 'ferry-password', /client identifier invalid/],
    ['a wrong client secret', { clientSecret: 'nope' }, 'ferry-password', /invalid client credentials/],
  ])('refuses %s', async (_name, client, password, message) => {
    await expect(newConnection(client).login('ferry@example.com', password)).rejects.toThrow(message);
  });

  it('answers failures with Salesforce OAuth bodies', async () => {
    const bad = await tokenRequest({ grant_type: 'password', client_id: 'ferry-client-id', client_secret: 'ferry-client-secret', username: 'x', password: 'y' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'invalid_grant', error_description: 'authentication failure' });
    const refresh = await tokenRequest({ grant_type: 'refresh_token', client_id: 'ferry-client-id', refresh_token: 'nope' });
    expect((await refresh.json()) as unknown).toMatchObject({ error: 'invalid_grant' });
    const grant = await tokenRequest({ grant_type: 'implicit' });
    expect((await grant.json()) as unknown).toMatchObject({ error: 'unsupported_grant_type' });
  });
});

describe('sessions', () => {
  it('revokes the session on jsforce logout', async () => {
    const conn = await fx.login();
    const token = conn.accessToken!;
    await conn.logout();
    const res = await fetch(`${fx.emulator.url}/services/data/v${EMULATOR_API_VERSION}/limits`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
  });

  it('answers an invalid token with 401 INVALID_SESSION_ID', async () => {
    const res = await fetch(`${fx.emulator.url}/services/data/v${EMULATOR_API_VERSION}/limits`, { headers: { authorization: 'Bearer 00Dnope!AQnope' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  });

  it('expires tokens after their lifetime; jsforce logs in again transparently', async () => {
    const conn = await fx.login();
    const first = conn.accessToken;
    await new Promise((r) => setTimeout(r, 1100));
    expect((await rawRest(conn, 'GET', '/limits')).status).toBe(401);
    const refreshed: string[] = [];
    conn.on('refresh', (token: string) => refreshed.push(token));
    const result = await conn.query('SELECT Id FROM User');
    expect(result.totalSize).toBe(1);
    expect(refreshed.length).toBeGreaterThanOrEqual(1);
    expect(conn.accessToken).not.toBe(first);
  });

  it('refreshes with the refresh_token grant when the connection holds a refresh token', async () => {
    const res = await tokenRequest({ grant_type: 'password', client_id: 'ferry-client-id', client_secret: 'ferry-client-secret', username: 'ferry@example.com', password: 'ferry-password' });
    const body = (await res.json()) as { access_token: string; refresh_token: string; instance_url: string };
    expect(body.refresh_token).toMatch(/^[0-9A-Za-z]+$/);
    const conn = new Connection({
      instanceUrl: body.instance_url, accessToken: body.access_token, refreshToken: body.refresh_token, version: EMULATOR_API_VERSION,
      oauth2: { loginUrl: fx.emulator.url, clientId: 'ferry-client-id', clientSecret: 'ferry-client-secret' },
    });
    const expired = await fx.admin<{ expired: number }>('POST', '/sessions/expire');
    expect(expired.body.expired).toBeGreaterThan(0);
    const result = await conn.query('SELECT Id FROM User');
    expect(result.totalSize).toBe(1);
    expect(conn.accessToken).not.toBe(body.access_token);
  });
});
