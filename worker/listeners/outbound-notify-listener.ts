// The worker's one LISTEN connection for outbound work (not one per mapping): the capture triggers'
// pg_notify('ferry_outbound', '<schema>.<table>') arrives here at commit, and the mapping's workflow gets an
// outboundPendingSignal — at most one per mapping per `debounceMs` (leading edge, plus one trailing signal
// if more writes came in meanwhile), so a burst of 100,000 inserts costs a handful of signals, not 100,000.
//
// A mapping with a whole flush's worth of entries queued (FLUSH_MAX_ENTRIES, counted on this connection when a
// signal goes out) is told so (`fullBatch`), and flushes without waiting out its interval: the interval is
// there to gather writes into one flush, and a full one gathers nothing more by waiting. After such a signal
// the mapping is not counted again for `fullBatchQuietMs`: its flushes then follow one another by themselves.
//
// Only one worker per database listens (a session advisory lock); the others retry the lock, so a killed
// worker's role passes on within `lockRetryMs`. On taking the role the listener signals every read_write
// mapping once: writes committed while nobody listened are not lost, only flushed a little later.
import type { Client as TemporalClient } from '@temporalio/client';
import type { Client as PgClient } from 'pg';
import { OUTBOUND_CHANNEL } from '../../domain/outbound-trigger-sql';
import type { Logger } from '../../infra/logger';
import { outboundPendingSignal } from '../../workflows/mapping/messages';
import { FLUSH_MAX_ENTRIES } from '../../activities/outbound/flush-outbound';
import { listReadWriteMappings, readWriteMapping, type ReadWriteMapping } from '../../store/outbound-mappings';
import { queuedAtLeast } from '../../store/trigger-log-claims';
import { Debouncer } from './debounce';
import { openLockedSession } from './locked-session';

const LISTENER_LOCK = 0x66657272_6f75; // 'ferr' 'ou'

export interface OutboundListenerOptions {
  databaseUrl: string;
  temporal: TemporalClient;
  log: Logger;
  debounceMs?: number;
  lockRetryMs?: number;
  /** Queued entries that make a full batch (a flush's claim); FLUSH_MAX_ENTRIES unless set. */
  fullBatchEntries?: number;
  /** After a fullBatch signal, how long a mapping is not counted again. */
  fullBatchQuietMs?: number;
}

export interface OutboundListener {
  /** Signals sent so far (tests and metrics). */
  signalsSent(): number;
  /** Of them, signals that said a full batch was queued. */
  fullBatchSignalsSent(): number;
  /** Whether this process holds the listener role now. */
  active(): boolean;
  stop(): Promise<void>;
}

export function startOutboundListener(opts: OutboundListenerOptions): OutboundListener {
  const debounceMs = opts.debounceMs ?? 1000;
  const lockRetryMs = opts.lockRetryMs ?? 5000;
  const fullBatchEntries = opts.fullBatchEntries ?? FLUSH_MAX_ENTRIES;
  const fullBatchQuietMs = opts.fullBatchQuietMs ?? 10_000;
  const log = opts.log.child({ component: 'outbound-listener' });
  const workflows = new Map<string, ReadWriteMapping>();
  const lastFullBatchAt = new Map<string, number>();
  let client: PgClient | null = null;
  let holding = false;
  let stopped = false;
  let sent = 0;
  let fullBatches = 0;
  let retry: NodeJS.Timeout | null = null;

  const lookup = async (mappingId: string): Promise<ReadWriteMapping | undefined> => {
    if (!workflows.has(mappingId) && client) {
      const mapping = await readWriteMapping(client, mappingId);
      if (mapping) workflows.set(mappingId, mapping);
    }
    return workflows.get(mappingId);
  };

  /**
   * Whether a full batch waits (counted at most once per quiet period after the last one said so). A count
   * that fails (the table renamed since it was looked up, the connection lost) is no full batch: the signal
   * still goes out, and the mapping is looked up again next time.
   */
  const fullBatchQueued = async (mappingId: string, m: ReadWriteMapping): Promise<boolean> => {
    const c = client;
    if (!c || Date.now() - (lastFullBatchAt.get(mappingId) ?? -Infinity) < fullBatchQuietMs) return false;
    try {
      const full = await queuedAtLeast(c, m.schema, m.table, fullBatchEntries);
      if (full) lastFullBatchAt.set(mappingId, Date.now());
      return full;
    } catch (err) {
      workflows.delete(mappingId);
      log.warn({ mappingId, err: (err as Error).message }, 'could not count the queued writes of a mapping');
      return false;
    }
  };

  const signal = async (mappingId: string): Promise<void> => {
    try {
      const mapping = await lookup(mappingId);
      if (!mapping) return;
      const fullBatch = await fullBatchQueued(mappingId, mapping);
      const handle = opts.temporal.workflow.getHandle(mapping.workflowId);
      await (fullBatch ? handle.signal(outboundPendingSignal, { fullBatch }) : handle.signal(outboundPendingSignal));
      sent += 1;
      if (fullBatch) fullBatches += 1;
    } catch (err) {
      // The workflow may have been replaced (new id) or be between runs: look it up again next time.
      workflows.delete(mappingId);
      log.warn({ mappingId, err: (err as Error).message }, 'could not signal the mapping workflow');
    }
  };

  const debounce = new Debouncer<string>(debounceMs, (mappingId) => void signal(mappingId));
  const notified = (mappingId: string): void => debounce.notify(mappingId);

  const scheduleRetry = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, lockRetryMs);
  };

  const connect = async (): Promise<void> => {
    let c: PgClient | null = null;
    try {
      c = await openLockedSession(opts.databaseUrl, 'ferry-outbound-listener', [LISTENER_LOCK]);
      if (!c || stopped) {
        await c?.end();
        scheduleRetry();
        return;
      }
      const session = c;
      client = session;
      holding = true;
      session.on('notification', (n) => {
        if (n.channel === OUTBOUND_CHANNEL && n.payload) notified(n.payload);
      });
      session.on('end', () => {
        if (client === session) {
          client = null;
          holding = false;
          scheduleRetry();
        }
      });
      await session.query(`LISTEN ${OUTBOUND_CHANNEL}`);
      log.info('listening for outbound writes');
      for (const mappingId of await listReadWriteMappings(session)) notified(mappingId);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'outbound listener could not connect; retrying');
      if (c && client === c) {
        client = null;
        holding = false;
      }
      await c?.end().catch(() => undefined);
      scheduleRetry();
    }
  };

  void connect();
  return {
    signalsSent: () => sent,
    fullBatchSignalsSent: () => fullBatches,
    active: () => holding,
    stop: async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      debounce.stop();
      const c = client;
      client = null;
      holding = false;
      await c?.end().catch(() => undefined);
    },
  };
}
