// GET /connection: which org ferry is connected to, the API version it speaks, and how much of the org's own
// daily API allowance is left (Salesforce's /limits DailyApiRequests, shared by every integration on the org).
// Never the session token or the credentials. `api_calls` is what the API itself spent on the org (describes,
// counts, these lookups) in the rolling 24 h, from the connection's ledger; mappings' calls are in their status.
import { Router } from 'express';
import { writeAlgorithmOf } from '../../domain/ordered-writes';
import { apiCallsInWindow } from '../../store/api-call-ledger';
import type { ApiContext } from '../context';
import { CONNECTION_LEDGER_KEY } from '../org-call-limits';
import { connectionFeatures } from './config-transfer';

export function createConnectionRouter(ctx: ApiContext): Router {
  const router = Router();
  router.get('/connection', async (_req, res) => {
    const { identity, limits, instanceUrl, apiUsage } = await ctx.org.about();
    const features = await connectionFeatures(ctx, ctx.schema);
    const daily = (limits as Record<string, { Max: number; Remaining: number } | undefined>).DailyApiRequests;
    res.json({
      organization_id: identity.organization_id,
      user_id: identity.user_id,
      username: identity.username,
      display_name: identity.display_name,
      instance_url: instanceUrl,
      api_version: ctx.org.apiVersion,
      daily_api_requests: daily ? { max: daily.Max, remaining: daily.Remaining, used: daily.Max - daily.Remaining } : null,
      api_calls: { used_24h: await ctx.pg((pool) => apiCallsInWindow(pool, CONNECTION_LEDGER_KEY)), limit_per_minute: ctx.org.callsPerMinute },
      api_usage: apiUsage && { used: apiUsage.used, limit: apiUsage.limit, source: 'Sforce-Limit-Info' },
      // Heroku Connect's write algorithm: poll_db_no_merge true = ordered writes (the default), false = merged.
      features: { poll_db_no_merge: writeAlgorithmOf(features) === 'ordered' },
      write_algorithm: writeAlgorithmOf(features),
    });
  });
  return router;
}
