import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError, applyConfigPatch, parseHcExport, parseMappingEntry, toHcExport, toMappingEntry,
  type ConfigIssue, type MappingConfig,
} from '../../domain/mapping-config.js';

const fixture: unknown = JSON.parse(readFileSync(join(__dirname, '../fixtures/hc-export.json'), 'utf8'));

function entry(config: Record<string, unknown> = {}, objectName = 'Contact'): unknown {
  return { object_name: objectName, config: { access: 'read_only', fields: { Id: {}, Name: {} }, ...config } };
}

function issuesOf(fn: () => unknown): ConfigIssue[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('parseMappingEntry defaults', () => {
  it('fills Heroku Connect and ferry defaults and adds the required fields', () => {
    expect(parseMappingEntry(entry())).toEqual<MappingConfig>({
      objectName: 'Contact', access: 'read_only', pollIntervalSeconds: 600, maxDailyApiCalls: 3000,
      fields: ['Id', 'Name', 'SystemModstamp', 'IsDeleted'], indexes: [], upsertField: null, syncMode: 'polling',
      streamingSource: 'pushtopic', flushIntervalSeconds: 10, schema: 'salesforce',
    });
  });

  it.each([
    [{ sf_notify_enabled: true }, 'event_driven'],
    [{ sf_notify_enabled: false }, 'polling'],
    [{ sf_notify_enabled: true, sync_mode: 'polling' }, 'polling'],
    [{ sync_mode: 'event_driven' }, 'event_driven'],
  ])('sync mode from %j is %s', (config, mode) => {
    expect(parseMappingEntry(entry(config)).syncMode).toBe(mode);
  });

  it('moves Id first and keeps the given order and spelling of the rest', () => {
    const cfg = parseMappingEntry(entry({ fields: { Name: {}, isdeleted: {}, Id: {}, Email: {} } }));
    expect(cfg.fields).toEqual(['Id', 'Name', 'isdeleted', 'Email', 'SystemModstamp']);
  });

  it('ignores unknown keys at every level', () => {
    const cfg = parseMappingEntry({ object_name: 'Lead', extra: 1, config: { access: 'read_write', applied_at: 'x', fields: { Id: { x: 1 } } } });
    expect(cfg.objectName).toBe('Lead');
    expect(cfg.access).toBe('read_write');
  });

  it('uses the schema passed as default and accepts its own', () => {
    expect(parseMappingEntry(entry(), 'sf').schema).toBe('sf');
    expect(parseMappingEntry(entry({ schema: 'crm' }), 'sf').schema).toBe('crm');
  });
});

describe('parseMappingEntry rejects bad input with path and rule', () => {
  it.each<[string, unknown, string, string]>([
    ['poll interval too short', entry({ sf_polling_seconds: 60 }), 'config.sf_polling_seconds', 'range'],
    ['poll interval too long', entry({ sf_polling_seconds: 3601 }), 'config.sf_polling_seconds', 'range'],
    ['poll interval fractional', entry({ sf_polling_seconds: 600.5 }), 'config.sf_polling_seconds', 'integer'],
    ['poll interval as text', entry({ sf_polling_seconds: '600' }), 'config.sf_polling_seconds', 'type'],
    ['cap zero', entry({ sf_max_daily_api_calls: 0 }), 'config.sf_max_daily_api_calls', 'range'],
    ['cap fractional', entry({ sf_max_daily_api_calls: 1.5 }), 'config.sf_max_daily_api_calls', 'integer'],
    ['access unknown', entry({ access: 'write_only' }), 'config.access', 'enum'],
    ['sync mode unknown', entry({ sync_mode: 'push' }), 'config.sync_mode', 'enum'],
    ['streaming source unknown', entry({ streaming_source: 'kafka' }), 'config.streaming_source', 'enum'],
    ['flush interval 0', entry({ flush_interval_seconds: 0 }), 'config.flush_interval_seconds', 'range'],
    ['flush interval 61', entry({ flush_interval_seconds: 61 }), 'config.flush_interval_seconds', 'range'],
    ['poll overlap under 5 s', entry({ poll_overlap_seconds: 4 }), 'config.poll_overlap_seconds', 'range'],
    ['poll overlap over 6 h', entry({ poll_overlap_seconds: 21_601 }), 'config.poll_overlap_seconds', 'range'],
    ['poll overlap fractional', entry({ poll_overlap_seconds: 30.5 }), 'config.poll_overlap_seconds', 'integer'],
    ['schema with capitals', entry({ schema: 'Sales Force' }), 'config.schema', 'pg_identifier'],
    ['object name with space', entry({}, 'My Object'), 'object_name', 'api_name'],
    ['object name with inner double underscore', entry({}, 'A__B__C__c__x'), 'object_name', 'api_name'],
    ['field name starting with a digit', entry({ fields: { Id: {}, '1Name': {} } }), 'config.fields.1Name', 'api_name'],
    ['field name ending with an underscore', entry({ fields: { Name_: {} } }), 'config.fields.Name_', 'api_name'],
    ['field name with unknown suffix', entry({ fields: { Foo__z: {} } }), 'config.fields.Foo__z', 'api_name'],
    ['field listed twice in different case', entry({ fields: { Name: {}, NAME: {} } }), 'config.fields.NAME', 'duplicate'],
    ['index on an unmapped field', entry({ indexes: { Email: { unique: false } } }), 'config.indexes.Email', 'not_mapped'],
    ['upsert field not mapped', entry({ upsert_field: 'Ext__c' }), 'config.upsert_field', 'not_mapped'],
    ['missing access', { object_name: 'Contact', config: { fields: {} } }, 'config.access', 'required'],
    ['missing fields', { object_name: 'Contact', config: { access: 'read_only' } }, 'config.fields', 'required'],
    ['missing config', { object_name: 'Contact' }, 'config', 'required'],
    ['notify flag as text', entry({ sf_notify_enabled: 'yes' }), 'config.sf_notify_enabled', 'type'],
    ['ferry\'s own schema', entry({ schema: 'ferry' }), 'config.schema', 'reserved_schema'],
    ['information_schema', entry({ schema: 'information_schema' }), 'config.schema', 'reserved_schema'],
    ['pg_catalog', entry({ schema: 'pg_catalog' }), 'config.schema', 'reserved_schema'],
    ['pg_toast', entry({ schema: 'pg_toast' }), 'config.schema', 'reserved_schema'],
    ['any pg_ schema', entry({ schema: 'pg_mine' }), 'config.schema', 'reserved_schema'],
  ])('%s', (_name, input, path, rule) => {
    expect(issuesOf(() => parseMappingEntry(input))).toContainEqual(expect.objectContaining({ path, rule }));
  });

  it('reports every problem at once', () => {
    const issues = issuesOf(() => parseMappingEntry(entry({ sf_polling_seconds: 1, flush_interval_seconds: 99 })));
    expect(issues.map((i) => i.path)).toEqual(['config.sf_polling_seconds', 'config.flush_interval_seconds']);
  });

  it('names a reserved schema in its message', () => {
    expect(() => parseMappingEntry(entry({ schema: 'pg_catalog' }))).toThrow('Schema "pg_catalog" cannot hold mapping tables');
    expect(() => parseMappingEntry(entry({ schema: 'ferry' }))).toThrow('Schema "ferry" cannot hold mapping tables: it holds ferry\'s own tables');
    expect(parseMappingEntry(entry({ schema: 'pgx' })).schema).toBe('pgx');
    expect(parseMappingEntry(entry({ schema: 'ferry_data' })).schema).toBe('ferry_data');
  });

  it('names each problem\'s path once in the message', () => {
    const err = (() => {
      try {
        parseMappingEntry({ object_name: 7, config: { access: 'read_only', fields: {}, sf_polling_seconds: 'often' } });
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(err.message).toMatch(/^2 configuration problems: object_name: /);
    expect(err.message).not.toMatch(/object_name: object_name/);
    expect(err.message).not.toMatch(/config\.sf_polling_seconds: config\.sf_polling_seconds/);
  });

  it('accepts the bounds and a null cap', () => {
    expect(parseMappingEntry(entry({ sf_polling_seconds: 120 })).pollIntervalSeconds).toBe(120);
    expect(parseMappingEntry(entry({ sf_polling_seconds: 3600 })).pollIntervalSeconds).toBe(3600);
    expect(parseMappingEntry(entry({ sf_max_daily_api_calls: null })).maxDailyApiCalls).toBeNull();
  });

  it.each(['ns__Field__c', 'Location__Latitude__s', 'Person__pc', 'Ext_Id__c', 'A1_b2'])('accepts field %s', (f) => {
    expect(parseMappingEntry(entry({ fields: { [f]: {} } })).fields).toContain(f);
  });
});

describe('round trip', () => {
  it('toMappingEntry then parseMappingEntry gives the same config', () => {
    const cfg = parseMappingEntry(entry({
      access: 'read_write', sf_polling_seconds: 900, sf_max_daily_api_calls: null, upsert_field: 'Ext__c',
      fields: { Name: {}, Ext__c: {}, Id: {} }, indexes: { Ext__c: { unique: true } }, sync_mode: 'event_driven',
      streaming_source: 'cdc', flush_interval_seconds: 5, poll_overlap_seconds: 120, schema: 'crm',
    }));
    expect(cfg.pollOverlapSeconds).toBe(120);
    expect(parseMappingEntry(toMappingEntry(cfg))).toEqual(cfg);
    expect(toMappingEntry(cfg).config.sf_notify_enabled).toBe(true);
  });
});

describe('parseHcExport', () => {
  it('reads a real-looking Heroku Connect export unchanged', () => {
    const exp = parseHcExport(fixture);
    expect(exp.mappings.map((m) => m.objectName)).toEqual(['Account', 'Contact', 'agf__ADM_Work__c']);
    const [account, contact, work] = exp.mappings;
    expect(account.fields.slice(0, 2)).toEqual(['Id', 'CreatedDate']);
    expect(account.maxDailyApiCalls).toBe(30000);
    expect(contact).toMatchObject({ access: 'read_write', upsertField: 'Ext_Id__c', syncMode: 'event_driven', pollIntervalSeconds: 300 });
    expect(contact.indexes).toContainEqual({ field: 'Ext_Id__c', unique: true });
    expect(work).toMatchObject({ maxDailyApiCalls: null, schema: 'salesforce' });
    expect(work.fields).toEqual(expect.arrayContaining(['SystemModstamp', 'IsDeleted']));
    expect(exp.connection).toMatchObject({ app_name: 'acme-prod', schema_name: 'salesforce', api_version: '59.0' });
  });

  it('round-trips through toHcExport', () => {
    const exp = parseHcExport(fixture);
    const again = parseHcExport(JSON.parse(JSON.stringify(toHcExport(exp.mappings, exp.connection))));
    expect(again).toEqual(exp);
  });

  it('gives mappings the connection schema by default', () => {
    const exp = parseHcExport({ version: 1, connection: { schema_name: 'crm' }, mappings: [entry()] });
    expect(exp.mappings[0].schema).toBe('crm');
  });

  it.each<[string, unknown, string, string]>([
    ['wrong version', { version: 2, mappings: [] }, 'version', 'version'],
    ['no version', { mappings: [] }, 'version', 'required'],
    ['mappings not a list', { version: 1, mappings: {} }, 'mappings', 'type'],
    ['bad mapping', { version: 1, mappings: [entry(), entry({ sf_polling_seconds: 5 }, 'Lead')] }, 'mappings[1].config.sf_polling_seconds', 'range'],
    ['object mapped twice', { version: 1, mappings: [entry(), entry({}, 'contact')] }, 'mappings[1].object_name', 'duplicate'],
    ['bad schema name', { version: 1, connection: { schema_name: 'Bad-Name' }, mappings: [] }, 'connection.schema_name', 'pg_identifier'],
  ])('%s', (_name, input, path, rule) => {
    expect(issuesOf(() => parseHcExport(input))).toContainEqual(expect.objectContaining({ path, rule }));
  });
});

describe('applyConfigPatch', () => {
  const base = parseMappingEntry(entry({ access: 'read_write', fields: { Id: {}, Name: {}, Ext__c: {} }, upsert_field: 'Ext__c' }));

  it('applies valid changes without touching the original', () => {
    const next = applyConfigPatch(base, { pollIntervalSeconds: 1200, syncMode: 'event_driven', maxDailyApiCalls: null, fields: ['Name', 'Ext__c', 'Email'] });
    expect(next).toMatchObject({ pollIntervalSeconds: 1200, syncMode: 'event_driven', maxDailyApiCalls: null });
    expect(next.fields).toEqual(['Id', 'Name', 'Ext__c', 'Email', 'SystemModstamp', 'IsDeleted']);
    expect(base.pollIntervalSeconds).toBe(600);
  });

  it('sets the poll overlap (absent until set: the default applies)', () => {
    expect(base.pollOverlapSeconds).toBeUndefined();
    expect(applyConfigPatch(base, { pollOverlapSeconds: 60 }).pollOverlapSeconds).toBe(60);
  });

  it.each<[string, unknown, string, string]>([
    ['poll interval out of range', { pollIntervalSeconds: 100 }, 'pollIntervalSeconds', 'range'],
    ['bad access', { access: 'all' }, 'access', 'enum'],
    ['flush interval fractional', { flushIntervalSeconds: 2.5 }, 'flushIntervalSeconds', 'integer'],
    ['poll overlap out of range', { pollOverlapSeconds: 1 }, 'pollOverlapSeconds', 'range'],
    ['cap negative', { maxDailyApiCalls: -1 }, 'maxDailyApiCalls', 'range'],
    ['unchangeable key', { objectName: 'Lead' }, 'objectName', 'unknown_key'],
    ['fields not a list', { fields: 'Name' }, 'fields', 'type'],
    ['bad field name', { fields: ['Name', 'Bad Name'] }, 'fields[1]', 'api_name'],
    ['dropping the upsert field', { fields: ['Name'] }, 'fields', 'not_mapped'],
    ['not an object', 5, '', 'type'],
  ])('%s', (_name, patch, path, rule) => {
    expect(issuesOf(() => applyConfigPatch(base, patch))).toContainEqual(expect.objectContaining({ path, rule }));
  });
});
