// How a mapping workflow makes its status readable without a query per mapping: it publishes the same object
// its `status` query answers to ferry.mapping_status (a local activity, only when it changed), and shows a
// one-line summary in the Temporal UI (current details). The console, GET /mappings and /metrics read every
// mapping's status in one SQL statement from there. Workflow-safe: no I/O here but the local activity.
import { patched, proxyActivities, proxyLocalActivities, setCurrentDetails, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { MappingMachine, Step } from './machine';
import type { MappingStatus } from './messages';

const local = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 2, initialInterval: '1 second' },
});
// Runs started since 'publish-status-activity' publish through an ordinary activity: a local activity's marker
// raced updates arriving in the same workflow task (the SDK core failed the task with "Attempted to check for
// LA marker handling in invalid state MarkerCommandCreated" under a stream of sync-now updates).
const remote = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { maximumAttempts: 2, initialInterval: '1 second' },
});

/** What the Temporal UI shows for the mapping (current details, Temporal markdown). */
export function detailsOf(s: MappingStatus): string {
  const c = s.config;
  const lines = [
    `**${s.objectName}** → \`${s.mappingId}\`: ${s.state}${s.paused ? ' (paused)' : ''}`,
    `config: ${c.access}, ${c.syncMode === 'event_driven' ? `event-driven (${c.streamingSource})` : `polling every ${c.pollIntervalSeconds} s`}, ${c.fields.length} fields, cap ${c.maxDailyApiCalls ?? 'none'}`,
  ];
  if (s.lastLoad) lines.push(`last load: ${s.lastLoad.rows} rows (${s.lastLoad.mode}) at ${s.lastLoad.finishedAt}`);
  if (s.lastPollAt) lines.push(`last poll: ${s.lastPollAt}`);
  if (s.outbound?.lastFlushAt) lines.push(`last flush: ${s.outbound.lastFlushAt} (${s.outbound.sent} sent, ${s.outbound.failed} failed)`);
  const v = s.verify?.last;
  if (v) lines.push(`last verify: ${v.at}, ${v.buckets} buckets (${v.bucketsDiffering} differed), ${v.missing} missing / ${v.stale} stale / ${v.extra} extra, ${v.repaired} repaired, ${v.apiCalls} API calls`);
  if (s.lastError) lines.push(`problem: ${s.lastError.type}: ${s.lastError.message}`);
  return lines.join('\n');
}

/** The name of the timer a waiting mapping sleeps on, for the Temporal UI's timeline. */
export function waitSummary(m: MappingMachine, step: Extract<Step, { kind: 'wait' }>): string {
  if (m.status().paused) return 'paused';
  if (m.halted) return `retry after ${m.state}`;
  if (step.untilMs !== null && step.untilMs === m.flushDueAtMs()) return 'flush timer';
  return 'poll sleep';
}

export class StatusPublisher {
  private last = '';

  private readonly asActivity: boolean;

  constructor(readonly enabled: boolean) {
    this.asActivity = enabled && patched('publish-status-activity');
  }

  /** Publishes the status when it changed since the last publish; never fails the workflow. */
  async publish(status: MappingStatus): Promise<void> {
    if (!this.enabled) return;
    const json = JSON.stringify(status);
    if (json === this.last) return;
    this.last = json;
    setCurrentDetails(detailsOf(status));
    try {
      const publish = this.asActivity ? remote.publishMappingStatus : local.publishMappingStatus;
      await publish({ workflowId: workflowInfo().workflowId, status });
    } catch {
      this.last = ''; // try again at the next change or wait
    }
  }
}
