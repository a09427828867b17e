// The console's pure parts: escaping, the session cookie and CSRF token, the state tones (never colour alone),
// the current-problem sentence, and what the activity journal reads from each activity's result.
import { describe, expect, it } from 'vitest';
import { MAPPING_STATES } from '../../workflows/mapping/states';
import { html, jsonScript, raw } from '../../api/console/html';
import { csrfMatches, csrfToken, newSession, SESSION_TTL_MS, validSession } from '../../api/console/session';
import { TONE_SYMBOL, ago, budgetText, duration, problemSentence, toneOf } from '../../api/console/view-model';
import type { MappingFigures } from '../../api/mapping-overview';
import { initialStatus } from '../../api/mapping-view';
import { figuresOf, failureOf } from '../../worker/activity-journal';
import { activitySummary } from '../../workflows/mapping/activity-summaries';
import { detailsOf } from '../../workflows/mapping/publish';
import { ApplicationFailure } from '@temporalio/common';
import type { MappingConfig } from '../../domain/mapping-rules';

const TOKEN = 'console-unit-token-0123456789';

describe('html``', () => {
  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['"quoted" & \'single\'', '&quot;quoted&quot; &amp; &#39;single&#39;'],
    [42, '42'],
    [null, ''],
    [undefined, ''],
    [false, ''],
  ])('escapes %j', (value, expected) => {
    expect(html`<td>${value}</td>`.text).toBe(`<td>${expected}</td>`);
  });

  it('keeps nested html and raw markup, joins arrays', () => {
    expect(html`<ul>${['a<', 'b'].map((x) => html`<li>${x}</li>`)}</ul>${raw('<br>')}`.text).toBe('<ul><li>a&lt;</li><li>b</li></ul><br>');
  });

  it('a JSON script block cannot be closed by a value', () => {
    const out = jsonScript('d', { s: '</script><script>alert(1)</script>' }).text;
    expect(out.match(/<\/script>/g)).toHaveLength(1);
    expect(JSON.parse(out.slice(out.indexOf('>') + 1, out.lastIndexOf('</script>')))).toEqual({ s: '</script><script>alert(1)</script>' });
  });
});

describe('session cookie', () => {
  const now = 1_800_000_000_000;
  const session = newSession(TOKEN, now);

  it('does not contain the token and is accepted until it expires', () => {
    expect(session).not.toContain(TOKEN);
    expect(validSession(session, TOKEN, now + 1000)).toBe(session);
    expect(validSession(session, TOKEN, now + SESSION_TTL_MS + 1)).toBeUndefined();
  });

  it.each([
    ['another token', session, 'another-token-0123456789abc'],
    ['a changed expiry', session.replace(/^\d/, (d) => String((Number(d) + 1) % 10)), TOKEN],
    ['a forged signature', `${session.split('.')[0]}.${'A'.repeat(43)}`, TOKEN],
    ['garbage', 'x.y', TOKEN],
    ['no cookie', undefined, TOKEN],
    ['no API token configured', session, undefined],
  ])('is refused with %s', (_what, value, token) => {
    expect(validSession(value, token, now)).toBeUndefined();
  });

  it('CSRF tokens are bound to the session and the API token', () => {
    const t = csrfToken(session, TOKEN);
    expect(csrfMatches(t, session, TOKEN)).toBe(true);
    expect(csrfMatches(t, newSession(TOKEN, now + 1), TOKEN)).toBe(false);
    expect(csrfMatches(t, session, 'another-token-0123456789abc')).toBe(false);
    expect(csrfMatches('', session, TOKEN)).toBe(false);
    expect(csrfMatches(undefined, session, TOKEN)).toBe(false);
  });
});

