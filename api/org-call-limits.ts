// What bounds the API's own calls to the org (describes, COUNT() queries, identity and limits): every call is
// counted in the API-call ledger under the connection's key (not a mapping's), and an API process makes at
// most `perMinute` org operations a minute — a token bucket, so a burst of a few is fine but a client in a
// loop cannot spend the org's daily allowance. A describe is remembered for a few minutes, so validating
// mappings asks the org once per object.
import { Problem } from './problem';

/** Ledger key of the API's calls: not a `<schema>.<table>` mapping id, so it never collides with one. */
export const CONNECTION_LEDGER_KEY = ':connection';

export const DEFAULT_ORG_CALLS_PER_MINUTE = 60;
export const DESCRIBE_TTL_MS = 5 * 60_000;

export class TooManyOrgCalls extends Problem {
  constructor(readonly retryAfterSeconds: number, perMinute: number) {
    super(429, `This API process makes at most ${perMinute} calls to Salesforce a minute (they spend the org's daily API allowance); retry in ${retryAfterSeconds} s`,
      undefined, '/problems/org-rate-limited');
  }
}

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(readonly perMinute: number, private readonly now: () => number = Date.now) {
    this.tokens = perMinute;
    this.at = now();
  }

  /** Takes one token, or throws TooManyOrgCalls saying when the next one is due. */
  take(): void {
    const t = this.now();
    this.tokens = Math.min(this.perMinute, this.tokens + ((t - this.at) * this.perMinute) / 60_000);
    this.at = t;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return;
    }
    throw new TooManyOrgCalls(Math.max(1, Math.ceil(((1 - this.tokens) * 60_000) / this.perMinute / 1000)), this.perMinute);
  }
}

/** A value per key for `ttlMs`; a pending lookup is shared by concurrent callers, a failed one is forgotten. */
export class TtlCache<T> {
  private entries = new Map<string, { value: Promise<T>; expires: number }>();

  constructor(private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const t = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > t) return hit.value;
    const value = load();
    this.entries.set(key, { value, expires: t + this.ttlMs });
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }
}
