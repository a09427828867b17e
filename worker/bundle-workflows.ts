// Bundles ferry's workflow code into one file: `tsx worker/bundle-workflows.ts <out.js>`. The worker runs it
// in a short-lived child process so that webpack's memory never stays in the long-running worker.
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from './create-worker';

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: tsx worker/bundle-workflows.ts <out.js>');
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: undefined });
  writeFileSync(out, code);
}

main().catch((err: unknown) => {
  process.stderr.write(`ferry: bundling workflows failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
