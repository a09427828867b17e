// Failed writes to Salesforce (outbound): list, retry, ignore. Built on activities/outbound/failed-writes.ts,
// which is being written alongside; until it lands these routes are not mounted.
import { Router } from 'express';
import type { ApiContext } from '../context';

export function createFailedWritesRouter(_ctx: ApiContext): Router {
  return Router();
}
