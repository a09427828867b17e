// Poll windows on the org's clock (domain/poll-window.ts): the functions alone, then a table of scenarios
// — clock skew, late-visible commits, ties at a window's start, empty windows — played against a model org,
// each also with the arithmetic polls used before (the worker's clock as the end of (from, to], the next window
// starting at `to`) to show what that loses and that these scenarios can tell the difference.
import { describe, expect, it } from 'vitest';
import {
  coveredAfterPoll, DATE_HEADER_RESOLUTION_MS, parseHttpDate, pollQuery, pollWindowStart, purgeSweepWindow,
} from '../../domain/poll-window.js';
import { pollOverlapMs, POLL_OVERLAP_DEFAULT_SECONDS } from '../../domain/mapping-rules.js';

const T0 = Date.UTC(2026, 11, 6, 1, 0, 0);

describe('parseHttpDate', () => {
  it.each<[string | undefined | null, number | null]>([
    ['Sun, 06 Dec 2026 01:00:00 GMT', T0],
    ['Sun, 06 Dec 2026 01:00:59 GMT', T0 + 59_000],
    [undefined, null],
    [null, null],
    ['', null],
    ['yesterday-ish', null],
  ])('%s → %s', (header, ms) => expect(parseHttpDate(header)).toBe(ms));
});

describe('pollWindowStart and pollQuery', () => {
  it.each([[T0, 300_000, T0 - 300_000], [T0, 0, T0], [T0, 5_000, T0 - 5_000]])('covered %i, overlap %i → %i', (covered, overlap, start) => {
    expect(pollWindowStart(covered, overlap)).toBe(start);
  });
  it('refuses a negative overlap or a coverage that is not a time', () => {
    expect(() => pollWindowStart(T0, -1)).toThrow(/overlap/);
    expect(() => pollWindowStart(NaN, 1000)).toThrow(/Not a timestamp/);
  });
  it('reads from the start inclusive, open-ended, in (SystemModstamp, Id) order', () => {
    expect(pollQuery('Contact', ['Id', 'Name'], T0)).toBe(
      'SELECT Id,Name FROM Contact WHERE SystemModstamp >= 2026-12-06T01:00:00.000Z ORDER BY SystemModstamp,Id');
  });
  it('defaults the overlap to a few minutes', () => {
    expect(POLL_OVERLAP_DEFAULT_SECONDS).toBe(300);
    expect(pollOverlapMs({})).toBe(300_000);
    expect(pollOverlapMs({ pollOverlapSeconds: 30 })).toBe(30_000);
  });
});

describe('coveredAfterPoll', () => {
  it.each<[string, number | null, number | null, number | null, number | null]>([
    ['the org time of the response', T0, T0 + 60_000, T0 + 59_000, T0 + 60_000],
    ['an empty window still advances to the org time', T0, T0 + 60_000, null, T0 + 60_000],
    ['without a Date header, the newest stamp read', T0, null, T0 + 42_000, T0 + 42_000],
    ['without either, coverage stays', T0, null, null, T0],
    ['never backwards (a response older than the coverage)', T0, T0 - 5_000, T0 - 6_000, T0],
    ['first coverage', null, T0, null, T0],
    ['nothing known yet', null, null, null, null],
  ])('%s', (_name, previous, orgTimeMs, newestStampMs, expected) => {
    expect(coveredAfterPoll(previous, { orgTimeMs, newestStampMs })).toBe(expected);
  });
});

describe('purgeSweepWindow', () => {
  const DAY = 86_400_000;
  it.each<[string, number, number, number, { startMs: number; endMs: number }]>([
    ['overlap behind the last sweep, up to the poll coverage', T0, 300_000, T0 + 3_600_000, { startMs: T0 - 300_000, endMs: T0 + 3_600_000 }],
    ['at least a minute long', T0, 5_000, T0, { startMs: T0 - 60_000, endMs: T0 }],
    ['no further back than Salesforce keeps deletions', T0 - 30 * DAY, 300_000, T0, { startMs: T0 - 14 * DAY, endMs: T0 }],
  ])('%s', (_name, swept, overlap, orgTime, expected) => {
    expect(purgeSweepWindow(swept, overlap, orgTime)).toEqual(expected);
  });
});

