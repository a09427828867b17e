// POST /estimate's inputs for record filters and formula refreshes, and what they add to a day of calls:
// - `formula_refresh_seconds`: each refresh re-reads the calculated fields of every record in scope (REST
//   pages of 2,000, a Bulk 2.0 job above the threshold; domain/formula-refresh.ts);
// - `sf_filter` (any non-blank condition): each poll of a polling mapping makes one more Id-only query for
//   records changed out of scope. (`record_count` should then be the filtered count.)
import { formulaRefreshDailyCalls } from '../domain/formula-refresh';
import { BULK_POLLS_HIGH } from '../domain/estimate';
import { checkFormulaRefresh, type ConfigIssue } from '../domain/mapping-rules';
import { BULK_PAGE_RECORDS, BULK_THRESHOLD } from '../domain/sync-limits';

export interface EstimateExtras { formulaRefreshSeconds: number | null; filtered: boolean }

export function filterAndFormulaInputs(body: Record<string, unknown>, issues: ConfigIssue[]): EstimateExtras {
  const seconds = body.formula_refresh_seconds ?? null;
  issues.push(...checkFormulaRefresh(seconds, 'formula_refresh_seconds'));
  const filter = body.sf_filter ?? null;
  if (filter !== null && typeof filter !== 'string') issues.push({ path: 'sf_filter', rule: 'type', message: 'sf_filter must be a string or null' });
  return { formulaRefreshSeconds: typeof seconds === 'number' ? seconds : null, filtered: typeof filter === 'string' && filter.trim() !== '' };
}

export function filterAndFormulaCalls(records: number, pollIntervalSeconds: number, syncMode: string, x: EstimateExtras) {
  const formulaRefresh = formulaRefreshDailyCalls(records, x.formulaRefreshSeconds, { bulkThreshold: BULK_THRESHOLD, bulkPageRecords: BULK_PAGE_RECORDS, bulkPollsHigh: BULK_POLLS_HIGH });
  const polls = x.filtered && syncMode === 'polling' ? Math.ceil(86_400 / pollIntervalSeconds) : 0;
  const recordFilter = { low: polls, high: polls };
  return { formulaRefresh, recordFilter, low: formulaRefresh.low + recordFilter.low, high: formulaRefresh.high + recordFilter.high };
}
