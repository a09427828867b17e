// ferry's own writes to a mapping's table (loads, polls, streamed changes, purged deletes, write-back, capture
// installs) run in a transaction marked as the sync writer: the capture triggers neither mark nor log them,
// so nothing ferry wrote from Salesforce is sent back to it.
import { SET_SYNC_WRITER } from '../domain/outbound-trigger-sql';
import { withTransaction, type Pool, type PoolClient } from '../infra/db';

/**
 * Runs fn in one transaction marked as ferry's own write. `settings` are more `SET LOCAL …` statements sent
 * in the same round trip.
 */
export function withSyncWriter<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>, settings: readonly string[] = []): Promise<T> {
  return withTransaction(pool, async (client) => {
    await client.query([SET_SYNC_WRITER, ...settings].join('; '));
    return fn(client);
  });
}
