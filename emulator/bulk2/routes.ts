// Bulk API 2.0 surface of ferry's org emulator. The core mounts this on the authenticated, API-charged
// `/services/data/v:version/jobs` router, so every path here is relative to `/jobs`.
import type express from 'express';
import type { EmulatorContext } from '../contract.js';
import type { IngestJob } from './ingest-job.js';
import { registerIngestRoutes } from './ingest-routes.js';
import { JobRegistry } from './job-common.js';
import type { QueryJob } from './query-job.js';
import { registerQueryRoutes } from './query-routes.js';

export interface Bulk2Options {
  /** Rows per query-results page when the client sends no maxRecords (default 50,000); small values let tests page. */
  defaultPageRows?: number;
}

export function registerBulk2Routes(router: express.Router, ctx: EmulatorContext, options: Bulk2Options = {}): void {
  registerQueryRoutes(router, ctx, new JobRegistry<QueryJob>(), options.defaultPageRows);
  registerIngestRoutes(router, ctx, new JobRegistry<IngestJob>());
}
