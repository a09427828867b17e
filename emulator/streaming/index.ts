// The emulator's Streaming API (CometD/Bayeux over long-polling), as jsforce's faye client talks to Salesforce:
// a faye NodeAdapter answering POST /cometd/<version> for any version from 36.0 on, publishing PushTopic and
// Change Data Capture events for every committed org change, with durable replay.
//
//   org 'change' ──► PushTopic registry ──► /topic/<Name>        ┐
//                └─► change-event builder ─► /data/<X>ChangeEvent ├─► publish queue ─► event log (replay ids) ─► subscribers
//                                         └─► /data/ChangeEvents   ┘       ▲
//   REST StreamingChannel push ─────────────► /u/<Name> ───────────────────┘
//
// As in Salesforce, events are published after the commit that made them, asynchronously and in commit order:
// the event is built from the change at commit, then waits in the publish queue (publishDelayMs, by default
// DEFAULT_PUBLISH_DELAY_MS = 25 ms; `--streaming-publish-delay-ms` / streamingPublishDelayMs to change it, 0 to
// publish inside the commit) before it gets its replay id and reaches subscribers. The writer's response so
// always precedes its events, and a client that subscribes just after a write still receives it. The Pub/Sub
// API reads the same log (ChangeEventFeed), so its events leave the same queue in the same order.
import type http from 'node:http';
import * as faye from 'faye';
import type { BayeuxMessage, NodeAdapter } from 'faye';
import type { ChangeEvent, ChangeType, CompiledSoql, EmulatorContext, ObjectDef, StreamingControl } from '../contract.js';
import { BayeuxBridge } from './bayeux-bridge.js';
import {
  ALL_CHANGE_EVENTS_CHANNEL, ChangeEventBuilder, changeEventChannel, changeEventMessage, objectOfChangeEventChannel,
  tracksChanges, type GapChangeType,
} from './change-events.js';
import { EventLog, type EventSource, type RetentionPolicy } from './event-log.js';
import { createProtocolExtension } from './protocol-extension.js';
import { PushTopicRegistry, TOPIC_PREFIX } from './push-topics.js';

// CometD clients other than faye append the meta channel to the endpoint (/cometd/62.0/meta/handshake).
const COMETD_PATH = /^\/cometd\/(?:replay\/)?(\d+)\.\d+(?:\/.*)?$/;
const MIN_COMETD_MAJOR = 36;
const HOUR_MS = 3_600_000;

export interface StreamingOptions {
  /** Replay window of /topic channels (Salesforce: 24 h). */
  topicRetentionMs?: number;
  /** Replay window of /data channels (Salesforce: 72 h). */
  changeEventRetentionMs?: number;
  maxEventsPerChannel?: number;
  /** How long a /meta/connect is held open when nothing happens, in seconds (Salesforce: 110). */
  connectTimeoutSeconds?: number;
  /** At most this many events in one /meta/connect reply; the rest wait for the client's next connect. */
  maxEventsPerResponse?: number;
  /** How long after its commit an event is published (default DEFAULT_PUBLISH_DELAY_MS; 0 = right after the commit's request). */
  publishDelayMs?: number;
}

/** How long an event waits after its commit before it is published, as on Salesforce (events are never part of the commit). */
export const DEFAULT_PUBLISH_DELAY_MS = 25;
const GENERIC_PREFIX = '/u/';

interface Pending {
  due: number;
  channel: string | null;
  def: ObjectDef | null;
  source: EventSource<BayeuxMessage>;
}

/**
 * The change-event log as other transports read it (the Pub/Sub API serves the same /data channels, replay ids
 * and faults as CometD): the log, whether a channel exists, and a callback per event retained on a channel.
 */
export interface ChangeEventFeed {
  log: EventLog<BayeuxMessage>;
  channelExists(channel: string): boolean;
  onAppend(listener: (channel: string) => void): () => void;
}

