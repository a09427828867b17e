// ferry's streaming tables (migration 020): a mapping's registered subscription (ferry.stream_subscriptions,
// with what its listener reports), the events its listener staged (ferry.stream_events) and how far the
// workflow applied them (ferry.stream_state). The listener writes, the apply step reads and settles.
import type { ClientBase } from 'pg';
import type { Pool, PoolClient } from '../infra/db';

/** A pool, or a client in a transaction or holding a listener's session. */
type Db = Pool | ClientBase;

export interface SubscriptionRow {
  mapping_id: string;
  workflow_id: string;
  channel: string;
  /** The event source: pushtopic, cdc (both CometD) or pubsub (the Pub/Sub API). */
  source: string;
  /** Changes whenever the subscription is registered again (a listener on an older one restarts). */
  generation: string;
}

export interface StagedEvent {
  channel: string;
  replay_id: string;
  /** The Pub/Sub API's opaque replay id (null for CometD, whose replay id is the number). */
  replay_bytes: Buffer | null;
  payload: unknown;
}

/** Registers (or re-registers) a mapping's subscription; clears a recorded handshake refusal. */
export async function upsertSubscription(db: Db, s: { mappingId: string; workflowId: string; objectName: string; source: string; channel: string }): Promise<void> {
  await db.query(
    `INSERT INTO ferry.stream_subscriptions (mapping_id, workflow_id, object_name, source, channel) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (mapping_id) DO UPDATE SET workflow_id = EXCLUDED.workflow_id, object_name = EXCLUDED.object_name,
       source = EXCLUDED.source, channel = EXCLUDED.channel, auth_error = NULL, source_error = NULL, paused = false, updated_at = now()`,
    [s.mappingId, s.workflowId, s.objectName, s.source, s.channel]);
}

/** Removes a mapping's subscription, what was staged for it and how far it was applied (one transaction's client). */
export async function removeStreamState(client: PoolClient, mappingId: string): Promise<void> {
  await client.query('DELETE FROM ferry.stream_subscriptions WHERE mapping_id = $1', [mappingId]);
  await client.query('DELETE FROM ferry.stream_events WHERE mapping_id = $1', [mappingId]);
  await client.query('DELETE FROM ferry.stream_state WHERE mapping_id = $1', [mappingId]);
}

/**
 * Subscriptions a listener should run for (a denied handshake or a refused source waits for the mapping to
 * register again; a paused one for its resume).
 */
export async function listActiveSubscriptions(db: Db): Promise<SubscriptionRow[]> {
  const { rows } = await db.query<SubscriptionRow>(
    `SELECT mapping_id, workflow_id, channel, source, updated_at::text AS generation FROM ferry.stream_subscriptions
      WHERE auth_error IS NULL AND source_error IS NULL AND NOT paused`);
  return rows;
}

export async function setSubscriptionPaused(db: Db, mappingId: string, paused: boolean): Promise<void> {
  await db.query('UPDATE ferry.stream_subscriptions SET paused = $2, updated_at = now() WHERE mapping_id = $1', [mappingId, paused]);
}

/** Whether a mapping other than `mappingId` subscribes to `channel` (two schemas' mappings of one object share a PushTopic). */
export async function channelInUse(db: Db, channel: string, mappingId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM ferry.stream_subscriptions WHERE channel = $1 AND mapping_id <> $2 LIMIT 1', [channel, mappingId]);
  return rows.length > 0;
}

/** The newest replay id that is durable (staged or applied): a listener resumes after it; -1 when none. */
export async function resumeReplayId(db: Db, mappingId: string, channel: string): Promise<number> {
  const { rows } = await db.query<{ r: string | null }>(
    `SELECT GREATEST((SELECT max(replay_id) FROM ferry.stream_events WHERE mapping_id = $1 AND channel = $2),
                     (SELECT replay_id FROM ferry.stream_state WHERE mapping_id = $1 AND channel = $2))::text AS r`,
    [mappingId, channel]);
  return rows[0].r === null ? -1 : Number(rows[0].r);
}

/** Whether the mapping has staged events not applied yet (a listener that starts tells its workflow so). */
export async function hasStagedEvents(db: Db, mappingId: string): Promise<boolean> {
  const { rows } = await db.query('SELECT 1 FROM ferry.stream_events WHERE mapping_id = $1 LIMIT 1', [mappingId]);
  return rows.length > 0;
}

/**
 * What the listener tells the workflow: a catch-up poll is needed, the org denied the handshake, or the source
 * cannot work as configured (a topic that does not exist, an event that cannot be decoded).
 */
export async function reportOnSubscription(db: Db, mappingId: string, column: 'catch_up' | 'auth_error' | 'source_error', text: string): Promise<void> {
  await db.query(`UPDATE ferry.stream_subscriptions SET ${column} = $2 WHERE mapping_id = $1`, [mappingId, text]);
}

/** Stages received events in one statement; an event staged before (same replay id) is ignored. */
export async function stageEvents(db: Db, mappingId: string, channel: string, events: readonly { replayId: number; payload: unknown }[]): Promise<void> {
  await db.query(
    `INSERT INTO ferry.stream_events (mapping_id, channel, replay_id, payload)
     SELECT $1, $2, r, p FROM unnest($3::bigint[], $4::jsonb[]) AS u(r, p) ON CONFLICT DO NOTHING`,
    [mappingId, channel, events.map((e) => e.replayId), events.map((e) => JSON.stringify(e.payload))]);
}

