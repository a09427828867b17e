// Fault injection for the API surfaces (REST and Bulk 2.0; never the admin API or OAuth): added latency, 5xx
// answers, dropped connections (each on a fraction of requests or on the next N requests) and answers cut
// short or stalled mid-body (the next N), so tests can prove ferry's retries deterministically.
import type express from 'express';
import { prng } from '../org/seed.js';

export interface FaultConfig {
  /** Added delay in ms on `latencyFraction` of requests. */
  latencyMs: number;
  latencyFraction: number;
  /** Fraction of requests answered with `errorStatus` (503 SERVER_UNAVAILABLE by default). */
  errorFraction: number;
  errorStatus: number;
  /** The next N requests are answered with `errorStatus` (counts down). */
  errorCount: number;
  /** Fraction of requests whose socket is destroyed without an answer. */
  dropFraction: number;
  /** The next N requests are dropped (counts down). */
  dropCount: number;
  /**
   * The next N answers are cut short (counts down): their status, headers and the first half of their first
   * piece of body are sent, then the connection is closed — a download broken off midway.
   */
  cutCount: number;
  /** Like `cutCount`, but the connection stays open and nothing more is sent: a download that stalls. */
  stallCount: number;
  /**
   * Only requests whose `METHOD path` matches this regular expression are faulted (e.g.
   * `^GET [^ ]+/jobs/ingest/[^/]+$` for Bulk 2.0 job-status checks); empty: every request.
   */
  match: string;
}

export const NO_FAULTS: FaultConfig = {
  latencyMs: 0, latencyFraction: 1, errorFraction: 0, errorStatus: 503, errorCount: 0, dropFraction: 0, dropCount: 0, cutCount: 0, stallCount: 0, match: '',
};

export interface FaultStats {
  delayed: number;
  errors: number;
  dropped: number;
  cut: number;
  stalled: number;
}

const ERROR_CODES: Record<number, string> = { 500: 'UNKNOWN_EXCEPTION', 502: 'BAD_GATEWAY', 503: 'SERVER_UNAVAILABLE', 504: 'GATEWAY_TIMEOUT' };

export class FaultInjector {
  private config: FaultConfig = { ...NO_FAULTS };
  private random: () => number;
  private matcher: RegExp | null = null;
  stats: FaultStats = { delayed: 0, errors: 0, dropped: 0, cut: 0, stalled: 0 };

  constructor(private readonly randomSeed: number) {
    this.random = prng(randomSeed);
  }

  get(): FaultConfig {
    return { ...this.config };
  }

  /** Merges `patch` into the active faults; throws on nonsense values. */
  set(patch: Partial<FaultConfig>): FaultConfig {
    const next = { ...this.config, ...patch };
    for (const k of ['latencyFraction', 'errorFraction', 'dropFraction'] as const) {
      if (typeof next[k] !== 'number' || next[k] < 0 || next[k] > 1) throw new Error(`${k} must be a number in [0, 1]`);
    }
    for (const k of ['latencyMs', 'errorCount', 'dropCount', 'cutCount', 'stallCount'] as const) {
      if (!Number.isInteger(next[k]) || next[k] < 0) throw new Error(`${k} must be a non-negative integer`);
    }
    if (!Number.isInteger(next.errorStatus) || next.errorStatus < 500 || next.errorStatus > 599) throw new Error('errorStatus must be a 5xx status');
    if (typeof next.match !== 'string') throw new Error('match must be a regular expression (a string)');
    let matcher: RegExp | null;
    try {
      matcher = next.match === '' ? null : new RegExp(next.match);
    } catch {
      throw new Error('match must be a valid regular expression');
    }
    this.config = next;
    this.matcher = matcher;
    return this.get();
  }

  clear(): void {
    this.config = { ...NO_FAULTS };
    this.matcher = null;
    this.random = prng(this.randomSeed);
  }

  middleware(): express.RequestHandler {
    return (req, res, next) => {
      const c = this.config;
      if (this.matcher && !this.matcher.test(`${req.method} ${req.originalUrl.split('?')[0]}`)) {
        next();
        return;
      }
      if (c.dropCount > 0 || (c.dropFraction > 0 && this.random() < c.dropFraction)) {
        if (c.dropCount > 0) c.dropCount--;
        this.stats.dropped++;
        req.socket.destroy();
        return;
      }
      if (c.errorCount > 0 || (c.errorFraction > 0 && this.random() < c.errorFraction)) {
        if (c.errorCount > 0) c.errorCount--;
        this.stats.errors++;
        res.status(c.errorStatus).json([{ message: 'Injected fault: the server is temporarily unavailable', errorCode: ERROR_CODES[c.errorStatus] ?? 'SERVER_UNAVAILABLE' }]);
        return;
      }
      if (c.cutCount > 0) {
        c.cutCount--;
        this.stats.cut++;
        cutShort(res, true);
      } else if (c.stallCount > 0) {
        c.stallCount--;
        this.stats.stalled++;
        cutShort(res, false);
      }
      if (c.latencyMs > 0 && this.random() < c.latencyFraction) {
        this.stats.delayed++;
        setTimeout(next, c.latencyMs);
        return;
      }
      next();
    };
  }
}

/**
 * Makes `res` send its status, headers and half of its first piece of body, then close the connection
 * (`close`) or send nothing more, leaving it open (a stall: the client must give up on it).
 */
function cutShort(res: express.Response, close: boolean): void {
  const write = res.write.bind(res) as (chunk: unknown, callback: () => void) => boolean;
  let cut = false;
  const breakOff = (chunk: unknown): void => {
    if (cut) return;
    cut = true;
    const part = typeof chunk === 'string' ? chunk.slice(0, Math.ceil(chunk.length / 2))
      : Buffer.isBuffer(chunk) ? chunk.subarray(0, Math.ceil(chunk.length / 2)) : '';
    const after = () => (close ? res.destroy() : undefined);
    if (part.length === 0) after();
    else write(part, after);
  };
  res.write = ((chunk: unknown) => {
    breakOff(chunk);
    return true;
  }) as typeof res.write;
  res.end = ((chunk?: unknown) => {
    breakOff(typeof chunk === 'function' ? undefined : chunk);
    return res;
  }) as typeof res.end;
}
