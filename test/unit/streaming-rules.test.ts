import { describe, expect, it } from 'vitest';
import { changeEventChannel, partialUpdateStatement, streamChannel } from '../../domain/streaming-sql.js';
import { mappingConfig } from '../support/mappings.js';
import { initialState, MappingMachine } from '../../workflows/mapping/machine.js';
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
  const loaded = (config: ReturnType<typeof cfg>) => {
    const m = new MappingMachine(initialState(config));
    m.prepared('account', [{ name: 'Id', column: 'sfid', sfType: 'id', pgType: 'varchar(18)' }, { name: 'Name', column: 'name', sfType: 'string', pgType: 'varchar(255)' }]);
    m.accessSet('read_only', 0);
    m.loaded('live', { mode: 'bulk', rowsLoaded: 1, startedAtMs: 100_000, inserted: 1, updated: 0, deleted: 0 }, 100_000);
    m.polled({ toMs: 100_000, inserted: 0, updated: 0, deleted: 0 }, 100_000);
    m.swept({ deleted: 0 }, 100_000);
    return m;
  };

  it('registers, applies when nudged, polls on a catch-up, and shows STREAMING', () => {
    const m = loaded(cfg('event_driven'));
    expect(m.nextStep(100_001)).toEqual({ kind: 'stream-register', enabled: true });
    m.streamRegistered(m.desiredStream(), '/topic/ferry_Account');
    expect(m.s.state).toBe('STREAMING');
    expect(m.nextStep(100_002)).toEqual({ kind: 'stream-apply' });
    m.stream.pending = false;
    m.streamApplied({ events: 0, remaining: false, catchUp: 'subscribed', inserted: 0, updated: 0, deleted: 0 }, 100_003);
    expect(m.nextStep(100_004)).toEqual({ kind: 'poll' });
    m.polled({ toMs: 100_004, inserted: 0, updated: 0, deleted: 0 }, 100_004);
    expect(m.s.state).toBe('STREAMING');
    expect(m.nextStep(100_005).kind).toBe('wait');
    m.stream.pending = true;
    expect(m.nextStep(100_006)).toEqual({ kind: 'stream-apply' });
  });

  it('unregisters when switched to polling, and re-registers after a denied handshake is cleared', () => {
    const m = loaded(cfg('event_driven'));
    m.streamRegistered(m.desiredStream(), '/topic/ferry_Account');
    m.failed('Unauthorized', 'Streaming: handshake denied', 200_000);
    expect(m.s.state).toBe('UNAUTHORIZED');
    expect(m.nextStep(200_001)).toEqual({ kind: 'wait', untilMs: null });
    m.reconfigure({ ...m.s.config, syncMode: 'polling' });
    expect(m.nextStep(200_002)).toEqual({ kind: 'prepare' });
    m.prepared('account', m.s.fields);
    expect(m.nextStep(200_003).kind).not.toBe('stream-register');
    m.reconfigure({ ...m.s.config, syncMode: 'event_driven' });
    m.prepared('account', m.s.fields);
    expect(m.nextStep(200_004)).toEqual({ kind: 'stream-register', enabled: true });
  });

  it('a polling mapping never takes a stream step', () => {
    const m = loaded(cfg('polling'));
    expect(m.nextStep(100_001).kind).toBe('wait');
    expect(m.s.state).toBe('DATA_SYNCED');
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
