// REST query, queryAll and queryMore. A query's matching rows are fixed when it runs (totalSize up front);
// pages are cut from the cursor on demand. The locator names the cursor and the page's offset
// (`01gFy000000001xAAA-2000`), so re-reading a locator — jsforce retries GETs after a 5xx — returns the same
// page. Locators never contain '/': jsforce keeps only the last path segment of nextRecordsUrl.
import express from 'express';
import { SfRequestError, type EmulatorContext, type QueryCursor } from '../contract.js';
import { makeId } from '../org/ids.js';

const DEFAULT_BATCH = 2000;
const MIN_BATCH = 200;
const MAX_BATCH = 2000;
const IDLE_MS = 15 * 60_000;
const MAX_OPEN_CURSORS = 500;
/** Rows all open cursors may pin (each pins its matching row numbers), oldest evicted first. */
const MAX_OPEN_ROWS = 20_000_000;

interface OpenCursor {
  cursor: QueryCursor;
  batchSize: number;
  lastUsed: number;
}

export class QueryLocators {
  private readonly open = new Map<string, OpenCursor>();
  private seq = 0;

  add(cursor: QueryCursor, batchSize: number): string {
    const key = makeId('01g', ++this.seq).slice(0, 15);
    this.open.set(key, { cursor, batchSize, lastUsed: Date.now() });
    this.evict(key);
    return key;
  }

  get(key: string): OpenCursor | undefined {
    const c = this.open.get(key);
    if (c) {
      c.lastUsed = Date.now();
      // Re-insert to keep the map in least-recently-used order.
      this.open.delete(key);
      this.open.set(key, c);
    }
    return c;
  }

  clear(): void {
    this.open.clear();
  }

  /** Drops idle or surplus cursors, oldest first, never `keep` (the one just opened). */
  private evict(keep: string): void {
    const now = Date.now();
    let rows = 0;
    for (const c of this.open.values()) rows += c.cursor.size;
    for (const [key, c] of this.open) {
      if (key === keep || (this.open.size <= MAX_OPEN_CURSORS && rows <= MAX_OPEN_ROWS && now - c.lastUsed < IDLE_MS)) break;
      this.open.delete(key);
      rows -= c.cursor.size;
    }
  }
}

/** `Sforce-Query-Options: batchSize=N` clamped to Salesforce's 200..2000. */
export function batchSizeOf(header: string | undefined): number {
  const m = header ? /batchSize\s*=\s*(\d+)/i.exec(header) : null;
  if (!m) return DEFAULT_BATCH;
  return Math.min(MAX_BATCH, Math.max(MIN_BATCH, Number(m[1])));
}

function page(version: string, key: string, open: OpenCursor, offset: number) {
  const { cursor, batchSize } = open;
  if (cursor.count !== null) return { totalSize: cursor.count, done: true, records: [] };
  const end = Math.min(cursor.size, offset + batchSize);
  const records = [];
  for (let i = offset; i < end; i++) records.push(cursor.row(i));
  const done = end >= cursor.size;
  return {
    totalSize: cursor.size,
    done,
    ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/query/${key}-${end}` }),
    records,
  };
}

export function queryRouter(ctx: EmulatorContext, locators: QueryLocators): express.Router {
  const router = express.Router({ mergeParams: true });
  const run = (scanAll: boolean): express.RequestHandler => (req, res) => {
    const explain = req.query.explain;
    if (typeof explain === 'string') {
      if (explain.trim() === '') throw new SfRequestError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
      res.json(ctx.org.explain(explain, (req.params as { version: string }).version));
      return;
    }
    const q = req.query.q;
    if (typeof q !== 'string' || q.trim() === '') throw new SfRequestError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
    const version = (req.params as { version: string }).version;
    const cursor = ctx.org.queryCursor(q, { scanAll, apiVersion: version });
    const open = { cursor, batchSize: batchSizeOf(req.get('Sforce-Query-Options')), lastUsed: Date.now() };
    const needsLocator = cursor.count === null && cursor.size > open.batchSize;
    const key = needsLocator ? locators.add(cursor, open.batchSize) : '';
    res.json(page(version, key, open, 0));
  };
  const more: express.RequestHandler = (req, res) => {
    const m = /^([0-9A-Za-z]{15})-(\d+)$/.exec((req.params as { locator: string }).locator);
    const open = m ? locators.get(m[1]) : undefined;
    if (!m || !open) throw new SfRequestError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const offset = Number(m[2]);
    if (offset > open.cursor.size) throw new SfRequestError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    res.json(page((req.params as { version: string }).version, m[1], open, offset));
  };
  router.get('/search', (req, res) => {
    const q = req.query.q;
    if (typeof q !== 'string' || q.trim() === '') throw new SfRequestError(400, 'MALFORMED_SEARCH', 'A search string has to be specified');
    res.json(ctx.org.search(q, (req.params as { version: string }).version));
  });
  router.get('/recent', (req, res) => {
    const limit = typeof req.query.limit === 'string' ? Math.min(200, Math.max(1, Number(req.query.limit) || 200)) : 200;
    res.json(ctx.org.recent(limit, (req.params as { version: string }).version));
  });
  router.get('/query', run(false));
  router.get('/queryAll', run(true));
  router.get('/query/:locator', more);
  router.get('/queryAll/:locator', more);
  return router;
}
