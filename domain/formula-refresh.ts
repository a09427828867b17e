// Calculated fields (formulas, roll-up summaries) change in Salesforce without touching SystemModstamp, so
// polls and change events never see them. A mapping with `formula_refresh_seconds` re-reads only those fields
// (plus Id) for its records on that schedule and writes the rows whose values differ. These are the pure
// parts: which fields, the SOQL, the UPDATE, and what a day of refreshes costs.
import type { MappedField } from './mapped-field.js';
import { andScope } from './record-filter.js';
import { fullLoadQuery } from './soql.js';
import { qualified, quoteIdent } from './sql-names.js';

/** The mapped fields a refresh re-reads: the calculated ones (never Id, SystemModstamp or IsDeleted). */
export function calculatedFields(fields: readonly MappedField[]): MappedField[] {
  return fields.filter((f) => f.calculated === true && !['sfid', 'systemmodstamp', 'isdeleted'].includes(f.column));
}

/**
 * `SELECT Id,Total__c,Child_Count__c FROM Account WHERE (IsActive__c = true) ORDER BY Id`: the calculated
 * fields of the mapping's records in Id order (Bulk 2.0 pages or REST pages of it), the filter ANDed in.
 */
export function formulaRefreshQuery(object: string, calculated: readonly string[], cfg: { sfFilter?: string | null }): string {
  const where = andScope(null, cfg);
  return `${fullLoadQuery(object, ['Id', ...calculated])}${where === null ? '' : ` WHERE ${where}`} ORDER BY Id`;
}

/**
 * Copies the staged values onto the rows that differ, and only those (ferry runs it as the sync writer, so
 * the capture triggers never see it):
 * ```sql
 * UPDATE "salesforce"."account" AS t SET "total__c" = s."total__c" FROM "salesforce"."account__ferry_formulas" AS s
 *   WHERE t.sfid = s.sfid AND (t."total__c") IS DISTINCT FROM (s."total__c")
 * ```
 */
export function formulaUpdateStatement(schema: string, table: string, staging: string, columns: readonly string[]): string {
  if (columns.length === 0) throw new Error('A formula refresh needs at least one calculated column');
  const cols = columns.map(quoteIdent);
  const set = cols.map((c) => `${c} = s.${c}`).join(', ');
  const tuple = (alias: string) => `ROW(${cols.map((c) => `${alias}.${c}`).join(', ')})`;
  return `UPDATE ${qualified(schema, table)} AS t SET ${set} FROM ${qualified(schema, staging)} AS s `
    + `WHERE t.sfid = s.sfid AND ${tuple('t')} IS DISTINCT FROM ${tuple('s')}`;
}

/**
 * API calls one refresh of `records` rows makes: REST pages of 2,000 up to the Bulk threshold; above it the
 * REST first page (which tells the count), then a Bulk 2.0 job: create, at least one status check, one call
 * per results page, delete.
 */
export function formulaRefreshCallsPerRun(records: number, opts: { bulkThreshold: number; bulkPageRecords: number; restPageRecords?: number }): number {
  const restPage = opts.restPageRecords ?? 2_000;
  if (records <= opts.bulkThreshold) return Math.max(1, Math.ceil(records / restPage));
  return 1 + 1 + 1 + Math.ceil(records / opts.bulkPageRecords) + 1;
}

/**
 * A day of formula refreshes for `records` rows every `intervalSeconds` (off: 0): low assumes each Bulk job
 * completes on its first status check, high on its `bulkPollsHigh`-th.
 */
export function formulaRefreshDailyCalls(
  records: number, intervalSeconds: number | null | undefined, opts: { bulkThreshold: number; bulkPageRecords: number; bulkPollsHigh: number },
): { low: number; high: number } {
  const runs = formulaRefreshesPerDay(intervalSeconds);
  const perRun = formulaRefreshCallsPerRun(records, opts);
  const extraPolls = records > opts.bulkThreshold ? opts.bulkPollsHigh - 1 : 0;
  return { low: runs * perRun, high: runs * (perRun + extraPolls) };
}

/** Refreshes per day at `intervalSeconds` (0 when off). */
export function formulaRefreshesPerDay(intervalSeconds: number | null | undefined): number {
  return typeof intervalSeconds === 'number' && intervalSeconds > 0 ? Math.ceil(86_400 / intervalSeconds) : 0;
}
