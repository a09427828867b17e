// GET /connection: which org ferry is connected to, the API version it speaks, and how much of the org's own
// daily API allowance is left (Salesforce's /limits DailyApiRequests, shared by every integration on the org).
// Never the session token or the credentials.
import { Router } from 'express';
import type { ApiContext } from '../context';

export function createConnectionRouter(ctx: ApiContext): Router {
  const router = Router();
  router.get('/connection', async (_req, res) => {
    const { identity, limits, instanceUrl, apiUsage } = await ctx.org.about();
    const daily = (limits as Record<string, { Max: number; Remaining: number } | undefined>).DailyApiRequests;
    res.json({
      organization_id: identity.organization_id,
      user_id: identity.user_id,
      username: identity.username,
      display_name: identity.display_name,
      instance_url: instanceUrl,
      api_version: ctx.org.apiVersion,
      daily_api_requests: daily ? { max: daily.Max, remaining: daily.Remaining, used: daily.Max - daily.Remaining } : null,
      api_usage: apiUsage && { used: apiUsage.used, limit: apiUsage.limit, source: 'Sforce-Limit-Info' },
    });
  });
  return router;
}
