// One long-lived workflow per mapping. It loops: ask the machine for the next step, run that step's
// activity, feed the outcome back, and sleep until the next poll or an earlier message. It continues as new
// before its history grows large, carrying a small versioned state.
import {
  ActivityFailure, ApplicationFailure, allHandlersFinished, condition, continueAsNew, patched, proxyActivities,
  setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { applyConfigPatch } from '../../domain/mapping-patch';
import type { MappingConfig } from '../../domain/mapping-rules';
import { FERRY_STATE } from '../../infra/search-attributes';
import { initialState, MappingMachine, upgrade, type CarriedState, type Step } from './machine';
import {
  outboundPendingSignal, pauseUpdate, reconfigureUpdate, reloadUpdate, resumeUpdate, statusQuery, streamEventsSignal, syncNowUpdate, wakeSignal,
  type MappingStatus,
} from './messages';
import { markPending, MAX_SIGNALS_PER_RUN } from './outbound';
import { StatusPublisher, waitSummary } from './publish';

export interface MappingWorkflowInput {
  mappingId: string;
  config: MappingConfig;
  /** Present after continue-as-new. */
  carried?: CarriedState;
  /** Tests set this to exercise continue-as-new without a long history. */
  continueAsNewAfterSteps?: number;
  /** How soon a silent load or poll is presumed dead and retried on another worker (default 2 minutes). */
  heartbeatTimeoutMs?: number;
  /** Records per Bulk 2.0 results page (default BULK_PAGE_RECORDS); smaller pages checkpoint more often. */
  bulkPageRecords?: number;
}

// Activities grouped by kind of work: metadata calls are short; polls and loads heartbeat a checkpoint.
const quick = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 8 },
});

function longActivities(heartbeatTimeoutMs = 120_000) {
  return {
    polls: proxyActivities<Activities>({
      startToCloseTimeout: '30 minutes',
      heartbeatTimeout: heartbeatTimeoutMs,
      retry: { initialInterval: '1 second', maximumInterval: '2 minutes', maximumAttempts: 8 },
    }),
    flushes: proxyActivities<Activities>({
      startToCloseTimeout: '30 minutes',
      heartbeatTimeout: heartbeatTimeoutMs,
      retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 20 },
    }),
    loads: proxyActivities<Activities>({
      startToCloseTimeout: '24 hours',
      heartbeatTimeout: heartbeatTimeoutMs,
      retry: { initialInterval: '1 second', maximumInterval: '2 minutes', maximumAttempts: 20 },
    }),
  };
}

