// Records deleted in Salesforce and then purged from its recycle bin never come back through queryAll;
// getDeleted still lists them (for 15 days), so a periodic sweep removes them from the table. Its window is on
// the org's clock (the workflow derives it from the poll coverage, domain/poll-window.ts), and it reports
// getDeleted's latestDateCovered, which Salesforce holds back before deletions still committing.
import type { Pool } from '../infra/db';
import { qualified } from '../domain/sql-names';
import { classifyFailure, connectMapping } from './errors';
import type { MappingRef } from '../salesforce/mapping-connection';
import type { SalesforceSessions } from '../salesforce/session';
import { withSyncWriter } from '../store/sync-writer';

export interface PurgeSweepInput extends MappingRef {
  table: string;
  /** getDeleted's start and end, on the org's clock. */
  fromMs: number;
  /** Absent in a sweep scheduled before windows were on the org's clock (that sweep ends at the worker's now). */
  toMs?: number;
}

export interface PurgeSweepResult {
  deleted: number;
  /** latestDateCovered (the org's clock): the next sweep starts the overlap behind it. */
  toMs: number;
  apiCalls: number;
  apiCallsInWindow: number;
}

const MAX_LOOKBACK_MS = 14 * 24 * 3600 * 1000;

export function createSyncPurgedDeletes(deps: { pool: Pool; sessions?: SalesforceSessions }) {
  return async function syncPurgedDeletes(input: PurgeSweepInput): Promise<PurgeSweepResult> {
    const sf = await connectMapping(deps, input);
    try {
      const endMs = input.toMs ?? Date.now();
      // Salesforce refuses a start more than 15 days back, and windows shorter than a minute.
      const fromMs = Math.min(Math.max(input.fromMs, endMs - MAX_LOOKBACK_MS), endMs - 60_000);
      const result = await sf.conn.sobject(input.config.objectName).deleted(new Date(fromMs).toISOString(), new Date(endMs).toISOString());
      const covered = Date.parse(result.latestDateCovered);
      const toMs = Number.isFinite(covered) ? Math.min(covered, endMs) : endMs;
      const ids = result.deletedRecords.map((r) => r.id);
      let deleted = 0;
      if (ids.length > 0) {
        // ferry's own write: the outbound capture triggers do not send these deletes back.
        const r = await withSyncWriter(deps.pool, (client) =>
          client.query(`DELETE FROM ${qualified(input.config.schema, input.table)} WHERE sfid = ANY($1::varchar[])`, [ids]));
        deleted = r.rowCount ?? 0;
      }
      return { deleted, toMs, apiCalls: sf.callsMade(), apiCallsInWindow: sf.usedInWindow() };
    } catch (err) {
      classifyFailure(err);
    }
  };
}
