// A one-shot workflow an operator (or the test suite) runs to prove the whole path works:
// client → Temporal → worker → activity → Postgres → back.
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const { describePostgres } = proxyActivities<Activities>({ startToCloseTimeout: '30 seconds', retry: { maximumAttempts: 3 } });

export interface DiagnosticsResult {
  postgres: Awaited<ReturnType<Activities['describePostgres']>>;
}

export async function diagnosticsWorkflow(): Promise<DiagnosticsResult> {
  return { postgres: await describePostgres() };
}
