// The console's pages, rendered on the server (html`` escapes every value). Every state is shown by words
// and a symbol as well as a colour; every control has a label; forms work without JavaScript (console.js only
// refreshes the overview and draws the chart).
import type { MappingStatus } from '../../workflows/mapping/messages';
import type { FailedWrite } from '../../store/failed-writes';
import type { MappingFigures, OverviewEntry } from '../mapping-overview';
import type { ActivityEntry, ChartSeries } from './activity-data';
import { CHART_BUCKET_MINUTES } from './activity-data';
import { html, jsonScript, raw, type Html } from './html';
import { scopeConfigRows, scopeForms, verifySection } from './verify-panel';
import {
  TONE_SYMBOL, activityWords, ago, budgetText, count, duration, problemSentence, stateText, syncModeText, toneOf, type Tone,
} from './view-model';

export interface PageContext {
  csrf: string;
  nowMs: number;
}

export interface Notice {
  kind: 'ok' | 'error';
  text: string;
}

function csrfField(p: PageContext): Html {
  return html`<input type="hidden" name="csrf" value="${p.csrf}">`;
}

export function layout(title: string, body: Html, p: PageContext | null, opts: { current?: string; inlineCss?: string; chart?: boolean } = {}): string {
  const nav = p ? html`<header class="top">
  <a class="brand" href="/console/">ferry</a>
  <nav aria-label="Console">
    <a href="/console/" ${opts.current === 'overview' ? raw('aria-current="page"') : ''}>Overview</a>
    <a href="/console/connection" ${opts.current === 'connection' ? raw('aria-current="page"') : ''}>Connection</a>
  </nav>
  <form method="post" action="/console/logout" class="signout">${csrfField(p)}<button type="submit">Sign out</button></form>
</header>` : html`<header class="top"><span class="brand">ferry</span></header>`;
  const head = opts.inlineCss !== undefined
    ? html`<style>${raw(opts.inlineCss)}</style>`
    : html`<link rel="stylesheet" href="/console/assets/console.css">${opts.chart ? raw('<link rel="stylesheet" href="/console/assets/uPlot.min.css">') : ''}`;
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} — ferry</title><link rel="icon" href="data:,">${head}</head>
<body><a class="skip" href="#main">Skip to content</a>${nav}
<main id="main">${body}</main>
${p ? raw(`${opts.chart ? '<script src="/console/assets/uPlot.iife.min.js" defer></script>' : ''}<script src="/console/assets/console.js" defer></script>`) : ''}
</body></html>`}`;
}

function notice(n: Notice | undefined): Html {
  if (!n) return html``;
  return html`<p class="notice notice-${n.kind}" role="${n.kind === 'error' ? 'alert' : 'status'}">${n.text}</p>`;
}

export function loginPage(error: string | undefined, inlineCss: string): string {
  return layout('Sign in', html`<h1>Sign in to ferry</h1>
<form method="post" action="/console/login" class="login">
  ${error ? html`<p class="notice notice-error" role="alert" id="login-error">${error}</p>` : ''}
  <label for="token">API token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required autofocus ${error ? raw('aria-describedby="login-error"') : ''}>
  <p class="hint">The API_TOKEN ferry was started with (<code>npm start</code> keeps a generated one in <code>.data/api-token</code>).</p>
  <button type="submit">Sign in</button>
</form>`, null, { inlineCss });
}

export function stateBadge(state: MappingStatus['state'] | null, failing: boolean): Html {
  const tone: Tone = toneOf(state, failing);
  return html`<span class="state tone-${tone}"><span aria-hidden="true">${TONE_SYMBOL[tone]}</span> ${stateText(state)}${state ? html` <small>${state}</small>` : ''}${failing && tone === 'warn' && state !== 'API_BUDGET_EXHAUSTED' ? html` <small>(failing)</small>` : ''}</span>`;
}

function mappingHref(e: { listed: OverviewEntry['listed'] }): string {
  return `/console/mappings/${encodeURIComponent(`${e.listed.ref.schema}.${e.listed.ref.objectName}`)}`;
}

