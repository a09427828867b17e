// Request plumbing shared by the Bulk API 2.0 routes: Salesforce-shaped error bodies, the JSON body parser,
// and who the caller is.
import express from 'express';
import { SfRequestError } from '../contract.js';

/** Salesforce answers Bulk 2.0 errors as a JSON array of `{ errorCode, message }`. */
export function sendError(res: express.Response, err: unknown): void {
  if (res.headersSent) {
    // Mid-download: the only honest signal left is a broken response.
    res.destroy(err instanceof Error ? err : undefined);
    return;
  }
  if (err instanceof SfRequestError) {
    res.status(err.httpStatus).json([{ errorCode: err.errorCode, message: err.message }]);
    return;
  }
  const message = err instanceof Error ? err.message : String(err);
  res.status(500).json([{ errorCode: 'UNKNOWN_EXCEPTION', message: `ferry emulator: ${message}` }]);
}

/** Wraps an async handler so every failure becomes a Salesforce error response. */
export function handle(fn: (req: express.Request, res: express.Response) => Promise<void> | void): express.RequestHandler {
  return async (req, res) => {
    try {
      await fn(req, res);
    } catch (err) {
      sendError(res, err);
    }
  };
}

/** Parses JSON bodies (a no-op when the core already did). */
export const jsonBody = express.json({ limit: '1mb' });

/** The JSON body as an object (Salesforce answers a missing or non-object body with 400). */
export function bodyObject(req: express.Request): Record<string, unknown> {
  const body: unknown = req.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SfRequestError(400, 'JSON_PARSER_ERROR', 'The request body must be a JSON object');
  }
  return body as Record<string, unknown>;
}

/** The user the session belongs to, as the core's auth middleware leaves it in res.locals. */
export function callerId(res: express.Response): string {
  const locals = res.locals as { session?: { userId?: unknown }; userId?: unknown };
  const id = locals.session?.userId ?? locals.userId;
  return typeof id === 'string' ? id : '005Fy0000000001AAA';
}

/** The version of the request path (`/services/data/v62.0/jobs/...`), as a number for JobInfo.apiVersion. */
export function pathVersion(req: express.Request, fallback: string): number {
  const m = /\/v(\d+\.\d)\//.exec(req.originalUrl);
  return Number(m ? m[1] : fallback);
}
