// Event-driven sync beside outbound sync and auth trouble: the echo of ferry's own writes arrives as events and
// neither duplicates a row, flips a pending local change back, nor is captured again; a listener whose login the
// org refuses moves the mapping to UNAUTHORIZED with the reason, and a resume with working credentials streams again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStreamSupervisor } from '../../worker/listeners/stream-supervisor';
import { SalesforceSessions } from '../../salesforce/session';
import { resumeUpdate } from '../../workflows/mapping/messages';
import { credentialsFor, eventually } from '../support/org';
import type { Handle } from '../support/mappings';
import { testLogger } from '../support/services';
import { ACCOUNT_FIELDS, status, streamingFixture, waitForStatus, type StreamingFixture } from './streaming-fixture';

const FIELDS = ACCOUNT_FIELDS;
const MAPPING = 'salesforce.account';

let fx: StreamingFixture;
let handle: Handle;
beforeAll(async () => {
  fx = await streamingFixture('stream_echo', { Account: 200 });
  handle = await fx.start('Account', ['Id', ...FIELDS.map((f) => f.name), 'IsDeleted'], { access: 'read_write', flush_interval_seconds: 1 });
  await waitForStatus(handle, 'capture installed', (s) => s.outbound?.access === 'read_write');
});
afterAll(async () => {
  await fx?.close();
});

async function logEntries(id: number): Promise<{ action: string; state: string }[]> {
  const { rows } = await fx.db.pool.query<{ action: string; state: string }>(
    "SELECT action, state FROM salesforce._trigger_log WHERE table_name = 'account' AND record_id = $1 ORDER BY id", [id]);
  return rows;
}

describe('the echo of ferry\'s own writes on the stream', () => {
  it('an inserted row gets its sfid once: no duplicate row, no second capture', async () => {
    const { rows } = await fx.db.pool.query<{ id: number }>("INSERT INTO salesforce.account (name, phone) VALUES ('From the app', '555-0001') RETURNING id");
    const id = rows[0].id;
    const row = await eventually('the insert synced', async () => {
      const r = (await fx.db.pool.query('SELECT sfid, _hc_lastop FROM salesforce.account WHERE id = $1', [id])).rows[0] as { sfid: string | null; _hc_lastop: string };
      return r.sfid && r._hc_lastop === 'SYNCED' ? r : undefined;
    }, 30_000, 50);
    // Let the echo (a PushTopic 'created' event) be applied.
    await eventually('the echo applied', async () => ((await status(handle)).streaming!.events > 0 ? true : undefined), 15_000, 50);
    await new Promise((r) => setTimeout(r, 1_000));
    const same = await fx.db.pool.query('SELECT id, _hc_lastop FROM salesforce.account WHERE sfid = $1', [row.sfid]);
    expect(same.rows).toEqual([{ id, _hc_lastop: 'SYNCED' }]);
    expect(await logEntries(id)).toEqual([{ action: 'INSERT', state: 'SUCCESS' }]);
    await fx.converged('Account', MAPPING, FIELDS);
  });

  it('local updates in quick succession end as the last one on both sides, each captured once', async () => {
    const { rows } = await fx.db.pool.query<{ id: number; sfid: string }>('SELECT id, sfid FROM salesforce.account WHERE sfid IS NOT NULL ORDER BY id LIMIT 1 OFFSET 5');
    const target = rows[0];
    for (let i = 1; i <= 5; i += 1) {
      await fx.db.pool.query('UPDATE salesforce.account SET phone = $2 WHERE id = $1', [target.id, `555-100${i}`]);
      await new Promise((r) => setTimeout(r, 300));
    }
    await eventually('the last update in the org', async () => {
      const rec = await fx.conn.sobject('Account').retrieve(target.sfid) as { Phone?: string };
      return rec.Phone === '555-1005' ? true : undefined;
    }, 30_000, 100);
    await new Promise((r) => setTimeout(r, 1_500));
    const row = (await fx.db.pool.query('SELECT phone, _hc_lastop FROM salesforce.account WHERE id = $1', [target.id])).rows[0];
    expect(row).toEqual({ phone: '555-1005', _hc_lastop: 'SYNCED' });
    const entries = await logEntries(target.id);
    expect(entries.length).toBe(5);
    expect(entries.every((e) => e.action === 'UPDATE')).toBe(true);
    await fx.converged('Account', MAPPING, FIELDS);
  });
});

describe('auth trouble on the stream', () => {
  it('moves the mapping to UNAUTHORIZED when the org refuses the listener\'s login, and streams again after resume', async () => {
    await fx.supervisor!.stop();
    const bad = startStreamSupervisor({
      databaseUrl: fx.db.url, sessions: new SalesforceSessions({ ...credentialsFor(fx.org), password: 'wrong-password' }),
      temporal: fx.temporal.client, log: testLogger, apiVersion: '62.0', reconcileMs: 250, retryMs: 250,
    });
    try {
      const s = await waitForStatus(handle, 'UNAUTHORIZED', (x) => x.state === 'UNAUTHORIZED', 30_000);
      expect(s.lastError?.type).toBe('Unauthorized');
      expect(s.lastError?.message).toMatch(/Streaming: login refused: .*authentication failure/);
    } finally {
      await bad.stop();
    }
    fx.startSupervisor();
    await handle.executeUpdate(resumeUpdate);
    await waitForStatus(handle, 'streaming again', (x) => x.state === 'STREAMING' && fx.supervisor!.listening().includes(MAPPING), 60_000);
    const created = await fx.conn.sobject('Account').create({ Name: 'After the fix' });
    if (!created.success) throw new Error('not created');
    await eventually('the new record streamed', async () => {
      const r = await fx.db.pool.query('SELECT 1 FROM salesforce.account WHERE sfid = $1', [created.id]);
      return r.rowCount ? true : undefined;
    }, 15_000, 50);
    await fx.converged('Account', MAPPING, FIELDS);
  });
});
