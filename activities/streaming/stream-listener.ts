// One mapping's Streaming API listener, run by the worker's supervisor (stream-supervisor.ts):
//
//   faye (jsforce, Replay extension) ─event─► buffer ─50 ms or 2,000 events─► one INSERT into ferry.stream_events
//                                                                            └─► streamEventsSignal (debounced)
//
// It owns its mapping through a session advisory lock on its own Postgres connection (the same one that stages
// events), so exactly one worker listens; when that worker dies the lock goes with its session and another
// worker's supervisor takes over. It resumes after the newest durable replay id (applied or staged), so a
// crash loses nothing and re-staged events are ignored (primary key). Whenever it has to subscribe for new
// events only (no stored id, or the stored id is no longer retained) it asks the workflow for a catch-up
// poll of the window it did not cover. An auth failure re-creates the client with a renewed session (faye
// keeps the token it was created with); if the fresh session is refused too, the handshake is denied: the
// reason is recorded and the workflow halts the mapping as UNAUTHORIZED.
import type { Client as TemporalClient } from '@temporalio/client';
import { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/api/streaming';
import { Client as PgClient } from 'pg';
import type { Logger } from '../../infra/logger';
import { streamEventsSignal } from '../../workflows/mapping/messages';
import type { SalesforceSessions } from '../salesforce/session';

/** Advisory lock class for listener ownership ('frst'); the second key is hashtext(mapping_id). */
export const LISTENER_LOCK_CLASS = 0x66727374;

export interface Subscription {
  mappingId: string;
  workflowId: string;
  channel: string;
}

export interface ListenerOptions {
  databaseUrl: string;
  sessions: SalesforceSessions;
  temporal: TemporalClient;
  log: Logger;
  apiVersion: string;
  /** How long received events wait for company before one INSERT (default 50 ms). */
  batchMs?: number;
  batchMax?: number;
  /** At most one nudge per this interval per mapping (leading edge plus one trailing; default 200 ms). */
  signalIntervalMs?: number;
  /** Called once when the listener stops for any reason other than stop(). */
  onStopped?: (reason: string) => void;
}

export interface StreamListener {
  readonly sub: Subscription;
  /** Events staged by this listener. */
  staged(): number;
  /** Graceful: stages what is buffered, then releases the lock. */
  stop(): Promise<void>;
  /** A crash, for tests: drops the buffer and the connections without staging anything. */
  kill(): void;
}

type FayeClient = ReturnType<Connection['streaming']['createClient']>;
interface EventMessage { event?: { replayId?: number } }

const AUTH_REFUSED = /invalid_grant|invalid_client|authentication failure|INVALID_LOGIN/i;
const INVALID_REPLAY = /replayId .* (was|is) invalid|invalid replay/i;

/** Takes the mapping's lock and starts listening; null when another session holds the lock. */
export async function startStreamListener(sub: Subscription, opts: ListenerOptions): Promise<StreamListener | null> {
  const log = opts.log.child({ component: 'stream-listener', mapping: sub.mappingId });
  const pg = new PgClient({ connectionString: opts.databaseUrl, application_name: 'ferry-stream-listener' });
  pg.on('error', () => undefined);
  await pg.connect();
  const locked = await pg.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LISTENER_LOCK_CLASS, sub.mappingId]);
  if (!locked.rows[0].ok) {
    await pg.end().catch(() => undefined);
    return null;
  }
  const batchMs = opts.batchMs ?? 50;
  const batchMax = opts.batchMax ?? 2_000;
  const signalIntervalMs = opts.signalIntervalMs ?? 200;
  const { rows } = await pg.query<{ r: string | null }>(
    `SELECT GREATEST((SELECT max(replay_id) FROM ferry.stream_events WHERE mapping_id = $1 AND channel = $2),
                     (SELECT replay_id FROM ferry.stream_state WHERE mapping_id = $1 AND channel = $2))::text AS r`,
    [sub.mappingId, sub.channel]);
  let lastReplayId = rows[0].r === null ? -1 : Number(rows[0].r);

  let client: FayeClient | null = null;
  let buffer: { replayId: number; payload: unknown }[] = [];
  let flushTimer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();
  let stagedCount = 0;
  let stopped = false;
  let lastSignalMs = 0;
  let trailing: NodeJS.Timeout | null = null;
  let renewedAtMs = 0;

  const halt = (reason: string) => {
    if (stopped) return;
    stopped = true;
    if (flushTimer) clearTimeout(flushTimer);
    if (trailing) clearTimeout(trailing);
    client?.disconnect();
    client = null;
    void pg.end().catch(() => undefined);
    log.info({ reason }, 'stream listener stopped');
    opts.onStopped?.(reason);
  };
  pg.on('end', () => halt('its Postgres session ended'));

  const signal = () => {
    const send = () => {
      lastSignalMs = Date.now();
      opts.temporal.workflow.getHandle(sub.workflowId).signal(streamEventsSignal).catch((err: Error) => {
        log.warn({ err: err.message }, 'could not signal the mapping workflow');
      });
    };
    if (trailing) return;
    const wait = lastSignalMs + signalIntervalMs - Date.now();
    if (wait <= 0) send();
    else trailing = setTimeout(() => {
      trailing = null;
      send();
    }, wait);
  };

  const report = async (column: 'catch_up' | 'auth_error', text: string) => {
    await pg.query(`UPDATE ferry.stream_subscriptions SET ${column} = $2 WHERE mapping_id = $1`, [sub.mappingId, text]);
    signal();
  };

  const flush = () => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    if (buffer.length === 0) return writing;
    const batch = buffer;
    buffer = [];
    writing = writing.then(async () => {
      if (stopped && batch.length === 0) return;
      await pg.query(
        `INSERT INTO ferry.stream_events (mapping_id, channel, replay_id, payload)
         SELECT $1, $2, r, p FROM unnest($3::bigint[], $4::jsonb[]) AS u(r, p) ON CONFLICT DO NOTHING`,
        [sub.mappingId, sub.channel, batch.map((e) => e.replayId), batch.map((e) => JSON.stringify(e.payload))]);
      stagedCount += batch.length;
      signal();
    }).catch((err: Error) => halt(`staging failed: ${err.message}`));
    return writing;
  };

  const received = (message: EventMessage) => {
    const replayId = Number(message.event?.replayId);
    if (stopped || !Number.isFinite(replayId) || replayId <= lastReplayId) return;
    lastReplayId = replayId;
    replay.setReplay(String(replayId));
    buffer.push({ replayId, payload: message });
    if (buffer.length >= batchMax) void flush();
    else flushTimer ??= setTimeout(() => void flush(), batchMs);
  };

  // Faye re-subscribes after a server-side drop with whatever this extension holds: keep it at the newest id.
  const replay = new StreamingExtension.Replay(sub.channel, lastReplayId);

  /** Subscribes; `catchUpReason` is what the workflow is told when this subscription starts from new events only. */
  const connect = async (catchUpReason = `subscribed to ${sub.channel} for new events: polled the window before it`): Promise<void> => {
    const session = await opts.sessions.get();
    const conn = new Connection({ instanceUrl: session.instanceUrl, accessToken: session.accessToken, version: opts.apiVersion });
    const created = conn.streaming.createClient([replay, new StreamingExtension.AuthFailure((m: unknown) => void authFailed(session.accessToken, m))]);
    client = created;
    const fromNewOnly = lastReplayId === -1;
    try {
      await new Promise<void>((resolve, reject) => created.subscribe(sub.channel, (m: EventMessage) => received(m)).then(resolve, reject));
    } catch (err) {
      created.disconnect();
      if (client === created) client = null;
      const text = errorText(err);
      if (INVALID_REPLAY.test(text) && lastReplayId !== -1) {
        log.warn({ replayId: lastReplayId }, 'stored replay id no longer retained; resuming from new events');
        const expired = lastReplayId;
        lastReplayId = -1;
        replay.setReplay('-1');
        await connect(`replay id ${expired} is no longer retained on ${sub.channel}: polled the uncovered window, then streamed new events`);
        return;
      }
      throw new Error(`subscribe to ${sub.channel} failed: ${text}`);
    }
    if (fromNewOnly) await report('catch_up', catchUpReason);
    log.info({ channel: sub.channel, replayId: lastReplayId }, 'streaming');
  };

  const authFailed = async (staleToken: string, message: unknown) => {
    if (stopped) return;
    client?.disconnect();
    client = null;
    const reason = failureReason(message);
    // A session renewed moments ago and refused again: the org denies this user the handshake.
    if (Date.now() - renewedAtMs < 30_000) {
      await report('auth_error', `handshake denied: ${reason}`).catch(() => undefined);
      halt('handshake denied');
      return;
    }
    try {
      renewedAtMs = Date.now();
      await opts.sessions.renew(staleToken);
      log.info('stream session renewed after an auth failure');
      await connect();
    } catch (err) {
      await report('auth_error', `re-authentication failed: ${errorText(err)}`).catch(() => undefined);
      halt('re-authentication failed');
    }
  };

  try {
    await connect();
  } catch (err) {
    // The org refuses ferry's login: nothing will stream until the credentials are fixed (the mapping halts).
    if (AUTH_REFUSED.test(`${(err as { errorCode?: string }).errorCode ?? ''} ${errorText(err)}`)) {
      await report('auth_error', `login refused: ${errorText(err)}`).catch(() => undefined);
    }
    halt(errorText(err));
    throw err;
  }

  return {
    sub,
    staged: () => stagedCount,
    stop: async () => {
      if (stopped) return;
      client?.disconnect();
      client = null;
      await flush();
      await writing;
      halt('stopped');
    },
    kill: () => {
      buffer = [];
      halt('killed');
    },
  };
}

function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err !== null && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

function failureReason(message: unknown): string {
  const m = message as { error?: string; ext?: { sfdc?: { failureReason?: string } } } | undefined;
  return m?.ext?.sfdc?.failureReason ?? m?.error ?? 'authentication invalid';
}
