// The sizes ferry's sync runs with, shared by the activities that use them and the API's estimate of what a
// mapping will cost (domain/mapping-api-estimate.ts), so the estimate counts the pages the loads really read.

/** Above this many records a load or poll uses Bulk API 2.0 (as Heroku Connect does). */
export const BULK_THRESHOLD = 10_000;
/** Records per Bulk 2.0 results page a load or poll reads (and checkpoints after). */
export const BULK_PAGE_RECORDS = 25_000;
/** How often records purged from the recycle bin are looked for (getDeleted). */
export const PURGE_SWEEP_INTERVAL_MS = 60 * 60_000;
