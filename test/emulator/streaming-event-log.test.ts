// The replay log behind durable streaming: per-channel replay ids, retention by age and count, and what a
// subscriber's replay id selects.
import { describe, expect, it } from 'vitest';
import { EventLog } from '../../emulator/streaming/event-log.js';

function logWithClock(policy = { retentionMs: 1_000, maxEvents: 100 }) {
  let now = 10_000;
  const log = new EventLog<string>(() => policy, () => now);
  return { log, advance: (ms: number) => (now += ms) };
}

const idsOf = (selection: ReturnType<EventLog<string>['select']>): number[] | 'invalid' =>
  selection.ok ? selection.events.map((e) => e.replayId) : 'invalid';

describe('EventLog', () => {
  it('numbers events per channel from 1 and hands the id to the event builder', () => {
    const { log } = logWithClock();
    expect(log.append('/topic/A', (id) => `a${id}`).message).toBe('a1');
    expect(log.append('/topic/A', (id) => `a${id}`).message).toBe('a2');
    expect(log.append('/data/B', (id) => `b${id}`).replayId).toBe(1);
    expect(log.publishedCounts()).toEqual({ '/topic/A': 2, '/data/B': 1 });
  });

  it.each([
    { replayId: -1, expected: [] },
    { replayId: -2, expected: [1, 2, 3, 4] },
    { replayId: 1, expected: [2, 3, 4] },
    { replayId: 4, expected: [] },
    { replayId: 5, expected: 'invalid' },
    { replayId: 0, expected: 'invalid' },
  ])('selects $expected for replay id $replayId', ({ replayId, expected }) => {
    const { log } = logWithClock();
    for (let i = 0; i < 4; i += 1) log.append('/topic/A', (id) => String(id));
    expect(idsOf(log.select('/topic/A', replayId))).toEqual(expected);
  });

  it('forgets events past the retention window, making their ids invalid', () => {
    const { log, advance } = logWithClock();
    log.append('/topic/A', String);
    advance(600);
    log.append('/topic/A', String);
    advance(600); // the first is now 1.2 s old, the second 0.6 s
    expect(idsOf(log.select('/topic/A', -2))).toEqual([2]);
    expect(idsOf(log.select('/topic/A', 1))).toBe('invalid');
    expect(idsOf(log.select('/topic/A', 2))).toEqual([]);
  });

  it('keeps at most maxEvents per channel', () => {
    const { log } = logWithClock({ retentionMs: 60_000, maxEvents: 3 });
    for (let i = 0; i < 5000; i += 1) log.append('/topic/A', String);
    expect(log.retainedCount('/topic/A')).toBe(3);
    expect(idsOf(log.select('/topic/A', -2))).toEqual([4998, 4999, 5000]);
    expect(idsOf(log.select('/topic/A', 4997))).toBe('invalid');
    expect(idsOf(log.select('/topic/A', 4998))).toEqual([4999, 5000]);
  });

  it('expires on demand and never reuses ids afterwards', () => {
    const { log, advance } = logWithClock();
    log.append('/topic/A', String);
    advance(10);
    log.append('/topic/A', String);
    log.expire(5); // older than 5 ms: the first
    expect(idsOf(log.select('/topic/A', -2))).toEqual([2]);
    log.expire(0);
    expect(idsOf(log.select('/topic/A', -2))).toEqual([]);
    expect(log.append('/topic/A', String).replayId).toBe(3);
  });
});
