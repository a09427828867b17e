// Faults of the org's time, which make a real org's behaviour reproducible:
// - a clock offset: the org's clock runs `clockOffsetMs` ahead of (or, negative, behind) the machine's. Every
//   SystemModstamp, date literal, getUpdated/getDeleted bound and the `Date` header of every response is on the
//   org's clock, so a client trusting its own clock is off by the offset.
// - slow transactions: an API write (REST sObject or collection request) takes its SystemModstamp when it
//   starts but commits — becomes visible to queries, publishes its change events, answers the client —
//   `commitDelayMs` later, as a big Apex/Flow transaction, a trigger doing callouts or a Bulk batch does.
//   getUpdated/getDeleted hold latestDateCovered back to the oldest write still committing, as Salesforce does.
//   (Record locks are not modelled: a write to the same record while a slow one is open is not held back.)
// Set through `createEmulator({ clockOffsetMs, commitDelayMs })` or the admin API:
//   GET /__emulator/org-time · PUT|POST /__emulator/org-time {"clockOffsetMs": -30000, "commitDelayMs": 20000}
//   DELETE /__emulator/org-time (both back to 0)
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';
import express from 'express';
import type { OrgClock } from '../org/clock.js';

export interface OrgTimeConfig {
  /** The org's clock minus the machine's, in ms (may be negative). */
  clockOffsetMs: number;
  /** How long an API write stays invisible after taking its SystemModstamp. */
  commitDelayMs: number;
}

export interface OrgTimeStatus extends OrgTimeConfig {
  /** The org's time now (ISO). */
  orgNow: string;
  /** API writes committed late so far, and those still committing. */
  slowCommits: number;
  openCommits: number;
}

const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE']);
/** Beyond this an offset or delay is a typo, not a fault (a day). */
const MAX_ABS_MS = 86_400_000;

export class OrgTimeFaults {
  private config: OrgTimeConfig = { clockOffsetMs: 0, commitDelayMs: 0 };
  /** The stamp a late commit keeps from its start, for the code running its request. */
  private readonly pinned = new AsyncLocalStorage<number>();
  /** Stamps of writes still committing (one entry per write). */
  private readonly open: number[] = [];
  private slowCommits = 0;

  constructor(initial: Partial<OrgTimeConfig> = {}) {
    this.set(initial);
  }

  /** The org's clock. */
  readonly now = (): number => Date.now() + this.config.clockOffsetMs;

  get(): OrgTimeConfig {
    return { ...this.config };
  }

  status(): OrgTimeStatus {
    return { ...this.get(), orgNow: new Date(this.now()).toISOString(), slowCommits: this.slowCommits, openCommits: this.open.length };
  }

  /** Merges `patch`; throws on nonsense values. Moving the clock back does not make stamps go back (OrgClock). */
  set(patch: Partial<OrgTimeConfig>): OrgTimeConfig {
    const next = { ...this.config };
    for (const [key, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      if (key !== 'clockOffsetMs' && key !== 'commitDelayMs') throw new Error(`unknown org-time setting "${key}" (clockOffsetMs, commitDelayMs)`);
      if (!Number.isInteger(value) || Math.abs(value) > MAX_ABS_MS) throw new Error(`${key} must be an integer of at most ${MAX_ABS_MS} ms in size`);
      if (key === 'commitDelayMs' && value < 0) throw new Error('commitDelayMs must be ≥ 0');
      next[key] = value;
    }
    this.config = next;
    return this.get();
  }

  clear(): OrgTimeConfig {
    return this.set({ clockOffsetMs: 0, commitDelayMs: 0 });
  }

  /** Lets `clock` stamp a late commit with the stamp its write took when it started. */
  attach(clock: OrgClock): void {
    clock.pinned = () => this.pinned.getStore();
  }

  /** The stamp of the oldest write still committing; null when none is. */
  oldestOpenStamp(): number | null {
    return this.open.length === 0 ? null : Math.min(...this.open);
  }

  /** Every response's Date header on the org's clock, set when the response's headers are written. */
  dateHeader(): express.RequestHandler {
    const now = this.now;
    return (_req, res, next) => {
      const writeHead = res.writeHead;
      res.writeHead = function writeHeadOnOrgClock(this: ServerResponse, ...args: unknown[]) {
        if (!this.headersSent) this.setHeader('Date', new Date(now()).toUTCString());
        return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
      } as typeof res.writeHead;
      next();
    };
  }

  /**
   * For the API router, after body parsing: an API write takes its stamp now and runs `commitDelayMs` later
   * with that stamp (the route handlers are synchronous, and the stamp is pinned for the request's code only).
   */
  commitDelay(clock: OrgClock): express.RequestHandler {
    return (req, _res, next) => {
      const delay = this.config.commitDelayMs;
      if (delay === 0 || !WRITE_METHODS.has(req.method) || req.path.startsWith('/jobs')) {
        next();
        return;
      }
      const stamp = clock.next();
      this.open.push(stamp);
      setTimeout(() => {
        this.open.splice(this.open.indexOf(stamp), 1);
        this.slowCommits++;
        this.pinned.run(stamp, next);
      }, delay);
    };
  }

  router(): express.Router {
    const router = express.Router();
    router.use('/org-time', express.json());
    router.get('/org-time', (_req, res) => {
      res.json(this.status());
    });
    const put: express.RequestHandler = (req, res) => {
      const body: unknown = req.body;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        res.status(400).json({ error: 'body must be an object like {"clockOffsetMs": -30000, "commitDelayMs": 20000}' });
        return;
      }
      try {
        this.set(body as Partial<OrgTimeConfig>);
      } catch (err) {
        res.status(400).json({ error: (err as Error).message });
        return;
      }
      res.json(this.status());
    };
    router.put('/org-time', put);
    router.post('/org-time', put);
    router.delete('/org-time', (_req, res) => {
      this.clear();
      res.json(this.status());
    });
    return router;
  }
}
