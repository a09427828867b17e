// The mapping machine on its own: which step comes next (with the activity's input), and what each outcome
// does to the state. Scenarios are tables of [what happened, when, what comes next, the state shown].
import { describe, expect, it } from 'vitest';
import { PURGE_SWEEP_INTERVAL_MS, retryBackoffMs, SYSTEM_ERROR_RETRY_MS, type MappingMachine } from '../../workflows/mapping/machine';
import { fail, loaded, machine, result, RUN, succeed } from '../support/machine';
import { mappingConfig } from '../support/mappings';
import { POLL_OVERLAP_DEFAULT_SECONDS } from '../../domain/mapping-rules';

/** The overlap a poll re-reads behind the coverage, by default (domain/poll-window.ts). */
const POLL_OVERLAP_MS = POLL_OVERLAP_DEFAULT_SECONDS * 1000;

const polling = mappingConfig('Account', ['Id', 'Name']);
const readWrite = mappingConfig('Account', ['Id', 'Name'], { access: 'read_write', flush_interval_seconds: 10 });
const streaming = mappingConfig('Account', ['Id', 'Name'], { sync_mode: 'event_driven', streaming_source: 'pushtopic' });
const POLL_MS = polling.pollIntervalSeconds * 1000;

type Row = [name: string, act: (m: MappingMachine) => void, nowMs: number, next: Record<string, unknown>, state: string];

function runTable(start: () => MappingMachine, rows: Row[]) {
  const m = start();
  for (const [name, act, nowMs, next, state] of rows) {
    act(m);
    expect(m.nextStep(nowMs), name).toMatchObject(next);
    expect(m.state, name).toBe(state);
  }
}

describe('load', () => {
  it('prepares, installs capture, loads, then polls and sweeps', () => {
    const m = machine(polling);
    expect(m.nextStep(0)).toEqual({ kind: 'prepare', input: { mappingId: RUN.mappingId, config: polling } });
    expect(m.state).toBe('INITIAL');
    succeed(m, 'prepare', 1);
    expect(m.nextStep(2)).toEqual({ kind: 'set-access', input: { mappingId: RUN.mappingId, config: polling, table: 'account', workflowId: RUN.workflowId } });
    succeed(m, 'set-access', 2);
    const load = m.nextStep(3);
    expect(load).toMatchObject({ kind: 'load', input: { table: 'account', target: 'live', fields: [{ name: 'Id' }, { name: 'Name' }] } });
    m.begin(load as Extract<typeof load, { kind: 'load' }>);
    expect(m.state).toBe('LOADING_BULK_JOB');
    m.apply(load as Extract<typeof load, { kind: 'load' }>, { ok: true, result: result.load({ startedAtMs: 100_000, rowsLoaded: 7 }) }, 150_000);
    expect(m.state).toBe('DATA_SYNCED');
    expect(m.nextStep(150_001)).toMatchObject({ kind: 'poll', input: { fromMs: 100_000 - POLL_OVERLAP_MS } });
    expect(m.status()).toMatchObject({ lastLoad: { mode: 'bulk', rows: 7 }, counts: { loads: 1, inserted: 1 }, apiCalls: { usedInWindow: 4 } });
  });

  it('passes the page size the workflow was given to loads', () => {
    const m = machine(polling, { bulkPageRecords: 500 });
    succeed(m, 'prepare', 0);
    succeed(m, 'set-access', 0);
    expect(m.nextStep(0)).toMatchObject({ kind: 'load', input: { pageRecords: 500 } });
  });
});

