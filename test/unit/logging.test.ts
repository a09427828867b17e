// One log format (issue 17): LOG_FORMAT or the terminal picks JSON or one readable line; the Temporal SDK's
// messages go through pino without task tokens or payloads; routine activity lines drop to debug.
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { resolveLogFormat } from '../../infra/logger';
import { sanitizeTemporalMeta, temporalLogger } from '../../infra/temporal-logger';

describe('log format', () => {
  it.each([
    [undefined, true, 'pretty'], [undefined, false, 'json'], ['json', true, 'json'], ['pretty', false, 'pretty'], ['yaml', false, 'json'],
  ] as const)('LOG_FORMAT=%s on a terminal=%s → %s', (value, tty, expected) => {
    expect(resolveLogFormat(value, tty)).toBe(expected);
  });
});

describe('the Temporal SDK through pino', () => {
  function capture(level = 'debug') {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
    return { log: pino({ level }, sink), lines };
  }

  it('keeps ids and counters, drops task tokens, payloads and nested objects', () => {
    expect(sanitizeTemporalMeta({
      taskToken: 'Cg4…', activityId: '3', attempt: 2, isLocal: false, workflowId: 'ferry-mapping:salesforce.account',
      payloads: [{ data: 'secret' }], args: ['x'], input: { a: 1 }, result: 'r', heartbeatDetails: [1], header: {}, taskQueue: 'ferry',
      error: new Error('boom\n    at stack'), nested: { x: 1 }, big: 10n,
    })).toEqual({
      activityId: '3', attempt: 2, isLocal: false, workflowId: 'ferry-mapping:salesforce.account', taskQueue: 'ferry',
      err: { type: 'Error', message: 'boom' }, big: '10',
    });
  });

  it('writes one line per message at the mapped level, routine start/finish lines at debug', () => {
    const { log, lines } = capture();
    const t = temporalLogger(log);
    t.warn('Activity failed', { taskToken: 'abc', activityType: 'loadObject', error: new Error('socket hang up') });
    t.info('Activity completed', { activityType: 'pollChanges' });
    t.info('Worker state changed', { state: 'RUNNING' });
    expect(lines.map((l) => [l.level, l.msg, l.component])).toEqual([
      [40, 'Activity failed', 'temporal'], [20, 'Activity completed', 'temporal'], [30, 'Worker state changed', 'temporal'],
    ]);
    expect(JSON.stringify(lines)).not.toContain('abc');
  });

  it('honours a floor (the bundler logs warnings and errors only)', () => {
    const { log, lines } = capture();
    const t = temporalLogger(log, 'WARN');
    t.info('asset workflow-bundle.js 1.2 MiB [emitted]');
    t.error('Module not found');
    expect(lines.map((l) => l.msg)).toEqual(['Module not found']);
  });
});
