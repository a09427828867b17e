// A real emulator (createEmulator) with a jsforce connection logged in through OAuth, for the Bulk API 2.0
// tests; plus raw requests for the headers and paths jsforce hides.
import { resolve } from 'node:path';
import { Connection } from 'jsforce';
import { createEmulator, type Emulator } from '../../emulator/server.js';

export const API = '62.0';

export interface Bulk2Fixture {
  emu: Emulator;
  conn: Connection;
  /** A request to `/services/data/v62.0/jobs{path}` with the connection's current token. */
  jobs(path: string, init?: { method?: string; body?: string; contentType?: string }): Promise<Response>;
  close(): Promise<void>;
}

export async function startBulk2Fixture(): Promise<Bulk2Fixture> {
  const emu = await createEmulator({ schemaFile: resolve(__dirname, '../../emulator/schema/example.json') });
  const { username, password, clientId, clientSecret } = emu.credentials;
  const conn = new Connection({ loginUrl: emu.url, version: API, oauth2: { clientId, clientSecret, loginUrl: emu.url } });
  await conn.login(username, password);
  // Salesforce jobs take seconds; the emulator's take milliseconds, so poll fast.
  conn.bulk2.pollInterval = 25;
  conn.bulk2.pollTimeout = 20_000;
  return {
    emu,
    conn,
    jobs: (path, init = {}) => fetch(`${emu.url}/services/data/v${API}/jobs${path}`, {
      method: init.method ?? 'GET',
      body: init.body,
      headers: { Authorization: `Bearer ${conn.accessToken}`, ...(init.contentType ? { 'Content-Type': init.contentType } : {}) },
    }),
    close: () => emu.close(),
  };
}

/** Polls a job's JobInfo until it leaves the running states. */
export async function waitForJob(fx: Bulk2Fixture, kind: 'query' | 'ingest', id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 400; i++) {
    const info = (await (await fx.jobs(`/${kind}/${id}`)).json()) as Record<string, unknown>;
    if (!['Open', 'UploadComplete', 'InProgress'].includes(info.state as string)) return info;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`job ${id} did not finish`);
}
