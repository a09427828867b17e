import { describe, expect, it } from 'vitest';
import {
  calculatedFields, formulaRefreshCallsPerRun, formulaRefreshDailyCalls, formulaRefreshQuery, formulaRefreshesPerDay, formulaUpdateStatement,
} from '../../domain/formula-refresh';
import type { MappedField } from '../../domain/mapped-field';
import { parseMappingEntry, toMappingEntry } from '../../domain/mapping-config';

const f = (name: string, calculated?: boolean): MappedField => ({
  name, column: name === 'Id' ? 'sfid' : name.toLowerCase(), sfType: 'double', pgType: 'double precision', ...(calculated === undefined ? {} : { calculated }),
});
const OPTS = { bulkThreshold: 10_000, bulkPageRecords: 100_000 };

describe('formula refresh', () => {
  it('re-reads only the calculated mapped fields', () => {
    expect(calculatedFields([f('Id'), f('Name'), f('Total__c', true), f('Count__c', true), f('Other__c', false)]).map((x) => x.name))
      .toEqual(['Total__c', 'Count__c']);
  });

  it.each([
    [{}, 'SELECT Id,Total__c,Count__c FROM Account ORDER BY Id'],
    [{ sfFilter: 'IsActive__c = true' }, 'SELECT Id,Total__c,Count__c FROM Account WHERE (IsActive__c = true) ORDER BY Id'],
  ])('queries %j', (cfg, soql) => {
    expect(formulaRefreshQuery('Account', ['Total__c', 'Count__c'], cfg)).toBe(soql);
  });

  it('updates only rows whose values differ', () => {
    expect(formulaUpdateStatement('salesforce', 'account', 'account__ferry_formulas', ['total__c', 'count__c'])).toBe(
      'UPDATE "salesforce"."account" AS t SET "total__c" = s."total__c", "count__c" = s."count__c" FROM "salesforce"."account__ferry_formulas" AS s '
      + 'WHERE t.sfid = s.sfid AND ROW(t."total__c", t."count__c") IS DISTINCT FROM ROW(s."total__c", s."count__c")');
    expect(() => formulaUpdateStatement('salesforce', 'account', 's', [])).toThrow('at least one calculated column');
  });

  it.each([
    [0, 1], [1, 1], [2_000, 1], [2_001, 2], [10_000, 5], [10_001, 5], [250_000, 7],
  ])('calls per refresh of %i records: %i', (records, calls) => {
    expect(formulaRefreshCallsPerRun(records, OPTS)).toBe(calls);
  });

  it.each([
    [null, 0], [undefined, 0], [60, 1440], [900, 96], [86_400, 1], [7_000, 13],
  ])('refreshes a day every %s s: %i', (seconds, runs) => {
    expect(formulaRefreshesPerDay(seconds)).toBe(runs);
  });

  it('a day of refreshes: REST is exact; Bulk spans 1 to 20 status checks', () => {
    expect(formulaRefreshDailyCalls(3_000, 900, { ...OPTS, bulkPollsHigh: 20 })).toEqual({ low: 192, high: 192 });
    expect(formulaRefreshDailyCalls(250_000, 86_400, { ...OPTS, bulkPollsHigh: 20 })).toEqual({ low: 7, high: 26 });
    expect(formulaRefreshDailyCalls(250_000, null, { ...OPTS, bulkPollsHigh: 20 })).toEqual({ low: 0, high: 0 });
  });
});

describe('sf_filter and formula_refresh_seconds in the mapping entry', () => {
  const entry = { object_name: 'Account', config: { access: 'read_only', fields: { Name: {} }, sf_filter: '  IsActive__c = true ', formula_refresh_seconds: 300 } };

  it('are read (trimmed) and written back only when set', () => {
    const cfg = parseMappingEntry(entry);
    expect(cfg).toMatchObject({ sfFilter: 'IsActive__c = true', formulaRefreshSeconds: 300 });
    expect(toMappingEntry(cfg).config).toMatchObject({ sf_filter: 'IsActive__c = true', formula_refresh_seconds: 300 });
    expect(parseMappingEntry(toMappingEntry(cfg))).toEqual(cfg);
    const plain = toMappingEntry(parseMappingEntry({ object_name: 'Account', config: { access: 'read_only', fields: { Name: {} } } }));
    expect(Object.keys(plain.config)).not.toContain('sf_filter');
    expect(Object.keys(plain.config)).not.toContain('formula_refresh_seconds');
  });

  it.each([
    [{ sf_filter: '' }, 'config.sf_filter', 'empty'],
    [{ sf_filter: 'x'.repeat(4001) }, 'config.sf_filter', 'too_long'],
    [{ formula_refresh_seconds: 59 }, 'config.formula_refresh_seconds', 'range'],
    [{ formula_refresh_seconds: 90.5 }, 'config.formula_refresh_seconds', 'integer'],
  ])('refuses %j', (extra, path, rule) => {
    expect(() => parseMappingEntry({ object_name: 'Account', config: { access: 'read_only', fields: { Name: {} }, ...extra } }))
      .toThrow(expect.objectContaining({ issues: [expect.objectContaining({ path, rule })] }));
  });
});
