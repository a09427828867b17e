// POST /mappings/{object}/actions/{pause|resume|reload|sync-now|verify}: each one workflow Update, answered with the
// status the workflow reports after applying it. A refusal by the workflow's validator (e.g. reload before the
// initial load finished) is a 422 with the workflow's reason.
import { Router } from 'express';
import { pauseUpdate, reloadUpdate, resumeUpdate, syncNowUpdate, verifyUpdate } from '../../workflows/mapping/messages';
import type { ApiContext } from '../context';
import { readApiCalls24h } from '../mapping-telemetry';
import { mappingView, statusView } from '../mapping-view';
import { Problem } from '../problem';
import { paramRef } from './mappings';

export const ACTIONS = { pause: pauseUpdate, resume: resumeUpdate, reload: reloadUpdate, 'sync-now': syncNowUpdate, verify: verifyUpdate } as const;

export function createMappingActionsRouter(ctx: ApiContext): Router {
  const router = Router();
  router.post('/mappings/:object/actions/:action', async (req, res) => {
    const action = ACTIONS[req.params.action as keyof typeof ACTIONS];
    if (!action) throw new Problem(404, `Unknown action "${req.params.action}"; one of ${Object.keys(ACTIONS).join(', ')}`);
    const ref = paramRef(ctx, req);
    const status = await ctx.workflows.update(ref, (h) => h.executeUpdate(action));
    const used = await ctx.pg((pool) => readApiCalls24h(pool, [ref.mappingId]));
    res.json(mappingView(ref, status.config, statusView(status, { apiCalls24h: used.get(ref.mappingId) ?? 0 })));
  });
  return router;
}
