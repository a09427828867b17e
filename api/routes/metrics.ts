// GET /metrics in Prometheus text format. The API keeps no counters of its own (it is stateless and there may
// be several), so every scrape builds a fresh registry from the sources of truth: the status every mapping
// workflow publishes (rows synced, state, lag) and the API-call ledger (each mapping's, and the API's own
// calls), read for all mappings at once (api/mapping-overview.ts: one visibility listing and one SQL read, not
// a query per mapping).
import { Router } from 'express';
import { Counter, Gauge, Registry } from 'prom-client';
import { isHalted } from '../../workflows/mapping/states';
import type { ApiContext } from '../context';
import { readOverview } from '../mapping-overview';
import { readApiCalls24h } from '../mapping-telemetry';
import { CONNECTION_LEDGER_KEY } from '../org-call-limits';
import { verifyGauges } from '../verify-metrics';

export function createMetricsRouter(ctx: ApiContext): Router {
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    const [entries, connectionCalls] = await Promise.all([
      readOverview(ctx),
      ctx.pg((pool) => readApiCalls24h(pool, [CONNECTION_LEDGER_KEY])),
    ]);
    const listed = entries.map((e) => e.listed);
    const statuses = entries.map((e) => e.status);
    const used = new Map(entries.map((e) => [e.listed.ref.mappingId, e.figures.apiCalls24h]));
    used.set(CONNECTION_LEDGER_KEY, connectionCalls.get(CONNECTION_LEDGER_KEY) ?? 0);
    const registry = new Registry();
    const labels = ['mapping', 'object'] as const;
    const up = new Gauge({ name: 'ferry_mapping_up', help: '1 when the mapping workflow\'s status is known (published by the workflow, or answered to a query during this scrape)', labelNames: labels, registers: [registry] });
    const state = new Gauge({ name: 'ferry_mapping_state', help: 'The mapping state (1 for the current state)', labelNames: [...labels, 'state'], registers: [registry] });
    const halted = new Gauge({ name: 'ferry_mapping_halted', help: '1 when the mapping is halted (paused, bad config, unauthorized, system error, API budget)', labelNames: labels, registers: [registry] });
    const rowsIn = new Counter({ name: 'ferry_mapping_rows_in_total', help: 'Rows written to Postgres from Salesforce (loads and polls)', labelNames: [...labels, 'operation'], registers: [registry] });
    const rowsOut = new Counter({ name: 'ferry_mapping_rows_out_total', help: 'Rows written to Salesforce from Postgres (outbound flushes)', labelNames: labels, registers: [registry] });
    const writeErrors = new Counter({ name: 'ferry_mapping_write_errors_total', help: 'Writes Salesforce refused (outbound)', labelNames: labels, registers: [registry] });
    const lag = new Gauge({ name: 'ferry_mapping_lag_seconds', help: 'Seconds since the table last caught up with Salesforce (last poll or load)', labelNames: labels, registers: [registry] });
    const apiCalls = new Gauge({ name: 'ferry_mapping_api_calls_24h', help: 'Salesforce API calls in the rolling 24 h window', labelNames: labels, registers: [registry] });
    const statusAge = new Gauge({ name: 'ferry_mapping_status_age_seconds', help: 'Seconds since the mapping workflow last published its status (it publishes after every step: much older than the poll interval means no worker runs it)', labelNames: labels, registers: [registry] });
    const verify = verifyGauges(registry, labels);
    const apiCap = new Gauge({ name: 'ferry_mapping_api_call_cap', help: 'The mapping\'s cap on API calls per rolling 24 h (absent when uncapped)', labelNames: labels, registers: [registry] });
    new Gauge({ name: 'ferry_connection_api_calls_24h', help: 'Salesforce API calls the API itself made (describes, counts, identity) in the rolling 24 h window', registers: [registry] })
      .set(used.get(CONNECTION_LEDGER_KEY) ?? 0);
    const now = Date.now();
    listed.forEach((m, i) => {
      const l = { mapping: m.ref.mappingId, object: m.ref.objectName };
      const s = statuses[i];
      up.set(l, s ? 1 : 0);
      apiCalls.set(l, used.get(m.ref.mappingId) ?? 0);
      const current = s?.state ?? m.state;
      if (current) {
        state.set({ ...l, state: current }, 1);
        halted.set(l, isHalted(current) ? 1 : 0);
      }
      if (!s) return;
      const publishedAt = entries[i].figures.statusAt;
      if (publishedAt) statusAge.set(l, Math.max(0, (now - Date.parse(publishedAt)) / 1000));
      rowsIn.inc({ ...l, operation: 'insert' }, s.counts.inserted);
      rowsIn.inc({ ...l, operation: 'update' }, s.counts.updated);
      rowsIn.inc({ ...l, operation: 'delete' }, s.counts.deleted);
      if (s.outbound) {
        rowsOut.inc(l, s.outbound.sent);
        writeErrors.inc(l, s.outbound.failed);
      }
      if (s.config.maxDailyApiCalls !== null) apiCap.set(l, s.config.maxDailyApiCalls);
      if (s.verify?.last) verify.set(l, s.verify.last);
      const caughtUp = s.lastPollAt ?? s.lastLoad?.finishedAt;
      if (caughtUp) lag.set(l, Math.max(0, (now - Date.parse(caughtUp)) / 1000));
    });
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
}