function lastSync(s: MappingStatus, nowMs: number): Html {
  const parts: Html[] = [];
  if (s.lastLoad) parts.push(html`<span>load ${ago(s.lastLoad.finishedAt, nowMs)}</span>`);
  if (s.lastPollAt) parts.push(html`<span>poll ${ago(s.lastPollAt, nowMs)}</span>`);
  if (s.streaming?.lastAppliedAt) parts.push(html`<span>stream ${ago(s.streaming.lastAppliedAt, nowMs)}</span>`);
  if (s.outbound?.lastFlushAt) parts.push(html`<span>flush ${ago(s.outbound.lastFlushAt, nowMs)}</span>`);
  return parts.length ? html`${parts.map((x, i) => html`${i ? raw('<br>') : ''}${x}`)}` : html`<span class="muted">not yet</span>`;
}

function rowsCell(s: MappingStatus, f: MappingFigures, nowMs: number): Html {
  const sf = s.lastLoad ? html`SF ${count(s.lastLoad.rows)} <small>(load, ${ago(s.lastLoad.finishedAt, nowMs)})</small>` : html`SF <span class="muted">not counted yet</span>`;
  const progress = f.loadProgress ? html`<br><small>loading ${count(f.loadProgress.rows_loaded)}${f.loadProgress.rows_total !== null ? html` of ${count(f.loadProgress.rows_total)}` : ''}</small>` : '';
  return html`PG ${count(f.pgRows)}<br>${sf}${progress}`;
}

export function overviewRows(entries: OverviewEntry[], nowMs: number): Html {
  if (entries.length === 0) return html`<tr><td colspan="9" class="muted">No mappings yet. Create one with <code>POST /mappings</code> (see the README).</td></tr>`;
  return html`${entries.map((e) => {
    const s = e.status;
    const f = e.figures;
    const problem = problemSentence(s, f, nowMs);
    const state = s?.state ?? e.listed.state;
    const name = html`<a href="${mappingHref(e)}">${e.listed.ref.objectName}</a><br><small>${e.listed.ref.mappingId}</small>`;
    if (!s) return html`<tr data-mapping="${e.listed.ref.mappingId}"><th scope="row">${name}</th><td colspan="2" class="muted">—</td><td>${stateBadge(state, true)}</td><td colspan="4" class="muted">—</td><td class="problem">${problem}</td></tr>`;
    const stream = s.config.syncMode === 'event_driven' ? html`${duration(f.streamLagSeconds * 1000)}` : html`<span class="muted">n/a</span>`;
    const outbound = s.config.access === 'read_write'
      ? html`${count(f.outbound.pending)} pending<br>${f.outbound.failed > 0 ? html`<strong class="tone-text-error">${count(f.outbound.failed)} failed</strong>` : html`0 failed`}`
      : html`<span class="muted">read only</span>`;
    return html`<tr data-mapping="${e.listed.ref.mappingId}">
  <th scope="row">${name}</th>
  <td>${s.config.access === 'read_write' ? 'read/write' : 'read only'}</td>
  <td>${syncModeText(s)}</td>
  <td>${stateBadge(s.state, f.problem !== null)}</td>
  <td class="num">${rowsCell(s, f, nowMs)}</td>
  <td class="when">${lastSync(s, nowMs)}</td>
  <td class="num">${stream}</td>
  <td class="num">${outbound}</td>
  <td class="num">${budgetText(f.apiCalls24h, s.config.maxDailyApiCalls)}</td>
  <td class="problem">${problem ? html`<span aria-hidden="true">⚠ </span>${problem}` : html`<span class="muted">none</span>`}</td>
</tr>`;
  })}`;
}

export function overviewTable(entries: OverviewEntry[], nowMs: number): Html {
  return html`<table class="overview">
  <caption>${entries.length === 1 ? '1 mapping' : `${entries.length} mappings`} · updated <time datetime="${new Date(nowMs).toISOString()}">${new Date(nowMs).toISOString().slice(11, 19)} UTC</time></caption>
  <thead><tr>
    <th scope="col">Mapping</th><th scope="col">Access</th><th scope="col">Sync</th><th scope="col">State</th>
    <th scope="col">Rows (Postgres / Salesforce)</th><th scope="col">Last successful</th><th scope="col">Stream lag</th>
    <th scope="col">Outbound writes</th><th scope="col">API calls (24 h / cap)</th><th scope="col">Current problem</th>
  </tr></thead>
  <tbody>${overviewRows(entries, nowMs)}</tbody>
</table>`;
}

