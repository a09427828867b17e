// The emulator's Pub/Sub API (gRPC over h2c, package eventbus.v1, on its own port): GetTopic, GetSchema and
// Subscribe over the same Change Data Capture log that CometD serves, so replay ids, retention, expiry and
// gap/overflow events are one truth for both transports.
//
//   FetchRequest{topic, replay_preset, replay_id, num_requested} ─► validate auth, topic, replay id
//        ◄─ FetchResponse{events ≤ requested, latest_replay_id, pending_num_requested}   (Avro payloads)
//        ◄─ FetchResponse{no events, latest_replay_id}   every keepaliveMs while idle
//
// Flow control is pull: a stream sends at most what its FetchRequests asked for (each request adds at most
// MAX_NUM_REQUESTED) and waits for more. Errors are gRPC statuses with Salesforce's `error-code` and `rpc-id`
// trailers. Replay ids are opaque to clients: 8 big-endian bytes of the channel's replay id.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { EmulatorContext } from '../contract.js';
import type { ChangeEventBody } from '../streaming/change-events.js';
import type { ChangeEventFeed } from '../streaming/index.js';
import { ChangeEventSchemas } from './avro-events.js';

/** Salesforce documents at most 100 events outstanding per FetchRequest. */
export const MAX_NUM_REQUESTED = 100;
/** Salesforce sends an empty FetchResponse (keepalive) within 270 s when there is nothing to deliver. */
export const KEEPALIVE_MS = 270_000;

export const ERROR_CODES = {
  auth: 'sfdc.platform.eventbus.grpc.service.auth.error',
  topicNotFound: 'sfdc.platform.eventbus.grpc.topic.not.found',
  replayCorrupted: 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted',
  replayInvalid: 'sfdc.platform.eventbus.grpc.subscription.fetch.replayid.invalid',
  topicMismatch: 'sfdc.platform.eventbus.grpc.subscription.topic.mismatch',
  schemaNotFound: 'sfdc.platform.eventbus.grpc.schema.not.found',
  streamClosed: 'sfdc.platform.eventbus.grpc.service.unavailable',
} as const;

export interface PubSubOptions {
  host: string;
  /** 0 = an ephemeral port. */
  port?: number;
  keepaliveMs?: number;
}

export interface PubSubServer {
  /** host:port the server listens on (h2c, no TLS). */
  address: string;
  port: number;
  /** Ends every open Subscribe stream with UNAVAILABLE, as a server-side drop; returns how many. */
  dropStreams(): number;
  stats(): { streams: number; delivered: number };
  /** A fault for tests: the next `count` events delivered carry a payload that is not valid Avro for their schema. */
  corruptNext(count: number): void;
  close(): Promise<void>;
}

interface FetchRequest { topic_name: string; replay_preset: 'LATEST' | 'EARLIEST' | 'CUSTOM'; replay_id: Buffer; num_requested: number }
type SubscribeCall = grpc.ServerDuplexStream<FetchRequest, unknown>;

export function encodeReplayId(replayId: number): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(BigInt(replayId));
  return out;
}

function decodeReplayId(bytes: Buffer | undefined): number | undefined {
  if (!bytes || bytes.length !== 8) return undefined;
  const value = bytes.readBigUInt64BE();
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? undefined : Number(value);
}

/** A gRPC status with Salesforce's trailers; the rpc id also ends the message, as Salesforce writes it. */
function rpcError(code: grpc.status, errorCode: string, message: string): grpc.ServiceError {
  const rpcId = randomUUID();
  const metadata = new grpc.Metadata();
  metadata.set('error-code', errorCode);
  metadata.set('rpc-id', rpcId);
  const details = `${message} rpcId: ${rpcId}`;
  return Object.assign(new Error(details), { code, details, metadata });
}

