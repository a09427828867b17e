// GET /export and POST /import in Heroku Connect's export format, so a team leaving Heroku Connect imports
// its export file unchanged. Import validates every mapping (syntax, then against the org) before starting
// any: a file with one bad mapping starts nothing and the 422 lists every problem by `mappings[i]…` path.
import { Router } from 'express';
import { ignoredExportKeys } from '../../domain/hc-adoption';
import { parseHcExport, toHcExport } from '../../domain/mapping-config';
import { writeAlgorithmOf } from '../../domain/ordered-writes';
import { adoptHerokuConnect, type AdoptionInput } from '../adopt-heroku-connect';
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
    const features = await connectionFeatures(ctx, ctx.schema);
    const file = toHcExport(configs, { schema_name: ctx.schema, app_name: 'ferry', exported_at: new Date().toISOString(), features });
    res.setHeader('Content-Disposition', 'attachment; filename="ferry-export.json"');
    res.json(file);
  });

  router.post('/import', async (req, res) => {
    const body = objectBody(req.body, 'a Heroku Connect export {"version": 1, "connection": {…}, "mappings": […]}');
    const file = parseHcExport(body);
    const adopt = req.query.adopt === 'true';
    const issues: ConfigIssue[] = [];
    const checked: MappingConfig[] = [];
    const adoption: AdoptionInput[] = [];
    // Sequentially: one describe at a time is gentle on the org's concurrent-request limit.
    for (const [i, cfg] of file.mappings.entries()) {
      const r = await checkAgainstOrg(ctx.org, cfg, `mappings[${i}].`);
      issues.push(...r.issues);
      if (r.config) checked.push(r.config);
      if (r.config && r.describe && r.parents) adoption.push({ config: r.config, describe: r.describe, parents: r.parents });
    }
    if (issues.length > 0) throw badConfig(issues);
    const ignored = ignoredExportKeys(body);
    const features = file.connection.features ?? {};
    if (adopt) {
      const adopted = await adoptHerokuConnect(ctx, adoption);
      await saveConnection(ctx, file.connection.schema_name, file.connection);
      res.status(201).json({
        mappings: adopted.map((a) => ({ object_name: a.object_name, mapping_id: a.mapping_id, result: 'adopted', adoption: a })),
        created: 0, adopted: adopted.length, write_algorithm: writeAlgorithmOf(features), ignored,
      });
      return;
    }
    await saveConnection(ctx, file.connection.schema_name, file.connection);
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
    res.status(201).json({ mappings: results, created: results.filter((r) => r.result === 'created').length, write_algorithm: writeAlgorithmOf(features), ignored });
  });

  return router;
}

/** The connection block's settings ferry keeps (features, where the export came from), per schema. */
async function saveConnection(ctx: ApiContext, schema: string, connection: Record<string, unknown>): Promise<void> {
  const pick = (k: string) => (connection[k] === undefined ? {} : { [k]: connection[k] });
  const from = { ...pick('app_name'), ...pick('organization_id'), ...pick('exported_at'), ...pick('api_version'), ...pick('name') };
  await ctx.pg((pool) => pool.query(
    `INSERT INTO ferry.connection_setting (schema_name, features, imported_from) VALUES ($1, $2::jsonb, $3::jsonb)
     ON CONFLICT (schema_name) DO UPDATE SET features = EXCLUDED.features, imported_from = EXCLUDED.imported_from, updated_at = now()`,
    [schema, JSON.stringify(connection.features ?? {}), JSON.stringify(from)]));
}

/** The connection's stored features (`{}` when none were imported). */
export async function connectionFeatures(ctx: ApiContext, schema: string): Promise<Record<string, unknown>> {
  const { rows } = await ctx.pg((pool) => pool.query<{ features: Record<string, unknown> }>(
    'SELECT features FROM ferry.connection_setting WHERE schema_name = $1', [schema]));
  return rows[0]?.features ?? {};
}
