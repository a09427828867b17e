// POST /estimate: the range of daily Salesforce API calls a mapping would spend, before it exists. The record
// count is given or counted with one COUNT() query; the formula is in README "API usage estimate" and in
// domain/estimate.ts + domain/mapping-api-estimate.ts.
import { Router } from 'express';
import { estimateMappingApiCalls } from '../../domain/mapping-api-estimate';
import {
  ACCESS_DEFAULT, FLUSH_INTERVAL_DEFAULT_SECONDS, MAX_DAILY_API_CALLS_DEFAULT, SYNC_MODE_DEFAULT, POLL_INTERVAL_DEFAULT_SECONDS, checkAccess, checkApiName,
  checkFlushInterval, checkPollInterval, checkStreamingSource, checkSyncMode, defaultStreamingSource, type ConfigIssue,
} from '../../domain/mapping-rules';
import type { ApiContext } from '../context';
import { filterAndFormulaCalls, filterAndFormulaInputs } from '../estimate-extras';
import { badConfig, objectBody } from '../problem';
import { checkVerifyInterval, VERIFY_INTERVAL_DEFAULT_SECONDS } from '../../domain/mapping-rules';
import { verifyEstimate } from '../verify-estimate';

const KNOWN = new Set(['object_name', 'record_count', 'changes_per_day', 'writes_per_day', 'sf_polling_seconds', 'sync_mode',
  'sf_notify_enabled', 'streaming_source', 'flush_interval_seconds', 'access', 'sf_max_daily_api_calls', 'formula_refresh_seconds', 'sf_filter', 'verify_interval_seconds', 'drift_records']);

function nonNegative(value: unknown, path: string): ConfigIssue[] {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? []
    : [{ path, rule: 'range', message: `${path} must be a number ≥ 0` }];
}

/** The estimate for a POST /estimate body (the console's estimate form sends the same inputs). */
export async function estimate(ctx: ApiContext, reqBody: unknown) {
    const body = objectBody(reqBody, 'the estimate inputs {"object_name" or "record_count", "changes_per_day", …}');
    const issues: ConfigIssue[] = Object.keys(body).filter((k) => !KNOWN.has(k))
      .map((k) => ({ path: k, rule: 'unknown_key', message: `"${k}" is not an estimate input` }));
    const syncMode = body.sync_mode ?? (body.sf_notify_enabled === true ? 'event_driven' : SYNC_MODE_DEFAULT);
    const b = {
      objectName: body.object_name, recordCount: body.record_count, changesPerDay: body.changes_per_day ?? 0,
      writesPerDay: body.writes_per_day ?? 0, pollIntervalSeconds: body.sf_polling_seconds ?? POLL_INTERVAL_DEFAULT_SECONDS,
      syncMode,
      // The source a mapping created from the same inputs would get (domain/mapping-config.ts): Pub/Sub for an
      // event-driven mapping of an object Change Data Capture covers (an estimate by record count alone assumes one).
      streamingSource: body.streaming_source ?? defaultStreamingSource(typeof body.object_name === 'string' ? body.object_name : '', String(syncMode)),
      flushIntervalSeconds: body.flush_interval_seconds ?? FLUSH_INTERVAL_DEFAULT_SECONDS,
      access: body.access ?? ACCESS_DEFAULT, cap: body.sf_max_daily_api_calls === undefined ? MAX_DAILY_API_CALLS_DEFAULT : body.sf_max_daily_api_calls,
    };
    if (b.objectName === undefined && b.recordCount === undefined) {
      issues.push({ path: 'record_count', rule: 'required', message: 'Give record_count, or object_name to count its records' });
    }
    if (b.objectName !== undefined) issues.push(...(typeof b.objectName === 'string' ? checkApiName(b.objectName, 'object_name', 'object') : [{ path: 'object_name', rule: 'type', message: 'object_name must be a string' }]));
    if (b.recordCount !== undefined) issues.push(...nonNegative(b.recordCount, 'record_count'));
    issues.push(...nonNegative(b.changesPerDay, 'changes_per_day'), ...nonNegative(b.writesPerDay, 'writes_per_day'));
    issues.push(...checkPollInterval(b.pollIntervalSeconds, 'sf_polling_seconds'), ...checkSyncMode(b.syncMode, 'sync_mode'));
    issues.push(...checkStreamingSource(b.streamingSource, 'streaming_source'), ...checkFlushInterval(b.flushIntervalSeconds, 'flush_interval_seconds'));
    issues.push(...checkAccess(b.access, 'access'));
    if (b.access === 'read_only' && typeof b.writesPerDay === 'number' && b.writesPerDay > 0) {
      issues.push({ path: 'writes_per_day', rule: 'read_only', message: 'A read_only mapping writes nothing to Salesforce: writes_per_day must be 0' });
    }
    if (b.cap !== null && !(typeof b.cap === 'number' && Number.isInteger(b.cap) && b.cap >= 1)) {
      issues.push({ path: 'sf_max_daily_api_calls', rule: 'range', message: 'sf_max_daily_api_calls must be a whole number ≥ 1, or null for no cap' });
    }
    const extras = filterAndFormulaInputs(body, issues);
    const verifyInterval = body.verify_interval_seconds === undefined ? VERIFY_INTERVAL_DEFAULT_SECONDS : body.verify_interval_seconds;
    issues.push(...checkVerifyInterval(verifyInterval, 'verify_interval_seconds'));
    if (body.drift_records !== undefined) issues.push(...nonNegative(body.drift_records, 'drift_records'));
    if (issues.length > 0) throw badConfig(issues);

    const counted = b.recordCount === undefined;
    const recordCount = counted ? await ctx.org.countRecords(b.objectName as string) : (b.recordCount as number);
    const e = estimateMappingApiCalls({
      recordCount, changesPerDay: b.changesPerDay as number, writesPerDay: b.writesPerDay as number,
      pollIntervalSeconds: b.pollIntervalSeconds as number, syncMode: b.syncMode as 'polling' | 'event_driven',
      streamingSource: b.streamingSource as 'pushtopic' | 'cdc' | 'pubsub', flushIntervalSeconds: b.flushIntervalSeconds as number,
    });
    const more = filterAndFormulaCalls(recordCount, b.pollIntervalSeconds as number, b.syncMode as string, extras);
    e.low += more.low;
    e.high += more.high;
    e.firstDay = { low: e.firstDay.low + more.low, high: e.firstDay.high + more.high };
    const cap = b.cap as number | null;
    return {
      object_name: b.objectName ?? null,
      record_count: recordCount,
      record_count_source: counted ? 'count_query' : 'given',
      daily: { low: e.low, high: e.high },
      first_day: e.firstDay,
      breakdown: {
        initial_load: e.breakdown.initialLoad, polling: e.breakdown.polling, streaming: e.breakdown.streaming,
        outbound: e.breakdown.outbound, purge_sweeps: e.breakdown.purgeSweeps,
        formula_refresh: more.formulaRefresh, record_filter: more.recordFilter,
      },
      verify: verifyEstimate(recordCount, verifyInterval as number | null, body.drift_records as number | undefined),
      cap: { sf_max_daily_api_calls: cap, fits: cap === null ? true : e.high <= cap, may_exceed: cap !== null && e.high > cap && e.low <= cap, exceeds: cap !== null && e.low > cap },
    };
}

export function createEstimateRouter(ctx: ApiContext): Router {
  const router = Router();
  router.post('/estimate', async (req, res) => {
    res.json(await estimate(ctx, req.body));
  });
  return router;
}
