// Record filters' and formula refreshes' part of a mapping's rules, without Temporal (runs with both scheduled):
// - the table reflects one record filter (what the last initial load, reload or filter change applied); when the
//   config's differs, a filter-change step comes first after the loads, and the table then reflects the filter
//   that step applied (a change made while it ran is the next step);
// - calculated fields (formulas, roll-ups) change without SystemModstamp, so with formula_refresh_seconds and a
//   calculated field mapped they are re-read on that schedule, the first time right after the initial load.
//
//   DATA_SYNCED ─config filter ≠ applied─► filter-change (fetch new∧¬old, drop old∧¬new) ─► applied = its `to`
//   DATA_SYNCED ─formula_refresh_seconds since the last─► formula-refresh (calculated fields only) ─► DATA_SYNCED
import type { RefreshFormulasResult } from '../../activities/refresh-formulas';
import type { MappedField } from '../../domain/mapped-field';
import type { MappingConfig } from '../../domain/mapping-rules';

export interface FormulaState {
  lastRefreshAtMs: number | null;
  refreshes: number;
  lastRowsChanged: number;
  lastRecords: number;
  lastApiCalls: number;
}

export function initialFormulas(): FormulaState {
  return { lastRefreshAtMs: null, refreshes: 0, lastRowsChanged: 0, lastRecords: 0, lastApiCalls: 0 };
}

/** The config's filter as compared with what the table reflects (patch and import trim it; blank = none). */
export function filterOf(cfg: MappingConfig): string | null {
  return typeof cfg.sfFilter === 'string' && cfg.sfFilter !== '' ? cfg.sfFilter : null;
}

/** The filter change the table needs (from the filter it reflects to the config's); null when they agree. */
export function filterChangeDue(config: MappingConfig, scopeFilter: string | null | undefined): { from: string | null; to: string | null } | null {
  if (filterOf(config) === scopeFilter) return null;
  return { from: scopeFilter ?? null, to: filterOf(config) };
}

/** When the next formula refresh is due; null when off, before the initial load, or with no calculated field mapped. */
export function formulaRefreshDueAtMs(f: FormulaState, config: MappingConfig, fields: readonly MappedField[], watermarkMs: number | null): number | null {
  const every = config.formulaRefreshSeconds;
  if (typeof every !== 'number' || watermarkMs === null) return null;
  if (!fields.some((field) => field.calculated === true)) return null;
  const last = f.lastRefreshAtMs;
  return last === null ? 0 : last + every * 1000;
}

/** Records a refresh's figures; the next one is due an interval after `nowMs`. */
export function markFormulasRefreshed(f: FormulaState, r: RefreshFormulasResult, nowMs: number): void {
  f.lastRefreshAtMs = nowMs;
  f.refreshes += 1;
  f.lastRowsChanged = r.rowsChanged;
  f.lastRecords = r.records;
  f.lastApiCalls = r.apiCalls;
}

export interface FilterStatus {
  applied: string | null;
  changePending: boolean;
}

export function filterStatus(config: MappingConfig, scopeFilter: string | null | undefined): FilterStatus {
  return { applied: scopeFilter ?? null, changePending: filterOf(config) !== (scopeFilter ?? null) };
}

export interface FormulasStatus {
  refreshSeconds: number | null;
  lastRefreshAt: string | null;
  nextRefreshAt: string | null;
  refreshes: number;
  lastRowsChanged: number;
  lastRecords: number;
  lastApiCalls: number;
}

export function formulasStatus(f: FormulaState, config: MappingConfig, nextRefreshAtMs: number | null): FormulasStatus {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    refreshSeconds: config.formulaRefreshSeconds ?? null,
    lastRefreshAt: iso(f.lastRefreshAtMs),
    nextRefreshAt: iso(nextRefreshAtMs),
    refreshes: f.refreshes,
    lastRowsChanged: f.lastRowsChanged,
    lastRecords: f.lastRecords,
    lastApiCalls: f.lastApiCalls,
  };
}
