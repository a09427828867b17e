// How a mapping's coverage of the org moves (workflows/mapping/machine.ts with domain/poll-window.ts): set by
// the load's org time, advanced only by what polls learned of the org's clock, read back with the mapping's
// overlap by every poll — regular or the catch-up a stream asks for — and by purge sweeps.
import { describe, expect, it } from 'vitest';
import { parseMappingEntry } from '../../domain/mapping-config.js';
import { initialState, MappingMachine } from '../../workflows/mapping/machine.js';

const T = Date.UTC(2026, 11, 6, 1, 0, 0);
const counts = { inserted: 0, updated: 0, deleted: 0 };

function loadedMachine(config: Record<string, unknown> = {}, loadAtMs = T): MappingMachine {
  const cfg = parseMappingEntry({ object_name: 'Account', config: { access: 'read_only', fields: { Id: {}, Name: {} }, ...config } });
  const m = new MappingMachine(initialState(cfg));
  m.prepared('account', [{ name: 'Id', column: 'sfid', sfType: 'id', pgType: 'varchar(18)' }, { name: 'Name', column: 'name', sfType: 'string', pgType: 'varchar(255)' }]);
  m.accessSet('read_only', 0);
  m.loaded('live', { mode: 'rest', rowsLoaded: 1, startedAtMs: loadAtMs, ...counts, inserted: 1 }, loadAtMs + 50_000);
  return m;
}

describe('coverage after polls', () => {
  it.each<[string, (number | null)[], number]>([
    ['the load covers up to its org time', [], T],
    ['a poll covers up to its response time', [T + 60_000], T + 60_000],
    ['a poll that learned no org time leaves it', [T + 60_000, null], T + 60_000],
    ['an older response does not move it back', [T + 60_000, T + 30_000], T + 60_000],
    ['polls in a row', [T + 2_000, T + 4_000, T + 6_000], T + 6_000],
  ])('%s', (_name, tos, covered) => {
    const m = loadedMachine();
    tos.forEach((toMs, i) => m.polled({ toMs, ...counts }, T + 100_000 + i));
    expect(m.s.watermarkMs).toBe(covered);
    expect(m.pollFromMs()).toBe(covered - 300_000);
  });

  it('reads the configured overlap, and a changed overlap at once', () => {
    const m = loadedMachine({ poll_overlap_seconds: 30 });
    expect(m.pollFromMs()).toBe(T - 30_000);
    m.reconfigure({ ...m.s.config, pollOverlapSeconds: 600 });
    expect(m.pollFromMs()).toBe(T - 600_000);
  });

  it('a reload moves coverage back to its start only when that is earlier', () => {
    const m = loadedMachine();
    m.polled({ toMs: T + 600_000, ...counts }, T + 600_000);
    m.loaded('reload', { mode: 'rest', rowsLoaded: 1, startedAtMs: T + 300_000, ...counts }, T + 700_000);
    expect(m.s.watermarkMs).toBe(T + 300_000);
    m.loaded('reload', { mode: 'rest', rowsLoaded: 1, startedAtMs: T + 900_000, ...counts }, T + 950_000);
    expect(m.s.watermarkMs).toBe(T + 300_000);
  });

  it('a streaming catch-up poll reads the same window as a regular poll', () => {
    const cfg = { sync_mode: 'event_driven' };
    const m = loadedMachine(cfg);
    m.polled({ toMs: T + 60_000, ...counts }, T + 60_000);
    m.swept({ deleted: 0, toMs: T + 60_000 }, T + 60_000);
    m.streamRegistered(m.desiredStream(), '/data/AccountChangeEvent');
    m.stream.pending = false;
    m.streamApplied({ events: 3, remaining: false, catchUp: 'replay id expired', ...counts }, T + 70_000);
    expect(m.nextStep(T + 70_001)).toEqual({ kind: 'poll' });
    expect(m.pollFromMs()).toBe(T + 60_000 - 300_000);
  });
});

describe('purge sweep windows', () => {
  it('start the overlap behind the initial load, then behind the last latestDateCovered, and end at the poll coverage', () => {
    const m = loadedMachine();
    m.polled({ toMs: T + 3_600_000, ...counts }, T + 3_600_000);
    // Deleted and purged between the load and the first poll: only getDeleted sees it.
    expect(m.purgeSweepWindow()).toEqual({ startMs: T - 300_000, endMs: T + 3_600_000 });
    m.swept({ deleted: 2, toMs: T + 3_590_000 }, T + 3_600_000);
    m.polled({ toMs: T + 7_200_000, ...counts }, T + 7_200_000);
    expect(m.purgeSweepWindow()).toEqual({ startMs: T + 3_590_000 - 300_000, endMs: T + 7_200_000 });
  });

  it('a sweep result without latestDateCovered (recorded before) leaves the sweep coverage', () => {
    const m = loadedMachine();
    m.swept({ deleted: 0 }, T + 10);
    expect(m.s.purgeSweptMs).toBe(T);
  });

  it('a reload leaves the sweep coverage', () => {
    const m = loadedMachine();
    m.swept({ deleted: 0, toMs: T + 600_000 }, T + 600_000);
    m.loaded('reload', { mode: 'rest', rowsLoaded: 1, startedAtMs: T + 700_000, ...counts }, T + 750_000);
    expect(m.s.purgeSweptMs).toBe(T + 600_000);
  });
});
