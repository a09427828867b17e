// The operator's console, served by the API process under /console (same origin, no build step): sign-in
// with the API token, the overview of every mapping (refreshing itself), a page per mapping with its chart,
// activity, failed writes and actions, and the connection page with the estimate form. Pages are rendered on
// the server (pages.ts); console.js only refreshes the overview and draws the chart with uPlot, served from
// node_modules like every other asset (no external network).
//
// Auth: a signed session cookie (session.ts), never the token; unsafe requests need the session's CSRF token
// and a same-origin request. Everything but the sign-in form answers 303 → sign-in (pages) or 401.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { ignoreFailedWrite, listFailedWrites, retryFailedWrite } from '../../store/failed-writes';
import type { ApiContext } from '../context';
import { refOfParam, type MappingRef } from '../mapping-ids';
import { readMappingFigures, readOverview, type OverviewEntry, type OverviewTiming } from '../mapping-overview';
import { Problem } from '../problem';
import { ACTIONS } from '../routes/mapping-actions';
import { estimate } from '../routes/estimate';
import { reconfigureMapping } from '../routes/mappings';
import { readChart, readRecentActivity } from './activity-data';
import { scopeConfigFromForm } from './verify-panel';
import {
  connectionPage, errorPage, loginPage, mappingPage, notFoundPage, overviewPage, overviewTable, type ConnectionData, type EstimateView, type Notice, type PageContext,
} from './pages';
import {
  SESSION_COOKIE, clearSessionCookie, csrfMatches, csrfToken, newSession, readCookie, sameOrigin, setSessionCookie, tokenMatches, validSession,
} from './session';

