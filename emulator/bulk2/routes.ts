// Bulk API 2.0 surface of ferry's org emulator. The core mounts this on the authenticated, API-charged
// `/services/data/v:version/jobs` router, so every path here is relative to `/jobs`.
import type express from 'express';
import type { EmulatorContext } from '../contract.js';
import type { IngestJob } from './ingest-job.js';
import { registerIngestRoutes } from './ingest-routes.js';
import { JobRegistry } from './job-common.js';
import type { QueryJob } from './query-job.js';
import { registerQueryRoutes } from './query-routes.js';

export function registerBulk2Routes(router: express.Router, ctx: EmulatorContext): void {
  registerQueryRoutes(router, ctx, new JobRegistry<QueryJob>());
  registerIngestRoutes(router, ctx, new JobRegistry<IngestJob>());
}
