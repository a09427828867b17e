// The one reading of what a Salesforce failure means, for every caller: activities turn it into Temporal
// failures (activities/errors.ts), the API into HTTP answers (api/salesforce-org.ts), the streaming listener
// into a halted subscription. jsforce reports REST errors with `errorCode`, OAuth errors with `name`; a
// Streaming handshake refusal only in its text.

export type SalesforceErrorKind =
  /** The org refuses ferry's credentials or session (login, token, API access turned off). */
  | 'login_refused'
  /** Logged in, but the user may not do this. */
  | 'access_denied'
  /** No such object, or hidden from this user. */
  | 'unknown_object'
  /** The request does not fit the org's schema (a field, a query, an expired password). */
  | 'bad_request'
  /** The org's own API allowance or concurrent-request limit. */
  | 'request_limit';

const KIND_BY_CODE: Record<string, SalesforceErrorKind> = {
  INVALID_SESSION_ID: 'login_refused',
  invalid_grant: 'login_refused',
  invalid_client: 'login_refused',
  invalid_client_id: 'login_refused',
  API_DISABLED_FOR_ORG: 'login_refused',
  INSUFFICIENT_ACCESS: 'access_denied',
  NOT_FOUND: 'unknown_object',
  INVALID_TYPE: 'unknown_object',
  INVALID_FIELD: 'bad_request',
  MALFORMED_QUERY: 'bad_request',
  INVALID_OPERATION_WITH_EXPIRED_PASSWORD: 'bad_request',
  REQUEST_LIMIT_EXCEEDED: 'request_limit',
};

/** A refused login as the Streaming API's handshake or jsforce's OAuth2 transport words it. */
const LOGIN_REFUSED_TEXT = /invalid_grant|invalid_client|authentication failure|INVALID_LOGIN/i;

/** Salesforce's error code of a jsforce failure (`errorCode`, or the OAuth error in `name`). */
export function salesforceErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { errorCode?: unknown; name?: unknown };
  if (typeof e.errorCode === 'string') return e.errorCode;
  return typeof e.name === 'string' ? e.name : undefined;
}

/** What a failure means; undefined for anything else (network, 5xx, a bug): retry or report as it is. */
export function classifySalesforceError(err: unknown): SalesforceErrorKind | undefined {
  const code = salesforceErrorCode(err);
  return code === undefined ? undefined : KIND_BY_CODE[code];
}

/** A refused login, by code or (where Salesforce gives none, as in a Streaming handshake) by its text. */
export function isLoginRefused(err: unknown): boolean {
  if (classifySalesforceError(err) === 'login_refused') return true;
  return LOGIN_REFUSED_TEXT.test(`${salesforceErrorCode(err) ?? ''} ${errorText(err)}`);
}

export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

/** No org is configured for this process: nothing can reach Salesforce until one is. */
export class SalesforceNotConfigured extends Error {
  readonly errorCode = 'NOT_CONFIGURED';
  constructor() {
    super('No Salesforce org is configured (SF_LOGIN_URL, SF_CLIENT_ID, SF_CLIENT_SECRET …)');
    this.name = 'SalesforceNotConfigured';
  }
}

/** Error codes Salesforce (and its load balancers) answer a 5xx with: the same request may well work again. */
const TRANSIENT_CODES = new Set(['SERVER_UNAVAILABLE', 'UNKNOWN_EXCEPTION', 'BAD_GATEWAY', 'GATEWAY_TIMEOUT', 'ERROR_HTTP_500', 'ERROR_HTTP_502', 'ERROR_HTTP_503', 'ERROR_HTTP_504']);
/** A connection that broke before an answer (reset, refused, timed out, hung up). */
const NETWORK_TEXT = /socket hang up|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|network|terminated/i;

/**
 * A failure worth repeating the same request for at once (a 5xx or a dropped connection), as opposed to one
 * Salesforce means (a limit, a refusal, a bad request) or ferry's own (a spent budget).
 */
export function isTransientFailure(err: unknown): boolean {
  if (classifySalesforceError(err) !== undefined) return false;
  const code = salesforceErrorCode(err);
  if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
  const e = err as { statusCode?: unknown; code?: unknown } | null;
  if (typeof e?.statusCode === 'number' && e.statusCode >= 500) return true;
  if (typeof e?.code === 'string' && /^E[A-Z_]+$/.test(e.code) && NETWORK_TEXT.test(e.code)) return true;
  return NETWORK_TEXT.test(errorText(err));
}
