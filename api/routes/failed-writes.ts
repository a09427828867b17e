// Writes Salesforce refused (outbound): list them per mapping or for every mapping, retry one (queued again
// from the row as it is now) or ignore it. The work is store/failed-writes.ts; this maps its
// outcomes to HTTP: not_found → 404, an entry no longer FAILED or whose row is gone → 409.
import { Router, type Request } from 'express';
import { ignoreFailedWrite, listFailedWrites, retryFailedWrite, type FailedWrite, type FailedWriteOutcome } from '../../store/failed-writes';
import type { ApiContext } from '../context';
import { Problem } from '../problem';
import { paramRef } from './mappings';

const MAX_LIMIT = 500;

function page(req: Request): { limit: number; offset: number } {
  const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
  const offset = req.query.offset === undefined ? 0 : Number(req.query.offset);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new Problem(400, `limit must be a whole number from 1 to ${MAX_LIMIT}`);
  if (!Number.isInteger(offset) || offset < 0) throw new Problem(400, 'offset must be a whole number ≥ 0');
  return { limit, offset };
}

function entryId(req: Request): number {
  const id = Number(req.params.id);
  if (!Number.isSafeInteger(id) || id < 1) throw new Problem(404, `No failed write ${String(req.params.id)}`);
  return id;
}

export function failedWriteView(w: FailedWrite) {
  return {
    id: w.id, mapping_id: w.mappingId, table: w.table, record_id: w.recordId, sfid: w.sfid, action: w.action,
    values: w.values, error: w.error, at: w.at,
  };
}

function outcomeBody(o: FailedWriteOutcome, mappingId: string) {
  if (o.ok) return { id: o.id, mapping_id: mappingId, state: o.state, ...(o.requeuedAs !== undefined ? { requeued_as: o.requeuedAs } : {}) };
  if (o.reason === 'not_found') throw new Problem(404, `No failed write ${o.id} for ${mappingId}`, undefined, '/problems/failed-write-not-found');
  if (o.reason === 'not_failed') throw new Problem(409, `Write ${o.id} is ${o.state ?? 'no longer FAILED'}, not FAILED: there is nothing to retry or ignore`, undefined, '/problems/failed-write-settled');
  throw new Problem(409, `The row of write ${o.id} no longer exists, so there is nothing to send again`, undefined, '/problems/failed-write-row-deleted');
}

export function createFailedWritesRouter(ctx: ApiContext): Router {
  const router = Router();

  router.get('/errors', async (req, res) => {
    const p = page(req);
    const writes = await ctx.pg((pool) => listFailedWrites(pool, p));
    res.json({ errors: writes.map(failedWriteView), limit: p.limit, offset: p.offset });
  });

  router.get('/mappings/:object/errors', async (req, res) => {
    const ref = paramRef(ctx, req);
    const p = page(req);
    await ctx.workflows.running(ref);
    const writes = await ctx.pg((pool) => listFailedWrites(pool, { mappingId: ref.mappingId, ...p }));
    res.json({ errors: writes.map(failedWriteView), limit: p.limit, offset: p.offset });
  });

  router.post('/mappings/:object/errors/:id/:action', async (req, res) => {
    const act = req.params.action === 'retry' ? retryFailedWrite : req.params.action === 'ignore' ? ignoreFailedWrite : undefined;
    if (!act) throw new Problem(404, `Unknown action "${req.params.action}" on a failed write; one of retry, ignore`);
    const ref = paramRef(ctx, req);
    const id = entryId(req);
    await ctx.workflows.running(ref);
    const outcome = await ctx.pg((pool) => act(pool, ref.mappingId, id));
    res.json(outcomeBody(outcome, ref.mappingId));
  });

  return router;
}
