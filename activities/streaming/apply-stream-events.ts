// The mapping workflow's stream-apply step: applies the events the listener staged in ferry.stream_events,
// batch by batch, each batch in one transaction that also deletes the staged events and advances
// ferry.stream_state — so a crash anywhere applies a batch entirely or not at all, and never twice.
// Complete rows (PushTopic events, CDC creates) cost no Salesforce call; CDC updates are applied to the columns
// they carry; only partial rows for records the table does not hold yet are completed, by one query per
// 20,000 characters of ids (recordsByIdQuery), never one call per record.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { recordsByIdQuery } from '../../domain/soql';
import { stagingColumnOrder } from '../../domain/sql-columns';
import { mergeRowsFromParams, type MergeCounts } from '../../domain/sql-merge';
import { qualified } from '../../domain/sql-names';
import { eventToChanges, foldChanges, type RecordChange } from '../../domain/streaming-events';
import { partialUpdateStatement } from '../../domain/streaming-sql';
import { sfJsonToPgText } from '../../domain/wire-values';
import { type Pool, type PoolClient } from '../../infra/db';
import { classifyFailure, FailureType, connectMapping } from '../errors';
import { restRecordColumns } from '../load/rest-rows';
import type { MappedField } from '../../domain/mapped-field';
import { type MappingConnection, type MappingRef } from '../../salesforce/mapping-connection';
import type { SalesforceSessions } from '../../salesforce/session';
import { markApplied, readStagedEvents, takeSubscriptionReports } from '../../store/stream-state';
import { withSyncWriter } from '../../store/sync-writer';

/** Events per transaction: large enough for bursts, small enough for one unnest merge. */
export const APPLY_BATCH_EVENTS = 5_000;
/** The step returns after this long (remaining = true) so the workflow can interleave polls and flushes. */
const APPLY_BUDGET_MS = 20_000;

export interface ApplyStreamInput extends MappingRef {
  table: string;
  fields: MappedField[];
}

export interface ApplyStreamResult extends MergeCounts {
  events: number;
  /** Partial rows applied to the columns they carry. */
  partial: number;
  /** Records completed through a Salesforce query. */
  refetched: number;
  /** More events may be staged (the time budget ran out). */
  remaining: boolean;
  /** Why a poll of the window streaming did not cover is needed now (gap, expired replay id, new subscription). */
  catchUp: string | null;
  apiCalls: number;
  apiCallsInWindow: number | null;
}


export function createApplyStreamEvents(deps: { pool: Pool; sessions?: SalesforceSessions }) {
  return async function applyStreamEvents(input: ApplyStreamInput): Promise<ApplyStreamResult> {
    const result: ApplyStreamResult = {
      inserted: 0, updated: 0, deleted: 0, events: 0, partial: 0, refetched: 0, remaining: false, catchUp: null, apiCalls: 0, apiCallsInWindow: null,
    };
    let sf: MappingConnection | undefined;
    const connect = async () => (sf ??= await connectMapping(deps, input));
    const started = Date.now();
    try {
      for (;;) {
        const batch = await withSyncWriter(deps.pool, (client) => applyBatch(client, input, connect, result));
        Context.current().heartbeat({ events: result.events });
        if (batch.catchUp) result.catchUp = result.catchUp ? `${result.catchUp}; ${batch.catchUp}` : batch.catchUp;
        if (batch.gap || batch.events < APPLY_BATCH_EVENTS) break;
        if (Date.now() - started > APPLY_BUDGET_MS) {
          result.remaining = true;
          break;
        }
      }
    } catch (err) {
      classifyFailure(err);
    }
    if (sf) {
      result.apiCalls = sf.callsMade();
      result.apiCallsInWindow = sf.usedInWindow();
    }
    return result;
  };
}

