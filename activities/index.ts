// All activities, built from the dependencies the worker owns. Workflows import this module's TYPE only.
import type { Pool } from '../infra/db';
import type { Logger } from '../infra/logger';
import { createApplyFilterChange } from './apply-filter-change';
import { createDescribePostgres } from './describe-postgres';
import { createLoadObject } from './load-object';
import { createPublishMappingStatus } from './mapping-status';
import { createFlushOutbound } from './outbound/flush-outbound';
import { createSetAccessMode } from './outbound/set-access-mode';
import { createPollChanges } from './poll-changes';
import { createPrepareMapping } from './prepare-mapping';
import { createRefreshFormulas } from './refresh-formulas';
import { createApplyStreamEvents } from './streaming/apply-stream-events';
import { createRegisterStream } from './streaming/register-stream';
import type { SalesforceSessions } from '../salesforce/session';
import { createSwapReloadedTable } from './swap-reloaded-table';
import { createSyncPurgedDeletes } from './sync-purged-deletes';
import { createTeardownMapping } from './teardown-mapping';
import { createVerifyMapping } from './verify-mapping';

export interface ActivityDeps {
  pool: Pool;
  log: Logger;
  /** Absent when no Salesforce org is configured: mapping activities then fail as Unauthorized. */
  sessions?: SalesforceSessions;
}

export function createActivities(deps: ActivityDeps) {
  return {
    describePostgres: createDescribePostgres(deps),
    prepareMapping: createPrepareMapping(deps),
    loadObject: createLoadObject(deps),
    pollChanges: createPollChanges(deps),
    syncPurgedDeletes: createSyncPurgedDeletes(deps),
    // Runs recorded before loads swapped their reloaded table in themselves still schedule this (a no-op now).
    swapReloadedTable: createSwapReloadedTable(deps),
    setAccessMode: createSetAccessMode(deps),
    flushOutbound: createFlushOutbound(deps),
    registerStream: createRegisterStream(deps),
    applyStreamEvents: createApplyStreamEvents(deps),
    teardownMapping: createTeardownMapping(deps),
    verifyMapping: createVerifyMapping(deps),
    publishMappingStatus: createPublishMappingStatus(deps),
    applyFilterChange: createApplyFilterChange(deps),
    refreshFormulas: createRefreshFormulas(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
