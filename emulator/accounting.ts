// The org's API allowances over a rolling 24 hours, counted in one-minute buckets so memory stays constant
// however many calls a benchmark makes. 'rest' is every API request (Bulk 2.0 HTTP calls included: each is
// one DailyApiRequests call in Salesforce too); 'bulk2-query' and 'bulk2-ingest' are the job allowances
// (DailyBulkV2QueryJobs, DailyBulkApiBatches).
import { SfRequestError, type ApiAccounting, type ApiCallKind } from './contract.js';

const MINUTE_MS = 60_000;
const WINDOW_MINUTES = 24 * 60;

class RollingCounter {
  private readonly buckets = new Map<number, number>();
  private total = 0;
  constructor(private readonly now: () => number) {}
  add(): void {
    const minute = Math.floor(this.now() / MINUTE_MS);
    this.prune(minute);
    this.buckets.set(minute, (this.buckets.get(minute) ?? 0) + 1);
    this.total++;
  }
  used(): number {
    this.prune(Math.floor(this.now() / MINUTE_MS));
    return this.total;
  }
  reset(): void {
    this.buckets.clear();
    this.total = 0;
  }
  private prune(minute: number): void {
    for (const [m, n] of this.buckets) {
      if (m > minute - WINDOW_MINUTES) break;
      this.buckets.delete(m);
      this.total -= n;
    }
  }
}

export interface AccountingOptions {
  dailyApiRequests: number;
  dailyBulkV2QueryJobs?: number;
  dailyBulkApiBatches?: number;
  now?: () => number;
}

export interface ApiCounters {
  total: number;
  byKind: Record<string, number>;
  byFamily: Record<string, number>;
  rejected: number;
}

export class OrgApiAccounting implements ApiAccounting {
  private readonly counters = new Map<ApiCallKind, RollingCounter>();
  private readonly limits: Record<ApiCallKind, number>;
  private stats: ApiCounters = { total: 0, byKind: {}, byFamily: {}, rejected: 0 };
  /** Admin fault: every charge fails as if the allowance were spent. */
  forceLimitExceeded = false;

  constructor(opts: AccountingOptions) {
    const now = opts.now ?? Date.now;
    this.limits = {
      rest: opts.dailyApiRequests,
      'bulk2-query': opts.dailyBulkV2QueryJobs ?? 10_000,
      'bulk2-ingest': opts.dailyBulkApiBatches ?? 15_000,
    };
    for (const kind of Object.keys(this.limits) as ApiCallKind[]) this.counters.set(kind, new RollingCounter(now));
  }

  charge(kind: ApiCallKind): void {
    const counter = this.counters.get(kind)!;
    if (this.forceLimitExceeded || counter.used() >= this.limits[kind]) {
      this.stats.rejected++;
      throw new SfRequestError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    }
    counter.add();
    this.stats.byKind[kind] = (this.stats.byKind[kind] ?? 0) + 1;
    if (kind === 'rest') this.stats.total++;
  }

  /** Counts a charged request against its path family (query, sobjects, composite, jobs/query, …). */
  recordFamily(family: string): void {
    this.stats.byFamily[family] = (this.stats.byFamily[family] ?? 0) + 1;
  }

  usage(): { used: number; max: number } {
    return { used: this.counters.get('rest')!.used(), max: this.limits.rest };
  }

  allowance(kind: ApiCallKind): { used: number; max: number } {
    return { used: this.counters.get(kind)!.used(), max: this.limits[kind] };
  }

  setDailyApiRequests(max: number): void {
    this.limits.rest = max;
  }

  snapshot(): ApiCounters {
    return structuredClone(this.stats);
  }

  /** Forgets usage and counters (admin reset). */
  reset(): void {
    for (const c of this.counters.values()) c.reset();
    this.stats = { total: 0, byKind: {}, byFamily: {}, rejected: 0 };
    this.forceLimitExceeded = false;
  }
}
