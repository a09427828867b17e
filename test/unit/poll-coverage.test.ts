// How a mapping's coverage of the org moves (workflows/mapping/machine.ts with domain/poll-window.ts): set by
// the load's org time, advanced only by what polls learned of the org's clock, read back with the mapping's
// overlap by every poll — regular or the catch-up a stream asks for — and by purge sweeps.
import { describe, expect, it } from 'vitest';
import type { MappingMachine } from '../../workflows/mapping/machine';
import { machine, result, succeed } from '../support/machine';
import { mappingConfig } from '../support/mappings';

const T = Date.UTC(2026, 11, 6, 1, 0, 0);
const HOUR = 3_600_000;

function loadedMachine(config: Record<string, unknown> = {}, loadAtMs = T) {
  const cfg = mappingConfig('Account', ['Id', 'Name'], { access: 'read_only', ...config });
  const m = machine(cfg);
  succeed(m, 'prepare', loadAtMs);
  succeed(m, 'set-access', loadAtMs, result['set-access']({ access: 'read_only' }));
  succeed(m, 'load', loadAtMs + 50_000, result.load({ mode: 'rest', startedAtMs: loadAtMs }));
  return m;
}

/** The coverage the next regular poll reads from, as the step the machine hands the activity says. */
function nextPollFrom(m: MappingMachine, nowMs: number): number {
  m.syncNow();
  const step = m.nextStep(nowMs);
  if (step.kind !== 'poll') throw new Error(`expected a poll, got ${JSON.stringify(step)}`);
  return step.input.fromMs;
}

function covered(m: MappingMachine): number | null {
  return m.carry().watermarkMs;
}

describe('coverage after polls', () => {
  it.each<[string, (number | null)[], number]>([
    ['the load covers up to its org time', [], T],
    ['a poll covers up to its response time', [T + 60_000], T + 60_000],
    ['a poll that learned no org time leaves it', [T + 60_000, null], T + 60_000],
    ['an older response does not move it back', [T + 60_000, T + 30_000], T + 60_000],
    ['polls in a row', [T + 2_000, T + 4_000, T + 6_000], T + 6_000],
  ])('%s', (_name, tos, expected) => {
    const m = loadedMachine();
    tos.forEach((toMs, i) => {
      m.syncNow();
      succeed(m, 'poll', T + 100_000 + i, result.poll({ toMs }));
    });
    expect(covered(m)).toBe(expected);
    expect(nextPollFrom(m, T + 200_000)).toBe(expected - 300_000);
  });

  it('reads the configured overlap, and a changed overlap at once', () => {
    const m = loadedMachine({ poll_overlap_seconds: 30 });
    expect(nextPollFrom(m, T + 60_000)).toBe(T - 30_000);
    m.reconfigure({ pollOverlapSeconds: 600 });
    expect(nextPollFrom(m, T + 60_000)).toBe(T - 600_000);
  });

  it('a reload moves coverage back to its start only when that is earlier', () => {
    const m = loadedMachine();
    succeed(m, 'poll', T + 600_000, result.poll({ toMs: T + 600_000 }));
    m.reload();
    succeed(m, 'load', T + 700_000, result.load({ mode: 'rest', startedAtMs: T + 300_000 }));
    expect(covered(m)).toBe(T + 300_000);
    // The swapped-in table gets its capture triggers again before anything else.
    succeed(m, 'set-access', T + 700_001, result['set-access']({ access: 'read_only' }));
    m.reload();
    succeed(m, 'load', T + 950_000, result.load({ mode: 'rest', startedAtMs: T + 900_000 }));
    expect(covered(m)).toBe(T + 300_000);
  });

  it('a streaming catch-up poll reads the same window as a regular poll', () => {
    const m = loadedMachine({ sync_mode: 'event_driven', streaming_source: 'cdc' });
    succeed(m, 'stream-register', T + 50_001, result['stream-register']({ channel: '/data/AccountChangeEvent' }));
    succeed(m, 'poll', T + 60_000, result.poll({ toMs: T + 60_000 }));
    succeed(m, 'purge-sweep', T + 60_000, result['purge-sweep']({ toMs: T + 60_000 }));
    m.streamEventsSignalled();
    succeed(m, 'stream-apply', T + 70_000, result['stream-apply']({ events: 3, catchUp: 'replay id expired' }));
    const step = m.nextStep(T + 70_001);
    expect(step).toMatchObject({ kind: 'poll', input: { fromMs: T + 60_000 - 300_000 } });
  });
});

describe('purge sweep windows', () => {
  it('start the overlap behind the initial load, then behind the last latestDateCovered, and end at the poll coverage', () => {
    const m = loadedMachine();
    succeed(m, 'poll', T + HOUR, result.poll({ toMs: T + HOUR }));
    // Deleted and purged between the load and the first poll: only getDeleted sees it.
    expect(m.nextStep(T + HOUR)).toMatchObject({ kind: 'purge-sweep', input: { fromMs: T - 300_000, toMs: T + HOUR } });
    succeed(m, 'purge-sweep', T + HOUR, result['purge-sweep']({ deleted: 2, toMs: T + HOUR - 10_000 }));
    succeed(m, 'poll', T + 2 * HOUR, result.poll({ toMs: T + 2 * HOUR }));
    expect(m.nextStep(T + 2 * HOUR)).toMatchObject({ kind: 'purge-sweep', input: { fromMs: T + HOUR - 10_000 - 300_000, toMs: T + 2 * HOUR } });
  });

  it('a sweep result without latestDateCovered (recorded before) leaves the sweep coverage', () => {
    const m = loadedMachine();
    succeed(m, 'poll', T + 10, result.poll({ toMs: T + 10 }));
    succeed(m, 'purge-sweep', T + 10, { deleted: 0, apiCalls: 1, apiCallsInWindow: 6 } as never);
    expect(m.carry().purgeSweptMs).toBe(T);
  });

  it('a reload leaves the sweep coverage', () => {
    const m = loadedMachine();
    succeed(m, 'poll', T + 600_000, result.poll({ toMs: T + 600_000 }));
    succeed(m, 'purge-sweep', T + 600_000, result['purge-sweep']({ toMs: T + 600_000 }));
    m.reload();
    succeed(m, 'load', T + 750_000, result.load({ mode: 'rest', startedAtMs: T + 700_000 }));
    expect(m.carry().purgeSweptMs).toBe(T + 600_000);
  });
});