/** Mounts the streaming surface on `server` and returns the admin's handle on it. */
export function attachStreaming(server: http.Server, ctx: EmulatorContext, options: StreamingOptions = {}): StreamingControl & { feed: ChangeEventFeed } {
  const maxEvents = options.maxEventsPerChannel ?? 1_000_000;
  const topicPolicy: RetentionPolicy = { retentionMs: options.topicRetentionMs ?? 24 * HOUR_MS, maxEvents };
  const dataPolicy: RetentionPolicy = { retentionMs: options.changeEventRetentionMs ?? 72 * HOUR_MS, maxEvents };

  const adapter = new faye.NodeAdapter({ mount: '/cometd', timeout: options.connectTimeoutSeconds ?? 110 });
  const bridge = new BayeuxBridge(adapter, options.maxEventsPerResponse ?? 10_000);
  const log = new EventLog<BayeuxMessage>((channel) => (channel.startsWith(TOPIC_PREFIX) ? topicPolicy : dataPolicy));
  const topics = new PushTopicRegistry(
    (soql) => compileTopicQuery(ctx, soql),
    (id) => ctx.org.get('PushTopic', id) !== undefined,
  );
  const changeEvents = new ChangeEventBuilder();

  /** Retains the event on `channel` and, when someone is subscribed to it right now, builds and sends it. */
  const appendListeners = new Set<(channel: string) => void>();
  const publish = (channel: string, source: EventSource<BayeuxMessage>): void => {
    const replayId = log.append(channel, source);
    for (const listener of appendListeners) listener(channel);
    // An event the retention policy drops at once (no retention at all) still reaches live subscribers.
    if (bridge.hasSubscribers(channel)) bridge.publish(channel, log.message(channel, replayId) ?? source.build(channel, replayId));
  };

  // One retained change serves both channels: they share its body and differ in channel and replay id.
  const channels = new WeakMap<ObjectDef, string>();
  const publishChangeEvent = (def: ObjectDef, event: EventSource<BayeuxMessage>): void => {
    let channel = channels.get(def);
    if (channel === undefined) channels.set(def, (channel = changeEventChannel(def.name)));
    publish(channel, event);
    publish(ALL_CHANGE_EVENTS_CHANNEL, event);
  };

  // The publish queue: events in commit order, each published once its delay has passed.
  const delay = Math.max(0, options.publishDelayMs ?? DEFAULT_PUBLISH_DELAY_MS);
  let pending: Pending[] = [];
  let head = 0;
  let timer: NodeJS.Timeout | undefined;
  const drain = (): void => {
    timer = undefined;
    const now = Date.now();
    while (head < pending.length && pending[head].due <= now) {
      const p = pending[head++];
      try {
        if (p.def) publishChangeEvent(p.def, p.source);
        else publish(p.channel!, p.source);
      } catch (error) {
        console.error('ferry emulator: streaming could not publish an event', p.channel ?? p.def?.name, error);
      }
    }
    if (head === pending.length) {
      pending = [];
      head = 0;
    } else {
      timer = setTimeout(drain, Math.max(0, pending[head].due - now));
    }
  };
  // One object literal of one shape per event (no spread): a bulk load queues hundreds of thousands.
  const enqueue = (def: ObjectDef | null, channel: string | null, source: EventSource<BayeuxMessage>): void => {
    if (delay === 0) {
      // No publish delay: the event goes out as its change commits, in commit order.
      if (def) publishChangeEvent(def, source);
      else publish(channel!, source);
      return;
    }
    pending.push({ due: Date.now() + delay, channel, def, source });
    if (timer === undefined) timer = setTimeout(drain, delay);
  };

  const onChange = (change: ChangeEvent): void => {
    try {
      // Topic definitions apply at once (a client may subscribe right after creating one); events wait.
      if (change.object === 'PushTopic') return topics.applyTopicChange(change);
      const def = ctx.org.describe(change.object);
      // Built (and numbered in its transaction) now, from the change as committed; published later.
      if (def && tracksChanges(def)) enqueue(def, null, changeEvents.fromChange(change, def));
      for (const notification of topics.notificationsFor(change)) enqueue(null, notification.channel, notification);
    } catch (error) {
      // The change is committed whatever happens here: failing the writer's request would misreport it.
      console.error('ferry emulator: streaming could not publish change', change.object, change.recordId, error);
    }
  };

  loadPushTopics(ctx, topics);
  ctx.org.on('change', onChange);

  adapter.addExtension(createProtocolExtension({
    auth: ctx.auth,
    log,
    bridge,
    channelExists: (channel) => topics.exists(channel) || changeEventChannelExists(ctx, channel) || genericChannelExists(ctx, channel),
  }));
  const restoreEmit = interceptCometdRequests(server, adapter);

  const objectDef = (object: string): ObjectDef => {
    const def = ctx.org.describe(object);
    if (!def || !tracksChanges(def)) throw new Error(`ferry emulator: no change events for object ${object}`);
    return def;
  };
  const injectGap = (object: string, changeType: GapChangeType, recordIds: string[]): void => {
    const def = objectDef(object);
    const body = changeEvents.gap(def, changeType, recordIds, '', Date.now());
    enqueue(def, null, { build: (channel, replayId) => changeEventMessage(channel, body, replayId) });
  };

  /** Generic streaming: a payload pushed to /u/<name>; returns how many clients are subscribed to it now. */
  const pushGeneric = (channel: string, payload: string): number => {
    const createdDate = new Date().toISOString().replace('Z', '+0000');
    enqueue(null, channel, { build: (ch, replayId) => ({ channel: ch, data: { event: { createdDate, replayId }, payload } }) as BayeuxMessage });
    return bridge.subscriberCount(channel);
  };

  return {
    feed: {
      log,
      channelExists: (channel) => changeEventChannelExists(ctx, channel),
      onAppend: (listener) => {
        appendListeners.add(listener);
        return () => appendListeners.delete(listener);
      },
    },
    dropAllClients: () => {
      for (const clientId of bridge.clientIds()) bridge.destroyClient(clientId);
    },
    expireReplayIds: (olderThanMs) => log.expire(olderThanMs),
    stats: () => ({ clients: bridge.clientIds().length, published: log.publishedCounts(), queued: pending.length - head }),
    holdsConnect: (clientId) => bridge.holdsConnect(clientId),
    injectGap: (object: string, changeType: ChangeType, recordIds: string[]) => injectGap(object, `GAP_${changeType}`, recordIds),
    injectOverflow: (object: string) => injectGap(object, 'GAP_OVERFLOW', []),
    pushGeneric,
    close: async () => {
      ctx.org.off('change', onChange);
      if (timer !== undefined) clearTimeout(timer);
      restoreEmit();
      adapter.close();
    },
  };
}

