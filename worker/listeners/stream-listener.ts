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
// poll of the window it did not cover — also when faye re-subscribes by itself after the org dropped the stream
// before any event arrived, and when such a re-subscription is refused because the held id expired meanwhile
// (the listener then subscribes again itself). An auth failure re-creates the client with a renewed session (faye
// keeps the token it was created with); if the fresh session is refused too, the handshake is denied: the
// reason is recorded and the workflow halts the mapping as UNAUTHORIZED.
import type { Client as TemporalClient } from '@temporalio/client';
import { Connection } from 'jsforce';
import { StreamingExtension } from 'jsforce/api/streaming';
import type { Logger } from '../../infra/logger';
import { streamEventsSignal } from '../../workflows/mapping/messages';
import { errorText, isLoginRefused } from '../../salesforce/errors';
import type { SalesforceSessions } from '../../salesforce/session';
import { hasStagedEvents, reportOnSubscription, resumeReplayId, stageEvents } from '../../store/stream-state';
import { Debouncer } from './debounce';
import { openLockedSession } from './locked-session';

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
interface BayeuxMeta { channel: string; successful?: boolean; error?: string; ext?: { replay?: Record<string, unknown> } }

const INVALID_REPLAY = /replayId .* (was|is) invalid|invalid replay/i;

/** Takes the mapping's lock and starts listening; null when another session holds the lock. */
export async function startStreamListener(sub: Subscription, opts: ListenerOptions): Promise<StreamListener | null> {
  const log = opts.log.child({ component: 'stream-listener', mapping: sub.mappingId });
  const pg = await openLockedSession(opts.databaseUrl, 'ferry-stream-listener', [LISTENER_LOCK_CLASS, sub.mappingId]);
  if (!pg) return null;
  const batchMs = opts.batchMs ?? 50;
  const batchMax = opts.batchMax ?? 2_000;
  const signalIntervalMs = opts.signalIntervalMs ?? 200;
  let lastReplayId = await resumeReplayId(pg, sub.mappingId, sub.channel);

  let client: FayeClient | null = null;
  let buffer: { replayId: number; payload: unknown }[] = [];
  let flushTimer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();
  let stagedCount = 0;
  let stopped = false;
  let renewedAtMs = 0;

  const nudges = new Debouncer<string>(signalIntervalMs, (workflowId) => {
    opts.temporal.workflow.getHandle(workflowId).signal(streamEventsSignal).catch((err: Error) => {
      log.warn({ err: err.message }, 'could not signal the mapping workflow');
    });
  });
  const signal = () => nudges.notify(sub.workflowId);

  const halt = (reason: string) => {
    if (stopped) return;
    stopped = true;
    if (flushTimer) clearTimeout(flushTimer);
    nudges.stop();
    client?.disconnect();
    client = null;
    void pg.end().catch(() => undefined);
    log.info({ reason }, 'stream listener stopped');
    opts.onStopped?.(reason);
  };
  pg.on('end', () => halt('its Postgres session ended'));

  const report = async (column: 'catch_up' | 'auth_error', text: string) => {
    await reportOnSubscription(pg, sub.mappingId, column, text);
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
      await stageEvents(pg, sub.mappingId, sub.channel, batch);
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
    // The watcher comes after the Replay extension, so it sees the replay id each subscribe carries.
    const created: FayeClient = conn.streaming.createClient([
      replay, resubscriptionWatcher(() => created), new StreamingExtension.AuthFailure((m: unknown) => void authFailed(session.accessToken, m)),
    ]);
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

  /**
   * faye handshakes and re-subscribes by itself when the org forgets its client (a dropped stream: the next
   * /meta/connect answers `403::Unknown client`), sending the replay id the Replay extension holds. Two outcomes
   * need the listener: a re-subscription for new events only (-1: no event had arrived yet) skipped whatever was
   * published while the stream was away, so the workflow must poll that window; and a re-subscription the org
   * refuses (the held id expired meanwhile) leaves faye connected to nothing, so the listener subscribes again
   * itself, from new events with a catch-up poll when the id is no longer retained.
   */
  const resubscriptionWatcher = (owner: () => FayeClient) => {
    let subscribes = 0;
    let sentReplayId = lastReplayId;
    return {
      outgoing: (message: BayeuxMeta, callback: (m: BayeuxMeta) => void) => {
        if (message.channel === '/meta/subscribe') sentReplayId = Number(message.ext?.replay?.[sub.channel] ?? -1);
        callback(message);
      },
      incoming: (message: BayeuxMeta, callback: (m: BayeuxMeta) => void) => {
        // Each client subscribes to the one channel; its first reply is connect()'s to handle.
        if (message.channel === '/meta/subscribe' && ++subscribes > 1) void resubscribed(owner(), message, sentReplayId);
        callback(message);
      },
    };
  };

  const resubscribed = async (resubscriber: FayeClient, reply: BayeuxMeta, sentReplayId: number): Promise<void> => {
    if (stopped || client !== resubscriber) return;
    try {
      if (reply.successful) {
        log.info({ channel: sub.channel, replayId: sentReplayId }, 'stream re-subscribed after the org dropped it');
        if (sentReplayId === -1) {
          await report('catch_up', `the stream on ${sub.channel} was dropped before its first event and re-subscribed for new events: polled the window it did not cover`);
        }
        return;
      }
      resubscriber.disconnect();
      client = null;
      const text = reply.error ?? 'refused';
      if (INVALID_REPLAY.test(text) && lastReplayId !== -1) {
        log.warn({ replayId: lastReplayId }, 'replay id expired while the stream was dropped; resuming from new events');
        const expired = lastReplayId;
        lastReplayId = -1;
        replay.setReplay('-1');
        await connect(`replay id ${expired} expired on ${sub.channel} while the stream was dropped: polled the uncovered window, then streamed new events`);
        return;
      }
      log.warn({ channel: sub.channel, err: text }, 're-subscription refused; subscribing again');
      await connect();
    } catch (err) {
      halt(`re-subscribing to ${sub.channel} failed: ${errorText(err)}`);
    }
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
    // Events staged by a listener that died before its nudge went out (a worker killed mid-burst) would wait
    // for the next event otherwise: the workflow learns of them now.
    if (await hasStagedEvents(pg, sub.mappingId)) signal();
  } catch (err) {
    // The org refuses ferry's login: nothing will stream until the credentials are fixed (the mapping halts).
    if (isLoginRefused(err)) {
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

function failureReason(message: unknown): string {
  const m = message as { error?: string; ext?: { sfdc?: { failureReason?: string } } } | undefined;
  return m?.ext?.sfdc?.failureReason ?? m?.error ?? 'authentication invalid';
}
