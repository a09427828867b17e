// Classifies failures at the activity boundary: what Temporal should retry (network, 5xx, org limits) and
// what the workflow must turn into a visible state instead (bad config, revoked auth, spent budget).
import { ApplicationFailure, Context } from '@temporalio/activity';
import { ApiBudgetExhausted } from './budget/api-call-ledger';

export const FailureType = {
  BadConfig: 'BadConfig',
  Unauthorized: 'Unauthorized',
  ApiBudgetExhausted: 'ApiBudgetExhausted',
  RequestLimitExceeded: 'RequestLimitExceeded',
} as const;

const BAD_CONFIG_CODES = new Set(['INVALID_TYPE', 'INVALID_FIELD', 'MALFORMED_QUERY', 'NOT_FOUND', 'INVALID_OPERATION_WITH_EXPIRED_PASSWORD']);
const UNAUTHORIZED_CODES = new Set(['INVALID_SESSION_ID', 'invalid_grant', 'invalid_client', 'invalid_client_id', 'API_DISABLED_FOR_ORG', 'INSUFFICIENT_ACCESS']);

function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { errorCode?: unknown; name?: unknown };
  if (typeof e.errorCode === 'string') return e.errorCode;
  return typeof e.name === 'string' ? e.name : undefined;
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
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'REQUEST_LIMIT_EXCEEDED') {
    // The org's own daily allowance (or its concurrent long-request limit): back off — 5 s, doubling, at most
    // 15 minutes — and recover by itself once Salesforce answers again.
    throw ApplicationFailure.create({ type: FailureType.RequestLimitExceeded, message, nextRetryDelay: requestLimitBackoffMs() });
  }
  if (code && UNAUTHORIZED_CODES.has(code)) {
    throw ApplicationFailure.create({ type: FailureType.Unauthorized, message: `${code}: ${message}`, nonRetryable: true });
  }
  if (code && BAD_CONFIG_CODES.has(code)) {
    throw ApplicationFailure.create({ type: FailureType.BadConfig, message: `${code}: ${message}`, nonRetryable: true });
  }
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