export function overviewPage(entries: OverviewEntry[], p: PageContext): string {
  return layout('Overview', html`<h1>Mappings</h1>
<p class="hint">Refreshes itself every few seconds. States: <span class="state tone-ok"><span aria-hidden="true">✓</span> synced</span>
<span class="state tone-busy"><span aria-hidden="true">↻</span> loading</span> <span class="state tone-paused"><span aria-hidden="true">‖</span> paused</span>
<span class="state tone-warn"><span aria-hidden="true">⚠</span> failing or out of budget</span> <span class="state tone-error"><span aria-hidden="true">✕</span> stopped by an error</span></p>
<div id="overview" data-refresh="/console/fragments/overview" data-interval="3000">${overviewTable(entries, p.nowMs)}</div>`, p, { current: 'overview' });
}

function configList(s: MappingStatus, nowMs: number): Html {
  const c = s.config;
  return html`<dl class="config">
  <dt>Object</dt><dd>${c.objectName}</dd>
  <dt>Table</dt><dd><code>${c.schema}.${s.table ?? '(not created yet)'}</code></dd>
  <dt>Access</dt><dd>${c.access}</dd>
  <dt>Sync</dt><dd>${syncModeText(s)}</dd>
  <dt>Poll interval</dt><dd>${c.pollIntervalSeconds} s</dd>
  <dt>Outbound flush interval</dt><dd>${c.flushIntervalSeconds} s</dd>
  <dt>API call cap (24 h)</dt><dd>${c.maxDailyApiCalls === null ? 'none' : count(c.maxDailyApiCalls)}</dd>
  <dt>Upsert field</dt><dd>${c.upsertField ?? 'none'}</dd>
  <dt>Fields (${c.fields.length})</dt><dd>${c.fields.join(', ')}</dd>
  <dt>Indexes</dt><dd>${c.indexes.length ? c.indexes.map((i) => `${i.field}${i.unique ? ' (unique)' : ''}`).join(', ') : 'none'}</dd>
  ${scopeConfigRows(s, nowMs)}
</dl>`;
}

function activityRows(entries: ActivityEntry[], nowMs: number): Html {
  if (entries.length === 0) return html`<tr><td colspan="6" class="muted">No activity recorded yet.</td></tr>`;
  return html`${entries.map((a) => {
    const figures = [
      a.rowsIn ? `${count(a.rowsIn)} rows in` : '', a.rowsOut ? `${count(a.rowsOut)} rows out` : '',
      a.writeErrors ? `${count(a.writeErrors)} refused` : '', a.apiCalls ? `${count(a.apiCalls)} API calls` : '',
    ].filter(Boolean).join(', ');
    return html`<tr>
  <td><time datetime="${a.finishedAt.toISOString()}">${ago(a.finishedAt.toISOString(), nowMs)}</time></td>
  <td>${activityWords(a.activity)}<br><small>${a.activity}${a.attempt > 1 ? ` · attempt ${a.attempt}` : ''}</small></td>
  <td>${a.ok ? html`<span class="tone-text-ok"><span aria-hidden="true">✓</span> ok</span>` : html`<span class="tone-text-error"><span aria-hidden="true">✕</span> failed</span>`}</td>
  <td class="num">${duration(a.finishedAt.getTime() - a.startedAt.getTime())}</td>
  <td>${figures || html`<span class="muted">—</span>`}</td>
  <td>${a.ok ? '' : html`${a.errorType}: ${a.errorMessage}`}</td>
</tr>`;
  })}`;
}

function failedRows(writes: FailedWrite[], base: string, p: PageContext): Html {
  if (writes.length === 0) return html`<tr><td colspan="6" class="muted">No failed writes.</td></tr>`;
  return html`${writes.map((w) => html`<tr data-write="${w.id}">
  <td>${w.id}</td>
  <td>${w.action}<br><small>row ${w.recordId ?? '—'}${w.sfid ? html` · ${w.sfid}` : ''}</small></td>
  <td><strong>${w.error.code}</strong>: ${w.error.message}${w.error.fields.length ? html`<br><small>fields: ${w.error.fields.join(', ')}</small>` : ''}</td>
  <td><code class="values">${w.values ? JSON.stringify(w.values) : '—'}</code></td>
  <td><time datetime="${w.at}">${ago(w.at, p.nowMs)}</time></td>
  <td class="actions">
    <form method="post" action="${base}/errors/${w.id}/retry">${csrfField(p)}<button type="submit" aria-label="Retry write ${w.id}">Retry</button></form>
    <form method="post" action="${base}/errors/${w.id}/ignore">${csrfField(p)}<button type="submit" aria-label="Ignore write ${w.id}">Ignore</button></form>
  </td>
</tr>`)}`;
}

