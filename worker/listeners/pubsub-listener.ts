// One mapping's Change Data Capture listener over the Pub/Sub API (streaming_source "pubsub"), run by the
// worker's supervisor beside the CometD listener (stream-listener.ts), with the same ownership (a session
// advisory lock on its own Postgres connection) and the same staging table, so the mapping's apply step
// applies both alike.
//
//   Subscribe ─FetchResponse─► decode (Avro, schema per id) ─► buffer ─► one INSERT into ferry.stream_events
//       ▲                                                                     └─► streamEventsSignal
//       └── FetchRequest(num_requested) only while the buffer has room: Postgres sets the pace, never memory
//
// Replay ids are opaque bytes: each staged event keeps its bytes (replay_bytes) under a local sequence number
// (replay_id, which orders the mapping's events), and the apply step stores the bytes of what it applied in
// ferry.stream_state in the same transaction. A restart resumes after the newest staged or applied event with
// CUSTOM; without one, or when Salesforce refuses the id (expired, invalid), it subscribes from LATEST and the
// workflow polls the window streaming did not cover. ferry's own writes (changeOrigin client=ferry-<mapping>)
// are staged as bare markers that only move the resume point: the row is already in Postgres.
//
// Failures: an expired session is renewed once (a second refusal halts the mapping as UNAUTHORIZED); a topic
// that does not exist (CDC not enabled for the object) or an event that cannot be decoded is recorded as the
// subscription's source_error and halts the mapping with that message (BAD_CONFIG) — nothing is skipped;
// anything else (a dropped stream, the service unavailable) resubscribes with backoff from the last event.
import { decodeChangeEvent, echoClientName, isEcho } from '../../salesforce/pubsub/cdc-decode';
import { MAX_NUM_REQUESTED, PubSubClient, PubSubError, SALESFORCE_PUBSUB_URL, type FetchResponse } from '../../salesforce/pubsub/client';
import { appliedReplayId, hasStagedEvents, pubsubResumePoint, reportOnSubscription, stagePubSubEvents } from '../../store/stream-state';
import { streamEventsSignal } from '../../workflows/mapping/messages';
import { openLockedSession } from './locked-session';
import { LISTENER_LOCK_CLASS, type ListenerOptions, type StreamListener, type Subscription } from './stream-listener';

/** The staging key of a Pub/Sub topic: kept apart from CometD's replay ids on the same /data channel. */
export function pubsubStagingChannel(topic: string): string {
  return `pubsub:${topic}`;
}

export interface PubSubListenerOptions extends ListenerOptions {
  /** https://api.pubsub.salesforce.com:7443 unless set (the emulator's is http://host:port). */
  pubsubUrl?: string;
  /** Events held in memory before staging; no FetchRequest is sent while the buffer is full (default 2,000). */
  maxBuffered?: number;
  /** Staged events not yet applied beyond which no more are requested until the apply step halves them (default 50,000). */
  maxBacklog?: number;
}

interface Staged { seq: number; bytes: Buffer; payload: unknown }

