import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ADOPTION_OVERLAP_MS, adoptionWatermarkMs, classifyTriggers, columnProblems, compatibleType, formatPgType, ignoredExportKeys,
} from '../../domain/hc-adoption.js';

describe('formatPgType / compatibleType', () => {
  it.each([
    ['varchar(80)', 'character varying(80)'], ['timestamp', 'timestamp without time zone'], ['time', 'time without time zone'],
    ['double precision', 'double precision'], ['integer', 'integer'], ['boolean', 'boolean'], ['date', 'date'], ['text', 'text'],
  ])('%s is spelled %s by Postgres', (t, pg) => expect(formatPgType(t)).toBe(pg));
  it.each([
    ['varchar(80)', 'character varying(80)', true], ['varchar(80)', 'character varying(255)', true], ['varchar(80)', 'text', true],
    ['varchar(80)', 'character varying(40)', false], ['double precision', 'integer', false], ['integer', 'bigint', true],
    ['timestamp', 'timestamp with time zone', false], ['boolean', 'character varying(5)', false], ['text', 'character varying(255)', false],
  ])('%s held in %s: %s', (expected, actual, ok) => expect(compatibleType(expected, actual)).toBe(ok));
});

describe('columnProblems', () => {
  const system = [['id', 'integer'], ['sfid', 'character varying(18)'], ['systemmodstamp', 'timestamp without time zone'], ['isdeleted', 'boolean'], ['_hc_lastop', 'character varying(32)'], ['_hc_err', 'text']] as const;
  it('names the table, the column and the problem', () => {
    const actual = new Map<string, string>([...system, ['name', 'character varying(255)'], ['amount', 'integer']]);
    expect(columnProblems('salesforce.account', [{ name: 'name', pgType: 'varchar(255)' }, { name: 'amount', pgType: 'double precision' }, { name: 'rating', pgType: 'varchar(40)' }], actual)).toEqual([
      'salesforce.account: column "amount" is integer, the mapping needs double precision',
      'salesforce.account: column "rating" is missing (the mapping needs character varying(40))',
    ]);
  });
  it('accepts a Heroku Connect table as it is, extra columns included', () => {
    const actual = new Map<string, string>([...system, ['name', 'character varying(255)'], ['app_column', 'jsonb']]);
    expect(columnProblems('salesforce.account', [{ name: 'name', pgType: 'varchar(255)' }], actual)).toEqual([]);
  });
  it('requires the system columns', () => {
    expect(columnProblems('s.t', [], new Map([['id', 'integer']]))).toHaveLength(5);
  });
});

describe('classifyTriggers', () => {
  it.each([
    [['hc_contact_logtrigger', 'hc_contact_status_trigger'], { herokuConnect: ['hc_contact_logtrigger', 'hc_contact_status_trigger'], ferry: [], unknown: [] }],
    [['hc_contact_logtrigger_insert', 'hc_contact_notify_trigger'], { herokuConnect: [], ferry: ['hc_contact_logtrigger_insert', 'hc_contact_notify_trigger'], unknown: [] }],
    [['audit_contact', 'hc_account_logtrigger'], { herokuConnect: [], ferry: [], unknown: ['audit_contact', 'hc_account_logtrigger'] }],
  ])('%j', (names, out) => expect(classifyTriggers('contact', names)).toEqual(out));
});

describe('adoptionWatermarkMs', () => {
  it('starts the first poll a safety overlap before the newest stamp; an empty table from the start', () => {
    expect(adoptionWatermarkMs(1_700_000_000_000)).toBe(1_700_000_000_000 - ADOPTION_OVERLAP_MS);
    expect(ADOPTION_OVERLAP_MS).toBe(600_000);
    expect(adoptionWatermarkMs(null)).toBe(0);
  });
});

describe('ignoredExportKeys', () => {
  it('lists what a real Heroku Connect export carries and ferry does not use', () => {
    const file = JSON.parse(readFileSync(join(__dirname, '../fixtures/hc-export.json'), 'utf8'));
    expect(ignoredExportKeys(file)).toEqual([
      'connection.app_name', 'connection.organization_id', 'connection.exported_at', 'connection.api_version', 'connection.name',
      'connection.logplex_log_enabled', 'connection.features.disable_bulk_writes', 'connection.features.poll_external_ids',
      'connection.features.rest_count_only', 'connection.features.ucs_basic_collation_index',
      'mappings[0].config.applied_at', 'mappings[1].config.applied_at', 'mappings[2].config.applied_at',
    ]);
    expect(ignoredExportKeys({ version: 1, mappings: [], extra: 1 })).toEqual(['extra']);
  });
});
