// Runs in every worker process: reconciles this process's streaming listeners with ferry.stream_subscriptions
// every `reconcileMs`. A listener is started for each subscription this process can lock (see stream-listener:
// one advisory lock per mapping, so with several workers exactly one listens and the others take over when it
// dies), restarted when its subscription is re-registered (channel or fields changed), and stopped when the
// subscription goes away or reports a denied handshake (the mapping is then UNAUTHORIZED until re-registered).
import type { Client as TemporalClient } from '@temporalio/client';
import { Pool } from 'pg';
import type { Logger } from '../../infra/logger';
import type { SalesforceSessions } from '../../salesforce/session';
import { listActiveSubscriptions, type SubscriptionRow as Row } from '../../store/stream-state';
import { startPubSubListener, type PubSubListenerOptions } from './pubsub-listener';
import { startStreamListener, type StreamListener } from './stream-listener';

export interface SupervisorOptions {
  databaseUrl: string;
  sessions: SalesforceSessions;
  temporal: TemporalClient;
  log: Logger;
  apiVersion: string;
  reconcileMs?: number;
  /** Wait before retrying a listener that failed to start (default 5 s). */
  retryMs?: number;
  listener?: Pick<PubSubListenerOptions, 'batchMs' | 'batchMax' | 'signalIntervalMs' | 'maxBuffered' | 'maxBacklog'>;
}

export interface StreamSupervisor {
  /** Mapping ids this process listens for now. */
  listening(): string[];
  /** Simulates a listener crash (tests): its buffer is lost; the next reconcile starts it again. */
  killListener(mappingId: string): boolean;
  /** Reconciles at once (tests; also used on start). */
  reconcile(): Promise<void>;
  stop(): Promise<void>;
}


export function startStreamSupervisor(opts: SupervisorOptions): StreamSupervisor {
  const log = opts.log.child({ component: 'stream-supervisor' });
  const pool = new Pool({ connectionString: opts.databaseUrl, max: 1, application_name: 'ferry-stream-supervisor' });
  pool.on('error', () => undefined);
  const reconcileMs = opts.reconcileMs ?? 1_000;
  const retryMs = opts.retryMs ?? 5_000;
  const running = new Map<string, { listener: StreamListener; generation: string }>();
  const starting = new Set<string>();
  const retryAt = new Map<string, number>();
  let stopped = false;
  let inFlight: Promise<void> | null = null;

  const start = async (row: Row): Promise<void> => {
    starting.add(row.mapping_id);
    // Declared first: a listener that fails while starting reports onStopped before startStreamListener returns.
    let listener: StreamListener | null = null;
    try {
      // CDC over the Pub/Sub API has its own listener; PushTopic and CDC over CometD share the faye one.
      const startListener = row.source === 'pubsub' ? startPubSubListener : startStreamListener;
      listener = await startListener(
        { mappingId: row.mapping_id, workflowId: row.workflow_id, channel: row.channel },
        {
          ...opts.listener, databaseUrl: opts.databaseUrl, sessions: opts.sessions, temporal: opts.temporal, log: opts.log, apiVersion: opts.apiVersion,
          pubsubUrl: opts.sessions.credentials.pubsubUrl,
          onStopped: (reason) => {
            if (listener && running.get(row.mapping_id)?.listener === listener) running.delete(row.mapping_id);
            if (reason !== 'stopped' && reason !== 'killed') retryAt.set(row.mapping_id, Date.now() + retryMs);
          },
        });
      if (!listener) return; // another worker listens for this mapping
      if (stopped) {
        await listener.stop();
        return;
      }
      running.set(row.mapping_id, { listener, generation: row.generation });
    } catch (err) {
      retryAt.set(row.mapping_id, Date.now() + retryMs);
      log.warn({ mapping: row.mapping_id, err: (err as Error).message }, 'stream listener did not start; retrying');
    } finally {
      starting.delete(row.mapping_id);
    }
  };

  const reconcileOnce = async (): Promise<void> => {
    const rows = await listActiveSubscriptions(pool);
    const wanted = new Map(rows.map((r) => [r.mapping_id, r]));
    for (const [id, r] of running) {
      const row = wanted.get(id);
      if (!row || row.generation !== r.generation) {
        running.delete(id);
        await r.listener.stop();
      }
    }
    const now = Date.now();
    const starts: Promise<void>[] = [];
    for (const row of rows) {
      if (running.has(row.mapping_id) || starting.has(row.mapping_id)) continue;
      if ((retryAt.get(row.mapping_id) ?? 0) > now) continue;
      starts.push(start(row));
    }
    await Promise.all(starts);
  };

  const reconcile = (): Promise<void> => {
    inFlight ??= reconcileOnce()
      .catch((err: Error) => log.warn({ err: err.message }, 'stream reconcile failed'))
      .finally(() => (inFlight = null));
    return inFlight;
  };

  const timer = setInterval(() => {
    if (!stopped) void reconcile();
  }, reconcileMs);
  void reconcile();

  return {
    listening: () => [...running.keys()],
    killListener: (mappingId) => {
      const r = running.get(mappingId);
      if (!r) return false;
      running.delete(mappingId);
      r.listener.kill();
      return true;
    },
    reconcile,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await inFlight;
      const all = [...running.values()];
      running.clear();
      await Promise.all(all.map((r) => r.listener.stop()));
      await pool.end().catch(() => undefined);
    },
  };
}
