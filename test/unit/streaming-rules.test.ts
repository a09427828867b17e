import { describe, expect, it } from 'vitest';
import { changeEventChannel, partialUpdateStatement, streamChannel } from '../../domain/streaming-sql.js';
import { mappingConfig } from '../support/mappings.js';
import { fail, machine, result, succeed } from '../support/machine.js';
import { applied, desiredStream, initialStream } from '../../workflows/mapping/streaming.js';

describe('channels', () => {
  it.each([
    ['Account', 'cdc', '/data/AccountChangeEvent'], ['Invoice__c', 'cdc', '/data/Invoice__ChangeEvent'],
    ['Account', 'pushtopic', '/topic/ferry_Account'],
  ] as const)('%s by %s → %s', (object, source, channel) => expect(streamChannel(object, source)).toBe(channel));
  it('change event channel of a custom object', () => expect(changeEventChannel('Ship__c')).toBe('/data/Ship__ChangeEvent'));
});

describe('partialUpdateStatement', () => {
  it('updates only the columns a row carries, guarded like the merge', () => {
    const sql = partialUpdateStatement('salesforce', 'account', [{ name: 'sfid', pgType: 'varchar(18)' }, { name: 'Phone', pgType: 'varchar(40)' }]);
    expect(sql).toContain(`"phone" = CASE WHEN s.vals ? 'phone' THEN (s.vals->>'phone')::varchar ELSE t."phone" END`);
    expect(sql).toContain("t._hc_lastop IS DISTINCT FROM 'PENDING'");
    expect(sql).toContain('t.systemmodstamp <= s.systemmodstamp');
    expect(sql).not.toContain('"sfid" = CASE');
  });
});

const cfg = (syncMode: 'polling' | 'event_driven', source: 'pushtopic' | 'cdc' = 'pushtopic') =>
  mappingConfig('Account', ['Id', 'Name'], { sync_mode: syncMode, streaming_source: source });

describe('desiredStream', () => {
  it.each([
    ['polling', cfg('polling'), 'account', 1, null],
    ['event-driven before the table exists', cfg('event_driven'), null, null, null],
    ['event-driven before the load completed', cfg('event_driven'), 'account', null, null],
    ['event-driven and loaded', cfg('event_driven'), 'account', 1, 'pushtopic|Id,Name'],
    ['CDC', cfg('event_driven', 'cdc'), 'account', 1, 'cdc|Id,Name'],
  ])('%s', (_name, config, table, watermark, key) => {
    expect(desiredStream(config, table, watermark, [{ name: 'Id' }, { name: 'Name' }])).toBe(key);
  });
});

describe('stream steps in the machine', () => {
  const loadedPolled = (config: ReturnType<typeof cfg>) => {
    const m = machine(config);
    succeed(m, 'prepare', 0);
    succeed(m, 'set-access', 0);
    succeed(m, 'load', 100_000, result.load({ startedAtMs: 100_000 }));
    return m;
  };

  it('registers, applies when nudged, polls on a catch-up, and shows STREAMING', () => {
    const m = loadedPolled(cfg('event_driven'));
    expect(m.nextStep(100_001)).toMatchObject({ kind: 'stream-register', key: 'pushtopic|Id,Name', input: { enabled: true } });
    succeed(m, 'stream-register', 100_001);
    expect(m.state).toBe('STREAMING');
    succeed(m, 'poll', 100_001, result.poll({ toMs: 100_000 }));
    succeed(m, 'purge-sweep', 100_001);
    expect(m.nextStep(100_002)).toMatchObject({ kind: 'stream-apply' });
    succeed(m, 'stream-apply', 100_003, result['stream-apply']({ events: 0, catchUp: 'subscribed' }));
    expect(m.nextStep(100_004)).toMatchObject({ kind: 'poll' });
    succeed(m, 'poll', 100_004, result.poll({ toMs: 100_004 }));
    expect(m.state).toBe('STREAMING');
    expect(m.nextStep(100_005).kind).toBe('wait');
    m.streamEventsSignalled();
    expect(m.nextStep(100_006)).toMatchObject({ kind: 'stream-apply' });
  });

  it('unregisters when switched to polling, and re-registers after a denied handshake is cleared', () => {
    const m = loadedPolled(cfg('event_driven'));
    succeed(m, 'stream-register', 100_001);
    succeed(m, 'poll', 100_001);
    succeed(m, 'purge-sweep', 100_001);
    fail(m, 'stream-apply', 200_000, { type: 'Unauthorized', message: 'Streaming: handshake denied' });
    expect(m.state).toBe('UNAUTHORIZED');
    expect(m.nextStep(200_001)).toEqual({ kind: 'wait', untilMs: null });
    m.reconfigure({ syncMode: 'polling' });
    expect(m.nextStep(200_002)).toMatchObject({ kind: 'prepare' });
    succeed(m, 'prepare', 200_002);
    expect(m.nextStep(200_003).kind).not.toBe('stream-register');
    m.reconfigure({ syncMode: 'event_driven' });
    expect(m.nextStep(200_004)).toMatchObject({ kind: 'stream-register', input: { enabled: true } });
  });

  it('a polling mapping never takes a stream step', () => {
    const m = loadedPolled(cfg('polling'));
    succeed(m, 'poll', 100_000);
    succeed(m, 'purge-sweep', 100_000);
    expect(m.nextStep(100_001).kind).toBe('wait');
    expect(m.state).toBe('DATA_SYNCED');
  });
});

describe('applied', () => {
  it('records a fallback and keeps applying while events remain', () => {
    const st = initialStream();
    expect(applied(st, { events: 5, remaining: true, catchUp: null }, 10)).toBe(false);
    expect(st).toMatchObject({ applies: 1, events: 5, pending: true, lastAppliedAtMs: 10, fallbacks: 0 });
    expect(applied(st, { events: 0, remaining: false, catchUp: 'GAP_OVERFLOW event on Account' }, 20)).toBe(true);
    expect(st).toMatchObject({ applies: 2, fallbacks: 1, lastFallback: { reason: 'GAP_OVERFLOW event on Account', atMs: 20 } });
  });
});