export async function mappingWorkflow(input: MappingWorkflowInput): Promise<never> {
  const m = new MappingMachine(input.carried ? upgrade(input.carried) : initialState(input.config));
  let woken = false;
  const wake = (): void => {
    woken = true;
  };

  setHandler(statusQuery, () => status(input.mappingId, m));
  setHandler(reconfigureUpdate, (patch) => {
    m.reconfigure(applyConfigPatch(m.s.config, patch));
    wake();
    return m.s.config;
  }, { validator: (patch) => void applyConfigPatch(m.s.config, patch) });
  setHandler(pauseUpdate, () => (m.pause(), wake(), status(input.mappingId, m)));
  setHandler(resumeUpdate, () => (m.resume(), wake(), status(input.mappingId, m)));
  setHandler(syncNowUpdate, () => (m.syncNow(), wake(), status(input.mappingId, m)));
  setHandler(reloadUpdate, () => (m.reload(), wake(), status(input.mappingId, m)), {
    validator: () => {
      if (m.s.watermarkMs === null) throw new Error('The initial load has not completed yet; there is nothing to reload');
    },
  });
  setHandler(wakeSignal, wake);
  // Histories recorded before outbound sync replay without it; every new run has it.
  m.outboundEnabled = patched('outbound-sync');
  let signals = 0;
  setHandler(outboundPendingSignal, () => {
    signals += 1;
    m.lastSignalAtMs = Date.now();
    markPending(m.outbound, Date.now());
    wake();
  });
  setHandler(streamEventsSignal, () => {
    signals += 1;
    m.stream.pending = true;
    wake();
  });
  // A new run cannot know whether events were staged while no run listened: apply once.
  if (m.stream.registered !== null) m.stream.pending = true;
  // A new run cannot know whether writes were captured while no run listened: look once.
  if (m.outboundEnabled && m.outbound.installedAccess === 'read_write') markPending(m.outbound, Date.now());

  let shownState = m.s.state;
  const showState = () => {
    if (m.s.state !== shownState) {
      shownState = m.s.state;
      upsertSearchAttributes([{ key: FERRY_STATE, value: m.s.state }]);
    }
  };
  showState();
  // Runs recorded before the console publish nothing (their histories replay unchanged).
  const publisher = new StatusPublisher(patched('publish-status'));

  const long = longActivities(input.heartbeatTimeoutMs);
  let steps = 0;
  for (;;) {
    const now = Date.now();
    const step = m.nextStep(now);
    if (step.kind === 'wait') {
      woken = false;
      showState();
      if (shouldContinueAsNew(steps, input.continueAsNewAfterSteps) || signals >= MAX_SIGNALS_PER_RUN) break;
      await publisher.publish(status(input.mappingId, m));
      const timeout = step.untilMs === null ? undefined : Math.max(step.untilMs - Date.now(), 1);
      if (publisher.enabled && timeout !== undefined) await condition(() => woken, timeout, { summary: waitSummary(m, step) });
      else await condition(() => woken, timeout);
      continue;
    }
    steps += 1;
    m.begin(step);
    showState();
    await runStep(m, input, step, long);
    showState();
    await publisher.publish(status(input.mappingId, m));
    // A continuous stream (or an outbound backlog, flushed back to back) keeps the loop busy and never
    // reaches a wait: continue as new from here too (only after stream applies and flushes, steps older
    // histories never contain, so they replay unchanged).
    if ((step.kind === 'stream-apply' || step.kind === 'flush') && (shouldContinueAsNew(steps, input.continueAsNewAfterSteps) || signals >= MAX_SIGNALS_PER_RUN)) break;
  }
  await condition(allHandlersFinished);
  return continueAsNew<typeof mappingWorkflow>({ ...input, carried: m.s });
}

function shouldContinueAsNew(steps: number, testLimit?: number): boolean {
  return workflowInfo().continueAsNewSuggested || (testLimit !== undefined && steps >= testLimit);
}