describe('poll', () => {
  it.each<[string, number, Record<string, unknown>]>([
    ['right after the first poll and sweep: wait for the next poll', 100_001, { kind: 'wait', untilMs: 100_000 + POLL_MS }],
    ['the poll interval passed: poll from the watermark', 100_000 + POLL_MS, { kind: 'poll', input: { fromMs: 100_000 - POLL_OVERLAP_MS } }],
  ])('%s', (_name, nowMs, next) => {
    expect(loaded(polling).nextStep(nowMs)).toMatchObject(next);
  });

  runTableCase('sync now polls at once; the sweep comes hourly', () => loaded(polling), [
    ['sync now', (m) => m.syncNow(), 100_010, { kind: 'poll' }, 'DATA_SYNCED'],
    ['polled', (m) => succeed(m, 'poll', 100_010, result.poll({ toMs: 100_010, inserted: 2 })), 100_011, { kind: 'wait' }, 'DATA_SYNCED'],
    ['an hour on, the poll comes first', () => undefined, 100_000 + PURGE_SWEEP_INTERVAL_MS, { kind: 'poll' }, 'DATA_SYNCED'],
    ['then the sweep', (m) => succeed(m, 'poll', 100_000 + PURGE_SWEEP_INTERVAL_MS), 100_000 + PURGE_SWEEP_INTERVAL_MS, { kind: 'purge-sweep', input: { fromMs: 100_000 - POLL_OVERLAP_MS, toMs: 100_010 } }, 'DATA_SYNCED'],
  ]);
});

describe('failure', () => {
  const T = 100_000 + POLL_MS;
  it.each<[string, string, string, number | null]>([
    ['a refused config halts until the user acts', 'BadConfig', 'BAD_CONFIG', null],
    ['refused credentials halt until the user acts', 'Unauthorized', 'UNAUTHORIZED', null],
    ['anything else is retried after a minute', 'Error', 'SYSTEM_ERROR', 100_000 + POLL_MS + SYSTEM_ERROR_RETRY_MS],
  ])('%s', (_name, type, state, retryAtMs) => {
    const m = loaded(polling);
    fail(m, 'poll', T, { type, message: 'boom' });
    expect(m.state).toBe(state);
    expect(m.nextStep(T + 1)).toEqual({ kind: 'wait', untilMs: retryAtMs });
    expect(m.status()).toMatchObject({ lastError: { type, message: 'boom' }, nextPollAt: null });
    if (retryAtMs !== null) expect(m.nextStep(retryAtMs)).toMatchObject({ kind: 'poll' });
  });

  runTableCase('a refused config is prepared again after a reconfigure', () => machine(polling), [
    ['describe refuses', (m) => fail(m, 'prepare', 0, { type: 'BadConfig', message: 'no such field' }), 1, { kind: 'wait', untilMs: null }, 'BAD_CONFIG'],
    ['the user fixes the fields', (m) => m.reconfigure({ fields: ['Id'] }), 2, { kind: 'prepare' }, 'INITIAL'],
  ]);
});

describe('budget wait', () => {
  runTableCase('a spent budget waits until the ledger frees calls; messages do not cut the wait short', () => loaded(polling), [
    ['the poll finds the budget spent', (m) => fail(m, 'poll', 100_000 + POLL_MS, { type: 'ApiBudgetExhausted', message: 'spent', retryAtMs: 900_000 }), 800_000, { kind: 'wait', untilMs: 900_000 }, 'API_BUDGET_EXHAUSTED'],
    ['sync now', (m) => m.syncNow(), 800_001, { kind: 'wait', untilMs: 900_000 }, 'API_BUDGET_EXHAUSTED'],
    ['time frees calls', () => undefined, 900_000, { kind: 'poll' }, 'API_BUDGET_EXHAUSTED'],
    ['the poll goes through', (m) => succeed(m, 'poll', 900_000), 900_001, { kind: 'wait' }, 'DATA_SYNCED'],
  ]);

  it('waits a minute when the ledger names no time', () => {
    const m = loaded(polling);
    fail(m, 'poll', 100_000 + POLL_MS, { type: 'ApiBudgetExhausted', message: 'spent' });
    expect(m.nextStep(100_000 + POLL_MS)).toEqual({ kind: 'wait', untilMs: 100_000 + POLL_MS + 60_000 });
  });
});

