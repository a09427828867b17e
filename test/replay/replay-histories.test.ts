// Replays committed histories of representative mapping runs with the current workflow code: a change that
// would break running workflows (non-determinism) fails here, in CI, before it reaches a worker.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from '../../worker/create-worker';
import { HISTORIES_DIR } from '../support/histories';

const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();

// Histories stay in their JSON form: runReplayHistory parses it itself.
function load(file: string) {
  return JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')) as { workflowId: string; history: { events?: { eventType?: string }[] } };
}

function eventTypes(file: string): Set<string> {
  return new Set((load(file).history.events ?? []).map((e) => String(e.eventType)));
}

describe('committed workflow histories', () => {
  let workflowBundle: WorkflowBundle;
  beforeAll(async () => {
    // Bundled as the worker bundles it: with the interceptor that names activities.
    workflowBundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: undefined });
  });

  it('cover the representative scenarios', () => {
    const scenarios = new Set(files.map((f) => f.split('.')[0]));
    for (const s of ['initial-load-and-polls', 'reconfigure-reload-continue-as-new', 'bad-config', 'api-budget-exhausted', 'resume-after-worker-kill', 'delete-read-write-streaming']) {
      expect(scenarios).toContain(s);
    }
    // At least one run ended by continuing as new (EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW = 46).
    expect(files.some((f) => [...eventTypes(f)].some((t) => t === '46' || t.includes('CONTINUED_AS_NEW')))).toBe(true);
  });

  it.each(files)('%s replays with the current workflow code', async (file) => {
    const { workflowId, history } = load(file);
    await Worker.runReplayHistory({ workflowBundle, replayName: file }, history, workflowId);
  });
});
