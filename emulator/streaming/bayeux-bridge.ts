// Server-side publishing into faye's in-memory engine. faye's own publish deep-copies every message for every
// subscriber and cannot target one client; durable replay needs to queue a subscriber's backlog for that client
// alone, ahead of live events, so the emulator queues messages itself exactly as faye's engine does.
import type { BayeuxMessage, MemoryEngine, NodeAdapter } from 'faye';

export class BayeuxBridge {
  private readonly engine: MemoryEngine;

  constructor(adapter: NodeAdapter) {
    this.engine = adapter._server._engine._engine;
  }

  /** Queues `messages` for one client, in order; they go out on its held or next /meta/connect. */
  deliver(clientId: string, messages: BayeuxMessage[]): void {
    if (messages.length === 0 || !this.engine._namespace._used.has(clientId)) return;
    const queue = this.engine._messages.get(clientId);
    if (queue) queue.push(...messages);
    else this.engine._messages.set(clientId, messages.slice());
    this.engine.emptyQueue(clientId);
  }

  /**
   * Sends `message` to every client subscribed to exactly `channel` (Salesforce has no wildcard subscriptions).
   * The message object is shared between subscribers: faye only serialises it and deletes `clientId`.
   */
  publish(channel: string, message: BayeuxMessage): void {
    const subscribers = this.engine._channels.get(channel);
    if (!subscribers) return;
    for (const clientId of subscribers) this.deliver(clientId, [message]);
  }

  hasSubscribers(channel: string): boolean {
    return this.engine._channels.has(channel);
  }

  clientIds(): string[] {
    return [...this.engine._namespace._used];
  }

  /** Forgets a client server-side: its next request gets `403::Unknown client` and it must re-handshake. */
  destroyClient(clientId: string): void {
    this.engine.destroyClient(clientId);
  }
}