describe('pause and resume', () => {
  runTableCase('a paused mapping takes no step until resumed', () => loaded(polling), [
    ['pause', (m) => m.pause(), 100_000 + POLL_MS, { kind: 'wait', untilMs: null }, 'PAUSED'],
    ['sync now while paused', (m) => m.syncNow(), 100_000 + POLL_MS, { kind: 'wait', untilMs: null }, 'PAUSED'],
    ['resume', (m) => m.resume(), 100_000 + POLL_MS, { kind: 'poll' }, 'DATA_SYNCED'],
  ]);

  runTableCase('pausing a streaming mapping pauses its listener; resuming resumes it and applies once', () => loaded(streaming), [
    ['pause', (m) => m.pause(), 100_001, { kind: 'stream-register', input: { paused: true } }, 'PAUSED'],
    ['the subscription is paused', (m) => succeed(m, 'stream-register', 100_001), 100_002, { kind: 'wait', untilMs: null }, 'PAUSED'],
    ['events signalled while paused', (m) => m.streamEventsSignalled(), 100_003, { kind: 'wait', untilMs: null }, 'PAUSED'],
    ['resume', (m) => m.resume(), 100_004, { kind: 'stream-register', input: { paused: false } }, 'DATA_SYNCED'],
    ['the subscription runs again', (m) => succeed(m, 'stream-register', 100_004), 100_005, { kind: 'stream-apply' }, 'STREAMING'],
  ]);

  it('replaying a run from before paused listeners: pausing takes no step', () => {
    const m = loaded(streaming, { pauseStreams: false });
    m.pause();
    expect(m.nextStep(100_001)).toEqual({ kind: 'wait', untilMs: null });
  });
});

describe('reload', () => {
  runTableCase('a reload builds the table beside the live one, then installs capture on the new table', () => loaded(readWrite), [
    ['reload', (m) => m.reload(), 100_001, { kind: 'load', input: { target: 'reload' } }, 'DATA_SYNCED'],
    ['reloaded', (m) => succeed(m, 'load', 100_001, result.load({ startedAtMs: 90_000 })), 100_002, { kind: 'set-access', input: { table: 'account' } }, 'DATA_SYNCED'],
    ['capture installed: the flush of writes made meanwhile is due at once', (m) => succeed(m, 'set-access', 100_002, result['set-access']({ access: 'read_write' })), 100_002, { kind: 'flush' }, 'DATA_SYNCED'],
    ['flushed: the next poll starts from the reload', (m) => succeed(m, 'flush', 100_002), 100_000 + POLL_MS, { kind: 'poll', input: { fromMs: 90_000 - POLL_OVERLAP_MS } }, 'DATA_SYNCED'],
  ]);

  it('refuses a reload before the initial load', () => {
    expect(() => machine(polling).checkReload()).toThrow('The initial load has not completed yet');
    expect(() => loaded(polling).checkReload()).not.toThrow();
  });

  runTableCase('an added field is loaded into the live table (RESYNC) after the table is altered (SCHEMA_CHANGED)', () => loaded(polling), [
    ['add Phone', (m) => m.reconfigure({ fields: ['Id', 'Name', 'Phone'] }), 100_001, { kind: 'prepare' }, 'DATA_SYNCED'],
    ['altered', (m) => succeed(m, 'prepare', 100_001, result.prepare({ fields: [...result.prepare().fields, { name: 'Phone', column: 'phone', sfType: 'phone', pgType: 'varchar(40)' }] })), 100_002, { kind: 'load', input: { target: 'live' } }, 'DATA_SYNCED'],
  ]);
});

describe('streaming', () => {
  runTableCase('registers once loaded, applies on nudges, and drops the PushTopic when switched to polling', () => loaded(streaming), [
    ['idle', () => undefined, 100_001, { kind: 'wait' }, 'STREAMING'],
    ['nudged', (m) => m.streamEventsSignalled(), 100_002, { kind: 'stream-apply', input: { table: 'account' } }, 'STREAMING'],
    ['a backlog remains', (m) => succeed(m, 'stream-apply', 100_002, result['stream-apply']({ events: 2_000, remaining: true })), 100_003, { kind: 'stream-apply' }, 'STREAMING'],
    ['a gap asks for a catch-up poll', (m) => succeed(m, 'stream-apply', 100_003, result['stream-apply']({ catchUp: 'GAP_OVERFLOW' })), 100_004, { kind: 'poll' }, 'STREAMING'],
    ['polling again', (m) => { succeed(m, 'poll', 100_004); m.reconfigure({ syncMode: 'polling' }); }, 100_005, { kind: 'stream-register', key: null, input: { enabled: false, removePushTopic: true } }, 'STREAMING'],
    ['unregistered', (m) => succeed(m, 'stream-register', 100_005, result['stream-register']({ channel: null, apiCallsInWindow: 9 })), 100_006, { kind: 'wait' }, 'DATA_SYNCED'],
  ]);

  it('CDC has no PushTopic to remove', () => {
    const cdc = mappingConfig('Account', ['Id', 'Name'], { sync_mode: 'event_driven', streaming_source: 'cdc' });
    const m = loaded(cdc);
    m.reconfigure({ syncMode: 'polling' });
    const step = m.nextStep(100_001);
    expect(step).toMatchObject({ kind: 'stream-register', input: { enabled: false } });
    expect(step.kind === 'stream-register' && step.input.removePushTopic).toBeFalsy();
  });
});