async function applyBatch(
  client: PoolClient, input: ApplyStreamInput, connect: () => Promise<MappingConnection>, result: ApplyStreamResult,
): Promise<{ events: number; gap: boolean; catchUp: string | null }> {
  const mappingId = input.mappingId;
  const { catchUp, authError, sourceError } = await takeSubscriptionReports(client, mappingId);
  if (authError) {
    throw ApplicationFailure.create({ type: FailureType.Unauthorized, message: `Streaming: ${authError}`, nonRetryable: true });
  }
  if (sourceError) {
    throw ApplicationFailure.create({ type: FailureType.BadConfig, message: `Streaming: ${sourceError}`, nonRetryable: true });
  }
  const rows = await readStagedEvents(client, mappingId, APPLY_BATCH_EVENTS);
  const names = input.fields.map((f) => f.name);
  const changes: RecordChange[] = [];
  const lastByChannel = new Map<string, { replayId: string; replayBytes: Buffer | null; stampMs: number | null }>();
  let gap: string | null = null;
  let taken = 0;
  for (const row of rows) {
    taken += 1;
    const converted = eventToChanges(row.payload, names);
    changes.push(...converted.changes);
    const stamp = converted.changes.reduce<number | null>((m, c) => (m === null ? c.stampMs : Math.max(m, c.stampMs)), null);
    const before = lastByChannel.get(row.channel);
    lastByChannel.set(row.channel, { replayId: row.replay_id, replayBytes: row.replay_bytes, stampMs: stamp ?? before?.stampMs ?? null });
    if (converted.gap) {
      // Stop at the gap: what follows is applied after the catch-up poll has been asked for.
      gap = `${converted.gap} (replay id ${row.replay_id})`;
      break;
    }
  }
  result.events += taken;
  if (changes.length > 0) {
    await applyChanges(client, input, foldChanges(changes), connect, result);
  }
  for (const [channel, last] of lastByChannel) {
    await markApplied(client, mappingId, channel, last.replayId, last.stampMs, last.replayBytes);
  }
  const reasons = [catchUp, gap].filter((r): r is string => r !== null);
  return { events: rows.length, gap: gap !== null, catchUp: reasons.length ? reasons.join('; ') : null };
}

async function applyChanges(
  client: PoolClient, input: ApplyStreamInput, changes: RecordChange[], connect: () => Promise<MappingConnection>, result: ApplyStreamResult,
): Promise<void> {
  const complete = changes.filter((c) => c.complete);
  const partial = changes.filter((c) => !c.complete);
  const refetch: string[] = [];
  if (partial.length > 0) {
    const { schema } = input.config;
    const held = await client.query<{ sfid: string }>(`SELECT sfid FROM ${qualified(schema, input.table)} WHERE sfid = ANY($1::varchar[])`, [partial.map((c) => c.id)]);
    const present = new Set(held.rows.map((r) => r.sfid));
    const apply = partial.filter((c) => present.has(c.id));
    refetch.push(...partial.filter((c) => !present.has(c.id)).map((c) => c.id));
    if (apply.length > 0) {
      const stampField = input.fields.find((f) => f.name === 'SystemModstamp');
      const params = [
        apply.map((c) => c.id),
        apply.map((c) => sfJsonToPgText(c.values.SystemModstamp, stampField?.sfType ?? 'datetime')),
        apply.map((c) => JSON.stringify(partialValues(c, input.fields))),
      ];
      const columns = input.fields.map((f) => ({ name: f.column, pgType: f.pgType }));
      const updated = await client.query(partialUpdateStatement(schema, input.table, columns), params);
      result.partial += updated.rowCount ?? 0;
      result.updated += updated.rowCount ?? 0;
    }
  }
  const records: Record<string, unknown>[] = complete.map((c) => c.values);
  if (refetch.length > 0) {
    const sf = await connect();
    for (const soql of recordsByIdQuery(input.config.objectName, input.fields.map((f) => f.name), refetch)) {
      const page = await sf.conn.query<Record<string, unknown>>(soql, { scanAll: true, autoFetch: true, maxFetch: 1_000_000 });
      records.push(...page.records);
      result.refetched += page.records.length;
    }
  }
  if (records.length === 0) return;
  const columns = input.fields.map((f) => ({ name: f.column, pgType: f.pgType }));
  const byColumn = restRecordColumns(records, input.fields);
  const params = stagingColumnOrder(columns).map((c) => byColumn[input.fields.findIndex((f) => f.column === c)]);
  const { rows } = await client.query<MergeCounts>(mergeRowsFromParams(input.config.schema, input.table, columns), params);
  result.inserted += rows[0].inserted;
  result.updated += rows[0].updated;
  result.deleted += rows[0].deleted;
}

/** A partial row's mapped columns (other than the key columns) → Postgres text. */
function partialValues(c: RecordChange, fields: readonly MappedField[]): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const f of fields) {
    if (f.column === 'sfid' || f.column === 'systemmodstamp' || f.column === 'isdeleted') continue;
    if (f.name in c.values) out[f.column] = sfJsonToPgText(c.values[f.name], f.sfType);
  }
  return out;
}
