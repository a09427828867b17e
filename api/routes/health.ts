// GET /health and GET /ready (no auth).
//   /health  liveness: answers 200 whenever this process serves HTTP, and reports each dependency — Postgres,
//            Temporal, the ferry worker (polling the task queue) and ferry's schema — with `status` "ok" or
//            "degraded". A liveness probe that failed while Postgres was down would only restart healthy APIs.
//   /ready   readiness: 200 only when the schema is migrated, Postgres and Temporal answer and a worker polls
//            the task queue; otherwise 503 with Retry-After, naming what is missing. Load balancers, compose,
//            Kubernetes and `npm start` wait on it.
// Both carry `instance` (FERRY_INSTANCE_ID) so a caller can tell this deployment from another on the same port.
import { Router } from 'express';
import type { Readiness, Report } from '../readiness';

export const READY_RETRY_AFTER_S = 5;

function problems(r: Report): string[] {
  const out: string[] = [];
  if (!r.schema.ok) out.push(`ferry's schema: ${r.schema.error ?? 'not migrated'}`);
  if (!r.postgres.ok) out.push(`Postgres: ${r.postgres.error}`);
  if (!r.temporal.ok) out.push(`Temporal: ${r.temporal.error}`);
  if (!r.worker.ok) out.push(`worker: ${r.worker.error}`);
  return out;
}

export function createHealthRouter(readiness: Readiness, instanceId: string | undefined): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const r = await readiness.report();
    const ok = r.postgres.ok && r.temporal.ok && r.worker.ok && r.schema.ok;
    res.status(200).json({ status: ok ? 'ok' : 'degraded', instance: instanceId ?? null, postgres: r.postgres, temporal: r.temporal, worker: r.worker, schema: r.schema });
  });
  router.get('/ready', async (_req, res) => {
    const r = await readiness.report();
    const missing = problems(r);
    const checks = { schema: r.schema, postgres: r.postgres, temporal: r.temporal, worker: r.worker };
    if (missing.length === 0) {
      res.status(200).json({ ready: true, instance: instanceId ?? null, checks });
      return;
    }
    res.status(503).set('Retry-After', String(READY_RETRY_AFTER_S))
      .json({ ready: false, instance: instanceId ?? null, detail: `not ready: ${missing.join('; ')}`, checks });
  });
  return router;
}