const ROOT = join(__dirname, '../..');
const ASSETS: Record<string, { file: string; type: string }> = {
  'console.css': { file: join(__dirname, 'assets/console.css'), type: 'text/css; charset=utf-8' },
  'console.js': { file: join(__dirname, 'assets/console.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.iife.min.js': { file: join(ROOT, 'node_modules/uplot/dist/uPlot.iife.min.js'), type: 'text/javascript; charset=utf-8' },
  'uPlot.min.css': { file: join(ROOT, 'node_modules/uplot/dist/uPlot.min.css'), type: 'text/css; charset=utf-8' },
};

const DONE: Record<string, string> = {
  pause: 'Paused: nothing syncs until you resume.', resume: 'Resumed.', 'sync-now': 'A sync starts now.',
  reload: 'Reloading: the table is loaded again and swapped in when done.', config: 'Configuration changed.',
  verify: 'A verify runs next: it compares the table with the org and repairs what differs.',
  retry: 'The write is queued again from the row as it is now.', ignore: 'The write is ignored.',
};

export interface ConsoleOptions {
  apiToken?: string;
  temporalUiUrl?: string;
  namespace: string;
}

interface ConsoleLocals {
  session: string;
  page: PageContext;
}

function locals(res: Response): ConsoleLocals {
  return res.locals as ConsoleLocals;
}

/** Console responses: never cached, never framed, scripts and styles only from ferry itself. */
function securityHeaders(loginStyleHash: string) {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.setHeader('Content-Security-Policy', [
      "default-src 'none'", "script-src 'self'", `style-src 'self' '${loginStyleHash}'`, "img-src 'self' data:", "connect-src 'self'",
      "form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'",
    ].join('; '));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cache-Control', 'no-store');
    next();
  };
}

function keyOf(ref: MappingRef): string {
  return `${ref.schema}.${ref.objectName}`;
}

export function createConsoleRouter(ctx: ApiContext, opts: ConsoleOptions): Router {
  const router = Router();
  const css = readFileSync(ASSETS['console.css'].file, 'utf8');
  const loginStyleHash = `sha256-${createHash('sha256').update(css).digest('base64')}`;
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 });
  const token = opts.apiToken;

  router.get('/', (_req, res) => res.redirect(303, '/console/'));
  router.use('/console', securityHeaders(loginStyleHash));
  // Express matches "/console" and "/console/" alike (non-strict routing): only the bare one is redirected.
  router.get('/console', (req, res, next) => (req.path === '/console' ? res.redirect(303, '/console/') : next()));

  router.get('/console/login', (req, res) => {
    if (validSession(readCookie(req, SESSION_COOKIE), token)) return res.redirect(303, '/console/');
    res.type('html').send(loginPage(token ? undefined : 'The server has no API_TOKEN configured, so nobody can sign in.', css));
  });

  router.post('/console/login', form, (req, res) => {
    const given = typeof req.body?.token === 'string' ? req.body.token : '';
    if (!sameOrigin(req)) return res.status(403).type('html').send(loginPage('Sign in from ferry\'s own sign-in page.', css));
    if (!token || !tokenMatches(given, token)) {
      ctx.log.warn({ path: req.path }, 'console sign-in refused');
      return res.status(401).type('html').send(loginPage(token ? 'That is not the API token.' : 'The server has no API_TOKEN configured.', css));
    }
    setSessionCookie(res, newSession(token));
    res.redirect(303, '/console/');
  });

  // Everything below needs a session.
  router.use('/console', (req, res, next) => {
    const session = validSession(readCookie(req, SESSION_COOKIE), token);
    if (!session || !token) {
      if (req.method === 'GET' && !req.path.startsWith('/fragments/') && !req.path.startsWith('/assets/')) return res.redirect(303, '/console/login');
      return res.status(401).type('text/plain').send('Sign in first: /console/login');
    }
    res.locals.session = session;
    res.locals.page = { csrf: csrfToken(session, token), nowMs: Date.now() } satisfies PageContext;
    next();
  });
  router.use('/console', form, (req, res, next) => {
    if (req.method !== 'POST') return next();
    if (!sameOrigin(req) || !csrfMatches(req.body?.csrf, locals(res).session, token!)) {
      res.status(403).type('text/plain').send('This form expired or came from another site: reload the page and try again.');
      return;
    }
    next();
  });

  router.get('/console/assets/:name', (req, res) => {
    const asset = ASSETS[String(req.params.name)];
    if (!asset) return res.status(404).type('text/plain').send('No such asset');
    res.setHeader('Cache-Control', 'private, max-age=3600');
    res.type(asset.type).send(readFileSync(asset.file));
  });

  router.post('/console/logout', (_req, res) => {
    clearSessionCookie(res);
    res.redirect(303, '/console/login');
  });

  // Server-Timing says how long the overview took to read (visibility + SQL) and to render, for the browser's
  // network panel and for the 50-mapping measurement in test/integration/console-overview-scale.test.ts.
  const timed = async (res: Response, render: (entries: OverviewEntry[]) => string) => {
    const t0 = performance.now();
    const timing: OverviewTiming = {};
    const entries = await readOverview(ctx, timing);
    const t1 = performance.now();
    const body = render(entries);
    const t2 = performance.now();
    res.setHeader('Server-Timing', [
      `list;dur=${(timing.listMs ?? 0).toFixed(1)};desc="Temporal visibility"`, `sql;dur=${(timing.sqlMs ?? 0).toFixed(1)};desc="Postgres"`,
      `read;dur=${(t1 - t0).toFixed(1)}`, `render;dur=${(t2 - t1).toFixed(1)}`, `total;dur=${(t2 - t0).toFixed(1)}`,
    ].join(', '));
    res.type('html').send(body);
  };

  router.get('/console/', async (_req, res) => {
    await timed(res, (entries) => overviewPage(entries, locals(res).page));
  });

  router.get('/console/fragments/overview', async (_req, res) => {
    await timed(res, (entries) => overviewTable(entries, Date.now()).text);
  });

  const mappingData = async (ref: MappingRef) => {
    const status = await ctx.workflows.status(ref);
    const [figures, chart, activity, failed] = await ctx.pg((pool) => Promise.all([
      readMappingFigures(pool, [ref.mappingId]), readChart(pool, ref.mappingId), readRecentActivity(pool, ref.mappingId),
      listFailedWrites(pool, { mappingId: ref.mappingId, limit: 100, offset: 0 }),
    ]));
    const temporalUrl = opts.temporalUiUrl
      ? `${opts.temporalUiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(opts.namespace)}/workflows/${encodeURIComponent(ref.workflowId)}`
      : null;
    return { key: keyOf(ref), status, figures: figures.get(ref.mappingId)!, chart, activity, failed, temporalUrl };
  };

  const renderMapping = async (res: Response, ref: MappingRef, notice?: Notice, status = 200) => {
    res.status(status).type('html').send(mappingPage(await mappingData(ref), locals(res).page, notice));
  };

  const refOf = (req: Request): MappingRef => refOfParam(String(req.params.key), ctx.schema);
  const backTo = (res: Response, ref: MappingRef, done: string) => res.redirect(303, `/console/mappings/${encodeURIComponent(keyOf(ref))}?done=${done}`);
  /** A refused action shows on the mapping page (422 and 409 carry the reason); outages go to the error page. */
  const refused = async (res: Response, ref: MappingRef, err: unknown) => {
    if (err instanceof Problem && err.status < 500 && err.status !== 404) return renderMapping(res, ref, { kind: 'error', text: err.detail }, err.status);
    throw err;
  };

  router.get('/console/mappings/:key', async (req, res) => {
    const done = typeof req.query.done === 'string' ? DONE[req.query.done] : undefined;
    await renderMapping(res, refOf(req), done ? { kind: 'ok', text: done } : undefined);
  });

  router.post('/console/mappings/:key/actions/:action', async (req, res) => {
    const ref = refOf(req);
    const name = String(req.params.action);
    const action = ACTIONS[name as keyof typeof ACTIONS];
    if (!action) throw new Problem(404, `Unknown action "${name}"`);
    if (name === 'reload' && req.body?.confirm !== 'yes') {
      return renderMapping(res, ref, { kind: 'error', text: 'Tick the box to confirm the reload.' }, 422);
    }
    try {
      await ctx.workflows.update(ref, (h) => h.executeUpdate(action));
    } catch (err) {
      return refused(res, ref, err);
    }
    backTo(res, ref, name);
  });

  router.post('/console/mappings/:key/config', async (req, res) => {
    const ref = refOf(req);
    const config: Record<string, unknown> = scopeConfigFromForm(req.body);
    if (typeof req.body?.sf_polling_seconds === 'string') config.sf_polling_seconds = Number(req.body.sf_polling_seconds);
    if (typeof req.body?.access === 'string') {
      if (req.body.confirm !== 'yes') return renderMapping(res, ref, { kind: 'error', text: 'Tick the box to confirm the access mode change.' }, 422);
      config.access = req.body.access;
    }
    try {
      await reconfigureMapping(ctx, ref, { config });
    } catch (err) {
      return refused(res, ref, err);
    }
    backTo(res, ref, 'config');
  });

  router.post('/console/mappings/:key/errors/:id/:action', async (req, res) => {
    const ref = refOf(req);
    const act = req.params.action === 'retry' ? retryFailedWrite : req.params.action === 'ignore' ? ignoreFailedWrite : undefined;
    const id = Number(req.params.id);
    if (!act || !Number.isSafeInteger(id) || id < 1) throw new Problem(404, 'No such failed write action');
    await ctx.workflows.running(ref);
    const outcome = await ctx.pg((pool) => act(pool, ref.mappingId, id));
    if (!outcome.ok) {
      const why = outcome.reason === 'not_found' ? `There is no failed write ${id} for this mapping.`
        : outcome.reason === 'not_failed' ? `Write ${id} is ${outcome.state ?? 'no longer FAILED'}: there is nothing to retry or ignore.`
          : `The row of write ${id} no longer exists, so there is nothing to send again.`;
      return renderMapping(res, ref, { kind: 'error', text: why }, outcome.reason === 'not_found' ? 404 : 409);
    }
    backTo(res, ref, String(req.params.action));
  });

  const connectionData = async (): Promise<ConnectionData> => {
    try {
      const { identity, limits, instanceUrl, apiUsage } = await ctx.org.about();
      const daily = (limits as Record<string, { Max: number; Remaining: number } | undefined>).DailyApiRequests;
      return { about: {
        organization_id: identity.organization_id, username: identity.username, display_name: identity.display_name, instance_url: instanceUrl,
        api_version: ctx.org.apiVersion, daily: daily ? { max: daily.Max, remaining: daily.Remaining } : null, limitInfo: apiUsage,
      } };
    } catch (err) {
      return { about: null, error: err instanceof Problem ? err.detail : 'The org did not answer.' };
    }
  };

  router.get('/console/connection', async (_req, res) => {
    res.type('html').send(connectionPage(await connectionData(), { input: {} }, locals(res).page));
  });

  router.post('/console/connection/estimate', async (req, res) => {
    const input: Record<string, string> = {};
    const body: Record<string, unknown> = {};
    for (const k of ['object_name', 'record_count', 'changes_per_day', 'writes_per_day', 'sf_polling_seconds', 'sync_mode', 'access', 'sf_max_daily_api_calls']) {
      const v = req.body?.[k];
      if (typeof v !== 'string' || v.trim() === '') continue;
      input[k] = v;
      body[k] = ['object_name', 'sync_mode', 'access'].includes(k) ? v.trim() : Number(v);
    }
    const view: EstimateView = { input };
    let status = 200;
    try {
      view.result = await estimate(ctx, body);
    } catch (err) {
      if (!(err instanceof Problem) || err.status >= 500) throw err;
      view.errors = err.errors?.map((i) => ({ path: i.path, message: i.message })) ?? [{ path: 'estimate', message: err.detail }];
      status = err.status;
    }
    res.status(status).type('html').send(connectionPage(await connectionData(), view, locals(res).page));
  });

  router.use('/console', (_req, res) => {
    res.status(404).type('html').send(notFoundPage('There is no such page in the console.', locals(res).page));
  });

  // Errors on console pages are pages too (the API's problem+json is for API clients).
  router.use('/console', (err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const page = (res.locals as Partial<ConsoleLocals>).page ?? null;
    if (err instanceof Problem && err.status === 404) return res.status(404).type('html').send(notFoundPage(err.detail, page ?? { csrf: '', nowMs: Date.now() }));
    if (err instanceof Problem) return res.status(err.status).type('html').send(errorPage(err.detail, page));
    ctx.log.error({ method: req.method, path: req.path, err }, 'console: unexpected error');
    res.status(500).type('html').send(errorPage('An unexpected error occurred; the server log has the details.', page));
  });

  return router;
}
