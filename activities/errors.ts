// Classifies failures at the activity boundary: what Temporal should retry (network, 5xx, org limits) and
// what the workflow must turn into a visible state instead (bad config, revoked auth, spent budget).
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Pool } from '../infra/db';
import { classifySalesforceError, isTransientFailure, salesforceErrorCode, SalesforceNotConfigured, type SalesforceErrorKind } from '../salesforce/errors';
import { connectForMapping, type MappingConnection, type MappingRef } from '../salesforce/mapping-connection';
import type { SalesforceSessions } from '../salesforce/session';
import { ApiBudgetExhausted } from '../store/api-call-ledger';

export const FailureType = {
  BadConfig: 'BadConfig',
  Unauthorized: 'Unauthorized',
  ApiBudgetExhausted: 'ApiBudgetExhausted',
  RequestLimitExceeded: 'RequestLimitExceeded',
  /** A 5xx answer or a dropped connection: retried, and shown with the org's error code while it lasts. */
  SalesforceUnavailable: 'SalesforceUnavailable',
} as const;

/** How each kind of Salesforce failure (salesforce/errors.ts) halts a mapping; absent kinds are retried. */
const HALTING: Partial<Record<SalesforceErrorKind, string>> = {
  login_refused: FailureType.Unauthorized,
  access_denied: FailureType.Unauthorized,
  unknown_object: FailureType.BadConfig,
  bad_request: FailureType.BadConfig,
};

/** The mapping's metered Salesforce connection; no configured org halts the mapping as Unauthorized. */
export async function connectMapping(deps: { pool: Pool; sessions?: SalesforceSessions }, ref: MappingRef): Promise<MappingConnection> {
  try {
    return await connectForMapping(deps, ref);
  } catch (err) {
    if (err instanceof SalesforceNotConfigured) throw ApplicationFailure.create({ type: FailureType.Unauthorized, message: err.message, nonRetryable: true });
    throw err;
  }
}

/** Rethrows err as what Temporal and the workflow should see. */
export function classifyFailure(err: unknown): never {
  if (err instanceof ApplicationFailure) throw err;
  if (err instanceof ApiBudgetExhausted) {
    throw ApplicationFailure.create({
      type: FailureType.ApiBudgetExhausted, message: err.message, nonRetryable: true,
      details: [{ retryAtMs: err.retryAtMs, used: err.used, cap: err.cap }],
    });
  }
  const kind = classifySalesforceError(err);
  const message = err instanceof Error ? err.message : String(err);
  if (kind === 'request_limit') {
    // The org's own daily allowance (or its concurrent long-request limit): back off — 5 s, doubling, at most
    // 15 minutes — and recover by itself once Salesforce answers again.
    throw ApplicationFailure.create({ type: FailureType.RequestLimitExceeded, message: `${salesforceErrorCode(err)}: ${message}`, nextRetryDelay: requestLimitBackoffMs() });
  }
  if (isTransientFailure(err)) {
    const code = salesforceErrorCode(err);
    const named = code !== undefined && code !== 'Error' && !message.startsWith(code) ? `${code}: ${message}` : message;
    throw ApplicationFailure.create({ type: FailureType.SalesforceUnavailable, message: named, cause: err instanceof Error ? err : undefined });
  }
  const halting = kind && HALTING[kind];
  if (halting) throw ApplicationFailure.create({ type: halting, message: `${salesforceErrorCode(err)}: ${message}`, nonRetryable: true });
  throw err;
}

function requestLimitBackoffMs(): number {
  let attempt = 1;
  try {
    attempt = Context.current().info.attempt;
  } catch {
    // outside an activity (unit use): first attempt
  }
  return Math.min(5_000 * 2 ** Math.min(attempt - 1, 10), 15 * 60_000);
}

export function badConfig(message: string, details?: unknown): never {
  throw ApplicationFailure.create({ type: FailureType.BadConfig, message, nonRetryable: true, details: details === undefined ? [] : [details] });
}
