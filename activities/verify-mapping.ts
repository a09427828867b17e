// Drift detection and repair for one mapping (README "Verify"): compares the table with the org bucket by bucket
// (domain/verify-buckets.ts), re-fetches only the buckets that differ with all mapped fields, and repairs them
// in the sync-writer transaction (so capture triggers send nothing back): missing rows inserted, stale rows
// updated, rows whose record is gone from Salesforce (deleted, hard-deleted or purged) deleted.
//
// Consistency without wall clocks: the verify's watermark W is the org's time of its first response. A record
// whose SystemModstamp is after W changed while the verify ran; it is left out on both sides (the next poll or
// event brings it). Rows with queued outbound changes (pending _trigger_log entries) are left out too, and are
// looked up again inside the repair transaction. The workflow runs verifies between its other steps, so no poll,
// stream apply or flush of the same mapping writes the table meanwhile; the merge still never lets an older
// version overwrite a newer one.
//
// Budget: the verify's cost is estimated up front (estimateVerifyCalls); when the mapping's rolling window has
// no room for it the verify returns `deferred` with the time there will be, and the workflow waits for it.
import type { MappedField } from '../domain/mapped-field';
import type { MappingConfig } from '../domain/mapping-rules';
import { createStagingTable } from '../domain/sql-ddl';
import { filterWhere } from '../domain/record-filter';
import { mergeFromStaging, type MergeCounts } from '../domain/sql-merge';
import { qualified, stagingTableName } from '../domain/sql-names';
import {
  BucketTally, bucketModulus, bucketRanges, chooseFetch, differingBuckets, estimateVerifyCalls, refetchPlan,
  REFETCH_BULK_PAGE_RECORDS, VERIFY_BULK_PAGE_RECORDS, verifyWhere, type FetchMode, type IdRange, type VerifyCounts,
} from '../domain/verify-buckets';
import type { Pool } from '../infra/db';
import type { MappingRef } from '../salesforce/mapping-connection';
import type { SalesforceSessions } from '../salesforce/session';
import { withSyncWriter } from '../store/sync-writer';
import { budgetFreesAtMs, pendingOutboundSfids, recordVerifyRun } from '../store/verify-results';
import { classifyFailure, connectMapping } from './errors';
import { copyCsvStatement, copyLines } from './load/copy-page';
import { copyTextStatement, restRecordLines } from './load/rest-rows';
import { countSyncedRows, rowStamps, rowStampsInRanges, sampleBoundaries, streamRowStamps } from './verify/postgres-side';
import { readRecords, readStamps } from './verify/salesforce-side';

export interface VerifyInput extends MappingRef {
  table: string;
  fields: MappedField[];
}

export interface VerifyResult extends VerifyCounts {
  /** The budget had no room: nothing was read; try again at retryAtMs. */
  deferred: boolean;
  retryAtMs: number | null;
  startedAtMs: number;
  /** The org's time the comparison ran up to. */
  watermarkMs: number | null;
  mode: FetchMode | null;
  inserted: number;
  updated: number;
  deleted: number;
  estimate: { low: number; high: number };
  apiCallsInWindow: number;
  /** Wall time of the verify (comparison and repair). */
  durationMs: number;
  /** Where the time went: boundaries, the Postgres pass, the Salesforce read, the differing rows, the repair. */
  phasesMs?: Record<string, number>;
}

/**
 * The extra condition every verify query of this mapping carries (the one place a record filter joins the
 * verify's Salesforce-side WHERE); null: the whole object.
 */
export function verifyCondition(config: MappingConfig): string | null {
  return filterWhere(config);
}

/** Options the bench and tests may change (page sizes); the activity uses the defaults. */
export interface VerifyOptions {
  comparePageRecords?: number;
}

export function createVerifyMapping(deps: { pool: Pool; sessions?: SalesforceSessions }, options: VerifyOptions = {}) {
  return async function verifyMapping(input: VerifyInput): Promise<VerifyResult> {
    const { pool } = deps;
    const { schema } = input.config;
    const startedAtMs = Date.now();
    const pgRows = await countSyncedRows(pool, schema, input.table);
    const estimate = estimateVerifyCalls(pgRows);
    const freeAt = await budgetFreesAtMs(pool, input.mappingId, estimate.high, input.config.maxDailyApiCalls, startedAtMs);
    if (freeAt !== null) return { ...empty(startedAtMs, estimate), deferred: true, retryAtMs: freeAt };
    const sf = await connectMapping(deps, input);
    try {
      const r = await verify(pool, sf.conn, input, pgRows, () => sf.orgTimeMs(), options);
      const result: VerifyResult = {
        ...r, deferred: false, retryAtMs: null, startedAtMs, estimate: { low: estimate.low, high: estimate.high }, apiCalls: sf.callsMade(),
        apiCallsInWindow: sf.usedInWindow(), durationMs: Date.now() - startedAtMs,
      };
      await recordVerifyRun(pool, { ...result, mappingId: input.mappingId, finishedAtMs: Date.now(), mode: result.mode ?? 'none' });
      return result;
    } catch (err) {
      classifyFailure(err);
    }
  };
}

