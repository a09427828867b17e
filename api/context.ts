// What every route receives: the process's clients wrapped with deadlines. Built once per app from ApiDeps.
import type { Client } from '@temporalio/client';
import type { SalesforceSessions } from '../salesforce/session';
import { DEFAULT_SCHEMA } from '../domain/mapping-rules';
import { DEFAULT_TASK_QUEUE } from '../infra/config';
import type { Pool } from '../infra/db';
import type { Logger } from '../infra/logger';
import type { Readiness } from './readiness';
import { MappingWorkflows } from './mapping-workflows';
import { OrgClient } from './salesforce-org';
import { DEFAULT_DEADLINES, callPostgres, type Deadlines } from './upstream';

export interface ApiDeps {
  pool: Pool;
  temporal: Client;
  namespace: string;
  log: Logger;
  /** Task queue the ferry workers poll (TEMPORAL_TASK_QUEUE); mappings are started and listed on it. */
  taskQueue?: string;
  /** Bearer token every request but /health must carry; without one, those requests are refused. */
  apiToken?: string;
  /** The org the API validates mappings against; absent when no org is configured. */
  salesforce?: SalesforceSessions;
  /** Schema of mappings that name none (FERRY_SCHEMA). */
  schema?: string;
  deadlines?: Partial<Deadlines>;
  /** Calls to the org this process may start per minute (describes, counts, identity); default 60. */
  orgCallsPerMinute?: number;
  /** FERRY_INSTANCE_ID, reported by /health and /ready. */
  instanceId?: string;
  /** Shared probes (the server passes its own; tests may too); built from the deps when absent. */
  readiness?: Readiness;
  /** The Temporal Web UI's base URL (TEMPORAL_UI_URL); the console links each mapping's workflow there. */
  temporalUiUrl?: string;
}

export interface ApiContext {
  pool: Pool;
  log: Logger;
  schema: string;
  taskQueue: string;
  workflows: MappingWorkflows;
  org: OrgClient;
  /** Runs a Postgres call under the deadline; an outage becomes 503. */
  pg<T>(fn: (pool: Pool) => Promise<T>): Promise<T>;
}

export function createContext(deps: ApiDeps): ApiContext {
  const deadlines = { ...DEFAULT_DEADLINES, ...deps.deadlines };
  const taskQueue = deps.taskQueue ?? DEFAULT_TASK_QUEUE;
  return {
    pool: deps.pool,
    log: deps.log,
    schema: deps.schema ?? DEFAULT_SCHEMA,
    taskQueue,
    workflows: new MappingWorkflows(deps.temporal, taskQueue, deadlines.temporalMs, deps.readiness && (() => deps.readiness!.workerPresent())),
    org: new OrgClient(deps.salesforce, deadlines.salesforceMs, { pool: deps.pool, perMinute: deps.orgCallsPerMinute }),
    pg: (fn) => callPostgres(deadlines.postgresMs, () => fn(deps.pool)),
  };
}
