import { describe, expect, it } from 'vitest';
import {
  SqlBuildError, addColumns, copyIntoStaging, createIndexes, createMappingTable, createStagingTable, fitIdent,
  mappedColumns, mergeFromStaging, mergeParamTypes, mergeRowsFromParams, qualified, quoteIdent, reloadTableName,
  renameForSwap, stagingColumnOrder, stagingTableName,
} from '../../domain/sql.js';

const COLS = [
  { name: 'Id', pgType: 'varchar(18)' },
  { name: 'Name', pgType: 'varchar(121)' },
  { name: 'SystemModstamp', pgType: 'timestamp' },
  { name: 'Email', pgType: 'varchar(80)' },
  { name: 'IsDeleted', pgType: 'boolean' },
  { name: 'Amount__c', pgType: 'double precision' },
];

describe('quoting', () => {
  it.each([
    ['contact', '"contact"'],
    ['we"ird', '"we""ird"'],
    ['a"b"c', '"a""b""c"'],
    ['Mixed Case', '"Mixed Case"'],
  ])('quoteIdent(%s) = %s', (name, quoted) => expect(quoteIdent(name)).toBe(quoted));

  it.each(['', 'a\u0000b'])('refuses %j', (name) => expect(() => quoteIdent(name)).toThrow(SqlBuildError));

  it('qualifies', () => expect(qualified('salesforce', 'contact')).toBe('"salesforce"."contact"'));

  it('shortens names over 63 bytes with a hash, keeping distinct names distinct', () => {
    const a = fitIdent(`hc_idx_${'x'.repeat(60)}_a`);
    const b = fitIdent(`hc_idx_${'x'.repeat(60)}_b`);
    expect(a.length).toBe(63);
    expect(a).not.toBe(b);
    expect(fitIdent('short')).toBe('short');
    expect(new TextEncoder().encode(fitIdent('é'.repeat(40))).length).toBeLessThanOrEqual(63);
  });

  it('names staging and reload tables', () => {
    expect(stagingTableName('contact')).toBe('contact__ferry_stage');
    expect(reloadTableName('contact')).toBe('contact__ferry_reload');
  });
});

describe('columns', () => {
  it('lower-cases, drops fixed columns and keeps order', () => {
    expect(mappedColumns(COLS).map((c) => c.name)).toEqual(['name', 'email', 'amount__c']);
    expect(stagingColumnOrder(COLS)).toEqual(['sfid', 'systemmodstamp', 'isdeleted', 'name', 'email', 'amount__c']);
  });

  it.each<[string, { name: string; pgType: string }[], RegExp]>([
    ['duplicate in another case', [{ name: 'Name', pgType: 'text' }, { name: 'NAME', pgType: 'text' }], /listed twice/],
    ['type with SQL in it', [{ name: 'x', pgType: 'text); DROP TABLE t; --' }], /unexpected type/],
    ['type with a quote', [{ name: 'x', pgType: "varchar(1)'" }], /unexpected type/],
  ])('refuses %s', (_n, cols, message) => expect(() => mappedColumns(cols)).toThrow(message));
});

describe('DDL', () => {
  it('creates the mapping table with Heroku Connect columns and indexes', () => {
    expect(createMappingTable('salesforce', 'contact', COLS, [{ column: 'Email', unique: false }, { column: 'Id', unique: true }])).toEqual([
      'CREATE TABLE IF NOT EXISTS "salesforce"."contact" (id serial PRIMARY KEY, sfid varchar(18), '
        + 'systemmodstamp timestamp, isdeleted boolean, _hc_lastop varchar(32), _hc_err text, '
        + '"name" varchar(121), "email" varchar(80), "amount__c" double precision)',
      'CREATE UNIQUE INDEX IF NOT EXISTS "hcu_idx_contact_sfid" ON "salesforce"."contact" ("sfid")',
      'CREATE INDEX IF NOT EXISTS "hc_idx_contact_systemmodstamp" ON "salesforce"."contact" ("systemmodstamp")',
      'CREATE INDEX IF NOT EXISTS "hc_idx_contact_email" ON "salesforce"."contact" ("email")',
    ]);
  });

  it.each<[{ column: string; unique: boolean }, string[]]>([
    [{ column: 'Ext_Id__c', unique: true }, ['CREATE UNIQUE INDEX IF NOT EXISTS "hcu_idx_contact_ext_id__c" ON "s"."contact" ("ext_id__c")']],
    [{ column: 'Name', unique: false }, ['CREATE INDEX IF NOT EXISTS "hc_idx_contact_name" ON "s"."contact" ("name")']],
    [{ column: 'Id', unique: true }, []],
    [{ column: 'SystemModstamp', unique: false }, []],
  ])('index %j', (ix, out) => expect(createIndexes('s', 'contact', [ix])).toEqual(out));

  it('adds columns in one statement, or none', () => {
    expect(addColumns('salesforce', 'contact', [{ name: 'Phone', pgType: 'varchar(40)' }, { name: 'Birthdate', pgType: 'date' }])).toEqual([
      'ALTER TABLE "salesforce"."contact" ADD COLUMN IF NOT EXISTS "phone" varchar(40), ADD COLUMN IF NOT EXISTS "birthdate" date',
    ]);
    expect(addColumns('salesforce', 'contact', [{ name: 'Id', pgType: 'varchar(18)' }])).toEqual([]);
  });

  it('recreates an unlogged staging table and copies into it in staging order', () => {
    expect(createStagingTable('salesforce', 'contact__ferry_stage', COLS)).toEqual([
      'DROP TABLE IF EXISTS "salesforce"."contact__ferry_stage"',
      'CREATE UNLOGGED TABLE "salesforce"."contact__ferry_stage" (sfid varchar(18), systemmodstamp timestamp, '
        + 'isdeleted boolean, "name" varchar(121), "email" varchar(80), "amount__c" double precision)',
    ]);
    expect(copyIntoStaging('salesforce', 'contact__ferry_stage', COLS)).toBe(
      'COPY "salesforce"."contact__ferry_stage" ("sfid", "systemmodstamp", "isdeleted", "name", "email", "amount__c") FROM STDIN');
  });
});

