// The mapping page's parts for drift verification and the record scope: the last verify (when, what it found
// and repaired, what it cost) and its schedule, the record filter (sf_filter, user text: always escaped by
// html``), the formula refresh and verify intervals in the configuration, and the forms that change them
// (posted to /console/mappings/{key}/config like the poll interval).
import { FORMULA_REFRESH_MAX_SECONDS, FORMULA_REFRESH_MIN_SECONDS, SF_FILTER_MAX_CHARS, VERIFY_INTERVAL_DEFAULT_SECONDS, VERIFY_INTERVAL_MAX_SECONDS, VERIFY_INTERVAL_MIN_SECONDS } from '../../domain/mapping-rules';
import type { MappingStatus } from '../../workflows/mapping/messages';
import { html, type Html } from './html';
import { ago, count, duration } from './view-model';

type Last = NonNullable<NonNullable<MappingStatus['verify']>['last']>;

/** "in sync", or what differed and how much of it was repaired — in words and a symbol, not colour alone. */
export function verifyOutcome(l: Last): Html {
  const found = l.missing + l.stale + l.extra;
  if (found === 0) return html`<span class="tone-text-ok"><span aria-hidden="true">✓</span> in sync: nothing differed</span>`;
  const all = l.repaired >= found;
  return html`<span class="${all ? 'tone-text-ok' : 'tone-text-error'}"><span aria-hidden="true">${all ? '✓' : '⚠'}</span> ${count(found)} ${found === 1 ? 'row differed' : 'rows differed'}, ${count(l.repaired)} repaired</span>`;
}

function interval(seconds: number | null): string {
  return seconds === null ? 'off' : `every ${duration(seconds * 1000)} (${count(seconds)} s)`;
}

function schedule(v: NonNullable<MappingStatus['verify']>, nowMs: number): Html {
  const parts: Html[] = [html`${interval(v.intervalSeconds)}`];
  if (v.requested) parts.push(html`<strong>a verify was asked for and runs as the next step</strong>`);
  else if (v.nextAt) parts.push(html`next ${ago(v.nextAt, nowMs)}`);
  if (v.waitingForBudgetUntil) parts.push(html`waiting for room in the API budget (<time datetime="${v.waitingForBudgetUntil}">${ago(v.waitingForBudgetUntil, nowMs)}</time>)`);
  return html`${parts.map((x, i) => html`${i ? ' · ' : ''}${x}`)}`;
}

/** The "Drift verification" section: the last verify and the schedule. */
export function verifySection(s: MappingStatus, nowMs: number): Html {
  const v = s.verify;
  const body = !v
    ? html`<p class="muted">This mapping's workflow predates verifying: it verifies after its next continue-as-new.</p>`
    : html`<dl class="config" id="last-verify">
  <dt>Last verify</dt><dd>${v.last ? html`<time datetime="${v.last.at}">${ago(v.last.at, nowMs)}</time> · ${verifyOutcome(v.last)}` : 'never'}</dd>
  ${v.last ? html`<dt>Found</dt><dd>${count(v.last.rowsCompared)} rows compared · ${count(v.last.missing)} missing · ${count(v.last.stale)} stale · ${count(v.last.extra)} extra · ${count(v.last.repaired)} repaired · ${count(v.last.skipped)} skipped <small>(queued writes or changed after the watermark)</small></dd>
  <dt>Compared</dt><dd>${count(v.last.buckets)} buckets, ${count(v.last.bucketsDiffering)} differing${v.last.mode ? html` · read with ${v.last.mode === 'bulk' ? 'a Bulk API job' : 'REST queries'}` : ''} · took ${duration(v.last.durationMs)}</dd>
  <dt>Cost</dt><dd>${count(v.last.apiCalls)} API calls <small>(estimated ${count(v.last.estimate.low)}–${count(v.last.estimate.high)})</small></dd>` : ''}
  <dt>Schedule</dt><dd>${schedule(v, nowMs)}</dd>
  <dt>Verifies since start</dt><dd>${count(v.runs)}</dd>
</dl>`;
  return html`<section aria-labelledby="verify-h"><h2 id="verify-h">Drift verification</h2>
<p class="hint">A verify compares the table with the org record by record and repairs missing, stale and extra rows.</p>
${body}</section>`;
}

