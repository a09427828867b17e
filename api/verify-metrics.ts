// The last drift verification of each mapping as Prometheus gauges (GET /metrics): when it ran, the buckets it
// compared, the rows it found missing / stale / extra, the rows it repaired and the API calls it spent.
import { Gauge, type Registry } from 'prom-client';
import type { VerifyStatus } from '../workflows/mapping/verify';

type Labels = { mapping: string; object: string };

export function verifyGauges(registry: Registry, labelNames: readonly string[]) {
  const g = (name: string, help: string, extra: string[] = []) => new Gauge({ name, help, labelNames: [...labelNames, ...extra], registers: [registry] });
  const at = g('ferry_mapping_verify_last_timestamp_seconds', 'When the last verify (drift detection and repair) of the mapping finished, Unix seconds');
  const buckets = g('ferry_mapping_verify_buckets', 'Id buckets the last verify compared (differing: re-fetched)', ['result']);
  const rows = g('ferry_mapping_verify_rows', 'Rows the last verify compared (both sides) or found missing, stale or extra in Postgres', ['kind']);
  const repaired = g('ferry_mapping_verify_repaired_rows', 'Rows the last verify repaired (inserted, updated or deleted)');
  const calls = g('ferry_mapping_verify_api_calls', 'Salesforce API calls the last verify spent');
  return {
    set(l: Labels, last: NonNullable<VerifyStatus['last']>): void {
      at.set(l, Date.parse(last.at) / 1000);
      buckets.set({ ...l, result: 'compared' }, last.buckets);
      buckets.set({ ...l, result: 'differing' }, last.bucketsDiffering);
      rows.set({ ...l, kind: 'compared' }, last.rowsCompared);
      rows.set({ ...l, kind: 'missing' }, last.missing);
      rows.set({ ...l, kind: 'stale' }, last.stale);
      rows.set({ ...l, kind: 'extra' }, last.extra);
      repaired.set(l, last.repaired);
      calls.set(l, last.apiCalls);
    },
  };
}
