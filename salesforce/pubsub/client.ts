// ferry's Pub/Sub API client: a thin layer on @grpc/grpc-js, @grpc/proto-loader and avsc.
//
// Authentication is ferry's own Salesforce session (accesstoken, instanceurl, tenantid metadata, the tenant
// being the org id that heads every access token), so a renewed session is picked up by the next call. Schemas
// are fetched once per schema id and kept. Subscribe is exposed as it is on the wire — the caller sends
// FetchRequests itself — so flow control stays with whoever knows how much Postgres can absorb.
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import avro from 'avsc';
import type { AvroRecordSchema } from './cdc-decode';

export const SALESFORCE_PUBSUB_URL = 'https://api.pubsub.salesforce.com:7443';
/** The most events a subscriber may have requested and not yet received (Salesforce's documented limit). */
export const MAX_NUM_REQUESTED = 100;

export interface PubSubSession {
  accessToken: string;
  instanceUrl: string;
}

export type ReplayPreset = 'LATEST' | 'EARLIEST' | 'CUSTOM';

export interface FetchRequest {
  topic_name?: string;
  replay_preset?: ReplayPreset;
  replay_id?: Buffer;
  num_requested: number;
}

export interface ConsumerEvent {
  event: { id: string; schema_id: string; payload: Buffer };
  replay_id: Buffer;
}

export interface FetchResponse {
  events: ConsumerEvent[];
  latest_replay_id: Buffer;
  rpc_id: string;
  pending_num_requested: number;
}

export interface EventSchema {
  id: string;
  type: avro.Type;
  schema: AvroRecordSchema;
}

/** A failed RPC: gRPC status, Salesforce's `error-code` trailer, and the message without noise. */
export class PubSubError extends Error {
  constructor(readonly code: grpc.status, readonly errorCode: string | undefined, message: string) {
    super(message);
    this.name = 'PubSubError';
  }

  static from(err: unknown): PubSubError {
    if (err instanceof PubSubError) return err;
    const e = err as Partial<grpc.ServiceError>;
    const trailer = e.metadata?.get('error-code')[0];
    return new PubSubError(e.code ?? grpc.status.UNKNOWN, trailer === undefined ? undefined : String(trailer), e.details ?? e.message ?? String(err));
  }

  get unauthenticated(): boolean {
    return this.code === grpc.status.UNAUTHENTICATED || /auth/.test(this.errorCode ?? '');
  }

  get topicNotFound(): boolean {
    return this.code === grpc.status.NOT_FOUND || /topic\.not\.?found/.test(this.errorCode ?? '');
  }

  get badReplayId(): boolean {
    return /replayid/i.test(this.errorCode ?? '');
  }
}

type Unary<Req, Res> = (req: Req, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: Res) => void) => void;
interface PubSubStub extends grpc.Client {
  GetTopic: Unary<{ topic_name: string }, { topic_name: string; schema_id: string; can_subscribe: boolean }>;
  GetSchema: Unary<{ schema_id: string }, { schema_id: string; schema_json: string }>;
  Subscribe(md: grpc.Metadata): grpc.ClientDuplexStream<FetchRequest, FetchResponse>;
}

let stubClass: (new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions) => PubSubStub) | undefined;

function loadStub() {
  if (!stubClass) {
    const definition = protoLoader.loadSync(join(__dirname, 'pubsub_api.proto'), {
      keepCase: true, longs: Number, enums: String, bytes: Buffer, defaults: true,
    });
    const pkg = grpc.loadPackageDefinition(definition) as unknown as { eventbus: { v1: { PubSub: typeof stubClass } } };
    stubClass = pkg.eventbus.v1.PubSub;
  }
  return stubClass!;
}

/** The org id an access token starts with (`00D…!…`), which Salesforce takes as the tenant id. */
export function tenantOf(accessToken: string): string {
  const bang = accessToken.indexOf('!');
  if (bang < 15) throw new PubSubError(grpc.status.UNAUTHENTICATED, undefined, 'the access token does not start with an org id');
  return accessToken.slice(0, bang);
}

export class PubSubClient {
  private readonly stub: PubSubStub;
  private readonly schemas = new Map<string, Promise<EventSchema>>();

  /** `url`: https://host:port (TLS, Salesforce) or http://host:port (h2c, ferry's emulator). */
  constructor(url: string, private readonly session: () => Promise<PubSubSession>) {
    const parsed = new URL(url);
    const secure = parsed.protocol === 'https:';
    const port = parsed.port || (secure ? '443' : '80');
    const Stub = loadStub();
    this.stub = new Stub(`${parsed.hostname}:${port}`, secure ? grpc.credentials.createSsl() : grpc.credentials.createInsecure(), {
      // A quiet subscription still proves the connection alive; Salesforce also sends an empty response
      // within 270 s.
      'grpc.keepalive_time_ms': 60_000,
      'grpc.keepalive_timeout_ms': 20_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    });
  }

  async metadata(): Promise<{ metadata: grpc.Metadata; accessToken: string }> {
    const s = await this.session();
    const md = new grpc.Metadata();
    md.set('accesstoken', s.accessToken);
    md.set('instanceurl', s.instanceUrl);
    md.set('tenantid', tenantOf(s.accessToken));
    return { metadata: md, accessToken: s.accessToken };
  }

  async getTopic(topic: string): Promise<{ topicName: string; schemaId: string; canSubscribe: boolean }> {
    const { metadata } = await this.metadata();
    const r = await new Promise<{ topic_name: string; schema_id: string; can_subscribe: boolean }>((resolve, reject) => {
      this.stub.GetTopic({ topic_name: topic }, metadata, (err, res) => (err ? reject(PubSubError.from(err)) : resolve(res)));
    });
    return { topicName: r.topic_name, schemaId: r.schema_id, canSubscribe: r.can_subscribe };
  }

  /** The schema `schemaId` names, fetched once and kept (a failed fetch is not kept). */
  schema(schemaId: string): Promise<EventSchema> {
    let found = this.schemas.get(schemaId);
    if (!found) {
      found = this.fetchSchema(schemaId);
      this.schemas.set(schemaId, found);
      found.catch(() => this.schemas.delete(schemaId));
    }
    return found;
  }

  /** Opens a Subscribe stream; the caller writes FetchRequests (the first names topic and start). */
  async subscribe(): Promise<{ stream: grpc.ClientDuplexStream<FetchRequest, FetchResponse>; accessToken: string }> {
    const { metadata, accessToken } = await this.metadata();
    return { stream: this.stub.Subscribe(metadata), accessToken };
  }

  close(): void {
    this.stub.close();
  }

  private async fetchSchema(schemaId: string): Promise<EventSchema> {
    const { metadata } = await this.metadata();
    const info = await new Promise<{ schema_json: string }>((resolve, reject) => {
      this.stub.GetSchema({ schema_id: schemaId }, metadata, (err, res) => (err ? reject(PubSubError.from(err)) : resolve(res)));
    });
    const schema = JSON.parse(info.schema_json) as AvroRecordSchema;
    return { id: schemaId, schema, type: avro.Type.forSchema(schema as unknown as avro.Schema) };
  }
}