describe('outbound', () => {
  runTableCase('a read_write mapping flushes an interval after the first signal, and at once while a backlog remains', () => loaded(readWrite), [
    ['idle', () => undefined, 100_001, { kind: 'wait', untilMs: 100_000 + POLL_MS }, 'DATA_SYNCED'],
    ['a write is signalled', (m) => m.outboundSignalled(100_001), 100_002, { kind: 'wait', untilMs: 110_001 }, 'DATA_SYNCED'],
    ['the interval passed', () => undefined, 110_001, { kind: 'flush', input: { table: 'account', archive: false }, startedAtMs: 110_001 }, 'DATA_SYNCED'],
    ['the claim limit was reached', (m) => succeed(m, 'flush', 110_001, result.flush({ remaining: true })), 110_002, { kind: 'flush' }, 'DATA_SYNCED'],
    ['the backlog is flushed', (m) => succeed(m, 'flush', 110_002), 110_003, { kind: 'wait', untilMs: 100_000 + POLL_MS }, 'DATA_SYNCED'],
  ]);

  runTableCase('a full batch queued flushes at once; during a flush the flush\'s own outcome decides what comes next', () => loaded(readWrite), [
    ['a write is signalled', (m) => m.outboundSignalled(100_001), 100_002, { kind: 'wait', untilMs: 110_001 }, 'DATA_SYNCED'],
    ['a full batch is signalled', (m) => m.outboundSignalled(101_000, true), 101_000, { kind: 'flush', startedAtMs: 101_000 }, 'DATA_SYNCED'],
    ['a full batch is signalled while it runs (its count included the entries the flush claimed), and the flush claimed everything: one flush an interval again',
      (m) => {
        m.outboundSignalled(101_500, true);
        succeed(m, 'flush', 101_000, result.flush({ remaining: false }));
      }, 102_000, { kind: 'wait', untilMs: 111_000 }, 'DATA_SYNCED'],
    ['a full batch again', (m) => m.outboundSignalled(103_000, true), 103_000, { kind: 'flush', startedAtMs: 103_000 }, 'DATA_SYNCED'],
    ['flushed (the signal came as it started: the next flush an interval after that)', (m) => succeed(m, 'flush', 103_000), 104_000, { kind: 'wait', untilMs: 113_000 }, 'DATA_SYNCED'],
    ['that flush claimed nothing', (m) => succeed(m, 'flush', 113_000, result.flush({ claimed: 0, succeeded: 0 })), 113_001, { kind: 'wait', untilMs: 100_000 + POLL_MS }, 'DATA_SYNCED'],
    ['a full batch signalled when nothing was pending is due at once too', (m) => m.outboundSignalled(115_000, true), 115_000, { kind: 'flush', startedAtMs: 115_000 }, 'DATA_SYNCED'],
  ]);

  it('counts what flushes sent and failed', () => {
    const m = loaded(readWrite);
    m.outboundSignalled(100_001);
    succeed(m, 'flush', 110_001, result.flush({ succeeded: 3, failed: 1 }));
    expect(m.status().outbound).toMatchObject({ access: 'read_write', pending: false, flushes: 2, sent: 4, failed: 1 });
  });

  it('a run replaying a history from before outbound sync never flushes', () => {
    const m = machine(readWrite, { outboundEnabled: false });
    succeed(m, 'prepare', 0);
    expect(m.nextStep(0)).toMatchObject({ kind: 'load' });
  });
});