// ── scenarios against a model org ──────────────────────────────────────────────────────────────────────
interface Commit {
  id: string;
  /** SystemModstamp, on the org's clock. */
  stampMs: number;
  /** When the transaction commits (the org's clock): queries see the record from then on. */
  visibleAtMs: number;
}

interface Scenario {
  name: string;
  /** The worker's clock minus the org's. */
  skewMs: number;
  overlapMs: number;
  /** The org's time of the initial load (everything visible then is loaded). */
  loadAtOrgMs: number;
  commits: Commit[];
  /** When the worker polls, by its own clock. */
  pollsAtWorkerMs: number[];
  missed: string[];
  missedByWorkerClock: string[];
}

/** Every `everyMs` from `fromMs` for `count` polls. */
function every(fromMs: number, everyMs: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => fromMs + i * everyMs);
}

/** A Date header for the org's time `ms`: whole seconds, as HTTP sends it. */
function dateHeader(ms: number): string {
  return new Date(Math.floor(ms / DATE_HEADER_RESOLUTION_MS) * DATE_HEADER_RESOLUTION_MS).toUTCString();
}

function visibleAt(commits: Commit[], orgMs: number): Commit[] {
  return commits.filter((c) => c.visibleAtMs <= orgMs);
}

/** ferry's polls: windows from pollWindowStart, closed by the org's time of each response. */
function runOnOrgClock(s: Scenario): Set<string> {
  const seen = new Set(visibleAt(s.commits, s.loadAtOrgMs).map((c) => c.id));
  let covered: number | null = s.loadAtOrgMs;
  for (const workerMs of s.pollsAtWorkerMs) {
    const orgMs = workerMs - s.skewMs;
    const start = pollWindowStart(covered!, s.overlapMs);
    // pollQuery: SystemModstamp >= start, ordered by (SystemModstamp, Id), no upper bound.
    const read = visibleAt(s.commits, orgMs).filter((c) => c.stampMs >= start).sort((a, b) => a.stampMs - b.stampMs || a.id.localeCompare(b.id));
    for (const c of read) seen.add(c.id);
    covered = coveredAfterPoll(covered, { orgTimeMs: parseHttpDate(dateHeader(orgMs)), newestStampMs: read.at(-1)?.stampMs ?? null });
  }
  return seen;
}

/** The arithmetic polls used before: (from, to] with `to` the worker's clock, the next window from `to`. */
function runOnWorkerClock(s: Scenario): Set<string> {
  const seen = new Set(visibleAt(s.commits, s.loadAtOrgMs).map((c) => c.id));
  let from = s.loadAtOrgMs + s.skewMs;
  for (const workerMs of s.pollsAtWorkerMs) {
    const orgMs = workerMs - s.skewMs;
    for (const c of visibleAt(s.commits, orgMs)) if (c.stampMs > from && c.stampMs <= workerMs) seen.add(c.id);
    from = workerMs;
  }
  return seen;
}

