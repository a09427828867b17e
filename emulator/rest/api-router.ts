// The versioned API root `/services/data/v{version}`: faults first (an injected failure is not charged), then
// the OAuth session (401 INVALID_SESSION_ID makes jsforce refresh), then one DailyApiRequests charge per
// request with `Sforce-Limit-Info` on the answer, then the REST resources and the Bulk 2.0 surface.
import express from 'express';
import type { OrgApiAccounting } from '../accounting.js';
import type { FaultInjector } from '../admin/faults.js';
import { bearerToken } from '../auth/oauth-routes.js';
import type { EmulatorContext } from '../contract.js';
import { collectionRouter } from './collection-routes.js';
import { restErrorHandler, sendRestError } from './errors.js';
import { limitsBody } from './limits.js';
import { queryRouter, type QueryLocators } from './query-routes.js';
import { sobjectRouter } from './sobject-routes.js';

export interface ApiRouterDeps {
  ctx: EmulatorContext;
  accounting: OrgApiAccounting;
  faults: FaultInjector;
  locators: QueryLocators;
  registerBulk2: (router: express.Router, ctx: EmulatorContext) => void;
  /** Holds API writes back when slow transactions are on (admin/org-time.ts). */
  commitDelay?: express.RequestHandler;
}

const FAMILIES: [RegExp, string][] = [
  [/^\/(query|queryAll)(\/|$)/, 'query'],
  [/^\/sobjects\/[^/]+\/(updated|deleted)/, 'replication'],
  [/^\/sobjects(\/|$)/, 'sobjects'],
  [/^\/composite(\/|$)/, 'composite'],
  [/^\/limits(\/|$)/, 'limits'],
  [/^\/(search|recent)(\/|$)/, 'search'],
  [/^\/jobs\/query(\/|$)/, 'jobs/query'],
  [/^\/jobs\/ingest(\/|$)/, 'jobs/ingest'],
];

export function pathFamily(path: string): string {
  return FAMILIES.find(([re]) => re.test(path))?.[1] ?? 'other';
}

export function apiRouter(deps: ApiRouterDeps): express.Router {
  const { ctx, accounting, faults } = deps;
  const router = express.Router({ mergeParams: true });

  router.use((req, res, next) => {
    const version = (req.params as { version?: string }).version ?? '';
    if (!/^\d{2}\.0$/.test(version)) {
      res.status(404).json([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      return;
    }
    next();
  });
  router.use(faults.middleware());
  router.use((req, res, next) => {
    const token = bearerToken(req);
    const session = token ? ctx.auth.verify(token) : undefined;
    if (!session) {
      res.status(401).json([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
      return;
    }
    res.locals.session = session;
    try {
      accounting.charge('rest');
    } catch (err) {
      sendRestError(res, err);
      return;
    }
    accounting.recordFamily(pathFamily(req.path));
    const { used, max } = accounting.usage();
    res.setHeader('Sforce-Limit-Info', `api-usage=${used}/${max}`);
    next();
  });

  const jobs = express.Router({ mergeParams: true });
  deps.registerBulk2(jobs, ctx);
  router.use('/jobs', jobs);

  router.use(express.json({ limit: '50mb' }));
  if (deps.commitDelay) router.use(deps.commitDelay);
  router.get('/', (req, res) => {
    const base = `/services/data/v${(req.params as { version: string }).version}`;
    const resources: Record<string, string> = Object.fromEntries(['sobjects', 'query', 'queryAll', 'limits', 'composite', 'jobs', 'search', 'recent'].map((k) => [k, `${base}/${k}`]));
    // As in Salesforce, the session user's identity URL (jsforce's conn.identity() starts here).
    const token = bearerToken(req);
    const session = token ? ctx.auth.verify(token) : undefined;
    if (session) resources.identity = `${ctx.baseUrl()}/id/${session.orgId}/${session.userId}`;
    res.json(resources);
  });
  router.get('/limits', (_req, res) => {
    res.json(limitsBody(accounting));
  });
  router.use(queryRouter(ctx, deps.locators));
  router.use(sobjectRouter(ctx));
  router.use(collectionRouter(ctx));
  router.use((_req, res) => {
    res.status(404).json([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
  });
  router.use(restErrorHandler);
  return router;
}

/** GET /services/data: the API versions the emulator answers (no session needed, as in Salesforce). */
export function versionsBody(latest: string) {
  const out = [];
  for (let v = 42; v <= Number(latest); v++) out.push({ label: `v${v}.0`, url: `/services/data/v${v}.0`, version: `${v}.0` });
  return out;
}
