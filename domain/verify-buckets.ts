// Drift detection by buckets: the Id space is split at boundary ids into ranges; each side (Postgres, Salesforce)
// tallies per bucket the count of records and two order-independent checksums of (Id, SystemModstamp), and only
// the buckets whose tallies differ are fetched again with all mapped fields (by Id range) and repaired.
//
//   boundaries  b0 < b1 < … < bk-1   (ids sampled from the table: hash(sfid) mod M = 0, so ~M rows a bucket)
//   buckets     (-∞, b0) [b0, b1) … [bk-1, +∞)          k + 1 buckets
//   tally       count, xor(h1), sum(h2) mod 2^32         h1, h2 = two 32-bit hashes of Id and the stamp in ms
//
// Ids compare as Salesforce compares them in SOQL and as Postgres's "C" collation does: by code unit. Pure: the
// verify activity (activities/verify-mapping.ts) does the I/O. Also the cost arithmetic (which fetch, how many
// calls) shared with POST /estimate.

/**
 * What one verify counted: the buckets compared, the rows found differing and repaired, and the Salesforce
 * calls it made. The verify activity's result, the workflow's last-verify record and ferry.verify_run all
 * carry these.
 */
export interface VerifyCounts {
  buckets: number;
  bucketsDiffering: number;
  /** Rows compared, both sides together. */
  rowsCompared: number;
  missing: number;
  stale: number;
  extra: number;
  /** Rows left alone (queued outbound changes, or changed after the watermark). */
  skipped: number;
  repaired: number;
  apiCalls: number;
}

/** Rows a bucket holds on average (the sampling modulus), for a table of `rows` rows: ≥ 8, ≤ 65,536 buckets. */
export function bucketModulus(rows: number): number {
  return Math.max(8, Math.ceil(rows / 65_536));
}

const ID_SHAPE = /^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$/;

/** True for a 15- or 18-character Salesforce id (the only text a boundary may be, as it goes into SOQL). */
export function isSalesforceId(id: string): boolean {
  return ID_SHAPE.test(id);
}

/** Sampled ids → sorted, distinct, id-shaped boundaries. */
export function boundariesOf(sampled: readonly string[]): string[] {
  const ids = [...new Set(sampled.filter(isSalesforceId))];
  ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return ids;
}

