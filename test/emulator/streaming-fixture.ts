// Shared setup for the streaming tests: the real emulator on port 0, a jsforce connection to it, and helpers to
// subscribe faye clients (as jsforce creates them) and wait for what they receive.
import { resolve } from 'node:path';
import { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/api/streaming';
import type { StreamingControl } from '../../emulator/contract.js';
import { createEmulator, EMULATOR_API_VERSION, type Emulator } from '../../emulator/server.js';

export { StreamingExtension };

/** The faye client jsforce returns from conn.streaming.createClient(). */
export type StreamingClient = ReturnType<Connection['streaming']['createClient']>;
type FayeExtension = Parameters<StreamingClient['addExtension']>[0];

export interface Received<T> {
  events: T[];
  /** Resolves once the server acknowledged the subscription; rejects with the server's error. */
  subscribed: Promise<void>;
}

export interface StreamingFixture {
  conn: Connection;
  streaming: StreamingControl;
  emulator: Emulator;
  /** Undeletes a record (Salesforce has no REST undelete; the emulator's store does it as the recycle bin would). */
  undelete(object: string, id: string): void;
  /** A new faye client with these extensions; disconnected when the fixture closes. */
  client(extensions?: FayeExtension[]): StreamingClient;
  /** Subscribes a new client (with a Replay extension when `replayId` is given) and collects what it receives. */
  subscribe<T>(channel: string, replayId?: number): Received<T>;
  close(): Promise<void>;
}

export async function startFixture(): Promise<StreamingFixture> {
  // The example schema adds custom objects (Invoice__c), whose change events use the __ChangeEvent suffix.
  const emulator = await createEmulator({ port: 0, schemaFile: resolve(__dirname, '../../emulator/schema/example.json') });
  const { username, password, clientId, clientSecret } = emulator.credentials;
  const conn = new Connection({ oauth2: { loginUrl: emulator.url, clientId, clientSecret }, version: EMULATOR_API_VERSION });
  await conn.login(username, password);
  const streaming = emulator.streaming;
  if (!streaming) throw new Error('the emulator has no streaming surface');
  const clients: StreamingClient[] = [];
  const client = (extensions: FayeExtension[] = []): StreamingClient => {
    const created = conn.streaming.createClient(extensions);
    clients.push(created);
    return created;
  };
  return {
    conn,
    streaming,
    emulator,
    client,
    undelete: (object, id) => emulator.org.undelete(object, id, 'emulator/admin'),
    subscribe<T>(channel: string, replayId?: number): Received<T> {
      const extensions = replayId === undefined ? [] : [new StreamingExtension.Replay(channel, replayId)];
      const events: T[] = [];
      const subscription = client(extensions).subscribe(channel, (message: T) => events.push(message));
      return { events, subscribed: new Promise<void>((resolve, reject) => subscription.then(resolve, reject)) };
    },
    async close() {
      // jsforce keeps the client behind conn.streaming.topic() private; it must stop polling too.
      const topicClients = Object.values((conn.streaming as unknown as { _fayeClients: Record<string, StreamingClient> })._fayeClients);
      for (const c of [...clients, ...topicClients]) c.disconnect();
      await emulator.close();
    },
  };
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Lets in-flight deliveries land, for asserting that something did NOT arrive after a positive wait. */
export const settle = (ms = 150): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
