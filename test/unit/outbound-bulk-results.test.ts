// Matching Bulk API 2.0 ingest results back to the writes of a job: results come in any order; inserts are
// matched by their uploaded cells (twins in upload order), updates and deletes by Id; a delete of a record
// already gone counts as done.
import { describe, expect, it } from 'vitest';
import { parseCsvTable } from '../../domain/csv-table';
import type { FoldedWrite } from '../../domain/outbound-batch';
import { FIRST_JOB_ROWS, JOB_ROWS, jobSizes } from '../../domain/outbound-batch';
import { csvOf, matchResults, planJobs } from '../../activities/outbound/send-bulk';
import type { PreparedWrite } from '../../domain/outbound-writes';

function write(recordId: number, kind: PreparedWrite['kind'], record: PreparedWrite['record'], sfid: string | null = null): PreparedWrite {
  const folded: FoldedWrite = { recordId, kind, sfid, values: {}, entryIds: [recordId * 10] };
  return { write: folded, kind, sfid, record };
}

const outcomes = (settled: ReturnType<typeof matchResults>) => settled.map((s) => [s.write.recordId, s.outcome]);

describe('matchResults', () => {
  const inserts = [
    write(1, 'insert', { Name: 'Acme', AccountNumber: 'A-1' }),
    write(2, 'insert', { Name: 'Twin', AccountNumber: null }),
    write(3, 'insert', { Name: 'Twin', AccountNumber: null }),
    write(4, 'insert', { Name: 'Bad, Inc.', AccountNumber: 'X' }),
  ];
  const [insertPlan] = planJobs({ objectName: 'Account', upsertField: null }, inserts);

  it('uploads the CSV the results are matched against', () => {
    expect(csvOf(insertPlan)).toBe('Name,AccountNumber\nAcme,A-1\nTwin,#N/A\nTwin,#N/A\n"Bad, Inc.",X\n');
  });

  it('matches inserts by their cells, in any order, twins in upload order', () => {
    const ok = parseCsvTable('"sf__Id","sf__Created",Name,AccountNumber\n001B,true,Twin,#N/A\n001A,true,Acme,A-1\n001C,true,Twin,#N/A\n');
    const failed = parseCsvTable('"sf__Id","sf__Error",Name,AccountNumber\n"","STRING_TOO_LONG:Account Number: data value too large:AccountNumber --","Bad, Inc.",X\n');
    expect(outcomes(matchResults(insertPlan, ok, failed))).toEqual([
      [2, { ok: true, sfid: '001B' }],
      [1, { ok: true, sfid: '001A' }],
      [3, { ok: true, sfid: '001C' }],
      [4, { ok: false, error: { code: 'STRING_TOO_LONG', message: 'Account Number: data value too large', fields: ['AccountNumber'] } }],
    ]);
  });

  it('leaves out writes without a result row (not processed)', () => {
    const ok = parseCsvTable('sf__Id,sf__Created,Name,AccountNumber\n001A,true,Acme,A-1\n');
    const failed = parseCsvTable('sf__Id,sf__Error,Name,AccountNumber\n');
    expect(outcomes(matchResults(insertPlan, ok, failed))).toEqual([[1, { ok: true, sfid: '001A' }]]);
  });

  it('matches on the columns the results repeat, when an earlier job uploaded fewer', () => {
    const ok = parseCsvTable('sf__Id,sf__Created,Name\n001A,true,Acme\n');
    const plan = planJobs({ objectName: 'Account', upsertField: null }, [inserts[0]])[0];
    expect(outcomes(matchResults(plan, ok, parseCsvTable('')))).toEqual([[1, { ok: true, sfid: '001A' }]]);
  });

  it('matches updates and deletes by Id; a delete of a record already gone is done', () => {
    const updates = [write(5, 'update', { Name: 'New' }, '001E'), write(6, 'update', { Name: 'Too long' }, '001F')];
    const [updatePlan] = planJobs({ objectName: 'Account', upsertField: null }, updates);
    const ok = parseCsvTable('sf__Id,sf__Created,Id,Name\n001E,false,001E,New\n');
    const failed = parseCsvTable('sf__Id,sf__Error,Id,Name\n,FIELD_CUSTOM_VALIDATION_EXCEPTION:Nope: --,001F,Too long\n');
    expect(outcomes(matchResults(updatePlan, ok, failed))).toEqual([
      [5, { ok: true, sfid: '001E' }],
      [6, { ok: false, error: { code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Nope', fields: [] } }],
    ]);

    const deletes = [write(7, 'delete', {}, '001G'), write(8, 'delete', {}, '001H'), write(9, 'delete', {}, '001I')];
    const [deletePlan] = planJobs({ objectName: 'Account', upsertField: null }, deletes);
    expect(csvOf(deletePlan)).toBe('Id\n001G\n001H\n001I\n');
    const deleted = parseCsvTable('sf__Id,sf__Created,Id\n001G,false,001G\n');
    const refused = parseCsvTable('sf__Id,sf__Error,Id\n,ENTITY_IS_DELETED:entity is deleted: --,001H\n,INSUFFICIENT_ACCESS_OR_READONLY:no: --,001I\n');
    expect(outcomes(matchResults(deletePlan, deleted, refused))).toEqual([
      [7, { ok: true, sfid: '001G' }],
      [8, { ok: true, sfid: '001H' }],
      [9, { ok: false, error: { code: 'INSUFFICIENT_ACCESS_OR_READONLY', message: 'no', fields: [] } }],
    ]);
  });
});

describe('jobSizes', () => {
  it.each<[number, number[]]>([
    [0, []],
    [1, [1]],
    [FIRST_JOB_ROWS, [FIRST_JOB_ROWS]],
    [FIRST_JOB_ROWS + 1, [FIRST_JOB_ROWS, 1]],
    [50_000, [FIRST_JOB_ROWS, JOB_ROWS, 50_000 - FIRST_JOB_ROWS - JOB_ROWS]],
    [FIRST_JOB_ROWS + 2 * JOB_ROWS, [FIRST_JOB_ROWS, JOB_ROWS, JOB_ROWS]],
  ])('%i writes → %j', (total, sizes) => {
    expect(jobSizes(total)).toEqual(sizes);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(total);
  });
});
