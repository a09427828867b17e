// GET /limits: the org's allowances as Salesforce reports them (Max / Remaining). DailyApiRequests and the
// Bulk 2.0 job allowances are live; the rest are plausible constants a client may read.
import type { OrgApiAccounting } from '../accounting.js';

const remaining = (max: number, used: number) => ({ Max: max, Remaining: Math.max(0, max - used) });

export function limitsBody(accounting: OrgApiAccounting) {
  const api = accounting.usage();
  const query = accounting.allowance('bulk2-query');
  const ingest = accounting.allowance('bulk2-ingest');
  return {
    ConcurrentAsyncGetReportInstances: remaining(200, 0),
    ConcurrentSyncReportRuns: remaining(20, 0),
    DailyApiRequests: remaining(api.max, api.used),
    DailyAsyncApexExecutions: remaining(250_000, 0),
    DailyBulkApiBatches: remaining(ingest.max, ingest.used),
    DailyBulkV2QueryFileStorageMB: remaining(976_562, 0),
    DailyBulkV2QueryJobs: remaining(query.max, query.used),
    DailyDurableGenericStreamingApiEvents: remaining(10_000, 0),
    DailyDurableStreamingApiEvents: remaining(10_000, 0),
    DailyGenericStreamingApiEvents: remaining(10_000, 0),
    DailyStreamingApiEvents: remaining(10_000, 0),
    DataStorageMB: remaining(1_024, 0),
    FileStorageMB: remaining(1_024, 0),
    HourlyPublishedPlatformEvents: remaining(50_000, 0),
    MonthlyPlatformEventsUsageEntitlement: remaining(0, 0),
    SingleEmailMessages: remaining(15, 0),
    StreamingApiConcurrentClients: remaining(20, 0),
    DurableStreamingApiConcurrentClients: remaining(20, 0),
  };
}
