// Bundles ferry's workflow code into one file: `tsx worker/bundle-workflows.ts <out.js>`. The worker runs it
// in a short-lived child process so that webpack's memory never stays in the long-running worker, and the
// container image runs it at build time (FERRY_WORKFLOW_BUNDLE then points the worker at the result).
// Webpack's report is logged at debug level only: warnings and errors still show.
import { writeFileSync } from 'node:fs';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createLogger } from '../infra/logger';
import { temporalLogger } from '../infra/temporal-logger';
import { WORKFLOW_INTERCEPTOR_MODULES, WORKFLOWS_PATH } from './create-worker';

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: tsx worker/bundle-workflows.ts <out.js>');
  const log = createLogger('ferry-bundler', process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace' ? process.env.LOG_LEVEL : 'warn');
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: temporalLogger(log, 'TRACE') });
  writeFileSync(out, code);
  log.info({ out, bytes: code.length }, 'workflow bundle written');
}

main().catch((err: unknown) => {
  process.stderr.write(`ferry: bundling workflows failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
