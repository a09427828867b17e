import { describe, expect, it } from 'vitest';
import { bodyIssues, patchFromBody } from '../../api/config-patch-body';
import { Problem } from '../../api/problem';

describe('PATCH body (Heroku Connect shape) → ConfigPatch', () => {
  it.each<[string, unknown, object]>([
    ['poll interval and cap', { config: { sf_polling_seconds: 300, sf_max_daily_api_calls: null } }, { pollIntervalSeconds: 300, maxDailyApiCalls: null }],
    ['poll overlap', { config: { poll_overlap_seconds: 60 } }, { pollOverlapSeconds: 60 }],
    ['fields as the export writes them', { config: { fields: { Id: {}, Email: {} } } }, { fields: ['Id', 'Email'] }],
    ['fields as a list', { config: { fields: ['Id', 'Email'] } }, { fields: ['Id', 'Email'] }],
    ['sf_notify_enabled → event-driven', { config: { sf_notify_enabled: true } }, { syncMode: 'event_driven' }],
    ['sync_mode wins over sf_notify_enabled, before it', { config: { sync_mode: 'polling', sf_notify_enabled: true } }, { syncMode: 'polling' }],
    ['sync_mode wins over sf_notify_enabled, after it', { config: { sf_notify_enabled: true, sync_mode: 'polling' } }, { syncMode: 'polling' }],
    ['access, flush interval, streaming source', { config: { access: 'read_write', flush_interval_seconds: 5, streaming_source: 'cdc' } },
      { access: 'read_write', flushIntervalSeconds: 5, streamingSource: 'cdc' }],
    ['the same object name and an applied_at are accepted', { object_name: 'contact', config: { applied_at: 'x', sf_polling_seconds: 120 } }, { pollIntervalSeconds: 120 }],
  ])('%s', (_name, body, patch) => {
    expect(patchFromBody(body, 'Contact')).toEqual(patch);
  });

  it.each<[string, unknown, { path: string; rule: string }[]]>([
    ['not an object', [], [{ path: '', rule: 'type' }]],
    ['no config', {}, [{ path: 'config', rule: 'required' }]],
    ['another object', { object_name: 'Lead', config: {} }, [{ path: 'object_name', rule: 'immutable' }]],
    ['upsert field', { config: { upsert_field: 'X__c' } }, [{ path: 'config.upsert_field', rule: 'immutable' }]],
    ['unknown keys', { extra: 1, config: { polling: 5 } }, [{ path: 'extra', rule: 'unknown_key' }, { path: 'config.polling', rule: 'unknown_key' }]],
    ['notify not boolean', { config: { sf_notify_enabled: 'yes' } }, [{ path: 'config.sf_notify_enabled', rule: 'type' }]],
  ])('refuses %s', (_name, body, issues) => {
    try {
      patchFromBody(body, 'Contact');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(Problem);
      expect((err as Problem).errors!.map((i) => ({ path: i.path, rule: i.rule }))).toEqual(issues);
    }
  });

  it('translates domain issue paths back to the body\'s keys', () => {
    expect(bodyIssues([
      { path: 'pollIntervalSeconds', rule: 'range', message: 'm' }, { path: 'fields[3]', rule: 'api_name', message: 'm' }, { path: 'other', rule: 'x', message: 'm' },
    ]).map((i) => i.path)).toEqual(['config.sf_polling_seconds', 'config.fields[3]', 'other']);
  });
});
