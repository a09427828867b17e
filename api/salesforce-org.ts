// What the API asks the org directly (describe, record counts, identity, limits). The API holds its own
// SalesforceSessions (one login per process, renewed on expiry) and makes these calls outside any mapping's
// ledger: they happen before a mapping exists, or are about the org rather than a mapping.
import { Connection as JsforceConnection, OAuth2, type Connection, type DescribeSObjectResult, type IdentityInfo } from 'jsforce';
import { openMeteredConnection } from '../activities/salesforce/metered-connection';
import type { SalesforceSessions } from '../activities/salesforce/session';
import { isSalesforceApiName } from '../domain/sf-names';
import { Unavailable, badConfig } from './problem';
import { callSalesforce } from './upstream';

const UNKNOWN_OBJECT_CODES = new Set(['NOT_FOUND', 'INVALID_TYPE']);
const LOGIN_REFUSED_CODES = new Set(['invalid_grant', 'invalid_client', 'invalid_client_id', 'INVALID_SESSION_ID', 'API_DISABLED_FOR_ORG']);

function errorCode(err: unknown): string | undefined {
  const e = err as { errorCode?: unknown; name?: unknown };
  if (typeof e?.errorCode === 'string') return e.errorCode;
  return typeof e?.name === 'string' ? e.name : undefined;
}

export class OrgClient {
  constructor(private readonly sessions: SalesforceSessions | undefined, private readonly timeoutMs: number) {}

  get apiVersion(): string | undefined {
    return this.sessions?.credentials.apiVersion;
  }

  private async run<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    const sessions = this.sessions;
    if (!sessions) throw new Unavailable('Salesforce', 'no org is configured (set SF_LOGIN_URL, SF_CLIENT_ID, SF_CLIENT_SECRET …)');
    return callSalesforce(this.timeoutMs, async () => {
      try {
        // No ledger: a no-op reservation. The connection still renews an expired session once.
        const conn = await openMeteredConnection(sessions, async () => undefined);
        return await fn(conn);
      } catch (err) {
        const code = errorCode(err);
        if (code && LOGIN_REFUSED_CODES.has(code)) throw new Unavailable('Salesforce', `the org refused ferry's credentials (${code})`);
        throw err;
      }
    });
  }

  /** The object's describe, or undefined when the org has no such object (or hides it from this user). */
  describe(objectName: string): Promise<DescribeSObjectResult | undefined> {
    if (!isSalesforceApiName(objectName)) return Promise.resolve(undefined);
    return this.run(async (conn) => {
      try {
        return await conn.describe(objectName);
      } catch (err) {
        if (UNKNOWN_OBJECT_CODES.has(errorCode(err) ?? '')) return undefined;
        throw err;
      }
    });
  }

  /** `SELECT COUNT() FROM <object>`: one API call, the size a load would read. */
  countRecords(objectName: string): Promise<number> {
    if (!isSalesforceApiName(objectName)) {
      throw badConfig([{ path: 'object_name', rule: 'api_name', message: `"${objectName}" is not a valid Salesforce object API name` }]);
    }
    return this.run(async (conn) => {
      try {
        return (await conn.query(`SELECT COUNT() FROM ${objectName}`)).totalSize;
      } catch (err) {
        if (UNKNOWN_OBJECT_CODES.has(errorCode(err) ?? '')) {
          const message = `Object "${objectName}" does not exist or is not visible to the connected user`;
          throw badConfig([{ path: 'object_name', rule: 'unknown_object', message }]);
        }
        throw err;
      }
    });
  }

  async about(): Promise<{ identity: IdentityInfo; limits: Awaited<ReturnType<Connection['limits']>>; instanceUrl: string; apiUsage: { used: number; limit: number } | null }> {
    return this.run(async (conn) => {
      this.identityUrl ??= this.findIdentityUrl(conn);
      this.identityUrl.catch(() => (this.identityUrl = undefined));
      const url = await this.identityUrl;
      // Not conn.identity(): it puts the access token in the URL's query string, and it crashes (an uncaught
      // TypeError inside jsforce) when the resource listing has no `identity`, as ferry's emulator's has not.
      const [identity, limits] = await Promise.all([conn.request<IdentityInfo>(url), conn.limits()]);
      // jsforce keeps the org-wide usage from the last answer's Sforce-Limit-Info header ("api-usage=used/limit").
      return { identity, limits, instanceUrl: conn.instanceUrl, apiUsage: conn.limitInfo?.apiUsage ?? null };
    });
  }

  /** The identity URL never changes for a set of credentials, so it is looked up once per process. */
  private identityUrl: Promise<string> | undefined;

  private async findIdentityUrl(conn: Connection): Promise<string> {
    const listing = await conn.request<Record<string, unknown>>(`/services/data/v${conn.version}`);
    if (typeof listing.identity === 'string') return listing.identity;
    // The OAuth token response names it: one extra login, once.
    const c = this.sessions!.credentials;
    const login = new JsforceConnection({ oauth2: new OAuth2({ loginUrl: c.loginUrl, clientId: c.clientId, clientSecret: c.clientSecret }), version: c.apiVersion });
    const info = c.username !== undefined && c.password !== undefined
      ? await login.login(c.username, c.password)
      : await login.authorize({ grant_type: 'client_credentials' });
    return info.url;
  }
}
