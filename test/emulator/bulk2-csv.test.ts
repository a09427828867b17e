// The Bulk API 2.0 CSV codec on its own: the row encoder of result files and the streaming parser of
// uploads, including text split at every possible chunk boundary.
import { describe, expect, it } from 'vitest';
import { formatNumber, lineEncoder } from '../../emulator/bulk2/column-values.js';
import { dialectFrom, encodeRow } from '../../emulator/bulk2/csv-format.js';
import { MemoryOrgStore } from '../../emulator/org/store.js';
import { standardObjects } from '../../emulator/org/standard-objects.js';
import { CsvParser, CsvSyntaxError } from '../../emulator/bulk2/csv-parser.js';

const comma = dialectFrom('COMMA', 'LF');

function parseAll(text: string, chunks: number[] = [text.length], delimiter = ','): string[][] {
  const parser = new CsvParser(delimiter);
  const rows: string[][] = [];
  let at = 0;
  for (const size of chunks) {
    parser.feed(text.slice(at, at + size), (r) => rows.push(r));
    at += size;
  }
  parser.feed(text.slice(at), (r) => rows.push(r));
  parser.end((r) => rows.push(r));
  return rows;
}

describe('encodeRow', () => {
  it.each([
    { values: ['a', 'b'], dialect: comma, line: '"a","b"\n' },
    { values: ['x', null, ''], dialect: comma, line: '"x",,""\n' },
    { values: ['say "hi"', 'a,b', 'two\nlines'], dialect: comma, line: '"say ""hi""","a,b","two\nlines"\n' },
    { values: ['a', 'b'], dialect: dialectFrom('TAB', 'CRLF'), line: '"a"\t"b"\r\n' },
    { values: ['a', null], dialect: dialectFrom('PIPE', 'LF'), line: '"a"|\n' },
  ])('encodes $values', ({ values, dialect, line }) => {
    expect(encodeRow(values, dialect)).toBe(line);
  });

  it('refuses a dialect Salesforce does not know', () => {
    expect(() => dialectFrom('COLON', 'LF')).toThrow(/Invalid column delimiter/);
    expect(() => dialectFrom('COMMA', 'CR')).toThrow(/Invalid line ending/);
  });
});

describe('CsvParser', () => {
  const cases: { name: string; text: string; rows: string[][] }[] = [
    { name: 'plain LF', text: 'Name,Industry\nAcme,Tech\n', rows: [['Name', 'Industry'], ['Acme', 'Tech']] },
    { name: 'CRLF', text: 'Name,Industry\r\nAcme,Tech\r\n', rows: [['Name', 'Industry'], ['Acme', 'Tech']] },
    { name: 'no final line ending', text: 'a,b\n1,2', rows: [['a', 'b'], ['1', '2']] },
    { name: 'quoted with comma, quote and newline', text: 'a,b\n"x, ""y""","line1\nline2"\n', rows: [['a', 'b'], ['x, "y"', 'line1\nline2']] },
    { name: 'empty cells', text: 'a,b,c\n,,\n1,,3\n', rows: [['a', 'b', 'c'], ['', '', ''], ['1', '', '3']] },
    { name: 'quoted empty and #N/A', text: 'a,b\n"",#N/A\n', rows: [['a', 'b'], ['', '#N/A']] },
    { name: 'trailing empty cell', text: 'a,b\n1,\n', rows: [['a', 'b'], ['1', '']] },
    { name: 'trailing empty cell CRLF', text: 'a,b\r\n1,\r\n', rows: [['a', 'b'], ['1', '']] },
    { name: 'blank lines skipped', text: 'a\n\n1\n\n', rows: [['a'], ['1']] },
    { name: 'byte order mark', text: '\ufeffa,b\n1,2\n', rows: [['a', 'b'], ['1', '2']] },
    { name: 'unicode', text: 'a\n"Zürich ☃"\n', rows: [['a'], ['Zürich ☃']] },
    { name: 'CRLF inside quotes kept', text: 'a\n"x\r\ny"\r\n', rows: [['a'], ['x\r\ny']] },
  ];

  it.each(cases)('parses $name in one piece', ({ text, rows }) => {
    expect(parseAll(text)).toEqual(rows);
  });

  it.each(cases)('parses $name split at every boundary', ({ text, rows }) => {
    for (let cut = 1; cut < text.length; cut++) expect(parseAll(text, [cut])).toEqual(rows);
    expect(parseAll(text, Array.from({ length: text.length }, () => 1))).toEqual(rows);
  });

  it('parses other delimiters', () => {
    expect(parseAll('a;b\n"1;2";3\n', undefined, ';')).toEqual([['a', 'b'], ['1;2', '3']]);
  });

  it.each([
    { text: 'a\n"open\n', error: /Unterminated quoted field/ },
    { text: 'a\n"x"y\n', error: /Text after a closing quote \(line 2\)/ },
    { text: 'a\nx"y\n', error: /Quote inside an unquoted field/ },
  ])('refuses malformed CSV: $text', ({ text, error }) => {
    expect(() => parseAll(text)).toThrow(CsvSyntaxError);
    expect(() => parseAll(text)).toThrow(error);
  });

  it('round-trips what encodeRow writes', () => {
    const values = [['Id', 'Name', 'Note'], ['001', 'a "quoted", name', 'multi\nline'], ['002', '', 'x']];
    const text = values.map((v) => encodeRow(v, comma)).join('');
    expect(parseAll(text, [7, 13, 5])).toEqual(values);
  });
});

describe('formatNumber', () => {
  it.each([0, 1, -1, 12, 1234.5, 1234.56, 0.05, -0.05, -0.5, -12.3, 0.1, 1e-7, 123456789.12, 21474836.47, 1e21, 3.14159, -0, 99.99, 0.3 - 0.1])('writes %d as String() does', (n) => {
    expect(formatNumber(n)).toBe(String(n));
  });

  it('agrees with String() on many two-decimal amounts', () => {
    for (let cents = -20_000; cents <= 20_000; cents += 7) expect(formatNumber(cents / 100)).toBe(String(cents / 100));
  });
});

describe('lineEncoder', () => {
  const org = new MemoryOrgStore({ objects: standardObjects(), apiVersion: '62.0', username: 'csv@ferry.example' });

  it.each([
    {
      columns: ['Id', 'Name', 'NumberOfEmployees', 'AnnualRevenue', 'IsDeleted', 'CreatedDate', 'Description'],
      values: ['001Fy0000000001IAA', 'Say "hi", all', 12, 1234.5, false, '2024-01-02T03:04:05.000+0000', null],
      dialect: comma,
      line: '"001Fy0000000001IAA","Say ""hi"", all","12","1234.5","false","2024-01-02T03:04:05.000Z",\n',
    },
    {
      columns: ['Description', 'Id', 'Owner.Name', 'Parent.CreatedDate'],
      values: [null, null, 'Ferry Integration', '2024-05-06T07:08:09.010+0000'],
      dialect: dialectFrom('SEMICOLON', 'CRLF'),
      line: ';;"Ferry Integration";"2024-05-06T07:08:09.010Z"\r\n',
    },
  ])('encodes $columns', ({ columns, values, dialect, line }) => {
    expect(lineEncoder(org, 'Account', columns, dialect)(values)).toBe(line);
  });
});
