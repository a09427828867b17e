// The org emulator for integration tests: started in-process on an ephemeral port, plus the two ways ferry
// and the tests talk to it — ferry's shared session (what the worker uses) and a plain jsforce connection.
import { Connection, OAuth2 } from 'jsforce';
import { SalesforceSessions } from '../../salesforce/session';
import type { SalesforceCredentials } from '../../infra/config';
import { createEmulator, type Emulator, type EmulatorOptions } from '../../emulator/server';

export async function startOrg(opts: EmulatorOptions = {}): Promise<Emulator> {
  return createEmulator({ port: 0, ...opts });
}

export function credentialsFor(emulator: Emulator): SalesforceCredentials {
  const c = emulator.credentials;
  return {
    loginUrl: emulator.url, clientId: c.clientId, clientSecret: c.clientSecret, username: c.username, password: c.password, apiVersion: '62.0',
    pubsubUrl: emulator.pubsubUrl,
  };
}

export function sessionsFor(emulator: Emulator): SalesforceSessions {
  return new SalesforceSessions(credentialsFor(emulator));
}

/** The env a worker process needs to reach this org. */
export function orgEnv(emulator: Emulator): Record<string, string> {
  const c = credentialsFor(emulator);
  return {
    SF_LOGIN_URL: c.loginUrl, SF_CLIENT_ID: c.clientId, SF_CLIENT_SECRET: c.clientSecret, SF_USERNAME: c.username!, SF_PASSWORD: c.password!,
    SF_PUBSUB_URL: c.pubsubUrl!,
  };
}

/** A test's own jsforce connection to the org (its calls are not charged to any mapping). */
export async function jsforceFor(emulator: Emulator): Promise<Connection> {
  const c = credentialsFor(emulator);
  const conn = new Connection({ oauth2: new OAuth2({ loginUrl: c.loginUrl, clientId: c.clientId, clientSecret: c.clientSecret }), version: '62.0' });
  await conn.login(c.username!, c.password!);
  return conn;
}

/** Polls `probe` until it returns a value other than undefined, or fails after timeoutMs with `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}
