import { describe, expect, it } from 'vitest';
import {
  WireValueError, bulkCsvToPgText, copyTextLine, pgToSfJson, sfDatetimeToPg, sfJsonToPgText,
} from '../../domain/wire-values.js';

describe('inbound REST JSON → Postgres text', () => {
  it.each<[unknown, string, string | null]>([
    ['2024-01-02T03:04:05.000+0000', 'datetime', '2024-01-02 03:04:05.000'],
    ['2024-01-02T03:04:05.000Z', 'datetime', '2024-01-02 03:04:05.000'],
    ['2024-01-02T03:04:05.000+00:00', 'datetime', '2024-01-02 03:04:05.000'],
    ['2024-01-02T05:04:05.000+0200', 'datetime', '2024-01-02 03:04:05.000'],
    ['2024-01-01T23:30:00.000-0100', 'datetime', '2024-01-02 00:30:00.000'],
    ['2024-01-02', 'date', '2024-01-02'],
    ['03:04:05.000Z', 'time', '03:04:05.000'],
    [true, 'boolean', 'true'],
    [false, 'boolean', 'false'],
    [42, 'int', '42'],
    [12.5, 'percent', '12.5'],
    [1e21, 'double', '1e+21'],
    ['Acme', 'string', 'Acme'],
    ['a;b', 'multipicklist', 'a;b'],
    ['', 'string', ''],
    [null, 'string', null],
    [undefined, 'datetime', null],
  ])('%j as %s → %j', (value, type, text) => expect(sfJsonToPgText(value, type)).toBe(text));

  it.each<[unknown, string]>([
    [{ city: 'Paris' }, 'address'],
    [Infinity, 'double'],
    ['not a date', 'datetime'],
  ])('refuses %j as %s', (value, type) => expect(() => sfJsonToPgText(value, type)).toThrow(WireValueError));

  it('sfDatetimeToPg keeps milliseconds', () => expect(sfDatetimeToPg('2024-12-31T23:59:59.999Z')).toBe('2024-12-31 23:59:59.999'));
});

describe('inbound Bulk CSV → Postgres text', () => {
  it.each<[string, string, string | null]>([
    ['', 'string', null],
    ['', 'datetime', null],
    ['true', 'boolean', 'true'],
    ['2024-01-02T03:04:05.000Z', 'datetime', '2024-01-02 03:04:05.000'],
    ['2024-01-02', 'date', '2024-01-02'],
    ['10:00:00.000Z', 'time', '10:00:00.000'],
    ['3.25', 'currency', '3.25'],
    ['He said "hi"', 'textarea', 'He said "hi"'],
  ])('%j as %s → %j', (cell, type, text) => expect(bulkCsvToPgText(cell, type)).toBe(text));
});

describe('copyTextLine', () => {
  it.each<[(string | null)[], string]>([
    [['a', 'b'], 'a\tb\n'],
    [[null, ''], '\\N\t\n'],
    [['tab\there'], 'tab\\there\n'],
    [['line\nbreak\r'], 'line\\nbreak\\r\n'],
    [['back\\slash'], 'back\\\\slash\n'],
    [['\\N'], '\\\\N\n'],
    [['é ünïcode ✓'], 'é ünïcode ✓\n'],
    [[], '\n'],
  ])('%j → %j', (values, line) => expect(copyTextLine(values)).toBe(line));

  it('refuses NUL', () => expect(() => copyTextLine(['a\u0000'])).toThrow(/NUL/));
});

describe('outbound Postgres → Salesforce JSON', () => {
  it.each<[unknown, string, unknown]>([
    ['2024-01-02 03:04:05', 'datetime', '2024-01-02T03:04:05.000Z'],
    ['2024-01-02 03:04:05.123456', 'datetime', '2024-01-02T03:04:05.123Z'],
    ['2024-01-02 03:04:05.1', 'datetime', '2024-01-02T03:04:05.100Z'],
    ['2024-01-02T03:04:05+02', 'datetime', '2024-01-02T01:04:05.000Z'],
    [new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), 'datetime', '2024-01-02T03:04:05.006Z'],
    ['2024-01-02', 'date', '2024-01-02'],
    [new Date(2024, 0, 2), 'date', '2024-01-02'],
    ['03:04:05', 'time', '03:04:05.000Z'],
    ['03:04:05.5', 'time', '03:04:05.500Z'],
    ['t', 'boolean', true],
    ['false', 'boolean', false],
    [true, 'boolean', true],
    ['12.50', 'currency', 12.5],
    ['9007199254740993', 'long', 9007199254740992],
    [7, 'int', 7],
    ['Acme', 'string', 'Acme'],
    [5, 'string', '5'],
    [null, 'datetime', null],
    [undefined, 'string', null],
  ])('%j as %s → %j', (value, type, out) => expect(pgToSfJson(value, type)).toEqual(out));

  it.each<[unknown, string]>([
    ['yes', 'boolean'],
    ['abc', 'double'],
    ['', 'int'],
    ['12', 'date'],
    ['not a timestamp at all', 'datetime'],
    [{ a: 1 }, 'string'],
  ])('refuses %j as %s', (value, type) => expect(() => pgToSfJson(value, type)).toThrow(WireValueError));
});
