// Turns failures into Salesforce's REST error bodies: a JSON array of {message, errorCode[, fields]} with
// content type application/json, which is what jsforce parses into HttpApiError. Unexpected exceptions
// become 500 UNKNOWN_EXCEPTION instead of crashing the emulator.
import type express from 'express';
import { SfRecordError, SfRequestError } from '../contract.js';

/** Record errors Salesforce answers with 404 rather than 400. */
const NOT_FOUND_CODES = new Set(['NOT_FOUND', 'ENTITY_IS_DELETED']);

export interface RestErrorBody {
  message: string;
  errorCode: string;
  fields?: string[];
}

export function sendRestError(res: express.Response, err: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof SfRequestError) {
    res.status(err.httpStatus).json([{ message: err.message, errorCode: err.errorCode }]);
    return;
  }
  if (err instanceof SfRecordError) {
    const status = err.errors.some((e) => NOT_FOUND_CODES.has(e.statusCode)) ? 404 : 400;
    res.status(status).json(err.errors.map((e): RestErrorBody => ({ message: e.message, errorCode: e.statusCode, fields: e.fields })));
    return;
  }
  const status = (err as { status?: unknown })?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // body-parser failures (bad JSON, too large).
    res.status(400).json([{ message: (err as Error).message, errorCode: 'JSON_PARSER_ERROR' }]);
    return;
  }
  res.status(500).json([{ message: `An unexpected error occurred in ferry's emulator: ${String((err as Error)?.message ?? err)}`, errorCode: 'UNKNOWN_EXCEPTION' }]);
}

/** Express error middleware using sendRestError. */
export const restErrorHandler: express.ErrorRequestHandler = (err, _req, res, _next) => {
  sendRestError(res, err);
};
