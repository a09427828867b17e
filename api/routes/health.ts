// GET /health (no auth): whether Postgres and Temporal answer. 200 when both do, 503 otherwise.
import { Router } from 'express';
import type { ApiDeps } from '../app';

interface Probe {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

async function probe(timeoutMs: number, fn: () => Promise<unknown>): Promise<Probe> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
    ]);
    return { ok: true, latencyMs: Date.now() - started };
  } catch (err) {
    return { ok: false, latencyMs: Date.now() - started, error: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

export function createHealthRouter(deps: Pick<ApiDeps, 'pool' | 'temporal' | 'namespace'>): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const [postgres, temporal] = await Promise.all([
      probe(3000, () => deps.pool.query('SELECT 1')),
      probe(3000, () => deps.temporal.workflowService.describeNamespace({ namespace: deps.namespace })),
    ]);
    const ok = postgres.ok && temporal.ok;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', postgres, temporal });
  });
  return router;
}
