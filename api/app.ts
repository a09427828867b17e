// The HTTP API as an Express app, built from its dependencies so tests can drive it over a real socket.
// It is stateless: mapping state lives in Temporal and Postgres, so several API processes can share a load balancer.
//
//   /health, /ready (no auth) → /console (its own sign-in: session cookie + CSRF, see api/console/) → bearer
//   token → schema gate (503 until migrated) → JSON body (≤ 1 MB) → routes → problem+json errors
import express, { type Express, type RequestHandler } from 'express';
import { requireBearerToken } from './auth';
import { createConsoleRouter } from './console/router';
import { createContext, type ApiDeps } from './context';
import { Problem, notFoundHandler, problemHandler, schemaNotReady } from './problem';
import { Readiness } from './readiness';
import { DEFAULT_TASK_QUEUE } from '../infra/config';
import { createConnectionRouter } from './routes/connection';
import { createConfigTransferRouter } from './routes/config-transfer';
import { createEstimateRouter } from './routes/estimate';
import { createFailedWritesRouter } from './routes/failed-writes';
import { createHealthRouter } from './routes/health';
import { createMappingActionsRouter } from './routes/mapping-actions';
import { createMappingsRouter } from './routes/mappings';
import { createMetricsRouter } from './routes/metrics';
import { createOpenApiRouter } from './routes/openapi';

export type { ApiDeps } from './context';

export const MAX_BODY_BYTES = 1024 * 1024;

/** One line per request: method, path (no query string, which may hold ids), status, duration; never headers. */
function accessLog(log: ApiDeps['log']): RequestHandler {
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const line = { method: req.method, path: req.path, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 };
      // Probes arrive every few seconds from every load balancer and supervisor: debug level only.
      if (req.path === '/health' || req.path === '/ready') log.debug(line, 'request');
      else log.info(line, 'request');
    });
    next();
  };
}

/** A body in another format would otherwise arrive as "no body" and be misreported as a missing config. */
const requireJsonBody: RequestHandler = (req, _res, next) => {
  const hasBody = Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
  if (hasBody && !req.is(['application/json', 'application/*+json'])) {
    next(new Problem(415, `Send the request body as application/json (got ${req.get('content-type') ?? 'no Content-Type'})`));
    return;
  }
  next();
};

/**
 * Until every migration is applied (by the API at start, a worker, or a one-shot migrate step), requests answer
 * 503 with Retry-After instead of failing on a missing table. Once complete, the check costs nothing.
 */
function requireSchema(readiness: Readiness): RequestHandler {
  return (_req, _res, next) => {
    // Postgres unreachable: the route itself answers with the outage (503 naming Postgres).
    readiness.schema().then((s) => next(s.ok || s.unreachable ? undefined : schemaNotReady(s.pending)), next);
  };
}

export function buildApp(deps: ApiDeps): Express {
  const readiness = deps.readiness
    ?? new Readiness({ pool: deps.pool, temporal: deps.temporal, namespace: deps.namespace, taskQueue: deps.taskQueue ?? DEFAULT_TASK_QUEUE }, Math.min(3000, deps.deadlines?.postgresMs ?? 3000));
  const ctx = createContext({ ...deps, readiness });
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(accessLog(deps.log));
  app.use(createHealthRouter(readiness, deps.instanceId));
  app.use(createConsoleRouter(ctx, { apiToken: deps.apiToken, temporalUiUrl: deps.temporalUiUrl, namespace: deps.namespace }));
  app.use(requireBearerToken(deps.apiToken));
  app.use(createOpenApiRouter());
  app.use(requireSchema(readiness));
  app.use(express.json({ limit: MAX_BODY_BYTES, type: ['application/json', 'application/*+json'] }));
  app.use(requireJsonBody);
  app.use(createMappingsRouter(ctx));
  app.use(createMappingActionsRouter(ctx));
  app.use(createFailedWritesRouter(ctx));
  app.use(createEstimateRouter(ctx));
  app.use(createConnectionRouter(ctx));
  app.use(createConfigTransferRouter(ctx));
  app.use(createMetricsRouter(ctx));
  app.use(notFoundHandler);
  app.use(problemHandler(deps.log));
  return app;
}
