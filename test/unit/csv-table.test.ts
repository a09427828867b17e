// The CSV reader for Bulk API 2.0 result files: quoting, embedded line breaks, line ends, blank lines and the
// errors for text that is not CSV.
import { describe, expect, it } from 'vitest';
import { CsvFormatError, parseCsvTable } from '../../domain/csv-table';

describe('parseCsvTable', () => {
  it.each<[string, string, string[], string[][]]>([
    ['header only', 'a,b\n', ['a', 'b'], []],
    ['empty text', '', [], []],
    ['plain rows, LF', 'a,b\n1,2\n3,4\n', ['a', 'b'], [['1', '2'], ['3', '4']]],
    ['CRLF line ends', 'a,b\r\n1,2\r\n', ['a', 'b'], [['1', '2']]],
    ['no final line end', 'a,b\n1,2', ['a', 'b'], [['1', '2']]],
    ['empty fields', 'a,b,c\n,,\n1,,3\n', ['a', 'b', 'c'], [['', '', ''], ['1', '', '3']]],
    ['quoted fields with commas and quotes', 'a,b\n"x, y","say ""hi"""\n', ['a', 'b'], [['x, y', 'say "hi"']]],
    ['a quoted line break', 'a,b\n"line 1\nline 2",z\n', ['a', 'b'], [['line 1\nline 2', 'z']]],
    ['a quoted empty field and a trailing quoted field', 'a,b\n"",""\n', ['a', 'b'], [['', '']]],
    ['blank lines are skipped', 'a\n1\n\n2\n', ['a'], [['1'], ['2']]],
    ['a byte-order mark', '\ufeffa,b\n1,2\n', ['a', 'b'], [['1', '2']]],
    ['Salesforce result columns', '"sf__Id","sf__Created",Name\n"001000000000001AAA","true",Acme\n', ['sf__Id', 'sf__Created', 'Name'], [['001000000000001AAA', 'true', 'Acme']]],
  ])('%s', (_name, text, header, rows) => {
    expect(parseCsvTable(text)).toEqual({ header, rows });
  });

  it.each([
    ['an unterminated quoted field', 'a\n"open\n', 'Unterminated quoted field (CSV line 2)'],
    ['a quote inside an unquoted field', 'a\nx"y\n', 'Quote inside an unquoted field (CSV line 2)'],
    ['text after a closing quote', 'a\n"x"y\n', 'Text after a quoted field (CSV line 2)'],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseCsvTable(text)).toThrow(CsvFormatError);
    expect(() => parseCsvTable(text)).toThrow(message);
  });
});