describe('state tones', () => {
  it.each(MAPPING_STATES.map((s) => [s]))('%s has a tone with a symbol', (state) => {
    const tone = toneOf(state, false);
    expect(TONE_SYMBOL[tone]).toBeTruthy();
  });

  it.each([
    ['DATA_SYNCED', false, 'ok'], ['DATA_SYNCED', true, 'warn'], ['LOADING_BULK_JOB', false, 'busy'], ['LOADING_BULK_JOB', true, 'warn'],
    ['PAUSED', false, 'paused'], ['PAUSED', true, 'paused'], ['SYSTEM_ERROR', true, 'error'], ['API_BUDGET_EXHAUSTED', false, 'warn'], [null, false, 'unknown'],
  ] as const)('%s (failing: %s) is %s', (state, failing, tone) => {
    expect(toneOf(state, failing)).toBe(tone);
  });
});

describe('words', () => {
  it.each([[0, '0 s'], [59_000, '59 s'], [60_000, '1 min'], [3_600_000, '1 h'], [3_900_000, '1 h 5 min'], [3 * 86_400_000, '3 d']])('duration(%d) = %s', (ms, text) => {
    expect(duration(ms)).toBe(text);
  });

  it('ago', () => {
    expect(ago(null, 0)).toBe('never');
    expect(ago(new Date(100_000).toISOString(), 160_000)).toBe('1 min ago');
    expect(ago(new Date(220_000).toISOString(), 160_000)).toBe('in 1 min');
  });

  it('budget', () => {
    expect(budgetText(1204, 3000)).toBe('1,204 / 3,000 (40 %)');
    expect(budgetText(12, null)).toBe('12 (no cap)');
  });
});

describe('current problem', () => {
  const config = { objectName: 'Account', access: 'read_write', pollIntervalSeconds: 600, maxDailyApiCalls: 3000, fields: ['Id'], indexes: [],
    upsertField: null, syncMode: 'polling', streamingSource: 'pushtopic', flushIntervalSeconds: 10, schema: 'salesforce' } as MappingConfig;
  const now = Date.parse('2026-01-01T12:00:00Z');
  const figures = (over: Partial<MappingFigures> = {}): MappingFigures => ({
    status: null, statusAt: null, apiCalls24h: 0, problem: null, pgRows: 0, streamLagSeconds: 0, outbound: { pending: 0, failed: 0 }, ...over,
  });

  it('an activity Temporal retries: what, which attempt, since when, the error', () => {
    const f = figures({ problem: { activity: 'pollChanges', attempts: 3, last_error: { type: 'SERVER_UNAVAILABLE', message: 'Service Unavailable' },
      since: '2026-01-01T11:58:00Z', last_attempt_at: '2026-01-01T11:59:50Z' } });
    expect(problemSentence(initialStatus(config), f, now)).toBe('The poll is failing (attempt 3, since 2 min ago): SERVER_UNAVAILABLE: Service Unavailable');
  });

  it('a halted mapping: its state, the error and when ferry tries again', () => {
    const s = { ...initialStatus(config), state: 'API_BUDGET_EXHAUSTED' as const, lastError: { type: 'ApiBudgetExhausted', message: 'used 3000 of 3000', at: '2026-01-01T11:00:00Z' },
      retryAt: '2026-01-01T13:00:00Z' };
    expect(problemSentence(s, figures(), now)).toBe('API budget exhausted: used 3000 of 3000 — ferry tries again in 1 h');
    // The journal's failed attempt is the same failure: the halted sentence wins.
    const journal = figures({ problem: { activity: 'pollChanges', attempts: 1, last_error: { type: 'ApiBudgetExhausted', message: 'used 3000 of 3000' },
      since: '2026-01-01T11:00:00Z', last_attempt_at: '2026-01-01T11:00:00Z' } });
    expect(problemSentence(s, journal, now)).toBe('API budget exhausted: used 3000 of 3000 — ferry tries again in 1 h');
  });

  it('refused writes, else none; a silent workflow says so', () => {
    expect(problemSentence(initialStatus(config), figures({ outbound: { pending: 0, failed: 2 } }), now)).toBe('Salesforce refused 2 writes: see the mapping\'s failed writes');
    expect(problemSentence(initialStatus(config), figures(), now)).toBeNull();
    expect(problemSentence(null, figures(), now)).toMatch(/did not answer/);
  });
});