describe('deletion', () => {
  it.each<[string, (m: MappingMachine) => void]>([
    ['from a synced mapping', () => undefined],
    ['from a paused mapping', (m) => m.pause()],
    ['from a halted mapping', (m) => fail(m, 'poll', 100_000 + POLL_MS, { type: 'Unauthorized', message: 'no' })],
  ])('tears down first, %s', (_name, before) => {
    const m = loaded(streaming);
    before(m);
    m.requestDeletion(true);
    const step = m.nextStep(100_000 + POLL_MS);
    expect(step).toEqual({ kind: 'teardown', input: { mappingId: RUN.mappingId, config: streaming, table: 'account', dropTable: true, pushTopic: true } });
    expect(m.deleted).toBeNull();
    succeed(m, 'teardown', 100_000 + POLL_MS, result.teardown({ tableDropped: true }));
    expect(m.deleted).toEqual({ table: 'account', tableDropped: true, pushTopicLeft: null });
  });

  it('a failed teardown is tried again after a while; a polling mapping has no PushTopic to remove', () => {
    const m = loaded(polling);
    m.requestDeletion(false);
    expect(m.nextStep(100_001)).toMatchObject({ kind: 'teardown', input: { dropTable: false, pushTopic: false } });
    fail(m, 'teardown', 100_001, { type: 'Error', message: 'Postgres is down' });
    expect(m.state).toBe('SYSTEM_ERROR');
    expect(m.nextStep(100_002)).toEqual({ kind: 'wait', untilMs: 100_001 + SYSTEM_ERROR_RETRY_MS });
    expect(m.nextStep(100_001 + SYSTEM_ERROR_RETRY_MS)).toMatchObject({ kind: 'teardown' });
  });
});

function runTableCase(name: string, start: () => MappingMachine, rows: Row[]) {
  it(name, () => runTable(start, rows));
}

describe('visible retries (runs since the visible-retries patch)', () => {
  const LIVE = { visibleRetries: true, liftBudget: true };
  const T = 100_000 + POLL_MS;
  const boom = { type: 'Error', message: 'SERVER_UNAVAILABLE: Injected fault' };
  const limit = { type: 'RequestLimitExceeded', message: 'REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.' };

  runTableCase('a failing flush shows its error and backs off while polls go on; recovery clears the error', () => loaded(readWrite, LIVE), [
    ['a write is signalled', (m) => m.outboundSignalled(T - 10_000), T, { kind: 'flush' }, 'DATA_SYNCED'],
    ['the flush fails: RETRYING, and the due poll runs', (m) => fail(m, 'flush', T, boom), T, { kind: 'poll' }, 'RETRYING'],
    ['the poll runs beside it', (m) => succeed(m, 'poll', T, result.poll({ toMs: T })), T + 1, { kind: 'wait', untilMs: T + retryBackoffMs('Error', 1) }, 'RETRYING'],
    ['the backoff passed: the flush again', () => undefined, T + retryBackoffMs('Error', 1), { kind: 'flush' }, 'RETRYING'],
    ['it fails again: a longer backoff', (m) => fail(m, 'flush', T + 5_000, boom), T + 5_001, { kind: 'wait', untilMs: T + 5_000 + retryBackoffMs('Error', 2) }, 'RETRYING'],
    ['sync now polls and tries the flush at once', (m) => m.syncNow(), T + 5_002, { kind: 'flush' }, 'RETRYING'],
    ['the flush goes through', (m) => succeed(m, 'flush', T + 5_002), T + 5_003, { kind: 'poll' }, 'DATA_SYNCED'],
  ]);

  it('the status names the error, the attempt and the retry time while it fails, and the previous error after', () => {
    const m = loaded(readWrite, LIVE);
    m.outboundSignalled(T - 10_000);
    fail(m, 'flush', T, boom);
    expect(m.status()).toMatchObject({
      state: 'RETRYING', lastError: { type: 'Error', message: boom.message }, retryAt: new Date(T + 5_000).toISOString(),
      retrying: [{ step: 'flush', attempts: 1, retryAt: new Date(T + 5_000).toISOString(), error: { type: 'Error' } }], previousError: null,
    });
    succeed(m, 'poll', T);
    expect(m.status().lastError).toMatchObject({ message: boom.message });
    succeed(m, 'flush', T + 5_000);
    expect(m.status()).toMatchObject({
      state: 'DATA_SYNCED', lastError: null, retryAt: null, retrying: [],
      previousError: { type: 'Error', message: boom.message, at: new Date(T).toISOString(), clearedAt: new Date(T + 5_000).toISOString() },
    });
  });

  runTableCase('the org\'s request limit shows as such on a failing poll, backing off from 30 s', () => loaded(readWrite, LIVE), [
    ['the poll hits the limit', (m) => fail(m, 'poll', T, limit), T + 1, { kind: 'wait', untilMs: T + 30_000 }, 'REQUEST_LIMIT_EXCEEDED'],
    ['a flush meanwhile still runs', (m) => m.outboundSignalled(T + 2), T + 10_002, { kind: 'flush' }, 'REQUEST_LIMIT_EXCEEDED'],
    ['the poll again after its backoff', (m) => succeed(m, 'flush', T + 10_002), T + 30_000, { kind: 'poll' }, 'REQUEST_LIMIT_EXCEEDED'],
    ['the poll goes through', (m) => succeed(m, 'poll', T + 30_000), T + 30_001, { kind: 'wait' }, 'DATA_SYNCED'],
  ]);

  it('a failed stream apply keeps its events staged and applies them after the backoff', () => {
    const m = loaded(streaming, LIVE);
    m.streamEventsSignalled();
    fail(m, 'stream-apply', 100_001, boom);
    expect(m.state).toBe('RETRYING');
    expect(m.nextStep(100_002)).toMatchObject({ kind: 'wait', untilMs: 100_001 + 5_000 });
    expect(m.nextStep(100_001 + 5_000)).toMatchObject({ kind: 'stream-apply' });
  });

  it('a halting failure still halts (a refused session is not retried beside)', () => {
    const m = loaded(polling, LIVE);
    fail(m, 'poll', T, { type: 'Unauthorized', message: 'INVALID_SESSION_ID' });
    expect(m.state).toBe('UNAUTHORIZED');
    expect(m.nextStep(T + 1)).toEqual({ kind: 'wait', untilMs: null });
  });

  it('replaying a run from before: a failing poll halts as SYSTEM_ERROR as it did', () => {
    const m = loaded(polling);
    fail(m, 'poll', T, boom);
    expect(m.state).toBe('SYSTEM_ERROR');
    expect(m.status().retrying).toBeUndefined();
  });
});

