// Trigger-log housekeeping on a real Postgres: processed entries move to _trigger_log_archive after the
// retention period (queued and FAILED ones stay), and the archive — and FAILED entries nobody acted on —
// are pruned after 31 days.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARCHIVE_AFTER_MS, archiveTriggerLog, PRUNE_AFTER_MS } from '../../store/trigger-log-archive';
import { createCaptureDatabase } from '../support/capture';
import type { TestDatabase } from '../support/services';

describe('trigger-log archive', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createCaptureDatabase('outarchive');
  });
  afterAll(async () => db?.drop());

  const states = async (table: string) => (await db.pool.query<{ state: string; n: number }>(
    `SELECT state, count(*)::int AS n FROM salesforce.${table} GROUP BY state ORDER BY state`)).rows;

  it('moves processed entries after the retention period and prunes after 31 days', async () => {
    const day = 24 * 3600_000;
    const now = Date.now();
    const at = (msAgo: number) => new Date(now - msAgo);
    const rows: [string, string, Date][] = [
      ['SUCCESS', 'account', at(2 * day)], ['SUCCESS', 'account', at(3600_000)], ['FAILED', 'account', at(2 * day)],
      ['NEW', 'account', at(2 * day)], ['IGNORED', 'account', at(2 * day)], ['SUCCESS', 'contact', at(2 * day)],
      ['SUCCESS', 'account', at(40 * day)], ['FAILED', 'account', at(40 * day)],
    ];
    for (const [state, table, updated] of rows) {
      await db.pool.query("INSERT INTO salesforce._trigger_log (state, action, table_name, record_id, updated_at) VALUES ($1, 'UPDATE', $2, 1, $3)", [state, table, updated]);
    }
    const r = await archiveTriggerLog(db.pool, 'salesforce', 'account', now, ARCHIVE_AFTER_MS, PRUNE_AFTER_MS);
    // Archived: the two-day-old SUCCESS and IGNORED, and the 40-day-old SUCCESS (then pruned from the archive
    // with the 40-day-old FAILED entry). Kept: the recent SUCCESS, the queued entry, the recent FAILED, and
    // the other table's entry.
    expect(r).toEqual({ archived: 3, pruned: 2 });
    expect(await states('_trigger_log')).toEqual([{ state: 'FAILED', n: 1 }, { state: 'NEW', n: 1 }, { state: 'SUCCESS', n: 2 }]);
    expect(await states('_trigger_log_archive')).toEqual([{ state: 'IGNORED', n: 1 }, { state: 'SUCCESS', n: 1 }]);
    const contact = await db.pool.query("SELECT count(*)::int AS n FROM salesforce._trigger_log WHERE table_name = 'contact'");
    expect(contact.rows[0].n).toBe(1);
    // Idempotent: nothing more to move.
    expect(await archiveTriggerLog(db.pool, 'salesforce', 'account', now)).toEqual({ archived: 0, pruned: 0 });
  });
});