export async function startPubSubListener(sub: Subscription, opts: PubSubListenerOptions): Promise<StreamListener | null> {
  const log = opts.log.child({ component: 'pubsub-listener', mapping: sub.mappingId });
  const channel = pubsubStagingChannel(sub.channel);
  const pg = await openLockedSession(opts.databaseUrl, 'ferry-pubsub-listener', [LISTENER_LOCK_CLASS, sub.mappingId]);
  if (!pg) return null;
  const batchMs = opts.batchMs ?? 50;
  const batchMax = opts.batchMax ?? 2_000;
  const maxBuffered = Math.max(opts.maxBuffered ?? 2_000, MAX_NUM_REQUESTED);
  const maxBacklog = opts.maxBacklog ?? 50_000;
  const signalIntervalMs = opts.signalIntervalMs ?? 200;
  const echoClient = echoClientName(sub.mappingId);

  // The resume point: the newest staged event, else the newest applied one (same local sequence).
  const resume = await pubsubResumePoint(pg, sub.mappingId, channel);
  let seq = resume.seq;
  let resumeBytes: Buffer | null = resume.bytes;

  const client = new PubSubClient(opts.pubsubUrl ?? SALESFORCE_PUBSUB_URL, () => opts.sessions.get());
  let stream: Awaited<ReturnType<PubSubClient['subscribe']>>['stream'] | null = null;
  let buffer: Staged[] = [];
  let outstanding = 0;
  /** Events received and not yet decoded into the buffer: they count against its room. */
  let decoding = 0;
  let flushTimer: NodeJS.Timeout | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();
  let handling: Promise<void> = Promise.resolve();
  let stagedCount = 0;
  let stopped = false;
  let lastSignalMs = 0;
  let trailing: NodeJS.Timeout | null = null;
  let renewedAtMs = 0;
  let failures = 0;

  const halt = (reason: string) => {
    if (stopped) return;
    stopped = true;
    for (const t of [flushTimer, trailing, retryTimer, throttle]) if (t) clearTimeout(t);
    stream?.cancel();
    stream = null;
    client.close();
    void pg.end().catch(() => undefined);
    log.info({ reason }, 'pubsub listener stopped');
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

  const report = async (column: 'catch_up' | 'auth_error' | 'source_error', text: string) => {
    await reportOnSubscription(pg, sub.mappingId, column, text);
    signal();
  };

  /**
   * Staged events the mapping has not applied yet (local sequence staged − applied). Past maxBacklog no events
   * are requested until the apply step has taken it below half: Postgres's pace reaches the stream.
   */
  let throttle: NodeJS.Timeout | null = null;
  const backlog = async (): Promise<number> => seq - await appliedReplayId(pg, sub.mappingId, channel);
  const checkBacklog = async (): Promise<void> => {
    if (throttle || (await backlog()) <= maxBacklog) return;
    log.info({ maxBacklog }, 'apply backlog full: no more events requested until it drains');
    const recheck = () => {
      throttle = setTimeout(() => {
        backlog().then((n) => {
          if (stopped) return;
          if (n > maxBacklog / 2) {
            // Keep nudging: a workflow that was paused (or missed a nudge) must learn there is work staged.
            signal();
            return recheck();
          }
          throttle = null;
          request();
        }, (err: Error) => halt(`backlog check failed: ${err.message}`));
      }, 250);
    };
    recheck();
  };

  /** Asks for as many events as the buffer has room for, keeping at most MAX_NUM_REQUESTED outstanding. */
  const request = () => {
    if (!stream || stopped || throttle) return;
    const room = Math.min(MAX_NUM_REQUESTED - outstanding, maxBuffered - buffer.length - decoding - outstanding);
    if (room <= 0) return;
    outstanding += room;
    stream.write({ num_requested: room });
  };

  const flush = (): Promise<void> => {
    if (flushTimer) clearTimeout(flushTimer);
    flushTimer = null;
    if (buffer.length === 0) return writing;
    const batch = buffer;
    buffer = [];
    writing = writing.then(async () => {
      await stagePubSubEvents(pg, sub.mappingId, channel, batch);
      stagedCount += batch.length;
      signal();
      await checkBacklog();
      request();
    }).catch((err: Error) => halt(`staging failed: ${err.message}`));
    return writing;
  };

  /** A response arrived: ask for its worth again at once (room permitting), then decode it in order. */
  const arrived = (response: FetchResponse) => {
    outstanding = Math.max(0, outstanding - response.events.length);
    decoding += response.events.length;
    request();
    handling = handling.then(() => (response.events.length > 0 ? received(response) : keepalive(response)))
      .catch((err: Error) => halt(`event handling failed: ${err.message}`));
  };

  /**
   * A keepalive carries the subscription's latest replay id. When it is past the last event received (events of
   * other topics move it on Salesforce's bus), it is staged as a marker, so a quiet mapping's resume point stays
   * inside the retention window instead of ageing out with its last event.
   */
  const keepalive = async (response: FetchResponse) => {
    const latest = response.latest_replay_id;
    if (!latest || latest.length === 0 || (resumeBytes !== null && latest.equals(resumeBytes)) || buffer.length > 0 || decoding > 0) return;
    seq += 1;
    buffer.push({ seq, bytes: latest, payload: { keepalive: true, event: { replayId: latest.toString('base64') } } });
    resumeBytes = latest;
    await flush();
  };

  const received = async (response: FetchResponse) => {
    for (const e of response.events) {
      decoding -= 1;
      const replayId = e.replay_id.toString('base64');
      let payload: unknown;
      try {
        const schema = await client.schema(e.event.schema_id);
        const json = decodeChangeEvent(schema.type, schema.schema, e.event.schema_id, e.event.payload, replayId);
        payload = isEcho(json.payload.ChangeEventHeader.changeOrigin, echoClient) ? { echo: true, event: { replayId } } : json;
      } catch (err) {
        const text = err instanceof PubSubError ? `schema ${e.event.schema_id}: ${err.message}` : (err as Error).message;
        await flush();
        await report('source_error', `event ${replayId} on ${sub.channel} could not be decoded (${text}); it was not applied and streaming stopped`).catch(() => undefined);
        halt('undecodable event');
        return;
      }
      seq += 1;
      buffer.push({ seq, bytes: e.replay_id, payload });
      resumeBytes = e.replay_id;
    }
    failures = 0;
    if (buffer.length >= batchMax) void flush();
    else if (buffer.length > 0) flushTimer ??= setTimeout(() => void flush(), batchMs);
    request();
  };

  /** Subscribes from the resume point (CUSTOM) or, without one, from LATEST with a catch-up poll. */
  const connect = async (catchUpReason = `subscribed to ${sub.channel} over the Pub/Sub API for new events: polled the window before it`): Promise<void> => {
    if (stopped) return;
    const fromLatest = resumeBytes === null;
    const { stream: s, accessToken } = await client.subscribe();
    // One stream at a time: a stream left open would deliver what it was asked for a second time.
    stream?.cancel();
    stream = s;
    outstanding = 0;
    decoding = 0;
    // Settled by the first response (events or a keepalive), by an error or the end of the stream, or once the
    // topic is known to exist and the server has had a moment to refuse the start (it answers a quiet topic only
    // at its keepalive). Before that a failure is connect()'s to report; after it, streamFailed's.
    let settled = false;
    const opened = new Promise<void>((resolve, reject) => {
      const failed = (error: PubSubError) => {
        if (!settled) {
          settled = true;
          reject(error);
        } else if (stream === s && !stopped) void streamFailed(error, accessToken);
      };
      s.on('data', (response: FetchResponse) => {
        if (stream !== s) return;
        settled = true;
        resolve();
        arrived(response);
      });
      s.on('error', (err) => failed(PubSubError.from(err)));
      // A failed call emits 'error' (its status and trailers); one the server closes cleanly only a status OK.
      s.on('status', (status: { code: number }) => {
        if (status.code === 0) failed(new PubSubError(14, undefined, 'the server ended the stream'));
      });
    });
    s.write({
      topic_name: sub.channel,
      replay_preset: fromLatest ? 'LATEST' : 'CUSTOM',
      ...(fromLatest ? {} : { replay_id: resumeBytes! }),
      num_requested: 0,
    });
    request();
    const quiet = client.getTopic(sub.channel).then(() => new Promise<void>((r) => setTimeout(r, 500)));
    quiet.catch(() => undefined);
    try {
      await Promise.race([opened, quiet]);
    } catch (err) {
      if (stream === s) stream = null;
      s.cancel();
      throw err;
    } finally {
      settled = true;
    }
    // The stream stands: from here its failures start a new resubscription.
    resubscribing = false;
    if (fromLatest) await report('catch_up', catchUpReason);
    log.info({ topic: sub.channel, resumed: !fromLatest }, 'streaming over the Pub/Sub API');
  };

  const subscribeOrFallBack = async (): Promise<void> => {
    try {
      await connect();
    } catch (err) {
      const error = PubSubError.from(err);
      if (error.badReplayId && resumeBytes !== null) {
        log.warn({ error: error.message }, 'stored replay id refused; resuming from new events');
        stream?.cancel();
        stream = null;
        resumeBytes = null;
        await connect(`replay id refused on ${sub.channel} (${error.errorCode ?? error.code}): polled the uncovered window, then streamed new events`);
        return;
      }
      throw error;
    }
  };

  const fatal = async (error: PubSubError, staleToken: string | undefined): Promise<boolean> => {
    if (error.unauthenticated) {
      if (Date.now() - renewedAtMs < 30_000) {
        await report('auth_error', `Pub/Sub API refused the session: ${error.message}`).catch(() => undefined);
        halt('authentication refused');
        return true;
      }
      renewedAtMs = Date.now();
      await opts.sessions.renew(staleToken).catch(() => undefined);
      return false;
    }
    if (error.topicNotFound) {
      await report('source_error', `Pub/Sub topic ${sub.channel} not found: enable Change Data Capture for this object in Setup (or use streaming_source "pushtopic"). ${error.message}`).catch(() => undefined);
      halt('topic not found');
      return true;
    }
    return false;
  };

  /** One resubscription at a time, whichever failure reported it first. */
  let resubscribing = false;
  const streamFailed = async (error: PubSubError, staleToken: string) => {
    if (stopped || resubscribing) return;
    resubscribing = true;
    stream?.cancel();
    stream = null;
    await handling;
    if (await fatal(error, staleToken)) return;
    failures += 1;
    const delay = error.unauthenticated ? 0 : Math.min(500 * 2 ** Math.min(failures - 1, 6), 30_000);
    log.warn({ error: error.message, code: error.errorCode ?? error.code, delay }, 'pubsub stream ended; resubscribing');
    retryTimer = setTimeout(() => {
      retryTimer = null;
      subscribeOrFallBack().then(() => {
        resubscribing = false;
      }, (err) => {
        resubscribing = false;
        void streamFailed(PubSubError.from(err), staleToken);
      });
    }, delay);
  };

  try {
    await subscribeOrFallBack();
  } catch (err) {
    const error = PubSubError.from(err);
    const session = await opts.sessions.get().catch(() => undefined);
    if (error.unauthenticated) {
      // One renewal, then one more try before the mapping is told.
      renewedAtMs = Date.now();
      await opts.sessions.renew(session?.accessToken).catch(() => undefined);
      try {
        await subscribeOrFallBack();
      } catch (again) {
        const e = PubSubError.from(again);
        await fatal(e, undefined);
        halt(e.message);
        throw e;
      }
    } else {
      await fatal(error, session?.accessToken);
      halt(error.message);
      throw error;
    }
  }
  // Events staged by a listener that died before its nudge went out (a worker killed mid-burst) would wait for
  // the next event otherwise: the workflow learns of them now.
  if (await hasStagedEvents(pg, sub.mappingId)) signal();

  return {
    sub,
    staged: () => stagedCount,
    stop: async () => {
      if (stopped) return;
      stream?.cancel();
      stream = null;
      await handling;
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
