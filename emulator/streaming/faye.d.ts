// The slice of faye's untyped API the emulator's streaming surface uses (faye 1.4: src/adapters/node_adapter.js,
// src/protocol/server.js, src/engines/proxy.js). It merges with jsforce's own `declare module 'faye'` (Client,
// Subscription and a default export), so it declares named exports only: import with `import * as faye`.
declare module 'faye' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface BayeuxMessage {
    channel: string;
    clientId?: string;
    id?: string;
    subscription?: string | string[];
    successful?: boolean;
    error?: string;
    advice?: { reconnect?: string; interval?: number; timeout?: number };
    ext?: Record<string, unknown>;
    data?: unknown;
    [key: string]: unknown;
  }

  export type Callback = (message: BayeuxMessage | null) => void;

  export interface ServerExtension {
    incoming?(message: BayeuxMessage, request: IncomingMessage | null, callback: Callback): void;
    outgoing?(message: BayeuxMessage, request: IncomingMessage | null, callback: Callback): void;
  }

  /** faye's Engine.Proxy, reached through the adapter's server (internal, stable across faye 1.x). */
  export interface FayeEngine {
    /** The memory engine behind the proxy. */
    _engine: MemoryEngine;
    /** Whether the client has a /meta/connect held open (waiting for events or its timeout). */
    hasConnection(clientId: string): boolean;
  }

  /** faye's in-memory engine (src/engines/memory.js): client ids, subscriptions and per-client queues. */
  export interface MemoryEngine {
    _namespace: { _used: Set<string> };
    /** Channel name → ids of the clients subscribed to it (a faye Set: iterable). */
    _channels: Map<string, Iterable<string>>;
    /** Client id → messages waiting for that client's next /meta/connect. */
    _messages: Map<string, BayeuxMessage[]>;
    emptyQueue(clientId: string): void;
    destroyClient(clientId: string): void;
  }

  export class NodeAdapter {
    constructor(options: { mount: string; timeout?: number; ping?: number });
    _server: { _engine: FayeEngine };
    addExtension(extension: ServerExtension): void;
    handle(request: IncomingMessage, response: ServerResponse): void;
    close(): void;
    on(event: 'handshake' | 'disconnect', listener: (clientId: string) => void): void;
  }

  /** Missing from jsforce's declaration of the client. */
  export interface Client {
    disconnect(): void;
  }
}
