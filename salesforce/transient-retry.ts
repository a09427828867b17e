// One idempotent request repeated after a short wait when it failed transiently (a 5xx, a dropped connection),
// so that a single bad answer — one Bulk job-status check among dozens — does not fail the whole activity it is
// part of. Anything else (a limit, a refusal, a spent budget) is thrown at once. Each try is a new request,
// counted by the metered connection like any other.
import { isTransientFailure } from './errors';

/** Waits before each repeat: 0.5 s doubling, five repeats (about 15 s in all). */
export const TRANSIENT_RETRY_DELAYS_MS = [500, 1_000, 2_000, 4_000, 8_000];

export async function retryTransient<T>(request: () => Promise<T>, delaysMs: readonly number[] = TRANSIENT_RETRY_DELAYS_MS): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (err) {
      if (attempt >= delaysMs.length || !isTransientFailure(err)) throw err;
      await new Promise((r) => setTimeout(r, delaysMs[attempt]));
    }
  }
}
