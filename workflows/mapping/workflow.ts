// One long-lived workflow per mapping. It loops: ask the machine (machine.ts) for the next step, run that
// step's activity with the input the machine gave, hand the outcome back, and sleep until the next poll or an
// earlier message. It continues as new before its history grows large, carrying a small versioned state, and
// completes when the mapping is deleted (after its teardown step).
import {
  ActivityFailure, ApplicationFailure, allHandlersFinished, condition, continueAsNew, patched, proxyActivities,
  setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { TeardownResult } from '../../activities/teardown-mapping';
import type { MappingConfig } from '../../domain/mapping-rules';
import { FERRY_STATE } from '../../infra/search-attributes';
import { MappingMachine, type ActivityStep, type CarriedState, type StepFailure, type StepOutcome, type StepResults } from './machine';
import {
  deleteUpdate, outboundPendingSignal, pauseUpdate, reconfigureUpdate, reloadUpdate, resumeUpdate, statusQuery, streamEventsSignal,
  syncNowUpdate, verifyUpdate, wakeSignal,
} from './messages';
import { MAX_SIGNALS_PER_RUN } from './outbound';
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

/**
 * Runs with visible retries try polls, flushes, sweeps and stream applies twice only (one quick retry absorbs a
 * blip, a killed worker's heartbeat timeout); a step that still fails comes back to the machine, which shows the
 * error and retries that step after its own backoff while the other steps go on (machine.ts, retryLater).
 */
function retriedBesideActivities(heartbeatTimeoutMs = 120_000) {
  const retry = { initialInterval: '1 second', maximumInterval: '5 seconds', maximumAttempts: 2 } as const;
  return {
    polls: proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: heartbeatTimeoutMs, retry }),
    flushes: proxyActivities<Activities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: heartbeatTimeoutMs, retry }),
    sweeps: proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry }),
  };
}

type Runners = { [K in ActivityStep['kind']]: (input: Extract<ActivityStep, { kind: K }>['input']) => Promise<StepResults[K]> };

/** Which activity runs each step, under which timeouts. */
function runners({ polls, loads, flushes }: ReturnType<typeof longActivities>, beside?: ReturnType<typeof retriedBesideActivities>): Runners {
  return {
    prepare: quick.prepareMapping,
    load: loads.loadObject,
    poll: (beside?.polls ?? polls).pollChanges,
    'purge-sweep': (beside?.sweeps ?? quick).syncPurgedDeletes,
    'set-access': quick.setAccessMode,
    flush: (beside?.flushes ?? flushes).flushOutbound,
    'stream-register': quick.registerStream,
    'stream-apply': (beside?.polls ?? polls).applyStreamEvents,
    teardown: quick.teardownMapping,
    'filter-change': loads.applyFilterChange,
    'formula-refresh': polls.refreshFormulas,
    verify: loads.verifyMapping,
  };
}

