// What the API asks the org directly (describe, record counts, identity, limits). The API holds its own
// SalesforceSessions (one login per process, renewed on expiry). These calls happen before a mapping exists,
// or are about the org rather than a mapping, so they are counted in the API-call ledger under the
// connection's own key; they are rate-limited per process and describes are cached (api/org-call-limits.ts).
import { Connection as JsforceConnection, OAuth2, type Connection, type DescribeSObjectResult, type IdentityInfo } from 'jsforce';
import { openMeteredConnection } from '../salesforce/metered-connection';
import type { SalesforceSessions } from '../salesforce/session';
import { classifySalesforceError, salesforceErrorCode } from '../salesforce/errors';
import { reserveApiCalls } from '../store/api-call-ledger';
import { isSalesforceApiName } from '../domain/sf-names';
import type { Pool } from '../infra/db';
import { CONNECTION_LEDGER_KEY, DEFAULT_ORG_CALLS_PER_MINUTE, DESCRIBE_TTL_MS, TokenBucket, TtlCache } from './org-call-limits';
import { Unavailable, badConfig } from './problem';
import { callSalesforce, isPostgresOutage } from './upstream';


export interface OrgClientOptions {
  /** Where each call is counted (ferry.api_call_ledger under CONNECTION_LEDGER_KEY); no pool, no count. */
  pool?: Pool;
  /** Org operations per minute this process may start (token bucket); more answer 429. */
  perMinute?: number;
  describeTtlMs?: number;
}

export class OrgClient {
  private readonly bucket: TokenBucket;
  private readonly describes: TtlCache<DescribeSObjectResult | undefined>;

  constructor(
    private readonly sessions: SalesforceSessions | undefined, private readonly timeoutMs: number, private readonly opts: OrgClientOptions = {},
  ) {
    this.bucket = new TokenBucket(opts.perMinute ?? DEFAULT_ORG_CALLS_PER_MINUTE);
    this.describes = new TtlCache(opts.describeTtlMs ?? DESCRIBE_TTL_MS);
  }

  get callsPerMinute(): number {
    return this.bucket.perMinute;
  }

  /** Counts one HTTP call to the org in the connection's ledger before it is made. */
  private readonly count = async (): Promise<void> => {
    const pool = this.opts.pool;
    if (!pool) return;
    try {
      await reserveApiCalls(pool, CONNECTION_LEDGER_KEY, 1, null);
    } catch (err) {
      if (isPostgresOutage(err)) throw new Unavailable('Postgres', 'the API-call ledger cannot be written');
      throw err;
    }
  };

  get apiVersion(): string | undefined {
    return this.sessions?.credentials.apiVersion;
  }

  private async run<T>(fn: (conn: Connection) => Promise<T>): Promise<T> {
    const sessions = this.sessions;
    if (!sessions) throw new Unavailable('Salesforce', 'no org is configured (set SF_LOGIN_URL, SF_CLIENT_ID, SF_CLIENT_SECRET …)');
    this.bucket.take();
    return callSalesforce(this.timeoutMs, async () => {
      try {
        // Every HTTP call (a session renewal's retry too) is counted; OAuth logins are not, as Salesforce does not.
        const conn = await openMeteredConnection(sessions, this.count);
        return await fn(conn);
      } catch (err) {
        if (classifySalesforceError(err) === 'login_refused') throw new Unavailable('Salesforce', `the org refused ferry's credentials (${salesforceErrorCode(err)})`);
        throw err;
      }
    });
  }

  /** The object's describe, or undefined when the org has no such object (or hides it from this user). */
  describe(objectName: string): Promise<DescribeSObjectResult | undefined> {
    if (!isSalesforceApiName(objectName)) return Promise.resolve(undefined);
    // Object names are case-insensitive in Salesforce; an unknown object is remembered as briefly as a known one.
    return this.describes.get(objectName.toLowerCase(), () => this.run(async (conn) => {
      try {
        return await conn.describe(objectName);
      } catch (err) {
        if (classifySalesforceError(err) === 'unknown_object') return undefined;
        throw err;
      }
    }));
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
        if (classifySalesforceError(err) === 'unknown_object') {
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
