// The worker's one LISTEN connection for outbound work (not one per mapping): the capture triggers'
// pg_notify('ferry_outbound', '<schema>.<table>') arrives here at commit, and the mapping's workflow gets an
// outboundPendingSignal — at most one per mapping per `debounceMs` (leading edge, plus one trailing signal
// if more writes came in meanwhile), so a burst of 100,000 inserts costs a handful of signals, not 100,000.
//
// Only one worker per database listens (a session advisory lock); the others retry the lock, so a killed
// worker's role passes on within `lockRetryMs`. On taking the role the listener signals every read_write
// mapping once: writes committed while nobody listened are not lost, only flushed a little later.
import type { Client as TemporalClient } from '@temporalio/client';
import { Client as PgClient } from 'pg';
import { OUTBOUND_CHANNEL } from '../../domain/outbound-trigger-sql';
import type { Logger } from '../../infra/logger';
import { outboundPendingSignal } from '../../workflows/mapping/messages';

const LISTENER_LOCK = 0x66657272_6f75; // 'ferr' 'ou'

export interface OutboundListenerOptions {
  databaseUrl: string;
  temporal: TemporalClient;
  log: Logger;
  debounceMs?: number;
  lockRetryMs?: number;
}

export interface OutboundListener {
  /** Signals sent so far (tests and metrics). */
  signalsSent(): number;
  /** Whether this process holds the listener role now. */
  active(): boolean;
  stop(): Promise<void>;
}

interface Debounce {
  lastSentMs: number;
  trailing: NodeJS.Timeout | null;
}

export function startOutboundListener(opts: OutboundListenerOptions): OutboundListener {
  const debounceMs = opts.debounceMs ?? 1000;
  const lockRetryMs = opts.lockRetryMs ?? 5000;
  const log = opts.log.child({ component: 'outbound-listener' });
  const workflows = new Map<string, string>();
  const debounce = new Map<string, Debounce>();
  let client: PgClient | null = null;
  let holding = false;
  let stopped = false;
  let sent = 0;
  let retry: NodeJS.Timeout | null = null;

  const lookup = async (mappingId: string): Promise<string | undefined> => {
    if (!workflows.has(mappingId) && client) {
      const { rows } = await client.query<{ workflow_id: string }>("SELECT workflow_id FROM ferry.outbound_mapping WHERE mapping_id = $1 AND access = 'read_write'", [mappingId]);
      if (rows[0]) workflows.set(mappingId, rows[0].workflow_id);
    }
    return workflows.get(mappingId);
  };

  const signal = async (mappingId: string): Promise<void> => {
    try {
      const workflowId = await lookup(mappingId);
      if (!workflowId) return;
      await opts.temporal.workflow.getHandle(workflowId).signal(outboundPendingSignal);
      sent += 1;
    } catch (err) {
      // The workflow may have been replaced (new id) or be between runs: look it up again next time.
      workflows.delete(mappingId);
      log.warn({ mappingId, err: (err as Error).message }, 'could not signal the mapping workflow');
    }
  };

  const notified = (mappingId: string): void => {
    const now = Date.now();
    const d = debounce.get(mappingId) ?? { lastSentMs: 0, trailing: null };
    debounce.set(mappingId, d);
    if (d.trailing) return;
    const wait = d.lastSentMs + debounceMs - now;
    if (wait <= 0) {
      d.lastSentMs = now;
      void signal(mappingId);
      return;
    }
    d.trailing = setTimeout(() => {
      d.trailing = null;
      d.lastSentMs = Date.now();
      void signal(mappingId);
    }, wait);
  };

  const scheduleRetry = () => {
    if (stopped || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, lockRetryMs);
  };

  const connect = async (): Promise<void> => {
    const c = new PgClient({ connectionString: opts.databaseUrl, application_name: 'ferry-outbound-listener' });
    c.on('error', () => undefined);
    try {
      await c.connect();
      const { rows } = await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1) AS ok', [LISTENER_LOCK]);
      if (!rows[0].ok || stopped) {
        await c.end();
        scheduleRetry();
        return;
      }
      client = c;
      holding = true;
      c.on('notification', (n) => {
        if (n.channel === OUTBOUND_CHANNEL && n.payload) notified(n.payload);
      });
      c.on('end', () => {
        if (client === c) {
          client = null;
          holding = false;
          scheduleRetry();
        }
      });
      await c.query(`LISTEN ${OUTBOUND_CHANNEL}`);
      log.info('listening for outbound writes');
      const all = await c.query<{ mapping_id: string }>("SELECT mapping_id FROM ferry.outbound_mapping WHERE access = 'read_write'");
      for (const r of all.rows) notified(r.mapping_id);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'outbound listener could not connect; retrying');
      if (client === c) {
        client = null;
        holding = false;
      }
      await c.end().catch(() => undefined);
      scheduleRetry();
    }
  };

  void connect();
  return {
    signalsSent: () => sent,
    active: () => holding,
    stop: async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      for (const d of debounce.values()) if (d.trailing) clearTimeout(d.trailing);
      const c = client;
      client = null;
      holding = false;
      await c?.end().catch(() => undefined);
    },
  };
}
