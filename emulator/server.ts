// ferry's Salesforce org emulator: one HTTP server that jsforce talks to exactly as to Salesforce.
//
//   /services/oauth2/token, /id/:org/:user         OAuth2 + identity (auth/)
//   /services/data                                   API versions
//   /services/data/v{version}/…                      faults → session → API charge → REST (rest/) and /jobs (bulk2/)
//   /services/async/{version}/…                      Bulk API 1.0 (bulk1/)
//   /cometd/{version}                                streaming (streaming/), intercepted before Express
//   host:pubsubPort (h2c gRPC, eventbus.v1)          Pub/Sub API over the same change-event log (pubsub/)
//   /__emulator/…                                    admin API (admin/), no auth, no faults
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import pino, { type Logger } from 'pino';
import { OrgApiAccounting } from './accounting.js';
import { EmulatorAdmin } from './admin/admin.js';
import { adminRouter } from './admin/admin-routes.js';
import { FaultInjector } from './admin/faults.js';
import { OrgTimeFaults } from './admin/org-time.js';
import { oauthRouter } from './auth/oauth-routes.js';
import { SessionStore } from './auth/sessions.js';
import { bulk1Router } from './bulk1/routes.js';
import { registerBulk2Routes } from './bulk2/routes.js';
import type { EmulatorContext, OrgStore, StreamingControl } from './contract.js';
import { applyCustomSchema, loadCustomSchemaFile } from './org/custom-schema.js';
import { standardObjects } from './org/standard-objects.js';
import { MemoryOrgStore } from './org/store.js';
import { apiRouter, versionsBody } from './rest/api-router.js';
import { QueryLocators } from './rest/query-routes.js';
import { startPubSubServer, type PubSubServer } from './pubsub/server.js';
import { attachStreaming } from './streaming/index.js';

export const EMULATOR_API_VERSION = '62.0';

export interface EmulatorOptions {
  /** 0 = an ephemeral port. */
  port?: number;
  /** Port of the Pub/Sub API (gRPC, h2c); 0 = an ephemeral port. */
  pubsubPort?: number;
  /** How often an idle Pub/Sub subscription gets a keepalive response (Salesforce: within 270 s). */
  pubsubKeepaliveMs?: number;
  host?: string;
  username?: string;
  password?: string;
  clientId?: string;
  clientSecret?: string;
  tokenLifetimeSeconds?: number;
  dailyApiRequests?: number;
  /** JSON file with custom objects and fields (format in org/custom-schema.ts). */
  schemaFile?: string;
  /** How long after its commit a streaming event is published (default 25 ms; see streaming/index.ts). */
  streamingPublishDelayMs?: number;
  /** Synthetic records to create at start, per object (e.g. { Account: 1000 }). */
  seed?: Record<string, number>;
  randomSeed?: number;
  /** The org's clock minus the machine's, in ms (admin/org-time.ts); default 0. */
  clockOffsetMs?: number;
  /** API writes become visible this long after taking their SystemModstamp (admin/org-time.ts); default 0. */
  commitDelayMs?: number;
  logger?: Logger;
}

export interface Emulator {
  url: string;
  port: number;
  context: EmulatorContext;
  org: OrgStore;
  admin: EmulatorAdmin;
  /** The org's clock offset and slow transactions. */
  orgTime: OrgTimeFaults;
  streaming?: StreamingControl;
  /** The Pub/Sub API server: `pubsubUrl` is http://host:port (h2c; Salesforce's is https://api.pubsub.salesforce.com:7443). */
  pubsub: PubSubServer;
  pubsubUrl: string;
  /** The credentials the emulator accepts (after defaults). */
  credentials: { username: string; password: string; clientId: string; clientSecret: string };
  close(): Promise<void>;
}

export const EMULATOR_DEFAULTS = {
  host: '127.0.0.1',
  username: 'ferry@example.com',
  password: 'ferry-password',
  clientId: 'ferry-client-id',
  clientSecret: 'ferry-client-secret',
  tokenLifetimeSeconds: 7200,
  dailyApiRequests: 15_000,
  randomSeed: 1,
} as const;

export async function createEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const o = { ...EMULATOR_DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) } as typeof EMULATOR_DEFAULTS & EmulatorOptions;
  const log = o.logger ?? pino({ level: 'silent' });
  let objects = standardObjects();
  if (o.schemaFile) objects = applyCustomSchema(objects, loadCustomSchemaFile(o.schemaFile));

  const orgTime = new OrgTimeFaults({ clockOffsetMs: o.clockOffsetMs, commitDelayMs: o.commitDelayMs });
  const org = new MemoryOrgStore({ objects, apiVersion: EMULATOR_API_VERSION, username: o.username, now: orgTime.now });
  orgTime.attach(org.clock);
  const sessions = new SessionStore(o.tokenLifetimeSeconds * 1000);
  const accounting = new OrgApiAccounting({ dailyApiRequests: o.dailyApiRequests });
  const faults = new FaultInjector(o.randomSeed);
  const locators = new QueryLocators();
  let baseUrl = '';
  // Streaming attaches to the HTTP server, which exists only after the admin (mounted on the app) is built.
  const surfaces: { streaming?: StreamingControl } = {};
  const context: EmulatorContext = { org, auth: sessions, accounting, apiVersion: EMULATOR_API_VERSION, baseUrl: () => baseUrl, streaming: () => surfaces.streaming, orgTime };
  const admin = new EmulatorAdmin({ org, accounting, sessions, faults, locators, randomSeed: o.randomSeed, streaming: () => surfaces.streaming });
  if (o.seed) admin.seed(o.seed);

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(orgTime.dateHeader());
  app.use(oauthRouter({ ctx: context, sessions, config: o, orgId: org.orgId, userId: org.userId }));
  app.get('/services/data', (_req, res) => {
    res.json(versionsBody(EMULATOR_API_VERSION));
  });
  app.use('/services/data/v:version', apiRouter({ ctx: context, accounting, faults, locators, registerBulk2: registerBulk2Routes, commitDelay: orgTime.commitDelay(org.clock) }));
  app.use('/services/async/:version', bulk1Router(context, accounting));
  app.use('/__emulator', orgTime.router());
  app.use('/__emulator', adminRouter(admin));
  // Every other path answers as Salesforce does: JSON NOT_FOUND, never an HTML page.
  app.use((_req, res) => {
    res.status(404).json([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  });

  const server = http.createServer(app);
  const streaming = attachStreaming(server, context, { publishDelayMs: o.streamingPublishDelayMs });
  const pubsub = await startPubSubServer(context, streaming.feed, { host: o.host, port: o.pubsubPort ?? 0, keepaliveMs: o.pubsubKeepaliveMs });
  // The admin's stream faults reach both transports: a drop ends CometD clients and Pub/Sub streams alike.
  surfaces.streaming = {
    ...streaming,
    dropAllClients: () => {
      streaming.dropAllClients();
      pubsub.dropStreams();
    },
    stats: () => ({ ...streaming.stats(), pubsub: pubsub.stats() }),
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://${o.host}:${port}`;
  const pubsubUrl = `http://${pubsub.address}`;
  log.info({ url: baseUrl, pubsub: pubsubUrl }, 'ferry emulator listening');

  return {
    url: baseUrl,
    port,
    context,
    org,
    admin,
    orgTime,
    streaming: surfaces.streaming,
    pubsub,
    pubsubUrl,
    credentials: { username: o.username, password: o.password, clientId: o.clientId, clientSecret: o.clientSecret },
    close: async () => {
      admin.stopMutating();
      await streaming.close();
      await pubsub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