/** A steady stream: one commit every `everyMs` from `fromMs`, each visible `delayMs` after its stamp. */
function stream(prefix: string, fromMs: number, everyMs: number, count: number, delayMs = 0): Commit[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${prefix}${i}`, stampMs: fromMs + i * everyMs, visibleAtMs: fromMs + i * everyMs + delayMs }));
}

const missedIds = (commits: Commit[], seen: Set<string>) => commits.filter((c) => !seen.has(c.id)).map((c) => c.id);

/** Changes every 700 ms for 60 s; polls every 2 s by the worker's clock, going on 60 s after the last change. */
const STEADY = stream('c', T0 + 1_000, 700, 86);
const POLLS_EVERY_2S = (skewMs: number) => every(T0 + 2_000 + skewMs, 2_000, 60);

const SCENARIOS: Scenario[] = [
  {
    name: 'no skew, commits visible at once',
    skewMs: 0, overlapMs: 5_000, loadAtOrgMs: T0, commits: STEADY, pollsAtWorkerMs: POLLS_EVERY_2S(0),
    missed: [], missedByWorkerClock: [],
  },
  {
    // The worker closes each window 30 s in the org's future, and the next one starts there: with polls every
    // 2 s, every window lies wholly in the org's future, and nothing that commits meanwhile is ever asked for.
    name: 'worker clock 30 s ahead of the org',
    skewMs: 30_000, overlapMs: 5_000, loadAtOrgMs: T0, commits: STEADY, pollsAtWorkerMs: POLLS_EVERY_2S(30_000),
    missed: [], missedByWorkerClock: STEADY.map((c) => c.id),
  },
  {
    // Behind, the worker only reads late; nothing is lost once the polls catch up.
    name: 'worker clock 30 s behind the org',
    skewMs: -30_000, overlapMs: 5_000, loadAtOrgMs: T0, commits: STEADY, pollsAtWorkerMs: POLLS_EVERY_2S(-30_000),
    missed: [], missedByWorkerClock: [],
  },
  {
    name: 'transactions invisible for 20 s, overlap 30 s',
    skewMs: 0, overlapMs: 30_000, loadAtOrgMs: T0, commits: stream('s', T0 + 1_000, 700, 86, 20_000), pollsAtWorkerMs: POLLS_EVERY_2S(0),
    missed: [], missedByWorkerClock: stream('s', T0 + 1_000, 700, 86, 20_000).map((c) => c.id),
  },
  {
    // What the overlap does not cover: a commit later than the overlap behind its stamp.
    name: 'transactions invisible for 20 s, overlap only 10 s',
    skewMs: 0, overlapMs: 10_000, loadAtOrgMs: T0, commits: stream('s', T0 + 1_000, 700, 86, 20_000), pollsAtWorkerMs: POLLS_EVERY_2S(0),
    missed: stream('s', T0 + 1_000, 700, 86, 20_000).map((c) => c.id), missedByWorkerClock: stream('s', T0 + 1_000, 700, 86, 20_000).map((c) => c.id),
  },
  {
    // Two records share a stamp exactly at the next window's start; one commits after the poll that passed it.
    name: 'ties at a window start are read again together',
    skewMs: 0, overlapMs: 5_000, loadAtOrgMs: T0,
    commits: [
      { id: 'tie-a', stampMs: T0 + 5_000, visibleAtMs: T0 + 5_000 },
      { id: 'tie-b', stampMs: T0 + 5_000, visibleAtMs: T0 + 10_500 },
    ],
    pollsAtWorkerMs: [T0 + 10_000, T0 + 12_000],
    missed: [], missedByWorkerClock: ['tie-b'],
  },
  {
    name: 'empty windows move the coverage on (a later change is still read)',
    skewMs: 0, overlapMs: 5_000, loadAtOrgMs: T0,
    commits: [{ id: 'late-quiet', stampMs: T0 + 59_000, visibleAtMs: T0 + 59_000 }],
    pollsAtWorkerMs: every(T0 + 2_000, 2_000, 40),
    missed: [], missedByWorkerClock: [],
  },
];

describe('scenarios', () => {
  it.each(SCENARIOS.map((s) => [s.name, s] as const))('%s', (_name, s) => {
    expect(missedIds(s.commits, runOnOrgClock(s))).toEqual(s.missed);
    expect(missedIds(s.commits, runOnWorkerClock(s))).toEqual(s.missedByWorkerClock);
  });

  it('a worker clock ahead loses changes with the old arithmetic (the scenarios can tell)', () => {
    expect(SCENARIOS.find((s) => s.name.includes('30 s ahead'))!.missedByWorkerClock.length).toBeGreaterThan(0);
  });
});