function loadService(): grpc.ServiceDefinition {
  const definition = protoLoader.loadSync(join(__dirname, 'pubsub_api.proto'), {
    keepCase: true, longs: Number, enums: String, bytes: Buffer, defaults: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as unknown as { eventbus: { v1: { PubSub: { service: grpc.ServiceDefinition } } } };
  return pkg.eventbus.v1.PubSub.service;
}

export async function startPubSubServer(ctx: EmulatorContext, feed: ChangeEventFeed, options: PubSubOptions): Promise<PubSubServer> {
  const keepaliveMs = options.keepaliveMs ?? KEEPALIVE_MS;
  const schemas = new ChangeEventSchemas();
  const streams = new Set<SubscribeCall>();
  let delivered = 0;
  let corrupt = 0;

  const authenticate = (metadata: grpc.Metadata): grpc.ServiceError | { orgId: string } => {
    const value = (key: string) => {
      const v = metadata.get(key)[0];
      return v === undefined ? '' : String(v);
    };
    const token = value('accesstoken');
    const tenant = value('tenantid');
    if (!token || !tenant || !value('instanceurl')) {
      return rpcError(grpc.status.UNAUTHENTICATED, ERROR_CODES.auth, 'An authentication exception occurred. Provide accesstoken, instanceurl and tenantid metadata.');
    }
    const session = ctx.auth.verify(token);
    if (!session || session.orgId.slice(0, 15) !== tenant.slice(0, 15)) {
      return rpcError(grpc.status.UNAUTHENTICATED, ERROR_CODES.auth, 'An authentication exception occurred. Provide valid authentication via metadata headers.');
    }
    return session;
  };

  const topicMissing = (orgId: string, topic: string): grpc.ServiceError =>
    rpcError(grpc.status.NOT_FOUND, ERROR_CODES.topicNotFound,
      `The topic information for org ${orgId} and topic ${topic} not found. Ensure the topic name is correct and that the topic exists.`);

  const schemaOfTopic = (topic: string) => {
    const object = topic.startsWith('/data/') && topic !== '/data/ChangeEvents'
      ? topic.slice('/data/'.length).replace(/__ChangeEvent$/, '__c').replace(/ChangeEvent$/, '')
      : undefined;
    const def = object === undefined ? undefined : ctx.org.describe(object);
    return def ? schemas.of(def) : undefined;
  };

  const service: grpc.UntypedServiceImplementation = {
    GetTopic: (call: grpc.ServerUnaryCall<{ topic_name: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const auth = authenticate(call.metadata);
      if (auth instanceof Error) return callback(auth);
      const topic = call.request.topic_name;
      if (!feed.channelExists(topic)) return callback(topicMissing(auth.orgId, topic));
      callback(null, {
        topic_name: topic, tenant_guid: auth.orgId, can_publish: false, can_subscribe: true,
        schema_id: schemaOfTopic(topic)?.id ?? '', rpc_id: randomUUID(),
      });
    },
    GetSchema: (call: grpc.ServerUnaryCall<{ schema_id: string }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const auth = authenticate(call.metadata);
      if (auth instanceof Error) return callback(auth);
      const schema = schemas.get(call.request.schema_id);
      if (!schema) return callback(rpcError(grpc.status.NOT_FOUND, ERROR_CODES.schemaNotFound, `Schema ${call.request.schema_id} not found.`));
      callback(null, { schema_json: schema.json, schema_id: schema.id, rpc_id: randomUUID() });
    },
    Subscribe: (call: SubscribeCall) => subscribe(call),
  };

  const subscribe = (call: SubscribeCall): void => {
    const auth = authenticate(call.metadata);
    if (auth instanceof Error) {
      call.emit('error', auth);
      return;
    }
    const rpcId = randomUUID();
    // Event ids are UUIDs on Salesforce; one random prefix per stream and a counter keep them unique and cheap.
    const idPrefix = rpcId.slice(0, 24);
    let eventCount = 0;
    let topic: string | undefined;
    let cursor = 0;
    let pending = 0;
    let waitingForDrain = false;
    let scheduled = false;
    let closed = false;
    let sentSinceKeepalive = false;
    let unsubscribe: () => void = () => undefined;

    const close = (error?: grpc.ServiceError) => {
      if (closed) return;
      closed = true;
      streams.delete(call);
      clearInterval(keepalive);
      unsubscribe();
      if (error) call.emit('error', error);
    };

    const pump = () => {
      scheduled = false;
      if (closed || topic === undefined) return;
      while (pending > 0 && !waitingForDrain) {
        const batch = feed.log.after(topic, cursor, pending);
        if (batch.length === 0) break;
        const events = batch.map((e) => {
          const body = e.message.data as ChangeEventBody;
          const entity = body.payload.ChangeEventHeader.entityName;
          const def = ctx.org.describe(entity);
          if (!def) throw new Error(`ferry emulator: no describe for ${entity}`);
          const encoded = schemas.encode(body, def);
          const schemaId = encoded.schemaId;
          let payload = encoded.payload;
          if (corrupt > 0) {
            corrupt -= 1;
            payload = Buffer.from([0xff, 0xff, 0xff, 0xff]);
          }
          eventCount += 1;
          const id = `${idPrefix}${eventCount.toString(16).padStart(12, '0')}`;
          return { event: { id, schema_id: schemaId, payload, headers: [] }, replay_id: encodeReplayId(e.replayId) };
        });
        cursor = batch[batch.length - 1].replayId;
        pending -= batch.length;
        delivered += batch.length;
        sentSinceKeepalive = true;
        const more = call.write({ events, latest_replay_id: encodeReplayId(cursor), rpc_id: rpcId, pending_num_requested: pending });
        if (!more) {
          waitingForDrain = true;
          call.once('drain', () => {
            waitingForDrain = false;
            pump();
          });
        }
      }
    };
    const schedule = () => {
      if (scheduled || closed) return;
      scheduled = true;
      setImmediate(() => {
        try {
          pump();
        } catch (err) {
          close(rpcError(grpc.status.INTERNAL, 'sfdc.platform.eventbus.grpc.service.internal', (err as Error).message));
        }
      });
    };

    const keepalive = setInterval(() => {
      if (closed || topic === undefined || waitingForDrain) return;
      if (!sentSinceKeepalive) call.write({ events: [], latest_replay_id: encodeReplayId(cursor), rpc_id: rpcId, pending_num_requested: pending });
      sentSinceKeepalive = false;
    }, keepaliveMs);
    keepalive.unref();

    const start = (req: FetchRequest): grpc.ServiceError | undefined => {
      const name = req.topic_name;
      if (!name || !feed.channelExists(name)) return topicMissing(auth.orgId, name);
      const last = feed.log.lastReplayId(name);
      if (req.replay_preset === 'CUSTOM') {
        const id = decodeReplayId(req.replay_id);
        if (id === undefined) {
          return rpcError(grpc.status.INVALID_ARGUMENT, ERROR_CODES.replayCorrupted,
            'The Replay ID validation failed. Ensure that the replay_id field value in FetchRequest is valid and refers to an event that is within the retention window.');
        }
        // A valid place to resume: the newest id (even with no event retained, e.g. from a keepalive), a retained
        // one, or one whose next event is retained (nothing after it is lost).
        if (id > last || (id < last && !feed.log.retains(name, id) && !feed.log.retains(name, id + 1))) {
          return rpcError(grpc.status.INVALID_ARGUMENT, ERROR_CODES.replayInvalid,
            `The Replay ID is not valid or is outside the retention window of topic ${name}. Subscribe with LATEST or EARLIEST.`);
        }
        cursor = id;
      } else {
        cursor = req.replay_preset === 'EARLIEST' ? 0 : last;
      }
      topic = name;
      streams.add(call);
      unsubscribe = feed.onAppend((channel) => {
        if (channel === topic && pending > 0) schedule();
      });
      return undefined;
    };

    call.on('data', (req: FetchRequest) => {
      if (closed) return;
      if (topic === undefined) {
        const error = start(req);
        if (error) return close(error);
      } else if (req.topic_name && req.topic_name !== topic) {
        return close(rpcError(grpc.status.INVALID_ARGUMENT, ERROR_CODES.topicMismatch, `topic_name ${req.topic_name} does not match the subscription's topic ${topic}.`));
      }
      pending += Math.max(0, Math.min(req.num_requested, MAX_NUM_REQUESTED));
      schedule();
    });
    call.on('end', () => {
      close();
      call.end();
    });
    call.on('cancelled', () => close());
    call.on('error', () => close());
  };

  const server = new grpc.Server();
  server.addService(loadService(), service);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${options.host}:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  return {
    address: `${options.host}:${port}`,
    port,
    dropStreams: () => {
      const open = [...streams];
      for (const call of open) {
        call.emit('error', rpcError(grpc.status.UNAVAILABLE, ERROR_CODES.streamClosed, 'The stream was closed by the server.'));
        streams.delete(call);
      }
      return open.length;
    },
    stats: () => ({ streams: streams.size, delivered }),
    corruptNext: (count) => {
      corrupt = count;
    },
    close: () => new Promise<void>((resolve) => {
      for (const call of streams) call.emit('error', rpcError(grpc.status.UNAVAILABLE, ERROR_CODES.streamClosed, 'The server is shutting down.'));
      streams.clear();
      server.tryShutdown(() => resolve());
      setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, 1_000).unref();
    }),
  };
}
