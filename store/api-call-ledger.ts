// The durable per-mapping API-call ledger (ferry.api_call_ledger): every Salesforce call is reserved here
// before it is made, so a mapping's rolling 24 h cap holds across retries, crashes and restarts.
import type { Pool } from '../infra/db';

/** Thrown when a call may not be made now; the workflow waits until `retryAtMs` and shows why. */
export class ApiBudgetExhausted extends Error {
  constructor(readonly mapping: string, readonly used: number, readonly cap: number, readonly retryAtMs: number) {
    super(`API budget of ${cap} calls per 24 h for ${mapping} is spent (${used} used); more calls free up at ${new Date(retryAtMs).toISOString()}`);
    this.name = 'ApiBudgetExhausted';
  }
}

export async function reserveApiCalls(pool: Pool, mapping: string, calls: number, cap: number | null, nowMs = Date.now()): Promise<number> {
  const { rows } = await pool.query<{ ok: boolean; used: string; retry_at: Date | null }>(
    'SELECT ok, used, retry_at FROM ferry.reserve_api_calls($1, $2, $3, $4)',
    [mapping, calls, cap, new Date(nowMs)],
  );
  const r = rows[0];
  if (!r.ok) throw new ApiBudgetExhausted(mapping, Number(r.used), cap!, r.retry_at!.getTime());
  return Number(r.used);
}

/** Calls reserved for a mapping in the rolling window ending at nowMs. */
export async function apiCallsInWindow(pool: Pool, mapping: string, nowMs = Date.now()): Promise<number> {
  const { rows } = await pool.query<{ used: string }>(
    `SELECT coalesce(sum(calls), 0) AS used FROM ferry.api_call_ledger
      WHERE mapping = $1 AND minute > $2::timestamptz - interval '24 hours' - interval '1 minute'`,
    [mapping, new Date(nowMs)],
  );
  return Number(rows[0].used);
}
