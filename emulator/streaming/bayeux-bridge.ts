// Server-side publishing into faye's in-memory engine. faye's own publish deep-copies every message for every
// subscriber and cannot target one client; durable replay needs to queue a subscriber's backlog for that client
// alone, ahead of live events, so the emulator queues messages itself as faye's engine does.
//
// Each client also gets an outbox in front of faye's queue, released at most `maxPerResponse` messages per
// /meta/connect: faye answers a connect with everything queued, and a -2 replay of a long log (or a slow
// consumer at thousands of events a second) would otherwise become one response too large to serialise.
import type { BayeuxMessage, FayeEngine, MemoryEngine, NodeAdapter } from 'faye';

interface Outbox {
  messages: BayeuxMessage[];
  head: number;
  /** Messages handed to faye since the client's last /meta/connect. */
  released: number;
}

export class BayeuxBridge {
  private readonly engine: MemoryEngine;
  private readonly proxy: FayeEngine;
  private readonly outboxes = new Map<string, Outbox>();

  constructor(adapter: NodeAdapter, private readonly maxPerResponse: number) {
    this.proxy = adapter._server._engine;
    this.engine = this.proxy._engine;
    adapter.on('disconnect', (clientId) => this.outboxes.delete(clientId));
  }

  /** Queues `messages` for one client, in order, behind whatever it has not received yet. */
  deliver(clientId: string, messages: BayeuxMessage[]): void {
    if (messages.length === 0 || !this.engine._namespace._used.has(clientId)) return;
    let outbox = this.outboxes.get(clientId);
    if (!outbox) this.outboxes.set(clientId, (outbox = { messages: [], head: 0, released: 0 }));
    for (const message of messages) outbox.messages.push(message);
    this.release(clientId, outbox);
  }

  /** Whether any client is subscribed to exactly `channel` right now (faye drops a channel's entry with its last subscriber). */
  hasSubscribers(channel: string): boolean {
    return this.engine._channels.has(channel);
  }

  /** How many clients are subscribed to exactly `channel` right now. */
  subscriberCount(channel: string): number {
    const subscribers = this.engine._channels.get(channel);
    return subscribers ? [...subscribers].length : 0;
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

  /** Called for each /meta/connect before faye handles it: the reply may carry the next batch. */
  connecting(clientId: string): void {
    const outbox = this.outboxes.get(clientId);
    if (!outbox) return;
    outbox.released = 0;
    this.release(clientId, outbox);
  }

  /** Whether the client's /meta/connect is held open by faye (answered by the next delivery or its timeout). */
  holdsConnect(clientId: string): boolean {
    return this.proxy.hasConnection(clientId);
  }

  clientIds(): string[] {
    return [...this.engine._namespace._used];
  }

  /** Forgets a client server-side: its next request gets `403::Unknown client` and it must re-handshake. */
  destroyClient(clientId: string): void {
    this.engine.destroyClient(clientId);
    this.outboxes.delete(clientId);
  }

  /** Moves what this connect cycle still allows from the outbox into faye's queue for the client. */
  private release(clientId: string, outbox: Outbox): void {
    const count = Math.min(this.maxPerResponse - outbox.released, outbox.messages.length - outbox.head);
    if (count <= 0) return;
    let queue = this.engine._messages.get(clientId);
    if (!queue) this.engine._messages.set(clientId, (queue = []));
    for (let i = 0; i < count; i += 1) queue.push(outbox.messages[outbox.head + i]);
    outbox.head += count;
    outbox.released += count;
    // The outbox stays while the client lives: its `released` count caps this whole connect cycle.
    if (outbox.head === outbox.messages.length) {
      outbox.messages = [];
      outbox.head = 0;
    } else if (outbox.head > 4096 && outbox.head * 2 > outbox.messages.length) {
      outbox.messages = outbox.messages.slice(outbox.head);
      outbox.head = 0;
    }
    this.engine.emptyQueue(clientId);
  }
}
