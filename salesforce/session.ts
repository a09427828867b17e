// One Salesforce session per worker process, shared by every activity: logging in is not free (and a real
// org rate-limits logins), so a token is reused until Salesforce says it expired, then renewed once for all.
import { Connection, OAuth2 } from 'jsforce';
import type { SalesforceCredentials } from '../infra/config';

export interface SalesforceSession {
  accessToken: string;
  instanceUrl: string;
}

export class SalesforceSessions {
  private current: Promise<SalesforceSession> | undefined;

  constructor(readonly credentials: SalesforceCredentials) {}

  get(): Promise<SalesforceSession> {
    this.current ??= this.login();
    // A failed login is not cached: the next activity attempt tries again.
    this.current.catch(() => (this.current = undefined));
    return this.current;
  }

  /** Replaces the session unless another caller already did since `stale` was handed out. */
  async renew(stale: string | undefined): Promise<SalesforceSession> {
    const now = await this.get();
    if (stale === undefined || now.accessToken === stale) {
      this.current = this.login();
      this.current.catch(() => (this.current = undefined));
    }
    return this.get();
  }

  private async login(): Promise<SalesforceSession> {
    const c = this.credentials;
    const oauth2 = new OAuth2({ loginUrl: c.loginUrl, clientId: c.clientId, clientSecret: c.clientSecret });
    const conn = new Connection({ oauth2, version: c.apiVersion });
    if (c.username !== undefined && c.password !== undefined) await conn.login(c.username, c.password);
    else await conn.authorize({ grant_type: 'client_credentials' });
    return { accessToken: conn.accessToken!, instanceUrl: conn.instanceUrl };
  }
}
