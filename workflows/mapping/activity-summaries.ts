// A workflow interceptor that names every activity a mapping workflow schedules in ferry's words ("poll
// salesforce.account", "load salesforce.account (reload)", "flush outbound writes …"), so the Temporal UI's
// timeline reads as the mapping's story. The summary is user metadata on the command: it changes nothing the
// workflow decides, and histories recorded without it replay unchanged (test/replay).
import type { WorkflowInterceptorsFactory } from '@temporalio/workflow';

const WORDS: Record<string, string> = {
  prepareMapping: 'prepare the table for', loadObject: 'load', pollChanges: 'poll', flushOutbound: 'flush outbound writes of',
  setAccessMode: 'install write capture on', registerStream: 'subscribe to the stream of', applyStreamEvents: 'apply streamed changes to',
  syncPurgedDeletes: 'sweep purged deletes of', swapReloadedTable: 'swap in the reloaded table of',
  verifyMapping: 'verify against the org (drift detection and repair)',
};

/** "poll salesforce.account"; a load says which table it fills. Pure. */
export function activitySummary(activityType: string, firstArg: unknown): string {
  const a = (typeof firstArg === 'object' && firstArg !== null ? firstArg : {}) as { mappingId?: unknown; target?: unknown };
  const mapping = typeof a.mappingId === 'string' ? ` ${a.mappingId}` : '';
  const target = activityType === 'loadObject' && typeof a.target === 'string' ? ` (${a.target === 'reload' ? 'reload, beside the live table' : 'live table'})` : '';
  return `${WORDS[activityType] ?? activityType}${mapping}${target}`;
}

export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [{
    scheduleActivity(input, next) {
      if (input.options.summary !== undefined) return next(input);
      return next({ ...input, options: { ...input.options, summary: activitySummary(input.activityType, input.args[0]) } });
    },
  }],
});
