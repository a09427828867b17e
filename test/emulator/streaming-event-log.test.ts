// The replay log behind durable streaming: per-channel replay ids, retention by age and count, what a
// subscriber's replay id selects, and lazy retention (a message is built only when read, once per channel).
import { describe, expect, it } from 'vitest';
import { EventLog, type EventSource } from '../../emulator/streaming/event-log.js';

function logWithClock(policy = { retentionMs: 1_000, maxEvents: 100 }) {
  let now = 10_000;
  const log = new EventLog<string>(() => policy, () => now);
  return { log, advance: (ms: number) => (now += ms) };
}

/** A source whose message names its channel and replay id, counting how often each is built. */
function countingSource(name = 'e') {
  const builds: string[] = [];
  const source: EventSource<string> = {
    build: (channel, replayId) => {
      builds.push(`${channel}#${replayId}`);
      return `${name}@${channel}#${replayId}`;
    },
  };
  return { source, builds };
}

const plain = (): EventSource<string> => ({ build: (_channel, replayId) => String(replayId) });

const idsOf = (selection: ReturnType<EventLog<string>['select']>): number[] | 'invalid' =>
  selection.ok ? selection.events.map((e) => e.replayId) : 'invalid';

const messagesOf = (selection: ReturnType<EventLog<string>['select']>): string[] | 'invalid' =>
  selection.ok ? selection.events.map((e) => e.message) : 'invalid';

describe('EventLog', () => {
  it('numbers events per channel from 1 and builds each message with its channel and replay id', () => {
    const { log } = logWithClock();
    expect(log.append('/topic/A', { build: (_c, id) => `a${id}` })).toBe(1);
    expect(log.append('/topic/A', { build: (_c, id) => `a${id}` })).toBe(2);
    expect(log.append('/data/B', { build: (c, id) => `${c}:${id}` })).toBe(1);
    expect(log.message('/topic/A', 1)).toBe('a1');
    expect(log.message('/topic/A', 2)).toBe('a2');
    expect(log.message('/data/B', 1)).toBe('/data/B:1');
    expect(log.publishedCounts()).toEqual({ '/topic/A': 2, '/data/B': 1 });
  });

  it.each([
    { replayId: -1, expected: [] },
    { replayId: -2, expected: [1, 2, 3, 4] },
    { replayId: 1, expected: [2, 3, 4] },
    { replayId: 4, expected: [] },
    { replayId: 5, expected: 'invalid' },
    { replayId: 0, expected: 'invalid' },
    { replayId: -3, expected: 'invalid' },
  ])('selects $expected for replay id $replayId', ({ replayId, expected }) => {
    const { log } = logWithClock();
    for (let i = 0; i < 4; i += 1) log.append('/topic/A', plain());
    expect(idsOf(log.select('/topic/A', replayId))).toEqual(expected);
    if (Array.isArray(expected)) expect(messagesOf(log.select('/topic/A', replayId))).toEqual(expected.map(String));
  });

  it('forgets events past the retention window, making their ids invalid', () => {
    const { log, advance } = logWithClock();
    log.append('/topic/A', plain());
    advance(600);
    log.append('/topic/A', plain());
    advance(600); // the first is now 1.2 s old, the second 0.6 s
    expect(idsOf(log.select('/topic/A', -2))).toEqual([2]);
    expect(idsOf(log.select('/topic/A', 1))).toBe('invalid');
    expect(idsOf(log.select('/topic/A', 2))).toEqual([]);
    expect(log.message('/topic/A', 1)).toBeUndefined();
    expect(log.message('/topic/A', 2)).toBe('2');
  });

  it('keeps at most maxEvents per channel', () => {
    const { log } = logWithClock({ retentionMs: 60_000, maxEvents: 3 });
    for (let i = 0; i < 5000; i += 1) log.append('/topic/A', plain());
    expect(log.retainedCount('/topic/A')).toBe(3);
    expect(idsOf(log.select('/topic/A', -2))).toEqual([4998, 4999, 5000]);
    expect(messagesOf(log.select('/topic/A', -2))).toEqual(['4998', '4999', '5000']);
    expect(idsOf(log.select('/topic/A', 4997))).toBe('invalid');
    expect(idsOf(log.select('/topic/A', 4998))).toEqual([4999, 5000]);
  });

  it('expires on demand and never reuses ids afterwards', () => {
    const { log, advance } = logWithClock();
    log.append('/topic/A', plain());
    advance(10);
    log.append('/topic/A', plain());
    log.expire(5); // older than 5 ms: the first
    expect(idsOf(log.select('/topic/A', -2))).toEqual([2]);
    log.expire(0);
    expect(idsOf(log.select('/topic/A', -2))).toEqual([]);
    expect(log.append('/topic/A', plain())).toBe(3);
    expect(log.message('/topic/A', 3)).toBe('3');
  });

  it('publishedAt is the time of the append, whenever the message is built', () => {
    const { log, advance } = logWithClock();
    log.append('/topic/A', plain());
    advance(250);
    log.append('/topic/A', plain());
    advance(500);
    const selection = log.select('/topic/A', -2);
    expect(selection.ok && selection.events.map((e) => e.publishedAt)).toEqual([10_000, 10_250]);
  });
});

