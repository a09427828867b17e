// Mapping lifecycle: create, list, read, reconfigure, delete. Configuration travels in the Heroku Connect
// export entry shape; status comes from the workflow's query plus live figures from Postgres.
import { Router, type Request } from 'express';
import { parseMappingEntry } from '../../domain/mapping-config';
import { applyConfigPatch } from '../../domain/mapping-patch';
import { ConfigError } from '../../domain/mapping-rules';
import { reconfigureUpdate } from '../../workflows/mapping/messages';
import { bodyIssues, patchFromBody } from '../config-patch-body';
import type { ApiContext } from '../context';
import { identityOfConfig } from '../../domain/mapping-id';
import { refOfParam, type MappingRef } from '../mapping-ids';
import { forgetMapping, postgresNow, readMappingFigures, readOverview } from '../mapping-overview';
import { readApiCalls24h } from '../mapping-telemetry';
import { initialStatus, mappingView, statusView } from '../mapping-view';
import { checkAgainstOrg } from '../org-validation';
import { Problem, badConfig, objectBody } from '../problem';

export function paramRef(ctx: ApiContext, req: Request): MappingRef {
  return refOfParam(String(req.params.object), ctx.schema);
}

/** Validates an entry (syntax, then against the org) and starts its workflow; the view of the new mapping. */
export async function createMapping(ctx: ApiContext, entry: unknown) {
  const parsed = parseMappingEntry(objectBody(entry, 'a Heroku Connect mapping entry {"object_name": …, "config": {…}}'), ctx.schema);
  const checked = await checkAgainstOrg(ctx.org, parsed);
  if (!checked.config) throw badConfig(checked.issues);
  const ref = identityOfConfig(checked.config);
  // Before the start: with Postgres down nothing is started (a 503 after a start would mislead the caller).
  const [used, before] = await ctx.pg((pool) => Promise.all([readApiCalls24h(pool, [ref.mappingId]), postgresNow(pool)]));
  await ctx.workflows.start(ref, checked.config);
  // A status or journal left by an earlier mapping of the same table must not show as this one's.
  await ctx.pg((pool) => forgetMapping(pool, ref.mappingId, before));
  return mappingView(ref, checked.config, statusView(initialStatus(checked.config), { apiCalls24h: used.get(ref.mappingId) ?? 0 }));
}

export async function readMapping(ctx: ApiContext, ref: MappingRef) {
  const status = await ctx.workflows.status(ref);
  const f = (await ctx.pg((pool) => readMappingFigures(pool, [ref.mappingId]))).get(ref.mappingId)!;
  return mappingView(ref, status.config, statusView(status, { loadProgress: f.loadProgress, apiCalls24h: f.apiCalls24h, problem: f.problem }));
}

/** PATCH /mappings/{object}: validates the patch (syntax, then against the org for fields and access), applies it by Update. */
export async function reconfigureMapping(ctx: ApiContext, ref: MappingRef, reqBody: unknown) {
  const current = await ctx.workflows.status(ref);
  const patch = patchFromBody(reqBody, current.config.objectName);
  let next;
  try {
    next = applyConfigPatch(current.config, patch);
  } catch (err) {
    if (err instanceof ConfigError) throw badConfig(bodyIssues(err.issues));
    throw err;
  }
  if (patch.fields !== undefined || patch.access !== undefined || typeof patch.sfFilter === 'string') {
    const checked = await checkAgainstOrg(ctx.org, next);
    if (!checked.config) throw badConfig(checked.issues);
    if (patch.fields !== undefined) patch.fields = checked.config.fields;
  }
  const config = await ctx.workflows.update(ref, (h) => h.executeUpdate(reconfigureUpdate, { args: [patch] }));
  const used = await ctx.pg((pool) => readApiCalls24h(pool, [ref.mappingId]));
  const status = await ctx.workflows.status(ref);
  return mappingView(ref, config, statusView(status, { apiCalls24h: used.get(ref.mappingId) ?? 0 }));
}

export function createMappingsRouter(ctx: ApiContext): Router {
  const router = Router();

  router.post('/mappings', async (req, res) => {
    const view = await createMapping(ctx, req.body);
    res.status(201).location(`/mappings/${encodeURIComponent(view.config.schema === ctx.schema ? view.object_name : `${view.config.schema}.${view.object_name}`)}`).json(view);
  });

  router.get('/mappings', async (_req, res) => {
    // One visibility listing and one SQL read for all mappings (api/mapping-overview.ts).
    const entries = await readOverview(ctx);
    const mappings = entries.map(({ listed: m, status: s, figures: f }) => {
      const live = { loadProgress: f.loadProgress, apiCalls24h: f.apiCalls24h, problem: f.problem };
      if (s) return mappingView(m.ref, s.config, statusView(s, live));
      // The workflow did not answer (no worker?): still list it, with what visibility knows.
      return { object_name: m.ref.objectName, mapping_id: m.ref.mappingId, workflow_id: m.ref.workflowId,
        status: { state: m.state, label: null, unavailable: 'the workflow did not answer its status query in time', load_progress: live.loadProgress ?? null, api_calls: { used_24h: live.apiCalls24h },
          current_problem: live.problem } };
    });
    res.json({ mappings, count: mappings.length });
  });

  router.get('/mappings/:object', async (req, res) => {
    res.json(await readMapping(ctx, paramRef(ctx, req)));
  });

  router.patch('/mappings/:object', async (req, res) => {
    res.json(await reconfigureMapping(ctx, paramRef(ctx, req), req.body));
  });

  router.delete('/mappings/:object', async (req, res) => {
    const ref = paramRef(ctx, req);
    const dropTable = req.query.drop_table === 'true';
    if (req.query.drop_table !== undefined && !['true', 'false'].includes(String(req.query.drop_table))) {
      throw new Problem(400, 'drop_table must be true or false');
    }
    const status = await ctx.workflows.status(ref);
    const removed = await ctx.workflows.delete(ref, dropTable);
    // The workflow has completed: what it published for the overview goes too.
    await ctx.pg((pool) => forgetMapping(pool, ref.mappingId));
    res.json({ object_name: status.config.objectName, mapping_id: ref.mappingId, deleted: true, table: `${ref.schema}.${removed.table}`, table_dropped: dropTable });
  });

  return router;
}