describe('lifting a budget halt (runs since the lift-budget-halt patch)', () => {
  const LIVE = { visibleRetries: true, liftBudget: true };
  const T = 100_000 + POLL_MS;
  const spent = { type: 'ApiBudgetExhausted', message: 'spent', retryAtMs: T + 86_400_000 };

  it.each<[string, (m: MappingMachine) => void]>([
    ['the cap raised', (m) => m.reconfigure({ maxDailyApiCalls: 10_000 })],
    ['the cap removed', (m) => m.reconfigure({ maxDailyApiCalls: null })],
    ['a resume', (m) => m.resume()],
  ])('%s: the next step runs at once', (_name, act) => {
    const m = loaded(polling, LIVE);
    fail(m, 'poll', T, spent);
    expect(m.nextStep(T + 1)).toEqual({ kind: 'wait', untilMs: spent.retryAtMs });
    act(m);
    expect(m.state).toBe('DATA_SYNCED');
    expect(m.status().retryAt).toBeNull();
    expect(m.nextStep(T + 2)).toMatchObject({ kind: 'poll' });
  });

  it('the rolling window freeing room resumes at the time the ledger named', () => {
    const m = loaded(polling, LIVE);
    fail(m, 'poll', T, { ...spent, retryAtMs: T + 60_000 });
    m.syncNow();
    expect(m.nextStep(T + 59_999)).toEqual({ kind: 'wait', untilMs: T + 60_000 });
    expect(m.nextStep(T + 60_000)).toMatchObject({ kind: 'poll' });
  });

  it('replaying a run from before: a reconfigure leaves the halt', () => {
    const m = loaded(polling);
    fail(m, 'poll', T, spent);
    m.reconfigure({ maxDailyApiCalls: null });
    expect(m.state).toBe('API_BUDGET_EXHAUSTED');
  });
});