describe('EventLog lazy retention', () => {
  it('builds nothing on append', () => {
    const { log } = logWithClock();
    const { source, builds } = countingSource();
    for (let i = 0; i < 10; i += 1) log.append('/data/X', source);
    expect(builds).toEqual([]);
    expect(log.retainedCount('/data/X')).toBe(10);
  });

  it.each([
    { name: 'a live read', read: (log: EventLog<string>) => log.message('/data/X', 2), builds: ['/data/X#2'] },
    { name: 'a -2 replay', read: (log: EventLog<string>) => log.select('/data/X', -2), builds: ['/data/X#1', '/data/X#2', '/data/X#3'] },
    { name: 'a replay after an id', read: (log: EventLog<string>) => log.select('/data/X', 1), builds: ['/data/X#2', '/data/X#3'] },
    { name: 'a -1 subscription', read: (log: EventLog<string>) => log.select('/data/X', -1), builds: [] },
    { name: 'an invalid replay id', read: (log: EventLog<string>) => log.select('/data/X', 9), builds: [] },
  ])('builds only what $name selects', ({ read, builds: expected }) => {
    const { log } = logWithClock();
    const { source, builds } = countingSource();
    for (let i = 0; i < 3; i += 1) log.append('/data/X', source);
    read(log);
    expect(builds).toEqual(expected);
  });

  it('memoises a built message: every later read gets the same one, built once', () => {
    const built: object[] = [];
    const source: EventSource<object> = {
      build: (channel, replayId) => {
        const message = { channel, replayId };
        built.push(message);
        return message;
      },
    };
    const objects = new EventLog<object>(() => ({ retentionMs: 1_000, maxEvents: 100 }), () => 10_000);
    objects.append('/data/X', source);
    objects.append('/data/X', source);
    const live = objects.message('/data/X', 2);
    const replayAll = objects.select('/data/X', -2);
    const replayAfter = objects.select('/data/X', 1);
    expect(built).toHaveLength(2);
    expect(replayAll.ok && replayAll.events[1].message).toBe(live);
    expect(replayAfter.ok && replayAfter.events[0].message).toBe(live);
    expect(objects.message('/data/X', 1)).toBe(replayAll.ok && replayAll.events[0].message);
  });

  it('lets two channels share one source, each with its own replay ids and its own message', () => {
    const { log } = logWithClock();
    const first = countingSource('first');
    const second = countingSource('second');
    log.append('/data/AccountChangeEvent', first.source);
    log.append('/data/ChangeEvents', first.source);
    log.append('/data/ContactChangeEvent', second.source);
    log.append('/data/ChangeEvents', second.source);
    expect(messagesOf(log.select('/data/ChangeEvents', -2))).toEqual(['first@/data/ChangeEvents#1', 'second@/data/ChangeEvents#2']);
    expect(messagesOf(log.select('/data/AccountChangeEvent', -2))).toEqual(['first@/data/AccountChangeEvent#1']);
    expect(messagesOf(log.select('/data/ContactChangeEvent', -2))).toEqual(['second@/data/ContactChangeEvent#1']);
    expect(first.builds).toEqual(['/data/ChangeEvents#1', '/data/AccountChangeEvent#1']);
    expect(second.builds).toEqual(['/data/ChangeEvents#2', '/data/ContactChangeEvent#1']);
  });

  it('keeps ids consecutive across compactions of a long log', () => {
    const { log, advance } = logWithClock({ retentionMs: 1_000, maxEvents: 1_000_000 });
    for (let i = 0; i < 3000; i += 1) log.append('/data/X', plain());
    advance(2_000);
    for (let i = 0; i < 2500; i += 1) log.append('/data/X', plain());
    expect(log.retainedCount('/data/X')).toBe(2500);
    expect(idsOf(log.select('/data/X', 3000))).toBe('invalid');
    expect(messagesOf(log.select('/data/X', 5498))).toEqual(['5499', '5500']);
    expect(log.message('/data/X', 3001)).toBe('3001');
    expect(log.message('/data/X', 5501)).toBeUndefined();
  });
});
