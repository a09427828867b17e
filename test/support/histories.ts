// Recording workflow histories for the replay tests (test/replay). With FERRY_RECORD_HISTORIES=1 the
// integration tests that call this save every run of the named workflow under test/histories/; otherwise
// it does nothing. See test/histories/README.md. Histories are exported with the Temporal CLI
// (`temporal workflow show --output json`), whose JSON is what historyFromJSON reads back.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { findTemporalCli } from '../../scripts/runtime/temporal';
import { services } from './services';

export const HISTORIES_DIR = join(__dirname, '../histories');

export async function recordHistories(client: Client, workflowId: string, scenario: string): Promise<void> {
  if (process.env.FERRY_RECORD_HISTORIES !== '1') return;
  mkdirSync(HISTORIES_DIR, { recursive: true });
  const runs: { runId: string; start: number }[] = [];
  for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push({ runId: run.runId, start: run.startTime.getTime() });
  runs.sort((a, b) => a.start - b.start);
  runs.forEach((run, i) => {
    const json = execFileSync(findTemporalCli(), [
      'workflow', 'show', '--workflow-id', workflowId, '--run-id', run.runId, '--address', services().temporalAddress, '--output', 'json',
    ], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    writeFileSync(join(HISTORIES_DIR, `${scenario}.run${i + 1}.json`), `${JSON.stringify({ workflowId, history: JSON.parse(json) })}\n`);
  });
}