/** The bucket of `id`: the number of boundaries ≤ id (binary search). */
export function bucketOf(boundaries: readonly string[], id: string): number {
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (boundaries[mid] <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The second hash of the last rowHash call (no array per row: the tallies hash millions of rows). */
let secondHash = 0;

/** Two independent 32-bit hashes of (id, stampMs): FNV-1a variants with a murmur finalizer. */
export function rowHashes(id: string, stampMs: number): [number, number] {
  const a = rowHash(id, stampMs);
  return [a, secondHash];
}

/** The first hash of (id, stampMs); the second is left in `secondHash`. */
function rowHash(id: string, stampMs: number): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  const lowMs = stampMs % 4294967296;
  const highMs = Math.floor(stampMs / 4294967296);
  a = Math.imul(Math.imul(a ^ lowMs, 0x01000193) ^ highMs, 0x01000193);
  b = Math.imul(Math.imul(b ^ lowMs, 0x5bd1e995) ^ highMs, 0x5bd1e995);
  secondHash = fmix(b);
  return fmix(a);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** One side's per-bucket tallies. */
export class BucketTally {
  readonly counts: Int32Array;
  readonly xors: Uint32Array;
  readonly sums: Uint32Array;
  rows = 0;
  /** Hint: rows often arrive in id order, so the bucket of the previous row is tried first. */
  private last = 0;

  constructor(readonly boundaries: readonly string[]) {
    const n = boundaries.length + 1;
    this.counts = new Int32Array(n);
    this.xors = new Uint32Array(n);
    this.sums = new Uint32Array(n);
  }

  private find(id: string): number {
    const b = this.boundaries;
    const i = this.last;
    if ((i === 0 || b[i - 1] <= id) && (i === b.length || id < b[i])) return i;
    this.last = bucketOf(b, id);
    return this.last;
  }

  /** Adds a row (sign 1) or takes one away (sign -1); returns its bucket. */
  add(id: string, stampMs: number, sign: 1 | -1 = 1): number {
    const k = this.find(id);
    const h1 = rowHash(id, stampMs);
    const h2 = secondHash;
    this.counts[k] += sign;
    this.xors[k] ^= h1;
    this.sums[k] = (this.sums[k] + sign * h2) >>> 0;
    this.rows += sign;
    return k;
  }
}

/** Buckets whose tallies differ, ascending. */
export function differingBuckets(a: BucketTally, b: BucketTally): number[] {
  const out: number[] = [];
  for (let k = 0; k < a.counts.length; k++) {
    if (a.counts[k] !== b.counts[k] || a.xors[k] !== b.xors[k] || a.sums[k] !== b.sums[k]) out.push(k);
  }
  return out;
}

/** An Id range [lo, hi): null = unbounded on that side. */
export interface IdRange { lo: string | null; hi: string | null }

/** The Id ranges of `buckets` (ascending), adjacent buckets merged into one range. */
export function bucketRanges(boundaries: readonly string[], buckets: readonly number[]): IdRange[] {
  const out: IdRange[] = [];
  let prev = -2;
  for (const k of buckets) {
    const lo = k === 0 ? null : boundaries[k - 1];
    const hi = k === boundaries.length ? null : boundaries[k];
    if (k === prev + 1 && out.length > 0) out[out.length - 1].hi = hi;
    else out.push({ lo, hi });
    prev = k;
  }
  return out;
}

/** True when `id` lies in one of `ranges` (ascending, disjoint). */
export function inRanges(ranges: readonly IdRange[], id: string): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const r = ranges[mid];
    if (r.lo !== null && id < r.lo) hi = mid - 1;
    else if (r.hi !== null && id >= r.hi) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Id ranges per re-fetch Bulk query: keeps its SOQL well under Salesforce's 100,000-character limit. */
export const RANGES_PER_QUERY = 800;
/** Id ranges per re-fetch REST query: REST carries the SOQL in the URL, so it stays short. */
export const REST_RANGES_PER_QUERY = 100;

/**
 * How the differing buckets are re-fetched: REST when few ranges and rows make it cheaper, else Bulk 2.0
 * jobs of up to RANGES_PER_QUERY ranges each.
 */
export function refetchPlan(ranges: number, expectedRows: number): { mode: FetchMode; rangesPerQuery: number; queries: number } {
  const mode: FetchMode = ranges <= REST_RANGES_PER_QUERY && chooseFetch(expectedRows, REFETCH_BULK_PAGE_RECORDS) === 'rest' ? 'rest' : 'bulk';
  const rangesPerQuery = mode === 'rest' ? REST_RANGES_PER_QUERY : RANGES_PER_QUERY;
  return { mode, rangesPerQuery, queries: Math.max(1, Math.ceil(ranges / rangesPerQuery)) };
}

function rangeCondition(r: IdRange): string {
  for (const id of [r.lo, r.hi]) {
    if (id !== null && !isSalesforceId(id)) throw new Error(`Not a Salesforce id: ${JSON.stringify(id)}`);
  }
  const parts = [r.lo === null ? null : `Id >= '${r.lo}'`, r.hi === null ? null : `Id < '${r.hi}'`].filter((p) => p !== null);
  return parts.length === 0 ? '' : parts.join(' AND ');
}

/**
 * The one WHERE clause of every verify query: the mapping's extra condition (e.g. its record filter), ANDed
 * with the Id ranges to read (none: the whole object). '' when both are absent.
 * `WHERE (IsActive__c = true) AND ((Id >= '001…' AND Id < '001…') OR (Id >= '001…'))`
 */
export function verifyWhere(opts: { extraCondition?: string | null; ranges?: readonly IdRange[] }): string {
  const terms: string[] = [];
  if (opts.extraCondition) terms.push(`(${opts.extraCondition})`);
  const conds = (opts.ranges ?? []).map(rangeCondition);
  if (conds.some((c) => c === '')) {
    // An unbounded range covers everything: no Id condition at all.
  } else if (conds.length > 0) {
    terms.push(conds.length === 1 ? `(${conds[0]})` : `(${conds.map((c) => `(${c})`).join(' OR ')})`);
  }
  return terms.length === 0 ? '' : ` WHERE ${terms.join(' AND ')}`;
}

/** The day of the last stamp parsed, and its epoch ms (stamps of one object mostly share few days). */
let lastDay = '';
let lastDayMs = 0;

const digits = (text: string, from: number, len: number): number => {
  let v = 0;
  for (let i = from; i < from + len; i++) v = v * 10 + text.charCodeAt(i) - 48;
  return v;
};

/** SystemModstamp text as Salesforce writes it (`2026-12-06T04:00:00.000+0000` or `…Z`) → epoch ms; NaN if not. */
export function parseStampMs(text: string): number {
  const n = text.length;
  const utc = (n === 24 && text.charCodeAt(23) === 90 /* Z */) || (n === 28 && text.charCodeAt(23) === 43 /* + */ && text.endsWith('0000'));
  if (utc && text.charCodeAt(10) === 84 /* T */ && text.charCodeAt(19) === 46 /* . */) {
    if (!text.startsWith(lastDay) || lastDay === '') {
      lastDay = text.slice(0, 10);
      lastDayMs = Date.UTC(digits(text, 0, 4), digits(text, 5, 2) - 1, digits(text, 8, 2));
    }
    return lastDayMs + digits(text, 11, 2) * 3_600_000 + digits(text, 14, 2) * 60_000 + digits(text, 17, 2) * 1000 + digits(text, 20, 3);
  }
  return text === '' ? NaN : Date.parse(text);
}

// ── cost ──────────────────────────────────────────────────────────────────────────────────────────────

export const REST_PAGE_RECORDS = 2_000;
/** Records per results page of the verify's Bulk 2.0 jobs (two short columns for the comparison). */
export const VERIFY_BULK_PAGE_RECORDS = 500_000;
/** Records per results page when the differing buckets are re-fetched with all mapped fields. */
export const REFETCH_BULK_PAGE_RECORDS = 100_000;
/**
 * Status checks a verify expects a Bulk 2.0 job to need (low, high): as many as a load's (estimate.ts's
 * BULK_POLLS_HIGH), about 42 s of processing at the doubling interval salesforce/bulk-query.ts polls with.
 */
export const VERIFY_BULK_POLLS = { low: 1, high: 20 } as const;

export type FetchMode = 'rest' | 'bulk';

/** Calls to read `rows` records by REST (query + queryMore pages) or one Bulk 2.0 job (create, checks, pages, delete). */
export function fetchCalls(mode: FetchMode, rows: number, bulkPageRecords = VERIFY_BULK_PAGE_RECORDS): { low: number; high: number } {
  if (mode === 'rest') {
    const pages = Math.max(1, Math.ceil(rows / REST_PAGE_RECORDS));
    return { low: pages, high: pages };
  }
  const pages = Math.max(1, Math.ceil(rows / bulkPageRecords));
  return { low: 2 + VERIFY_BULK_POLLS.low + pages, high: 2 + VERIFY_BULK_POLLS.high + pages };
}

/** The cheaper way to read `rows` records (by the high estimate; REST on a tie: it needs no job). */
export function chooseFetch(rows: number, bulkPageRecords?: number): FetchMode {
  return fetchCalls('rest', rows).high <= fetchCalls('bulk', rows, bulkPageRecords).high ? 'rest' : 'bulk';
}

export interface VerifyEstimate {
  compare: { mode: FetchMode; low: number; high: number };
  repair: { low: number; high: number };
  low: number;
  high: number;
}

/**
 * What one verify of `rows` records costs: the comparison read (REST or Bulk, whichever is cheaper) plus the
 * re-fetch of the differing buckets; `driftRows` changed records touch at most that many buckets of
 * bucketModulus(rows) rows each (low: no drift, nothing re-fetched).
 */
export function estimateVerifyCalls(rows: number, driftRows = Math.ceil(rows * 0.001)): VerifyEstimate {
  const mode = chooseFetch(rows);
  const compare = { mode, ...fetchCalls(mode, rows) };
  const buckets = Math.min(driftRows, Math.ceil(rows / bucketModulus(rows)) + 1);
  const refetchRows = Math.min(rows + driftRows, buckets * bucketModulus(rows) * 2);
  const plan = refetchPlan(buckets, refetchRows);
  const queries = plan.queries;
  const perQuery = Math.ceil(refetchRows / queries);
  const each = fetchCalls(plan.mode, perQuery, REFETCH_BULK_PAGE_RECORDS);
  const repair = driftRows === 0 ? { low: 0, high: 0 } : { low: 0, high: queries * each.high };
  return { compare, repair, low: compare.low + repair.low, high: compare.high + repair.high };
}