async function runStep(m: MappingMachine, input: MappingWorkflowInput, step: Step, { polls, loads, flushes }: ReturnType<typeof longActivities>): Promise<void> {
  const ref = { mappingId: input.mappingId, config: m.s.config };
  try {
    switch (step.kind) {
      case 'prepare': {
        const r = await quick.prepareMapping(ref);
        m.apiUsage(r.apiCallsInWindow, Date.now());
        m.prepared(r.table, r.fields);
        break;
      }
      case 'load': {
        const r = await loads.loadObject({ ...ref, table: m.s.table!, fields: m.s.fields, target: step.target, pageRecords: input.bulkPageRecords });
        if (step.target === 'reload') await quick.swapReloadedTable({ ...ref, table: m.s.table! });
        m.apiUsage(r.apiCallsInWindow, Date.now());
        m.loaded(step.target, r, Date.now());
        break;
      }
      case 'poll': {
        const r = await polls.pollChanges({ ...ref, table: m.s.table!, fields: m.s.fields, fromMs: m.s.watermarkMs! });
        m.apiUsage(r.apiCallsInWindow, Date.now());
        m.polled(r, Date.now());
        break;
      }
      case 'set-access': {
        const access = m.s.config.access;
        await quick.setAccessMode({ ...ref, table: m.s.table!, workflowId: workflowInfo().workflowId });
        m.accessSet(access, Date.now());
        break;
      }
      case 'flush': {
        const startedAtMs = Date.now();
        const r = await flushes.flushOutbound({ ...ref, table: m.s.table!, fields: m.s.fields, archive: step.archive });
        m.apiUsage(r.apiCallsInWindow, Date.now());
        m.flushed({ ...r, archived: step.archive }, startedAtMs, m.lastSignalAtMs, Date.now());
        break;
      }
      case 'stream-register': {
        const key = m.desiredStream();
        const r = await quick.registerStream({ ...ref, table: m.s.table!, fields: m.s.fields, workflowId: workflowInfo().workflowId, enabled: step.enabled });
        if (r.apiCallsInWindow !== null) m.apiUsage(r.apiCallsInWindow, Date.now());
        m.streamRegistered(step.enabled ? key : null, r.channel);
        break;
      }
      case 'stream-apply': {
        // Consumed now: a nudge that arrives while the step runs sets it again.
        m.stream.pending = false;
        const r = await polls.applyStreamEvents({ ...ref, table: m.s.table!, fields: m.s.fields });
        if (r.apiCallsInWindow !== null) m.apiUsage(r.apiCallsInWindow, Date.now());
        m.streamApplied(r, Date.now());
        break;
      }
      case 'purge-sweep': {
        const from = m.s.lastPurgeSweepMs ?? m.s.watermarkMs!;
        const r = await quick.syncPurgedDeletes({ ...ref, table: m.s.table!, fromMs: from - 60_000 });
        m.apiUsage(r.apiCallsInWindow, Date.now());
        m.swept(r, Date.now());
        break;
      }
    }
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    if (cause instanceof ApplicationFailure) {
      const details = cause.details?.[0] as { retryAtMs?: number } | undefined;
      m.failed(cause.type ?? 'Error', cause.message, Date.now(), details?.retryAtMs);
    } else {
      m.failed('Error', err instanceof Error ? err.message : String(err), Date.now());
    }
  }
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function status(mappingId: string, m: MappingMachine): MappingStatus {
  const s = m.s;
  return {
    mappingId,
    objectName: s.config.objectName,
    state: s.state,
    paused: s.paused,
    config: s.config,
    table: s.table,
    watermark: iso(s.watermarkMs),
    lastPollAt: iso(s.lastPollAtMs),
    lastPurgeSweepAt: iso(s.lastPurgeSweepMs),
    nextPollAt: s.watermarkMs === null || m.halted ? null : iso(Math.max(m.nextPollAtMs(), s.lastPollAtMs ?? 0)),
    lastLoad: s.lastLoad && { mode: s.lastLoad.mode, rows: s.lastLoad.rows, finishedAt: iso(s.lastLoad.finishedAtMs)! },
    counts: s.counts,
    lastError: s.lastError && { type: s.lastError.type, message: s.lastError.message, at: iso(s.lastError.atMs)! },
    retryAt: iso(s.retryAtMs),
    apiCalls: { usedInWindow: s.apiCallsInWindow, asOf: iso(s.apiCallsAsOfMs), cap: s.config.maxDailyApiCalls },
    outbound: {
      access: m.outbound.installedAccess,
      pending: m.outbound.pending,
      nextFlushAt: iso(m.flushDueAtMs()),
      lastFlushAt: iso(m.outbound.lastFlushAtMs),
      flushes: m.outbound.flushes,
      sent: m.outbound.sent,
      failed: m.outbound.failed,
    },
    streaming: {
      channel: m.stream.channel,
      applies: m.stream.applies,
      events: m.stream.events,
      lastAppliedAt: iso(m.stream.lastAppliedAtMs),
      fallbacks: m.stream.fallbacks,
      lastFallback: m.stream.lastFallback && { reason: m.stream.lastFallback.reason, at: iso(m.stream.lastFallback.atMs)! },
    },
  };
}