function compileTopicQuery(ctx: EmulatorContext, soql: string): CompiledSoql | undefined {
  try {
    return ctx.org.compileSoql(soql);
  } catch {
    return undefined;
  }
}

/** Topics created before the surface was attached (e.g. seeded data). */
function loadPushTopics(ctx: EmulatorContext, topics: PushTopicRegistry): void {
  const def = ctx.org.describe('PushTopic');
  if (!def) return;
  const result = ctx.org.query(`SELECT ${def.fields.map((f) => f.name).join(', ')} FROM PushTopic`, { scanAll: false });
  for (const row of result.rows) topics.add(row as Parameters<PushTopicRegistry['add']>[0]);
}

/** `/u/<name>`: a StreamingChannel record named so (generic streaming). */
function genericChannelExists(ctx: EmulatorContext, channel: string): boolean {
  if (!channel.startsWith(GENERIC_PREFIX) || /['\\]/.test(channel)) return false;
  return ctx.org.query(`SELECT Id FROM StreamingChannel WHERE Name = '${channel}'`, { scanAll: false }).rows[Symbol.iterator]().next().done === false;
}

function changeEventChannelExists(ctx: EmulatorContext, channel: string): boolean {
  if (channel === ALL_CHANGE_EVENTS_CHANNEL) return true;
  const object = objectOfChangeEventChannel(channel);
  const def = object === undefined ? undefined : ctx.org.describe(object);
  // The channel must be the object's own spelling (describe resolves names case-insensitively, and a custom
  // object's channel drops the `c` of `__c`).
  return def !== undefined && changeEventChannel(def.name) === channel && tracksChanges(def);
}

/**
 * Routes /cometd/<version> requests to faye whatever order the other 'request' listeners were added in:
 * faye's own attach() only wraps listeners present at attach time, so a handler added later would answer too.
 * Returns a function that undoes the interception.
 */
function interceptCometdRequests(server: http.Server, adapter: NodeAdapter): () => void {
  const original = server.emit;
  const emit = original.bind(server) as (event: string | symbol, ...args: unknown[]) => boolean;
  server.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'request') {
      const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
      const match = COMETD_PATH.exec(new URL(req.url ?? '/', 'http://x').pathname);
      if (match && Number(match[1]) >= MIN_COMETD_MAJOR) {
        adapter.handle(req, res);
        return true;
      }
    }
    return emit(event, ...args);
  }) as typeof server.emit;
  return () => {
    server.emit = original;
  };
}
