// The HTTP API as an Express app, built from its dependencies so tests can drive it without listening.
// It is stateless: mapping state lives in Temporal and Postgres, so several API processes can share a load balancer.
import express, { type Express } from 'express';
import type { Client } from '@temporalio/client';
import type { Pool } from '../infra/db';
import type { Logger } from '../infra/logger';
import { createHealthRouter } from './routes/health';

export interface ApiDeps {
  pool: Pool;
  temporal: Client;
  namespace: string;
  log: Logger;
}

export function buildApp(deps: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(createHealthRouter(deps));
  return app;
}