describe('activity journal figures', () => {
  it.each([
    ['loadObject', { mode: 'bulk', rowsLoaded: 500, inserted: 500, updated: 0, deleted: 0, apiCalls: 4 }, { rowsIn: 500, rowsOut: 0, writeErrors: 0, apiCalls: 4 }],
    ['pollChanges', { mode: 'rest', records: 7, inserted: 2, updated: 4, deleted: 1, apiCalls: 1 }, { rowsIn: 7, rowsOut: 0, writeErrors: 0, apiCalls: 1 }],
    ['applyStreamEvents', { events: 3, inserted: 1, updated: 2, deleted: 0, apiCalls: 0 }, { rowsIn: 3, rowsOut: 0, writeErrors: 0, apiCalls: 0 }],
    ['flushOutbound', { claimed: 10, writes: 9, succeeded: 8, failed: 1, api: 'collections', apiCalls: 1 }, { rowsIn: 0, rowsOut: 8, writeErrors: 1, apiCalls: 1 }],
    ['syncPurgedDeletes', { deleted: 5, apiCalls: 1 }, { rowsIn: 5, rowsOut: 0, writeErrors: 0, apiCalls: 1 }],
    ['prepareMapping', { table: 'account' }, { rowsIn: 0, rowsOut: 0, writeErrors: 0, apiCalls: 0 }],
    ['loadObject', null, { rowsIn: 0, rowsOut: 0, writeErrors: 0, apiCalls: 0 }],
  ])('%s', (activity, result, expected) => {
    expect(figuresOf(activity, result)).toMatchObject(expected);
  });

  it('names a failure by its Temporal type, else its Salesforce code, else its class', () => {
    expect(failureOf(ApplicationFailure.create({ type: 'BadConfig', message: 'no such field' }))).toEqual({ type: 'BadConfig', message: 'no such field' });
    expect(failureOf(Object.assign(new Error('Service Unavailable'), { errorCode: 'SERVER_UNAVAILABLE' }))).toEqual({ type: 'SERVER_UNAVAILABLE', message: 'Service Unavailable' });
    expect(failureOf(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toEqual({ type: 'ECONNREFUSED', message: 'connect ECONNREFUSED' });
    expect(failureOf(new TypeError('x'))).toEqual({ type: 'TypeError', message: 'x' });
  });
});

describe('what the Temporal UI shows', () => {
  it.each([
    ['pollChanges', { mappingId: 'salesforce.account' }, 'poll salesforce.account'],
    ['loadObject', { mappingId: 'salesforce.account', target: 'reload' }, 'load salesforce.account (reload, beside the live table)'],
    ['loadObject', { mappingId: 'salesforce.account', target: 'live' }, 'load salesforce.account (live table)'],
    ['flushOutbound', { mappingId: 'salesforce.contact' }, 'flush outbound writes of salesforce.contact'],
    ['somethingNew', undefined, 'somethingNew'],
  ])('%s is named "%s"', (type, arg, summary) => {
    expect(activitySummary(type, arg)).toBe(summary);
  });

  it('current details: state, current config, last load and the problem', () => {
    const config = { objectName: 'Account', access: 'read_write', pollIntervalSeconds: 300, maxDailyApiCalls: 3000, fields: ['Id', 'Name'], indexes: [],
      upsertField: null, syncMode: 'polling', streamingSource: 'pushtopic', flushIntervalSeconds: 10, schema: 'salesforce' } as MappingConfig;
    const s = { ...initialStatus(config), mappingId: 'salesforce.account', state: 'SYSTEM_ERROR' as const,
      lastLoad: { mode: 'bulk' as const, rows: 12, finishedAt: '2026-01-01T00:00:00.000Z' }, lastError: { type: 'Error', message: 'boom', at: '2026-01-01T00:00:00.000Z' } };
    expect(detailsOf(s).split('\n')).toEqual([
      '**Account** → `salesforce.account`: SYSTEM_ERROR', 'config: read_write, polling every 300 s, 2 fields, cap 3000',
      'last load: 12 rows (bulk) at 2026-01-01T00:00:00.000Z', 'problem: Error: boom',
    ]);
  });
});
