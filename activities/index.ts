// All activities, built from the dependencies the worker owns. Workflows import this module's TYPE only.
import type { Pool } from '../infra/db';
import type { Logger } from '../infra/logger';
import { createDescribePostgres } from './describe-postgres';

export interface ActivityDeps {
  pool: Pool;
  log: Logger;
}

export function createActivities(deps: ActivityDeps) {
  return {
    describePostgres: createDescribePostgres(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
