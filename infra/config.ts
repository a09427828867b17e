// The one place ferry reads its environment. Everything else receives a FerryConfig.
// A missing or malformed variable stops the process with one line naming it and what is expected.
import { z } from 'zod';
import { DEFAULT_SCHEMA, reservedSchemaReason } from '../domain/mapping-rules';
import { resolveLogFormat, type LogFormat } from './logger';

/** The task queue ferry's workers poll and the API starts mappings on, unless TEMPORAL_TASK_QUEUE names another. */
export const DEFAULT_TASK_QUEUE = 'ferry';

const port = z.coerce.number().int().min(1).max(65535);
const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`);

const envSchema = z.object({
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'host:port, e.g. 127.0.0.1:7233').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  SF_LOGIN_URL: url(['http:', 'https:']).optional(),
  SF_USERNAME: z.string().min(1).optional(),
  SF_PASSWORD: z.string().min(1).optional(),
  SF_CLIENT_ID: z.string().min(1).optional(),
  SF_CLIENT_SECRET: z.string().min(1).optional(),
  SF_PUBSUB_URL: url(['http:', 'https:']).optional(),
  SF_API_VERSION: z.string().regex(/^\d{2}\.0$/, 'a Salesforce API version such as 62.0').default('62.0'),
  TEMPORAL_UI_URL: url(['http:', 'https:']).optional(),
  API_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  PORT: port.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  FERRY_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]*$/, 'a lower-case Postgres schema name')
    .refine((s) => reservedSchemaReason(s) === undefined, 'an ordinary user schema (not ferry, information_schema or pg_*)').default(DEFAULT_SCHEMA),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  FERRY_INSTANCE_ID: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, ".", "_" or "-" (at most 64)').optional(),
  FERRY_WORKFLOW_BUNDLE: z.string().min(1).optional(),
  FERRY_WORKER_HEALTH_FILE: z.string().min(1).optional(),
  FERRY_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(60),
});

export interface SalesforceCredentials {
  loginUrl: string;
  clientId: string;
  clientSecret: string;
  /** Absent for the client-credentials flow. */
  username?: string;
  password?: string;
  apiVersion: string;
  /** The Pub/Sub API (gRPC): https://api.pubsub.salesforce.com:7443 unless SF_PUBSUB_URL says otherwise (http:// = h2c). */
  pubsubUrl?: string;
}

export interface FerryConfig {
  databaseUrl: string;
  temporal: { address: string; namespace: string; taskQueue: string; uiUrl?: string };
  /** Undefined when no org is configured (the worker then syncs nothing). */
  salesforce?: SalesforceCredentials;
  apiVersion: string;
  apiToken?: string;
  http: { port: number; host: string };
  schema: string;
  logLevel: string;
  logFormat: LogFormat;
  /** Names this deployment in /health, /ready and the worker's Temporal identity (npm start sets one per start). */
  instanceId?: string;
  /** A workflow bundle built ahead of time (the container image builds one); the worker bundles at start without it. */
  workflowBundle?: string;
  /** A file the worker touches every few seconds while it polls Temporal (the container's health check reads it). */
  workerHealthFile?: string;
  /** On SIGTERM, how long running activities may finish before they are cancelled (their attempt then retries elsewhere). */
  shutdownGraceSeconds: number;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Validates an environment (process.env by default) into a frozen FerryConfig; throws ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<FerryConfig> {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0]);
    const expected = issue.code === 'invalid_type' && cleaned[name] === undefined ? 'it is required' : issue.message;
    throw new ConfigError(`${name}: ${expected}`);
  }
  const e = parsed.data;
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    temporal: { address: e.TEMPORAL_ADDRESS, namespace: e.TEMPORAL_NAMESPACE, taskQueue: e.TEMPORAL_TASK_QUEUE, uiUrl: e.TEMPORAL_UI_URL },
    salesforce: salesforceCredentials(e),
    apiVersion: e.SF_API_VERSION,
    apiToken: e.API_TOKEN,
    http: { port: e.PORT, host: e.HOST },
    schema: e.FERRY_SCHEMA,
    logLevel: e.LOG_LEVEL,
    logFormat: resolveLogFormat(e.LOG_FORMAT),
    instanceId: e.FERRY_INSTANCE_ID,
    workflowBundle: e.FERRY_WORKFLOW_BUNDLE,
    workerHealthFile: e.FERRY_WORKER_HEALTH_FILE,
    shutdownGraceSeconds: e.FERRY_SHUTDOWN_GRACE_SECONDS,
  });
}

type Env = z.infer<typeof envSchema>;

function salesforceCredentials(e: Env): SalesforceCredentials | undefined {
  const given = (['SF_LOGIN_URL', 'SF_USERNAME', 'SF_PASSWORD', 'SF_CLIENT_ID', 'SF_CLIENT_SECRET'] as const).filter((k) => e[k] !== undefined);
  if (given.length === 0) return undefined;
  for (const k of ['SF_LOGIN_URL', 'SF_CLIENT_ID', 'SF_CLIENT_SECRET'] as const) {
    if (e[k] === undefined) throw new ConfigError(`${k}: it is required when ${given.join(', ')} ${given.length > 1 ? 'are' : 'is'} set`);
  }
  if ((e.SF_USERNAME === undefined) !== (e.SF_PASSWORD === undefined)) {
    const missing = e.SF_USERNAME === undefined ? 'SF_USERNAME' : 'SF_PASSWORD';
    throw new ConfigError(`${missing}: it is required with ${missing === 'SF_USERNAME' ? 'SF_PASSWORD' : 'SF_USERNAME'} (or set neither for the client-credentials flow)`);
  }
  return {
    loginUrl: e.SF_LOGIN_URL!.replace(/\/$/, ''),
    clientId: e.SF_CLIENT_ID!,
    clientSecret: e.SF_CLIENT_SECRET!,
    username: e.SF_USERNAME,
    password: e.SF_PASSWORD,
    apiVersion: e.SF_API_VERSION,
    pubsubUrl: e.SF_PUBSUB_URL,
  };
}

/** Entry points call this: a config error prints one line and exits 2 — never a stack trace. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Readonly<FerryConfig> {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ferry: configuration error: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/** Every environment variable ferry reads (the compose file and README are checked against this list). */
export const CONFIG_ENV_VARS: readonly string[] = Object.keys(envSchema.shape);