export async function mappingWorkflow(input: MappingWorkflowInput): Promise<TeardownResult> {
  // Histories recorded before outbound sync (or before pausing stopped the streaming listener) replay without it.
  const outboundEnabled = patched('outbound-sync');
  const pauseStreams = patched('pause-stream-listeners');
  // Runs from before these retried failing steps in Temporal, unseen, and lifted a budget halt only by time.
  const visibleRetries = patched('visible-retries');
  const liftBudget = patched('lift-budget-halt');
  // Histories recorded before record filters and formula refreshes replay without their steps.
  const filtersAndFormulas = patched('record-filters-formula-refresh');
  // Histories recorded before drift verification replay without its step.
  const verifyEnabled = patched('verify-drift');
  const m = MappingMachine.startRun(input.config, input.carried, {
    mappingId: input.mappingId, workflowId: workflowInfo().workflowId, bulkPageRecords: input.bulkPageRecords, outboundEnabled, pauseStreams,
    visibleRetries, liftBudget, filtersAndFormulas, verifyEnabled,
  }, Date.now());
  let woken = false;
  const wake = (): void => {
    woken = true;
  };

  setHandler(statusQuery, () => m.status());
  // The patch was validated by the API and by this validator; the handler applies what the validator accepted.
  setHandler(reconfigureUpdate, (patch) => {
    const config = m.reconfigure(patch);
    wake();
    return config;
  }, { validator: (patch) => void m.checkReconfigure(patch) });
  setHandler(pauseUpdate, () => (m.pause(), wake(), m.status()));
  setHandler(resumeUpdate, () => (m.resume(), wake(), m.status()));
  setHandler(syncNowUpdate, () => (m.syncNow(), wake(), m.status()));
  setHandler(reloadUpdate, () => (m.reload(), wake(), m.status()), { validator: () => m.checkReload() });
  setHandler(verifyUpdate, () => (m.requestVerify(), wake(), m.status()), { validator: () => m.checkVerify() });
  setHandler(deleteUpdate, async ({ dropTable }) => {
    m.requestDeletion(dropTable);
    wake();
    await condition(() => m.deleted !== null);
    return m.deleted!;
  }, {
    validator: (options) => {
      if (typeof options?.dropTable !== 'boolean') throw new Error('dropTable must be true or false');
    },
  });
  setHandler(wakeSignal, wake);
  let signals = 0;
  setHandler(outboundPendingSignal, (pending) => {
    signals += 1;
    m.outboundSignalled(Date.now(), pending?.fullBatch === true);
    wake();
  });
  setHandler(streamEventsSignal, () => {
    signals += 1;
    m.streamEventsSignalled();
    wake();
  });

  let shownState = m.state;
  const showState = () => {
    if (m.state !== shownState) {
      shownState = m.state;
      upsertSearchAttributes([{ key: FERRY_STATE, value: m.state }]);
    }
  };
  showState();
  // Runs recorded before the console publish nothing (their histories replay unchanged).
  const publisher = new StatusPublisher(patched('publish-status'));

  const run = runners(longActivities(input.heartbeatTimeoutMs), visibleRetries ? retriedBesideActivities(input.heartbeatTimeoutMs) : undefined);
  let steps = 0;
  while (m.deleted === null) {
    // Updates answer before the loop acts on them: their completion then comes first in the history whether
    // this task runs live or is replayed (the update and the wake-up may reach a replay in other activations).
    await condition(() => allHandlersFinished() || m.deletionRequested);
    const now = Date.now();
    const step = m.nextStep(now);
    if (step.kind === 'wait') {
      woken = false;
      showState();
      if (shouldContinueAsNew(steps, input.continueAsNewAfterSteps) || signals >= MAX_SIGNALS_PER_RUN) break;
      await publisher.publish(m.status());
      const timeout = step.untilMs === null ? undefined : Math.max(step.untilMs - Date.now(), 1);
      if (publisher.enabled && timeout !== undefined) await condition(() => woken, timeout, { summary: waitSummary(m, step) });
      else await condition(() => woken, timeout);
      continue;
    }
    steps += 1;
    m.begin(step);
    showState();
    m.apply(step, await runStep(step, run), Date.now());
    showState();
    // A deleted mapping completes at once (the API forgets what it published); any other step is published.
    if (m.deleted === null) await publisher.publish(m.status());
    // A continuous stream (or an outbound backlog, flushed back to back) keeps the loop busy and never
    // reaches a wait: continue as new from here too (only after stream applies and flushes, steps older
    // histories never contain, so they replay unchanged).
    if ((step.kind === 'stream-apply' || step.kind === 'flush') && (shouldContinueAsNew(steps, input.continueAsNewAfterSteps) || signals >= MAX_SIGNALS_PER_RUN)) break;
  }
  await condition(allHandlersFinished);
  const deleted = m.deleted;
  if (deleted !== null) return deleted;
  return continueAsNew<typeof mappingWorkflow>({ ...input, carried: m.carry() });
}

function shouldContinueAsNew(steps: number, testLimit?: number): boolean {
  return workflowInfo().continueAsNewSuggested || (testLimit !== undefined && steps >= testLimit);
}

/** Runs the step's activity; a failure comes back as the outcome, classified at the activity boundary. */
async function runStep<S extends ActivityStep>(step: S, run: Runners): Promise<StepOutcome<S>> {
  try {
    const result = await (run[step.kind] as (input: S['input']) => Promise<StepResults[S['kind']]>)(step.input);
    // A reload's table is swapped in by the load itself; runs recorded before that still ran this (a no-op since).
    if (step.kind === 'load' && step.input.target === 'reload' && !patched('reload-swaps-in-load')) {
      await quick.swapReloadedTable({ mappingId: step.input.mappingId, config: step.input.config, table: step.input.table });
    }
    return { ok: true, result };
  } catch (err) {
    return { ok: false, failure: failureOf(err) };
  }
}

function failureOf(err: unknown): StepFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as { retryAtMs?: number } | undefined;
    return { type: cause.type ?? 'Error', message: cause.message, retryAtMs: details?.retryAtMs };
  }
  return { type: 'Error', message: err instanceof Error ? err.message : String(err) };
}
