// The real emulator in-process on port 0 with a jsforce connection logged in through OAuth (password grant),
// for the core REST tests. Raw fetch helpers exist only for the admin API and wire details jsforce hides.
import { Connection } from 'jsforce';
import { createEmulator, EMULATOR_API_VERSION, type Emulator, type EmulatorOptions } from '../../emulator/server.js';

export interface CoreFixture {
  emulator: Emulator;
  conn: Connection;
  /** A fresh, logged-in connection. */
  login(): Promise<Connection>;
  /** JSON call to the admin API. */
  admin<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startCore(opts: EmulatorOptions = {}): Promise<CoreFixture> {
  const emulator = await createEmulator({ port: 0, ...opts });
  const c = emulator.credentials;
  const login = async () => {
    const conn = new Connection({
      loginUrl: emulator.url,
      version: EMULATOR_API_VERSION,
      oauth2: { loginUrl: emulator.url, clientId: c.clientId, clientSecret: c.clientSecret },
    });
    await conn.login(c.username, c.password);
    return conn;
  };
  const conn = await login();
  return {
    emulator,
    conn,
    login,
    admin: async <T>(method: string, path: string, body?: unknown) => {
      const res = await fetch(`${emulator.url}/__emulator${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    close: () => emulator.close(),
  };
}

/** Raw authenticated REST call (for headers and bodies jsforce does not expose). */
export async function rawRest(conn: Connection, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${conn.instanceUrl}/services/data/v${EMULATOR_API_VERSION}${path}`, {
    method,
    headers: { authorization: `Bearer ${conn.accessToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}
