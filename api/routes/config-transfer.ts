// GET /export and POST /import in Heroku Connect's export format, so a team leaving Heroku Connect imports
// its export file unchanged. Import validates every mapping (syntax, then against the org) before starting
// any: a file with one bad mapping starts nothing and the 422 lists every problem by `mappings[i]…` path.
import { Router } from 'express';
import { parseHcExport, toHcExport } from '../../domain/mapping-config';
import type { ConfigIssue, MappingConfig } from '../../domain/mapping-rules';
import type { ApiContext } from '../context';
import { identityOfConfig } from '../../domain/mapping-id';
import { forgetMapping, postgresNow } from '../mapping-overview';
import { checkAgainstOrg } from '../org-validation';
import { Problem, Unavailable, badConfig, objectBody } from '../problem';

export function createConfigTransferRouter(ctx: ApiContext): Router {
  const router = Router();

  router.get('/export', async (_req, res) => {
    const listed = await ctx.workflows.list();
    const statuses = await Promise.all(listed.map((m) => ctx.workflows.statusOrNull(m.ref)));
    const silent = listed.filter((_m, i) => statuses[i] === null).map((m) => m.ref.mappingId);
    // A partial export would silently lose mappings on the next import.
    if (silent.length > 0) throw new Unavailable('Temporal', `the mapping workflows ${silent.join(', ')} did not answer their status query`);
    const configs = statuses.map((s) => s!.config);
    const file = toHcExport(configs, { schema_name: ctx.schema, app_name: 'ferry', exported_at: new Date().toISOString() });
    res.setHeader('Content-Disposition', 'attachment; filename="ferry-export.json"');
    res.json(file);
  });

  router.post('/import', async (req, res) => {
    const file = parseHcExport(objectBody(req.body, 'a Heroku Connect export {"version": 1, "connection": {…}, "mappings": […]}'));
    const issues: ConfigIssue[] = [];
    const checked: MappingConfig[] = [];
    // Sequentially: one describe at a time is gentle on the org's concurrent-request limit.
    for (const [i, cfg] of file.mappings.entries()) {
      const r = await checkAgainstOrg(ctx.org, cfg, `mappings[${i}].`);
      issues.push(...r.issues);
      if (r.config) checked.push(r.config);
    }
    if (issues.length > 0) throw badConfig(issues);
    const results: { object_name: string; mapping_id: string; result: 'created' | 'already_exists' }[] = [];
    for (const cfg of checked) {
      const ref = identityOfConfig(cfg);
      try {
        const before = await ctx.pg(postgresNow);
        await ctx.workflows.start(ref, cfg);
        await ctx.pg((pool) => forgetMapping(pool, ref.mappingId, before));
        results.push({ object_name: cfg.objectName, mapping_id: ref.mappingId, result: 'created' });
      } catch (err) {
        if (!(err instanceof Problem && err.status === 409)) throw err;
        results.push({ object_name: cfg.objectName, mapping_id: ref.mappingId, result: 'already_exists' });
      }
    }
    if (results.length > 0 && results.every((r) => r.result === 'already_exists')) {
      throw new Problem(409, `Every mapping in the file already exists: ${results.map((r) => r.mapping_id).join(', ')}`, undefined, '/problems/mapping-exists');
    }
    res.status(201).json({ mappings: results, created: results.filter((r) => r.result === 'created').length });
  });

  return router;
}
