import { describe, expect, it } from 'vitest';
import {
  MAX_PUSHTOPIC_NAME_CHARS, SoqlBuildError, formatSoqlDatetime, fullLoadQuery, incrementalQuery, pushTopicName,
  pushTopicQuery, recordsByIdQuery,
} from '../../domain/soql.js';

const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);

describe('formatSoqlDatetime', () => {
  it.each([[T0, '2024-01-02T03:04:05.000Z'], [T0 + 7, '2024-01-02T03:04:05.007Z'], [0, '1970-01-01T00:00:00.000Z']])(
    '%i → %s', (ms, text) => expect(formatSoqlDatetime(ms)).toBe(text));
  it('refuses NaN', () => expect(() => formatSoqlDatetime(NaN)).toThrow(SoqlBuildError));
});

describe('queries', () => {
  it('full load', () => {
    expect(fullLoadQuery('Contact', ['Id', 'Name', 'SystemModstamp'])).toBe('SELECT Id,Name,SystemModstamp FROM Contact');
  });

  it('incremental window, half-open and ordered', () => {
    expect(incrementalQuery('Contact', ['Id', 'Name'], T0, T0 + 600_000)).toBe(
      'SELECT Id,Name FROM Contact WHERE SystemModstamp > 2024-01-02T03:04:05.000Z '
      + 'AND SystemModstamp <= 2024-01-02T03:14:05.000Z ORDER BY SystemModstamp,Id');
  });

  it('refuses a window that ends before it starts', () => {
    expect(() => incrementalQuery('Contact', ['Id'], T0, T0 - 1)).toThrow(/Empty polling window/);
  });

  it.each<[string, string, string[]]>([
    ['injected object', 'Contact WHERE Name != null', ['Id']],
    ['injected field', 'Contact', ['Id', 'Name FROM User --']],
    ['empty field list', 'Contact', []],
  ])('refuses %s', (_n, object, fields) => {
    expect(() => fullLoadQuery(object, fields)).toThrow(SoqlBuildError);
  });
});

describe('recordsByIdQuery', () => {
  const ids = Array.from({ length: 3000 }, (_, i) => `003${String(i).padStart(15, '0')}`);

  it('keeps every query under the limit and every id exactly once', () => {
    const queries = recordsByIdQuery('Contact', ['Id', 'Name'], ids);
    expect(queries.length).toBeGreaterThan(1);
    for (const q of queries) {
      expect(q.length).toBeLessThanOrEqual(20_000);
      expect(q.startsWith("SELECT Id,Name FROM Contact WHERE Id IN ('")).toBe(true);
      expect(q.endsWith("')")).toBe(true);
    }
    const seen = queries.flatMap((q) => q.match(/'([^']+)'/g) ?? []).map((s) => s.slice(1, -1));
    expect(seen).toEqual(ids);
  });

  it('packs chunks tightly at a small limit', () => {
    const head = "SELECT Id FROM Contact WHERE Id IN (".length;
    const max = head + 3 * 20 + 2 + 1; // three quoted 18-char ids, two commas, ")"
    const queries = recordsByIdQuery('Contact', ['Id'], ids.slice(0, 7), max);
    expect(queries.map((q) => (q.match(/'/g) ?? []).length / 2)).toEqual([3, 3, 1]);
    expect(queries.every((q) => q.length <= max)).toBe(true);
  });

  it('dedupes ids and returns nothing for no ids', () => {
    expect(recordsByIdQuery('Contact', ['Id'], ['003000000000000AAA', '003000000000000AAA'])).toEqual([
      "SELECT Id FROM Contact WHERE Id IN ('003000000000000AAA')",
    ]);
    expect(recordsByIdQuery('Contact', ['Id'], [])).toEqual([]);
  });

  it.each(["003000000000000AA'", '003', '003000000000000AAA OR Name != null'])('refuses id %s', (id) => {
    expect(() => recordsByIdQuery('Contact', ['Id'], [id])).toThrow(/Invalid record id/);
  });
});

describe('PushTopic', () => {
  it('query is the plain select', () => {
    expect(pushTopicQuery('Account', ['Id', 'Name'])).toBe('SELECT Id,Name FROM Account');
  });

  it('refuses a query over 1,300 characters with advice', () => {
    const fields = Array.from({ length: 120 }, (_, i) => `Custom_Field_${i}__c`);
    expect(() => pushTopicQuery('Account', fields)).toThrow(/1300.*cdc/);
  });

  it.each<[string, string]>([
    ['Contact', 'ferry_Contact'],
    ['Account', 'ferry_Account'],
  ])('name for %s is %s', (object, name) => expect(pushTopicName(object)).toBe(name));

  it.each(['Employee__c', 'agf__ADM_Work__c', 'AVeryLongStandardObjectName', 'ns__Some_Really_Long_Object_Name__c'])(
    'name for %s is short, clean and stable', (object) => {
      const name = pushTopicName(object);
      expect(name.length).toBeLessThanOrEqual(MAX_PUSHTOPIC_NAME_CHARS);
      expect(name).toMatch(/^ferry_[A-Za-z0-9]+(_[A-Za-z0-9]+)*$/);
      expect(pushTopicName(object)).toBe(name);
    });

  it('distinguishes long names that share a prefix', () => {
    expect(pushTopicName('LongObjectNameNumberOne__c')).not.toBe(pushTopicName('LongObjectNameNumberTwo__c'));
  });
});