function empty(startedAtMs: number, estimate: { low: number; high: number }): VerifyResult {
  return {
    deferred: false, retryAtMs: null, startedAtMs, watermarkMs: null, mode: null, buckets: 0, bucketsDiffering: 0, rowsCompared: 0,
    missing: 0, stale: 0, extra: 0, skipped: 0, repaired: 0, inserted: 0, updated: 0, deleted: 0,
    estimate: { low: estimate.low, high: estimate.high }, apiCalls: 0, apiCallsInWindow: 0, durationMs: 0,
  };
}

type Found = Omit<VerifyResult, 'deferred' | 'retryAtMs' | 'startedAtMs' | 'estimate' | 'apiCalls' | 'apiCallsInWindow' | 'durationMs'>;

/** Time of each phase, in ms. */
function phaseClock(): { mark(phase: string): void; phases: Record<string, number> } {
  let last = Date.now();
  const phases: Record<string, number> = {};
  return {
    phases,
    mark(phase) {
      const now = Date.now();
      phases[phase] = (phases[phase] ?? 0) + now - last;
      last = now;
    },
  };
}

async function verify(
  pool: Pool, conn: import('jsforce').Connection, input: VerifyInput, pgRows: number, orgTimeMs: () => number | null, options: VerifyOptions,
): Promise<Found> {
  const { schema, objectName } = input.config;
  const extraCondition = verifyCondition(input.config);
  const clock = phaseClock();
  const pending = await pendingOutboundSfids(pool, schema, input.table);
  const boundaries = await sampleBoundaries(pool, schema, input.table, bucketModulus(pgRows));
  clock.mark('boundaries');
  const pgTally = new BucketTally(boundaries);
  const sfTally = new BucketTally(boundaries);
  const skipped = new Set<string>(pending);
  /** Ids Salesforce changed after the watermark (their Postgres rows are taken out of the tally after). */
  const young: string[] = [];
  let watermarkMs = 0;

  const ready = async () => {
    watermarkMs = orgTimeMs() ?? Date.now();
    const started = Date.now();
    await streamRowStamps(pool, schema, input.table, (id, ms) => {
      if (pending.has(id)) return;
      if (ms > watermarkMs) skipped.add(id);
      else pgTally.add(id, ms);
    });
    clock.phases.postgres = Date.now() - started;
  };
  const pageRecords = options.comparePageRecords ?? VERIFY_BULK_PAGE_RECORDS;
  const mode = await readStamps(conn, `SELECT Id, SystemModstamp FROM ${objectName}${verifyWhere({ extraCondition })}`, chooseFetch(pgRows, pageRecords), pageRecords, ready, (id, ms) => {
    if (skipped.has(id)) return;
    if (ms > watermarkMs) {
      young.push(id);
      skipped.add(id);
    } else sfTally.add(id, ms);
  });
  for (const [id, ms] of await rowStamps(pool, schema, input.table, young)) if (ms <= watermarkMs) pgTally.add(id, ms, -1);

  clock.mark('compare');
  const differing = differingBuckets(pgTally, sfTally);
  const found: Found = {
    watermarkMs, mode, buckets: boundaries.length + 1, bucketsDiffering: differing.length, rowsCompared: pgTally.rows + sfTally.rows,
    missing: 0, stale: 0, extra: 0, skipped: skipped.size, repaired: 0, inserted: 0, updated: 0, deleted: 0, phasesMs: clock.phases,
  };
  if (differing.length === 0) return found;

  let expectedRows = 0;
  for (const k of differing) expectedRows += Math.max(sfTally.counts[k], pgTally.counts[k]);
  const ranges = bucketRanges(boundaries, differing);
  // The Postgres rows of the differing buckets (nothing per row was kept from the comparison).
  const local = await rowStampsInRanges(pool, schema, input.table, ranges);
  for (const id of skipped) local.delete(id);
  clock.mark('differing');
  const repaired = await repair(pool, conn, input, { ranges, extraCondition, expectedRows, watermarkMs, local, skipped }, clock.mark);
  clock.mark('repair');
  return { ...found, ...repaired };
}