describe('merge', () => {
  const merge = mergeFromStaging('salesforce', 'contact', 'contact__ferry_stage', COLS);

  it.each([
    ['newest staged version per sfid', 'SELECT DISTINCT ON (sfid) sfid, systemmodstamp, isdeleted, "name", "email", "amount__c"'],
    ['ordered newest first', 'ORDER BY sfid, systemmodstamp DESC NULLS LAST'],
    ['reads the staging table', 'FROM "salesforce"."contact__ferry_stage"'],
    ['deletes rows deleted in Salesforce unless the table is newer', 'DELETE FROM "salesforce"."contact" AS t USING src\n  WHERE src.isdeleted AND t.sfid = src.sfid\n    AND (t.systemmodstamp IS NULL OR t.systemmodstamp <= src.systemmodstamp)'],
    ['inserts only live rows', "FROM src WHERE src.isdeleted IS NOT TRUE"],
    ['updates every mapped column and marks SYNCED', 'DO UPDATE SET systemmodstamp = EXCLUDED.systemmodstamp, isdeleted = EXCLUDED.isdeleted, "name" = EXCLUDED."name", "email" = EXCLUDED."email", "amount__c" = EXCLUDED."amount__c", _hc_lastop = \'SYNCED\', _hc_err = NULL'],
    ['never lets an older version win', '(t.systemmodstamp IS NULL OR t.systemmodstamp <= EXCLUDED.systemmodstamp)'],
    ['never overwrites a local change not yet sent', "WHERE t._hc_lastop IS DISTINCT FROM 'PENDING' AND ("],
    ['counts inserts apart from updates', 'RETURNING (xmax = 0) AS inserted'],
    ['returns the counts', '(SELECT count(*) FROM deleted)::int AS deleted'],
  ])('%s', (_n, fragment) => expect(merge).toContain(fragment));

  it('from parameters: same statement over unnest, with documented parameter types', () => {
    expect(mergeParamTypes(COLS)).toEqual(['varchar[]', 'timestamp[]', 'boolean[]', 'varchar[]', 'varchar[]', 'double precision[]']);
    const sql = mergeRowsFromParams('salesforce', 'contact', COLS);
    expect(sql).toContain('FROM unnest($1::varchar[], $2::timestamp[], $3::boolean[], $4::varchar[], $5::varchar[], '
      + '$6::double precision[]) AS s(sfid, systemmodstamp, isdeleted, "name", "email", "amount__c")');
    expect(sql.replace(/FROM unnest\(.*\n/, '')).toBe(merge.replace(/FROM "salesforce"\."contact__ferry_stage"\n/, ''));
  });
});

describe('renameForSwap', () => {
  it('drops the live table, renames the reload table and its indexes', () => {
    expect(renameForSwap('salesforce', 'contact', 'contact__ferry_reload', [{ column: 'Email', unique: false }, { column: 'Id', unique: true }])).toEqual([
      'DROP TABLE IF EXISTS "salesforce"."contact"',
      'ALTER TABLE "salesforce"."contact__ferry_reload" RENAME TO "contact"',
      'ALTER INDEX IF EXISTS "salesforce"."contact__ferry_reload_pkey" RENAME TO "contact_pkey"',
      'ALTER SEQUENCE IF EXISTS "salesforce"."contact__ferry_reload_id_seq" RENAME TO "contact_id_seq"',
      'ALTER INDEX IF EXISTS "salesforce"."hcu_idx_contact__ferry_reload_sfid" RENAME TO "hcu_idx_contact_sfid"',
      'ALTER INDEX IF EXISTS "salesforce"."hc_idx_contact__ferry_reload_systemmodstamp" RENAME TO "hc_idx_contact_systemmodstamp"',
      'ALTER INDEX IF EXISTS "salesforce"."hc_idx_contact__ferry_reload_email" RENAME TO "hc_idx_contact_email"',
    ]);
  });
});
