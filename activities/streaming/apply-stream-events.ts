// The mapping workflow's stream-apply step: applies the events the listener staged in ferry.stream_events,
// batch by batch, each batch in one transaction that also deletes the staged events and advances
// ferry.stream_state — so a crash anywhere applies a batch entirely or not at all, and never twice.
// Complete rows (PushTopic events, CDC creates) cost no Salesforce call; CDC updates are applied to the columns
// they carry; only partial rows for records the table does not hold yet are completed, by one query per
// 20,000 characters of ids (recordsByIdQuery), never one call per record.
import { ApplicationFailure, Context } from '@temporalio/activity';
import { SET_SYNC_WRITER } from '../../domain/outbound-trigger-sql';
import { recordsByIdQuery } from '../../domain/soql';
import { stagingColumnOrder } from '../../domain/sql-columns';
import { mergeRowsFromParams, type MergeCounts } from '../../domain/sql-merge';
import { qualified } from '../../domain/sql-names';
import { eventToChanges, foldChanges, type RecordChange } from '../../domain/streaming-events';
import { partialUpdateStatement } from '../../domain/streaming-sql';
import { sfJsonToPgText } from '../../domain/wire-values';
import { withTransaction, type Pool, type PoolClient } from '../../infra/db';
import { classifyFailure, FailureType } from '../errors';
import { restRecordColumns } from '../load/rest-rows';
import type { MappedField } from '../prepare-mapping';
import { connectForMapping, type MappingConnection, type MappingRef } from '../salesforce/for-mapping';
import type { SalesforceSessions } from '../salesforce/session';

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

interface StagedRow { channel: string; replay_id: string; replay_bytes: Buffer | null; payload: unknown }

export function createApplyStreamEvents(deps: { pool: Pool; sessions?: SalesforceSessions }) {
  return async function applyStreamEvents(input: ApplyStreamInput): Promise<ApplyStreamResult> {
    const result: ApplyStreamResult = {
      inserted: 0, updated: 0, deleted: 0, events: 0, partial: 0, refetched: 0, remaining: false, catchUp: null, apiCalls: 0, apiCallsInWindow: null,
    };
    let sf: MappingConnection | undefined;
    const connect = async () => (sf ??= await connectForMapping(deps, input));
    const started = Date.now();
    try {
      for (;;) {
        const batch = await withTransaction(deps.pool, (client) => applyBatch(client, input, connect, result));
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
  // The listener's reports, taken under a row lock so a report written meanwhile is not cleared unseen.
  const sub = await client.query<{ catch_up: string | null; auth_error: string | null; source_error: string | null }>(
    'SELECT catch_up, auth_error, source_error FROM ferry.stream_subscriptions WHERE mapping_id = $1 FOR UPDATE', [mappingId]);
  if (sub.rows[0]?.auth_error) {
    throw ApplicationFailure.create({ type: FailureType.Unauthorized, message: `Streaming: ${sub.rows[0].auth_error}`, nonRetryable: true });
  }
  if (sub.rows[0]?.source_error) {
    throw ApplicationFailure.create({ type: FailureType.BadConfig, message: `Streaming: ${sub.rows[0].source_error}`, nonRetryable: true });
  }
  const catchUp = sub.rows[0]?.catch_up ?? null;
  if (catchUp) await client.query('UPDATE ferry.stream_subscriptions SET catch_up = NULL WHERE mapping_id = $1', [mappingId]);

  const { rows } = await client.query<StagedRow>(
    'SELECT channel, replay_id, replay_bytes, payload FROM ferry.stream_events WHERE mapping_id = $1 ORDER BY channel, replay_id LIMIT $2',
    [mappingId, APPLY_BATCH_EVENTS]);
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
    await client.query(SET_SYNC_WRITER);
    await applyChanges(client, input, foldChanges(changes), connect, result);
  }
  for (const [channel, last] of lastByChannel) {
    await client.query('DELETE FROM ferry.stream_events WHERE mapping_id = $1 AND channel = $2 AND replay_id <= $3', [mappingId, channel, last.replayId]);
    await client.query(
      `INSERT INTO ferry.stream_state (mapping_id, channel, replay_id, applied_through, replay_bytes) VALUES ($1, $2, $3, to_timestamp($4::double precision / 1000), $5)
       ON CONFLICT (mapping_id, channel) DO UPDATE SET replay_id = GREATEST(ferry.stream_state.replay_id, EXCLUDED.replay_id),
         replay_bytes = CASE WHEN EXCLUDED.replay_id >= ferry.stream_state.replay_id THEN EXCLUDED.replay_bytes ELSE ferry.stream_state.replay_bytes END,
         applied_through = GREATEST(ferry.stream_state.applied_through, EXCLUDED.applied_through), updated_at = now()`,
      [mappingId, channel, last.replayId, last.stampMs, last.replayBytes]);
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
