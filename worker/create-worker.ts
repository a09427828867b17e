// Builds a ferry worker: the workflows bundle plus activities bound to their dependencies.
// worker/main.ts runs it as a process; integration tests create one in-process against the same servers.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { activityJournal } from './activity-journal';

// A file path (not require.resolve) so the same code works under tsx, vitest and compiled output.
export const WORKFLOWS_PATH = ['index.ts', 'index.js'].map((f) => join(__dirname, '../workflows', f)).find((p) => existsSync(p)) ?? join(__dirname, '../workflows');
/** Names each scheduled activity in ferry's words for the Temporal UI (bundled with the workflows). */
export const WORKFLOW_INTERCEPTOR_MODULES = [['activity-summaries.ts', 'activity-summaries.js'].map((f) => join(__dirname, '../workflows/mapping', f)).find((p) => existsSync(p)) ?? join(__dirname, '../workflows/mapping/activity-summaries')];

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  deps: ActivityDeps;
  /** Tests set 0 to replay every workflow task, surfacing non-determinism at once. */
  maxCachedWorkflows?: number;
  /** Tests fail a workflow on a determinism error; production keeps retrying the task until a fixed worker deploys. */
  failOnNondeterminism?: boolean;
  /** A prebuilt workflow bundle (see bundle-workflows.ts); without it the worker bundles in-process. */
  workflowBundlePath?: string;
  /** The worker's identity in Temporal (task-queue pollers, workflow histories); the SDK's pid@host by default. */
  identity?: string;
  /** After shutdown is requested, how long running activities may finish before they are cancelled (SDK default 0). */
  shutdownGraceTimeMs?: number;
}

/** Builds the workflow bundle in a child process (webpack's memory goes away with it) and returns its path. */
export function buildWorkflowBundle(): string {
  const out = join(tmpdir(), `ferry-workflows-${process.pid}.js`);
  execFileSync(join(__dirname, '../node_modules/.bin/tsx'), [join(__dirname, 'bundle-workflows.ts'), out], { stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

export function createFerryWorker(opts: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.identity ? { identity: opts.identity } : {}),
    ...(opts.shutdownGraceTimeMs !== undefined ? { shutdownGraceTime: opts.shutdownGraceTimeMs } : {}),
    ...(opts.workflowBundlePath ? { workflowBundle: { codePath: opts.workflowBundlePath } } : { workflowsPath: WORKFLOWS_PATH }),
    activities: createActivities(opts.deps),
    // Every mapping activity attempt is journaled in ferry.mapping_activity (the console's chart and problems).
    interceptors: {
      activity: [activityJournal(opts.deps.pool, opts.deps.log)],
      ...(opts.workflowBundlePath ? {} : { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }),
    },
    maxCachedWorkflows: opts.maxCachedWorkflows,
    // A non-deterministic change fails the workflow task loudly instead of retrying it forever.
    workflowFailureErrorTypes: opts.failOnNondeterminism ? { '*': ['NondeterminismError', 'DeterminismViolationError'] } : undefined,
  });
}
