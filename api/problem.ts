// RFC 9457 problem details: every error the API returns is `application/problem+json` with a status, a title,
// a human detail and — for configuration errors — the list of {path, rule, message} issues. One error handler
// turns known failures into these bodies; anything unexpected is logged and answered as a bare 500, never a
// stack trace (it could carry SQL, hostnames or credentials).
import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { ConfigError, type ConfigIssue } from '../domain/mapping-rules';
import type { Logger } from '../infra/logger';

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 409: 'Conflict', 413: 'Payload Too Large',
  415: 'Unsupported Media Type', 422: 'Unprocessable Content', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly errors?: ConfigIssue[],
    /** A stable, documented problem type (relative URI), e.g. `/problems/bad-config`. */
    readonly type = `/problems/${(TITLES[status] ?? 'error').toLowerCase().replace(/\s+/g, '-')}`,
  ) {
    super(detail);
    this.name = 'Problem';
  }
}

/** A dependency (Temporal, Postgres, Salesforce) did not answer or refused the connection. */
export class Unavailable extends Problem {
  constructor(readonly service: 'Temporal' | 'Postgres' | 'Salesforce', reason: string) {
    super(503, `${service} is unavailable: ${reason}`, undefined, '/problems/service-unavailable');
  }
}

/** Seconds a client should wait before retrying while ferry's schema is being migrated. */
export const SCHEMA_RETRY_AFTER_S = 5;

/** ferry's own tables are not (all) there yet: a 503 to retry shortly, never a 500 about a missing relation. */
export class SchemaNotReady extends Problem {
  readonly retryAfterSeconds = SCHEMA_RETRY_AFTER_S;
  constructor(detail: string) {
    super(503, detail, undefined, '/problems/schema-not-ready');
  }
}

export function schemaNotReady(pending: string[]): SchemaNotReady {
  const what = pending.length > 0 ? ` (${pending.length} pending: ${pending.slice(0, 3).join(', ')}${pending.length > 3 ? ', …' : ''})` : '';
  return new SchemaNotReady(`ferry's database schema is not migrated yet${what}: migrations run when the API or a worker starts, or with \`npm run migrate\`; retry in ${SCHEMA_RETRY_AFTER_S} s`);
}

/** A missing relation in ferry's own schema (SQLSTATE 42P01 / 3F000 naming "ferry."): the schema is not migrated. */
function missingFerryRelation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return (e?.code === '42P01' || e?.code === '3F000') && typeof e.message === 'string' && /"ferry(\.|")/.test(e.message);
}

export function badConfig(issues: ConfigIssue[]): Problem {
  return new Problem(422, new ConfigError(issues).message, issues, '/problems/bad-config');
}

export function sendProblem(res: Response, p: Problem): void {
  const body: Record<string, unknown> = { type: p.type, title: TITLES[p.status] ?? 'Error', status: p.status, detail: p.detail };
  if (p.errors) body.errors = p.errors;
  const retryAfter = (p as { retryAfterSeconds?: unknown }).retryAfterSeconds;
  if (typeof retryAfter === 'number') res.set('Retry-After', String(retryAfter));
  res.status(p.status).type('application/problem+json').send(JSON.stringify(body));
}

/** body-parser's own errors (malformed JSON, oversized body) carry a `type` and an HTTP status. */
function bodyParserProblem(err: unknown): Problem | undefined {
  const e = err as { type?: unknown; status?: unknown; limit?: unknown };
  if (e?.type === 'entity.parse.failed') return new Problem(400, 'The request body is not valid JSON', undefined, '/problems/malformed-json');
  if (e?.type === 'entity.too.large') return new Problem(413, `The request body is larger than the ${String(e.limit)} byte limit`, undefined, '/problems/body-too-large');
  if (typeof e?.type === 'string' && typeof e.status === 'number' && e.status >= 400 && e.status < 500) {
    return new Problem(e.status, 'The request body could not be read');
  }
  return undefined;
}

export function problemHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    const known = err instanceof Problem ? err
      : err instanceof ConfigError ? badConfig(err.issues)
        : missingFerryRelation(err) ? schemaNotReady([])
          : bodyParserProblem(err);
    if (known) {
      if (known.status >= 500) log.warn({ method: req.method, path: req.path, status: known.status, detail: known.detail }, 'request failed');
      sendProblem(res, known);
      return;
    }
    log.error({ method: req.method, path: req.path, err }, 'unexpected error');
    sendProblem(res, new Problem(500, 'An unexpected error occurred; the server log has the details'));
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new Problem(404, `No such endpoint: ${req.method} ${req.path}`));
};

/** The request body as a JSON object, or a 422 saying what shape was expected. */
export function objectBody(body: unknown, expected: string): Record<string, unknown> {
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  throw badConfig([{ path: '', rule: 'type', message: `The body must be a JSON object: ${expected}` }]);
}
