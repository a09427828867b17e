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
import { readApiCalls24h, readLoadProgress } from '../mapping-telemetry';
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
  const used = await ctx.pg((pool) => readApiCalls24h(pool, [ref.mappingId]));
  await ctx.workflows.start(ref, checked.config);
  return mappingView(ref, checked.config, statusView(initialStatus(checked.config), { apiCalls24h: used.get(ref.mappingId) ?? 0 }));
}

export async function readMapping(ctx: ApiContext, ref: MappingRef) {
  const status = await ctx.workflows.status(ref);
  const [progress, used] = await ctx.pg((pool) => Promise.all([readLoadProgress(pool, [ref.mappingId]), readApiCalls24h(pool, [ref.mappingId])]));
  return mappingView(ref, status.config, statusView(status, { loadProgress: progress.get(ref.mappingId), apiCalls24h: used.get(ref.mappingId) ?? 0 }));
}

export function createMappingsRouter(ctx: ApiContext): Router {
  const router = Router();

  router.post('/mappings', async (req, res) => {
    const view = await createMapping(ctx, req.body);
    res.status(201).location(`/mappings/${encodeURIComponent(view.config.schema === ctx.schema ? view.object_name : `${view.config.schema}.${view.object_name}`)}`).json(view);
  });

  router.get('/mappings', async (_req, res) => {
    const listed = await ctx.workflows.list();
    const ids = listed.map((m) => m.ref.mappingId);
    const [statuses, [progress, used]] = await Promise.all([
      Promise.all(listed.map((m) => ctx.workflows.statusOrNull(m.ref))),
      ctx.pg((pool) => Promise.all([readLoadProgress(pool, ids), readApiCalls24h(pool, ids)])),
    ]);
    const mappings = listed.map((m, i) => {
      const s = statuses[i];
      const live = { loadProgress: progress.get(m.ref.mappingId), apiCalls24h: used.get(m.ref.mappingId) ?? 0 };
      if (s) return mappingView(m.ref, s.config, statusView(s, live));
      // The workflow did not answer (no worker?): still list it, with what visibility knows.
      return { object_name: m.ref.objectName, mapping_id: m.ref.mappingId, workflow_id: m.ref.workflowId,
        status: { state: m.state, label: null, unavailable: 'the workflow did not answer its status query in time', load_progress: live.loadProgress ?? null, api_calls: { used_24h: live.apiCalls24h } } };
    });
    res.json({ mappings, count: mappings.length });
  });

  router.get('/mappings/:object', async (req, res) => {
    res.json(await readMapping(ctx, paramRef(ctx, req)));
  });

  router.patch('/mappings/:object', async (req, res) => {
    const ref = paramRef(ctx, req);
    const current = await ctx.workflows.status(ref);
    const patch = patchFromBody(req.body, current.config.objectName);
    let next;
    try {
      next = applyConfigPatch(current.config, patch);
    } catch (err) {
      if (err instanceof ConfigError) throw badConfig(bodyIssues(err.issues));
      throw err;
    }
    if (patch.fields !== undefined || patch.access !== undefined) {
      const checked = await checkAgainstOrg(ctx.org, next);
      if (!checked.config) throw badConfig(checked.issues);
      if (patch.fields !== undefined) patch.fields = checked.config.fields;
    }
    const config = await ctx.workflows.update(ref, (h) => h.executeUpdate(reconfigureUpdate, { args: [patch] }));
    const used = await ctx.pg((pool) => readApiCalls24h(pool, [ref.mappingId]));
    const status = await ctx.workflows.status(ref);
    res.json(mappingView(ref, config, statusView(status, { apiCalls24h: used.get(ref.mappingId) ?? 0 })));
  });

  router.delete('/mappings/:object', async (req, res) => {
    const ref = paramRef(ctx, req);
    const dropTable = req.query.drop_table === 'true';
    if (req.query.drop_table !== undefined && !['true', 'false'].includes(String(req.query.drop_table))) {
      throw new Problem(400, 'drop_table must be true or false');
    }
    const status = await ctx.workflows.status(ref);
    const removed = await ctx.workflows.delete(ref, dropTable);
    res.json({ object_name: status.config.objectName, mapping_id: ref.mappingId, deleted: true, table: `${ref.schema}.${removed.table}`, table_dropped: dropTable });
  });

  return router;
}