export interface MappingPageData {
  key: string;
  status: MappingStatus;
  figures: MappingFigures;
  chart: ChartSeries;
  activity: ActivityEntry[];
  failed: FailedWrite[];
  temporalUrl: string | null;
}

export function mappingPage(d: MappingPageData, p: PageContext, n?: Notice): string {
  const s = d.status;
  const base = `/console/mappings/${encodeURIComponent(d.key)}`;
  const problem = problemSentence(s, d.figures, p.nowMs);
  const totals = {
    rowsIn: d.chart.rowsIn.reduce((a, b) => a + b, 0), rowsOut: d.chart.rowsOut.reduce((a, b) => a + b, 0),
    apiCalls: d.chart.apiCalls.reduce((a, b) => a + b, 0), errors: d.chart.errors.reduce((a, b) => a + b, 0),
  };
  const action = (name: string, label: string, extra: Html | string = '') => html`<form method="post" action="${base}/actions/${name}" class="action">${csrfField(p)}${extra}<button type="submit">${label}</button></form>`;
  return layout(`${s.objectName}`, html`<p class="crumbs"><a href="/console/">Overview</a> › ${s.objectName}</p>
<h1>${s.objectName} <small>→ ${s.mappingId}</small></h1>
${notice(n)}
<p>${stateBadge(s.state, d.figures.problem !== null)}</p>
<p class="problem-line" role="status" id="current-problem">${problem ? html`<span aria-hidden="true">⚠ </span><strong>Current problem:</strong> ${problem}` : 'No current problem.'}</p>
<p>${d.temporalUrl ? html`<a href="${d.temporalUrl}">Open the workflow in the Temporal UI</a>` : html`<span class="muted">Set TEMPORAL_UI_URL to link the workflow in the Temporal UI.</span>`}</p>

<section aria-labelledby="actions-h"><h2 id="actions-h">Actions</h2>
<div class="actions-row">
  ${s.paused ? action('resume', 'Resume') : action('pause', 'Pause')}
  ${action('sync-now', 'Sync now')}
  ${action('verify', 'Verify now')}
  ${action('reload', 'Reload the table…', html`<label class="confirm"><input type="checkbox" name="confirm" value="yes" required> Reload every record from Salesforce into a new table, then swap it in</label>`)}
</div>
<form method="post" action="${base}/config" class="inline-form">${csrfField(p)}
  <label for="poll">Poll interval (seconds, 120–3600)</label>
  <input id="poll" name="sf_polling_seconds" type="number" min="120" max="3600" step="1" value="${s.config.pollIntervalSeconds}" required>
  <button type="submit">Change poll interval</button>
</form>
<form method="post" action="${base}/config" class="inline-form">${csrfField(p)}
  <label for="access">Access mode</label>
  <select id="access" name="access">
    <option value="read_only" ${s.config.access === 'read_only' ? raw('selected') : ''}>read only (Salesforce → Postgres)</option>
    <option value="read_write" ${s.config.access === 'read_write' ? raw('selected') : ''}>read/write (both ways)</option>
  </select>
  <label class="confirm"><input type="checkbox" name="confirm" value="yes" required> Change how this table syncs (read only stops sending local writes to Salesforce)</label>
  <button type="submit">Change access mode</button>
</form>
${scopeForms(s, `${base}/config`, csrfField(p))}
</section>

<section aria-labelledby="chart-h"><h2 id="chart-h">Last 24 hours</h2>
<figure class="chart">
  <div id="chart" role="img" aria-label="Chart of rows in, rows out, API calls and errors per ${CHART_BUCKET_MINUTES} minutes over the last 24 hours. Totals: ${count(totals.rowsIn)} rows in, ${count(totals.rowsOut)} rows out, ${count(totals.apiCalls)} API calls, ${count(totals.errors)} errors."></div>
  <figcaption>Per ${CHART_BUCKET_MINUTES} minutes. Totals: ${count(totals.rowsIn)} rows in, ${count(totals.rowsOut)} rows out, ${count(totals.apiCalls)} API calls, ${count(totals.errors)} errors.</figcaption>
</figure>
${jsonScript('chart-data', d.chart)}
</section>

<section aria-labelledby="figures-h"><h2 id="figures-h">Figures</h2>
<dl class="config">
  <dt>Rows in Postgres</dt><dd>${count(d.figures.pgRows)} <small>(table statistics)</small></dd>
  <dt>Rows in Salesforce</dt><dd>${s.lastLoad ? html`${count(s.lastLoad.rows)} <small>(at the last load, ${ago(s.lastLoad.finishedAt, p.nowMs)})</small>` : 'not counted yet'}</dd>
  <dt>Synced since start</dt><dd>${count(s.counts.inserted)} inserted, ${count(s.counts.updated)} updated, ${count(s.counts.deleted)} deleted (${s.counts.loads} loads, ${s.counts.polls} polls)</dd>
  <dt>Last poll</dt><dd>${ago(s.lastPollAt, p.nowMs)}${s.nextPollAt ? html` · next ${ago(s.nextPollAt, p.nowMs)}` : ''}</dd>
  <dt>Outbound</dt><dd>${s.outbound ? html`${count(d.figures.outbound.pending)} pending, ${count(d.figures.outbound.failed)} failed · ${count(s.outbound.sent)} sent since start · last flush ${ago(s.outbound.lastFlushAt, p.nowMs)}` : 'n/a'}</dd>
  <dt>Streaming</dt><dd>${s.config.syncMode === 'event_driven' && s.streaming ? html`${s.streaming.channel ?? 'not subscribed'} · ${count(s.streaming.events)} events · lag ${duration(d.figures.streamLagSeconds * 1000)}` : 'not event-driven'}</dd>
  <dt>API calls (24 h)</dt><dd>${budgetText(d.figures.apiCalls24h, s.config.maxDailyApiCalls)}</dd>
</dl>
</section>

${verifySection(s, p.nowMs)}

<section aria-labelledby="failed-h"><h2 id="failed-h">Failed writes</h2>
<table class="failed"><caption class="sr-only">Writes Salesforce refused</caption>
<thead><tr><th scope="col">Id</th><th scope="col">Write</th><th scope="col">Salesforce error</th><th scope="col">Values</th><th scope="col">When</th><th scope="col">Actions</th></tr></thead>
<tbody>${failedRows(d.failed, base, p)}</tbody></table>
</section>

<section aria-labelledby="activity-h"><h2 id="activity-h">Recent activity</h2>
<table class="activity"><caption class="sr-only">The latest activity attempts</caption>
<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Outcome</th><th scope="col">Took</th><th scope="col">Figures</th><th scope="col">Error</th></tr></thead>
<tbody>${activityRows(d.activity, p.nowMs)}</tbody></table>
</section>

<section aria-labelledby="config-h"><h2 id="config-h">Configuration</h2>${configList(s, p.nowMs)}</section>`, p, { chart: true });
}

