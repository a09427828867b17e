// The HTTP API as an Express app, built from its dependencies so tests can drive it over a real socket.
// It is stateless: mapping state lives in Temporal and Postgres, so several API processes can share a load balancer.
//
//   /health (no auth) → /console (its own sign-in: session cookie + CSRF, see api/console/) → bearer token
//   → JSON body (≤ 1 MB) → routes → problem+json errors
import express, { type Express, type RequestHandler } from 'express';
import { requireBearerToken } from './auth';
import { createConsoleRouter } from './console/router';
import { createContext, type ApiDeps } from './context';
import { Problem, notFoundHandler, problemHandler } from './problem';
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
      log.info({ method: req.method, path: req.path, status: res.statusCode, ms: Number(process.hrtime.bigint() - started) / 1e6 }, 'request');
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

export function buildApp(deps: ApiDeps): Express {
  const ctx = createContext(deps);
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(accessLog(deps.log));
  app.use(createHealthRouter(deps));
  app.use(createConsoleRouter(ctx, { apiToken: deps.apiToken, temporalUiUrl: deps.temporalUiUrl, namespace: deps.namespace }));
  app.use(requireBearerToken(deps.apiToken));
  app.use(express.json({ limit: MAX_BODY_BYTES, type: ['application/json', 'application/*+json'] }));
  app.use(requireJsonBody);
  app.use(createOpenApiRouter());
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