interface RepairPlan {
  ranges: IdRange[];
  extraCondition: string | null;
  expectedRows: number;
  watermarkMs: number;
  /** Postgres rows (sfid → stamp ms) in the differing buckets, less the skipped ones. */
  local: Map<string, number>;
  skipped: Set<string>;
}

async function repair(pool: Pool, conn: import('jsforce').Connection, input: VerifyInput, plan: RepairPlan, mark: (phase: string) => void) {
  const { schema } = input.config;
  const stage = stagingTableName(`${input.table}_verify`);
  const columns = input.fields.map((f) => ({ name: f.column, pgType: f.pgType }));
  const target = qualified(schema, input.table);
  const staged = qualified(schema, stage);
  const { mode, rangesPerQuery: perQuery } = refetchPlan(plan.ranges.length, plan.expectedRows);
  const fieldList = input.fields.map((f) => f.name).join(', ');
  const csvCopy = copyCsvStatement(schema, stage, input.fields.map((f) => f.column));
  const textCopy = copyTextStatement(schema, stage, input.fields.map((f) => f.column));
  const wm = new Date(plan.watermarkMs).toISOString();
  return withSyncWriter(pool, async (client) => {
    for (const stmt of createStagingTable(schema, stage, columns)) await client.query(stmt);
    for (let i = 0; i < plan.ranges.length; i += perQuery) {
      const soql = `SELECT ${fieldList} FROM ${input.config.objectName}${verifyWhere({ extraCondition: plan.extraCondition, ranges: plan.ranges.slice(i, i + perQuery) })}`;
      await readRecords(conn, soql, mode, REFETCH_BULK_PAGE_RECORDS,
        (csv) => copyLines(client, csvCopy, [csv]),
        (records) => copyLines(client, textCopy, restRecordLines(records, input.fields)));
    }
    mark('refetch');
    // Changed after the watermark (the next poll brings them): neither written nor taken as gone.
    const young = await client.query<{ sfid: string }>(
      `DELETE FROM ${staged} WHERE systemmodstamp > ($1::timestamptz AT TIME ZONE 'UTC') RETURNING sfid`, [wm]);
    // Queued outbound changes, looked up again now: an app may have written since the comparison.
    const pending = await pendingOutboundSfids(client as unknown as Pool, schema, input.table);
    const leave = [...new Set([...plan.skipped, ...pending, ...young.rows.map((r) => r.sfid)])];
    await client.query(`DELETE FROM ${staged} WHERE sfid = ANY($1::varchar[])`, [leave]);
    // Every record Salesforce holds in the ranges (read, or left alone): a table row in the ranges that is
    // none of them is gone from Salesforce.
    const inSalesforce = new Set(leave);
    for (const r of (await client.query<{ sfid: string }>(`SELECT sfid FROM ${staged}`)).rows) inSalesforce.add(r.sfid);
    const extra = [...plan.local.keys()].filter((id) => !inSalesforce.has(id));
    // Versions the table already holds are not drift.
    await client.query(`DELETE FROM ${staged} s USING ${target} t WHERE t.sfid = s.sfid AND t.systemmodstamp IS NOT DISTINCT FROM s.systemmodstamp`);
    const kinds = await client.query<{ missing: number; stale: number }>(
      `SELECT count(*) FILTER (WHERE t.sfid IS NULL)::int AS missing, count(*) FILTER (WHERE t.sfid IS NOT NULL)::int AS stale
         FROM ${staged} s LEFT JOIN ${target} t ON t.sfid = s.sfid`);
    const merged = (await client.query<MergeCounts>(mergeFromStaging(schema, input.table, stage, columns))).rows[0];
    const removed = extra.length === 0 ? 0 : (await client.query(
      `DELETE FROM ${target} WHERE sfid = ANY($1::varchar[]) AND _hc_lastop IS DISTINCT FROM 'PENDING'`, [extra])).rowCount ?? 0;
    await client.query(`DROP TABLE ${staged}`);
    return {
      missing: kinds.rows[0].missing, stale: kinds.rows[0].stale, extra: extra.length, skipped: leave.length,
      inserted: merged.inserted, updated: merged.updated, deleted: merged.deleted + removed, repaired: merged.inserted + merged.updated + merged.deleted + removed,
    };
  });
}
