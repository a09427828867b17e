// PATCH /mappings/{object} takes the Heroku Connect config shape, only the keys that change:
// `{"config": {"sf_polling_seconds": 300, "fields": {"Id": {}, "Email": {}}}}`. This translates it to the
// workflow's ConfigPatch (domain/mapping-patch.ts) and translates the domain's issue paths back, so errors
// name the keys the caller sent.
import type { ConfigPatch } from '../domain/mapping-patch';
import type { ConfigIssue } from '../domain/mapping-rules';
import { badConfig } from './problem';

const PATCH_KEY: Record<string, keyof ConfigPatch> = {
  sf_polling_seconds: 'pollIntervalSeconds',
  poll_overlap_seconds: 'pollOverlapSeconds',
  access: 'access',
  sync_mode: 'syncMode',
  streaming_source: 'streamingSource',
  flush_interval_seconds: 'flushIntervalSeconds',
  sf_max_daily_api_calls: 'maxDailyApiCalls',
  verify_interval_seconds: 'verifyIntervalSeconds',
  fields: 'fields',
  sf_filter: 'sfFilter',
  formula_refresh_seconds: 'formulaRefreshSeconds',
};
const BODY_KEY: Record<string, string> = Object.fromEntries(Object.entries(PATCH_KEY).map(([body, patch]) => [patch, body]));
/** Keys of a mapping entry that identify the mapping or its table: changing them means a new mapping. */
const FIXED = new Set(['indexes', 'upsert_field', 'schema']);

export function patchFromBody(body: unknown, objectName: string): ConfigPatch {
  const issues: ConfigIssue[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badConfig([{ path: '', rule: 'type', message: 'The body must be a JSON object like {"config": {"sf_polling_seconds": 300}}' }]);
  }
  const { object_name: bodyObject, config, ...rest } = body as Record<string, unknown>;
  for (const key of Object.keys(rest)) issues.push({ path: key, rule: 'unknown_key', message: `"${key}" is not a mapping key` });
  if (bodyObject !== undefined && (typeof bodyObject !== 'string' || bodyObject.toLowerCase() !== objectName.toLowerCase())) {
    issues.push({ path: 'object_name', rule: 'immutable', message: `object_name cannot change (this mapping is of ${objectName})` });
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    issues.push({ path: 'config', rule: config === undefined ? 'required' : 'type', message: 'config must be an object of the keys to change' });
    throw badConfig(issues);
  }
  const patch: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    const path = `config.${key}`;
    if (key === 'sf_notify_enabled') {
      if (typeof value !== 'boolean') issues.push({ path, rule: 'type', message: 'sf_notify_enabled must be true or false' });
      // An explicit sync_mode wins over Heroku Connect's switch, whichever comes first in the body.
      else if ((config as Record<string, unknown>).sync_mode === undefined) patch.syncMode = value ? 'event_driven' : 'polling';
    } else if (key === 'fields') {
      const names = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? Object.keys(value) : null;
      if (names === null) issues.push({ path, rule: 'type', message: 'fields must be an object keyed by field API name' });
      else patch.fields = names;
    } else if (FIXED.has(key)) {
      issues.push({ path, rule: 'immutable', message: `${key} cannot change on an existing mapping: delete it and create it again` });
    } else if (PATCH_KEY[key]) {
      patch[PATCH_KEY[key]] = value;
    } else if (key !== 'applied_at') {
      issues.push({ path, rule: 'unknown_key', message: `"${key}" is not a mapping configuration key` });
    }
  }
  if (issues.length > 0) throw badConfig(issues);
  return patch as ConfigPatch;
}

/** A domain issue path (`pollIntervalSeconds`, `fields[3]`) in the body's terms (`config.sf_polling_seconds`). */
export function bodyIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues.map((i) => {
    const m = /^([A-Za-z]+)(.*)$/.exec(i.path);
    const key = m ? BODY_KEY[m[1]] : undefined;
    return key ? { ...i, path: `config.${key}${m![2]}` } : i;
  });
}
