// OAuth sessions of ferry's emulator: opaque access tokens with a lifetime, refresh tokens that outlive them,
// and an admin switch that expires every session at once (jsforce must then refresh transparently).
import { randomBytes } from 'node:crypto';
import type { SessionAuth } from '../contract.js';

export interface Session {
  userId: string;
  orgId: string;
  issuedAt: number;
  expiresAt: number;
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random letters and digits only, so tokens survive headers, URLs and form bodies unescaped. */
function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALNUM[bytes[i] % ALNUM.length];
  return out;
}

export class SessionStore implements SessionAuth {
  private readonly access = new Map<string, Session>();
  private readonly refresh = new Map<string, { userId: string; orgId: string }>();

  constructor(private readonly lifetimeMs: number, private readonly now: () => number = Date.now) {}

  /** A new access token `00D…!AQ…` for the user. */
  issue(userId: string, orgId: string): { token: string; session: Session } {
    this.prune();
    const token = `${orgId.slice(0, 15)}!AQ${randomToken(94)}`;
    const issuedAt = this.now();
    const session = { userId, orgId, issuedAt, expiresAt: issuedAt + this.lifetimeMs };
    this.access.set(token, session);
    return { token, session };
  }

  issueRefreshToken(userId: string, orgId: string): string {
    const token = `5Aep861${randomToken(80)}`;
    this.refresh.set(token, { userId, orgId });
    return token;
  }

  redeemRefreshToken(token: string): { userId: string; orgId: string } | undefined {
    return this.refresh.get(token);
  }

  verify(accessToken: string): { userId: string; orgId: string } | undefined {
    const s = this.access.get(accessToken);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.access.delete(accessToken);
      return undefined;
    }
    return { userId: s.userId, orgId: s.orgId };
  }

  /** Revokes one access or refresh token (revoking a refresh token ends its sessions too); false if unknown. */
  revoke(token: string): boolean {
    const refresh = this.refresh.get(token);
    if (refresh) {
      this.refresh.delete(token);
      return true;
    }
    return this.access.delete(token);
  }

  /** Expires every access token (refresh tokens stay valid, as when Salesforce times sessions out). */
  expireAll(): number {
    const n = this.access.size;
    this.access.clear();
    return n;
  }

  /** Forgets refresh tokens too (as if the connected app's tokens were revoked). */
  revokeAll(): void {
    this.access.clear();
    this.refresh.clear();
  }

  activeSessions(): number {
    this.prune();
    return this.access.size;
  }

  private prune(): void {
    if (this.access.size < 10_000) return;
    const now = this.now();
    for (const [token, s] of this.access) if (s.expiresAt <= now) this.access.delete(token);
  }
}