/** The configuration list's rows for the record filter, the formula refresh and the verify interval. */
export function scopeConfigRows(s: MappingStatus, nowMs: number): Html {
  const c = s.config;
  const filter = c.sfFilter ? html`<code class="filter">${c.sfFilter}</code>` : html`none <small>(every record)</small>`;
  const pending = s.filter?.changePending
    ? html` <small>(being applied; the table still holds ${s.filter.applied ? html`the records of <code>${s.filter.applied}</code>` : 'every record'})</small>` : '';
  const refreshed = s.formulas?.lastRefreshAt ? html` <small>(last ${ago(s.formulas.lastRefreshAt, nowMs)}, ${count(s.formulas.lastRowsChanged)} rows changed)</small>` : '';
  const verify = c.verifyIntervalSeconds === undefined ? html`${interval(VERIFY_INTERVAL_DEFAULT_SECONDS)} <small>(the default)</small>`
    : html`${interval(c.verifyIntervalSeconds === 0 ? null : c.verifyIntervalSeconds)}`;
  return html`<dt>Record filter</dt><dd id="record-filter">${filter}${pending}</dd>
  <dt>Formula refresh</dt><dd>${c.formulaRefreshSeconds ? interval(c.formulaRefreshSeconds) : 'off'}${refreshed}</dd>
  <dt>Verify interval</dt><dd>${verify}</dd>`;
}

/** Forms changing the record filter, the formula refresh interval and the verify interval. */
export function scopeForms(s: MappingStatus, action: string, csrf: Html): Html {
  const c = s.config;
  const form = (body: Html) => html`<form method="post" action="${action}" class="inline-form">${csrf}${body}</form>`;
  return html`${form(html`
  <label for="sf-filter">Record filter (SOQL WHERE condition; empty: every record)</label>
  <input id="sf-filter" name="sf_filter" value="${c.sfFilter ?? ''}" maxlength="${SF_FILTER_MAX_CHARS}" size="48" spellcheck="false" placeholder="IsActive__c = true">
  <button type="submit">Change record filter</button>`)}
${form(html`
  <label for="formula-refresh">Formula refresh (seconds, ${FORMULA_REFRESH_MIN_SECONDS}–${FORMULA_REFRESH_MAX_SECONDS}; empty: off)</label>
  <input id="formula-refresh" name="formula_refresh_seconds" type="number" min="${FORMULA_REFRESH_MIN_SECONDS}" max="${FORMULA_REFRESH_MAX_SECONDS}" step="1" value="${c.formulaRefreshSeconds ?? ''}">
  <button type="submit">Change formula refresh</button>`)}
${form(html`
  <label for="verify-interval">Verify interval (seconds, ${VERIFY_INTERVAL_MIN_SECONDS}–${VERIFY_INTERVAL_MAX_SECONDS}; 0: off)</label>
  <input id="verify-interval" name="verify_interval_seconds" type="number" min="0" max="${VERIFY_INTERVAL_MAX_SECONDS}" step="1" value="${c.verifyIntervalSeconds === undefined ? VERIFY_INTERVAL_DEFAULT_SECONDS : c.verifyIntervalSeconds ?? 0}" required>
  <button type="submit">Change verify interval</button>`)}`;
}

/** The scope keys of a config form post, in the API's terms (empty filter or refresh: none; verify 0: off). */
export function scopeConfigFromForm(body: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const text = (k: string) => (typeof body?.[k] === 'string' ? (body[k] as string) : undefined);
  const filter = text('sf_filter');
  if (filter !== undefined) out.sf_filter = filter.trim() === '' ? null : filter;
  const refresh = text('formula_refresh_seconds');
  if (refresh !== undefined) out.formula_refresh_seconds = refresh.trim() === '' ? null : Number(refresh);
  const verify = text('verify_interval_seconds');
  if (verify !== undefined) out.verify_interval_seconds = verify.trim() === '' ? null : Number(verify);
  return out;
}