export interface ConnectionData {
  about: { organization_id?: string; username?: string; display_name?: string; instance_url: string; api_version?: string;
    daily?: { max: number; remaining: number } | null; limitInfo?: { used: number; limit: number } | null } | null;
  error?: string;
}

interface Range { low: number; high: number }

function range(r: Range): string {
  return r.low === r.high ? count(r.low) : `${count(r.low)}–${count(r.high)}`;
}

export interface EstimateView {
  input: Record<string, string>;
  result?: { daily: Range; first_day: Range; record_count: number; record_count_source: string; breakdown: Record<string, Range>;
    cap: { sf_max_daily_api_calls: number | null; fits: boolean; may_exceed: boolean; exceeds: boolean } };
  errors?: { path: string; message: string }[];
}

function field(id: string, label: string, input: Html, hint?: string): Html {
  return html`<div class="field"><label for="${id}">${label}</label>${input}${hint ? html`<small id="${id}-hint">${hint}</small>` : ''}</div>`;
}

export function connectionPage(c: ConnectionData, e: EstimateView, p: PageContext): string {
  const a = c.about;
  const v = (k: string, d = '') => e.input[k] ?? d;
  const org = a ? html`<dl class="config">
  <dt>Organization</dt><dd>${a.organization_id ?? '—'}</dd>
  <dt>User</dt><dd>${a.display_name ?? ''} ${a.username ? html`<small>(${a.username})</small>` : ''}</dd>
  <dt>Instance</dt><dd>${a.instance_url}</dd>
  <dt>API version</dt><dd>${a.api_version ?? '—'}</dd>
  <dt>Org-wide API usage (Sforce-Limit-Info)</dt><dd>${a.limitInfo ? html`${count(a.limitInfo.used)} of ${count(a.limitInfo.limit)} calls in the last 24 h (${Math.round((a.limitInfo.used / a.limitInfo.limit) * 100)} %)` : 'not reported'}</dd>
  <dt>Daily API requests (/limits)</dt><dd>${a.daily ? html`${count(a.daily.max - a.daily.remaining)} used, ${count(a.daily.remaining)} of ${count(a.daily.max)} remaining` : 'not reported'}</dd>
</dl>` : html`<p class="notice notice-error" role="alert">${c.error ?? 'No org is configured.'}</p>`;
  const r = e.result;
  const result = r ? html`<div class="estimate-result" role="status"><h3>Estimate</h3>
  <p><strong>${range(r.daily)} API calls a day</strong>; the first day (with the initial load): ${range(r.first_day)}.
  Records: ${count(r.record_count)} (${r.record_count_source === 'count_query' ? 'counted in the org' : 'as given'}).</p>
  <p>Breakdown: ${Object.entries(r.breakdown).map(([k, n]) => `${k.replace(/_/g, ' ')} ${range(n)}`).join(' · ')}</p>
  <p>${r.cap.sf_max_daily_api_calls === null ? 'No cap.' : r.cap.fits ? `Fits the cap of ${count(r.cap.sf_max_daily_api_calls)}.` : r.cap.exceeds ? `Exceeds the cap of ${count(r.cap.sf_max_daily_api_calls)}.` : `May exceed the cap of ${count(r.cap.sf_max_daily_api_calls)}.`}</p>
</div>` : '';
  const errors = e.errors?.length ? html`<div class="notice notice-error" role="alert"><p>Check the form:</p><ul>${e.errors.map((x) => html`<li>${x.path}: ${x.message}</li>`)}</ul></div>` : '';
  return layout('Connection', html`<h1>Connection</h1>
<section aria-labelledby="org-h"><h2 id="org-h">Salesforce org</h2>${org}</section>
<section aria-labelledby="est-h"><h2 id="est-h">Estimate a mapping's API calls</h2>
${errors}
<form method="post" action="/console/connection/estimate" class="estimate">${csrfField(p)}
  ${field('e-object', 'Object API name (counted in the org)', html`<input id="e-object" name="object_name" value="${v('object_name')}" aria-describedby="e-object-hint">`, 'or give a record count below')}
  ${field('e-count', 'Record count', html`<input id="e-count" name="record_count" type="number" min="0" value="${v('record_count')}">`)}
  ${field('e-changes', 'Changes per day in Salesforce', html`<input id="e-changes" name="changes_per_day" type="number" min="0" value="${v('changes_per_day', '0')}">`)}
  ${field('e-writes', 'Writes per day from Postgres', html`<input id="e-writes" name="writes_per_day" type="number" min="0" value="${v('writes_per_day', '0')}">`)}
  ${field('e-poll', 'Poll interval (seconds)', html`<input id="e-poll" name="sf_polling_seconds" type="number" min="120" max="3600" value="${v('sf_polling_seconds', '600')}">`)}
  ${field('e-mode', 'Sync mode', html`<select id="e-mode" name="sync_mode">${['polling', 'event_driven'].map((m) => html`<option ${v('sync_mode', 'polling') === m ? raw('selected') : ''}>${m}</option>`)}</select>`)}
  ${field('e-access', 'Access', html`<select id="e-access" name="access">${['read_only', 'read_write'].map((m) => html`<option ${v('access', 'read_only') === m ? raw('selected') : ''}>${m}</option>`)}</select>`)}
  ${field('e-cap', 'API call cap per 24 h (empty: the default)', html`<input id="e-cap" name="sf_max_daily_api_calls" type="number" min="1" value="${v('sf_max_daily_api_calls')}">`)}
  <button type="submit">Estimate</button>
</form>
${result}
</section>`, p, { current: 'connection' });
}

export function notFoundPage(text: string, p: PageContext): string {
  return layout('Not found', html`<h1>Not found</h1><p>${text}</p><p><a href="/console/">Back to the overview</a></p>`, p);
}

export function errorPage(text: string, p: PageContext | null): string {
  return layout('Unavailable', html`<h1>Something is unavailable</h1><p class="notice notice-error" role="alert">${text}</p><p><a href="/console/">Back to the overview</a></p>`, p);
}