/** A Pub/Sub listener's resume point: the local sequence and opaque replay id of the newest staged, else applied, event. */
export async function pubsubResumePoint(db: Db, mappingId: string, channel: string): Promise<{ seq: number; bytes: Buffer | null }> {
  const { rows } = await db.query<{ seq: string; bytes: Buffer | null }>(
    `SELECT replay_id::text AS seq, replay_bytes AS bytes FROM (
       SELECT replay_id, replay_bytes FROM ferry.stream_events WHERE mapping_id = $1 AND channel = $2
       UNION ALL SELECT replay_id, replay_bytes FROM ferry.stream_state WHERE mapping_id = $1 AND channel = $2
     ) r ORDER BY replay_id DESC LIMIT 1`, [mappingId, channel]);
  return { seq: rows[0] ? Number(rows[0].seq) : 0, bytes: rows[0]?.bytes ?? null };
}

/** How far a channel's events were applied (its replay id, the local sequence for Pub/Sub); 0 when none was. */
export async function appliedReplayId(db: Db, mappingId: string, channel: string): Promise<number> {
  const { rows } = await db.query<{ r: string }>(
    'SELECT replay_id::text AS r FROM ferry.stream_state WHERE mapping_id = $1 AND channel = $2', [mappingId, channel]);
  return rows[0] ? Number(rows[0].r) : 0;
}

/**
 * Stages Pub/Sub events in one statement, each under its local sequence with its opaque replay id; one staged
 * before is ignored. The batch travels as one JSON document: cheaper than a text array per column, which
 * escapes every element.
 */
export async function stagePubSubEvents(db: Db, mappingId: string, channel: string, events: readonly { seq: number; bytes: Buffer; payload: unknown }[]): Promise<void> {
  const rows = events.map((e) => ({ s: e.seq, b: e.bytes.toString('base64'), p: e.payload }));
  await db.query(
    `INSERT INTO ferry.stream_events (mapping_id, channel, replay_id, replay_bytes, payload)
     SELECT $1, $2, (e->>'s')::bigint, decode(e->>'b', 'base64'), e->'p' FROM jsonb_array_elements($3::jsonb) AS e ON CONFLICT DO NOTHING`,
    [mappingId, channel, JSON.stringify(rows)]);
}

/**
 * Takes (and clears) the listener's reports under a row lock, so a report written meanwhile is not cleared
 * unseen: a catch-up poll asked for, a denied handshake, or an event source the org refused (unknown topic,
 * CDC not enabled for the object).
 */
export async function takeSubscriptionReports(client: PoolClient, mappingId: string): Promise<{ catchUp: string | null; authError: string | null; sourceError: string | null }> {
  const sub = await client.query<{ catch_up: string | null; auth_error: string | null; source_error: string | null }>(
    'SELECT catch_up, auth_error, source_error FROM ferry.stream_subscriptions WHERE mapping_id = $1 FOR UPDATE', [mappingId]);
  const catchUp = sub.rows[0]?.catch_up ?? null;
  const authError = sub.rows[0]?.auth_error ?? null;
  const sourceError = sub.rows[0]?.source_error ?? null;
  if (catchUp && !authError && !sourceError) await client.query('UPDATE ferry.stream_subscriptions SET catch_up = NULL WHERE mapping_id = $1', [mappingId]);
  return { catchUp, authError, sourceError };
}

/** The oldest staged events of a mapping, in replay order per channel. */
export async function readStagedEvents(client: PoolClient, mappingId: string, limit: number): Promise<StagedEvent[]> {
  const { rows } = await client.query<StagedEvent>(
    'SELECT channel, replay_id, replay_bytes, payload FROM ferry.stream_events WHERE mapping_id = $1 ORDER BY channel, replay_id LIMIT $2',
    [mappingId, limit]);
  return rows;
}

/** Settles a channel's events up to a replay id: they leave the staging table and the applied position moves on. */
export async function markApplied(client: PoolClient, mappingId: string, channel: string, replayId: string, stampMs: number | null, replayBytes: Buffer | null = null): Promise<void> {
  await client.query('DELETE FROM ferry.stream_events WHERE mapping_id = $1 AND channel = $2 AND replay_id <= $3', [mappingId, channel, replayId]);
  await client.query(
    `INSERT INTO ferry.stream_state (mapping_id, channel, replay_id, applied_through, replay_bytes) VALUES ($1, $2, $3, to_timestamp($4::double precision / 1000), $5)
     ON CONFLICT (mapping_id, channel) DO UPDATE SET replay_id = GREATEST(ferry.stream_state.replay_id, EXCLUDED.replay_id),
       replay_bytes = CASE WHEN EXCLUDED.replay_id >= ferry.stream_state.replay_id THEN EXCLUDED.replay_bytes ELSE ferry.stream_state.replay_bytes END,
       applied_through = GREATEST(ferry.stream_state.applied_through, EXCLUDED.applied_through), updated_at = now()`,
    [mappingId, channel, replayId, stampMs, replayBytes]);
}
