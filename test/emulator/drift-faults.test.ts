// The emulator's drift faults and its Id-range index, through jsforce and the admin API: a fraction of change
// events is never published and a fraction of poll rows (queries filtered on SystemModstamp) is left out,
// the same ones under the same seed, none of other queries; Id ranges (and ORs of them) return exactly the
// records in range; purge removes a record from queryAll.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCore, type CoreFixture } from './core-fixture';

let fx: CoreFixture;
let ids: string[];
beforeAll(async () => {
  fx = await startCore({ seed: { Account: 2000 } });
  ids = (await fx.conn.query<{ Id: string }>('SELECT Id FROM Account ORDER BY Id').run({ autoFetch: true, maxFetch: 10_000 })).records.map((r) => r.Id);
});
afterAll(async () => {
  await fx?.close();
});

const pollIds = async () => (await fx.conn.query<{ Id: string }>('SELECT Id FROM Account WHERE SystemModstamp >= 2000-01-01T00:00:00Z')
  .run({ autoFetch: true, maxFetch: 10_000 })).records.map((r) => r.Id);

describe('drift faults', () => {
  it('drops a seeded fraction of poll rows, the same ones each time, and nothing from other queries', async () => {
    expect((await fx.admin('PUT', '/faults', { dropPollResults: 0.25, driftSeed: 3 })).status).toBe(200);
    const first = await pollIds();
    expect(first.length).toBeGreaterThan(2000 * 0.65);
    expect(first.length).toBeLessThan(2000 * 0.85);
    expect(await pollIds()).toEqual(first);
    expect((await fx.conn.query('SELECT Id FROM Account').run({ autoFetch: true, maxFetch: 10_000 })).records).toHaveLength(2000);
    await fx.admin('PUT', '/faults', { driftSeed: 4 });
    const third = await pollIds();
    expect(third).not.toEqual(first);
    const counters = await fx.admin<{ drift: { droppedPollRows: number } }>('GET', '/counters');
    expect(counters.body.drift.droppedPollRows).toBe(2 * (2000 - first.length) + (2000 - third.length));
    await fx.admin('DELETE', '/faults');
    expect(await pollIds()).toHaveLength(2000);
  });

  it('silently drops a seeded fraction of change events', async () => {
    const events: string[] = [];
    const listener = (e: { recordId: string }) => events.push(e.recordId);
    fx.emulator.org.on('change', listener);
    try {
      await fx.admin('PUT', '/faults', { dropChangeEvents: 0.5, driftSeed: 9 });
      for (let i = 0; i < 200; i++) fx.emulator.org.update('Account', ids[i], { Phone: `p${i}` }, 'emulator/admin');
      const { body } = await fx.admin<{ drift: { droppedChangeEvents: number } }>('GET', '/counters');
      expect(body.drift.droppedChangeEvents).toBeGreaterThan(60);
      expect(events.length + body.drift.droppedChangeEvents).toBe(200);
    } finally {
      fx.emulator.org.off('change', listener);
      await fx.admin('DELETE', '/faults');
    }
  });

  it('refuses a fraction outside [0, 1], changing nothing', async () => {
    const res = await fx.admin<{ error: string }>('PUT', '/faults', { dropChangeEvents: 2, latencyMs: 5 });
    expect(res).toEqual({ status: 400, body: { error: 'dropChangeEvents must be a number in [0, 1]' } });
    expect((await fx.admin<{ latencyMs: number }>('GET', '/faults')).body.latencyMs).toBe(0);
  });
});

describe('Id ranges', () => {
  it.each([
    ['one range', (a: string[]) => `Id >= '${a[10]}' AND Id < '${a[20]}'`, (i: number) => i >= 10 && i < 20],
    ['open ends', (a: string[]) => `Id < '${a[5]}' OR Id > '${a[1990]}'`, (i: number) => i < 5 || i > 1990],
    ['ORed ranges', (a: string[]) => `(Id >= '${a[100]}' AND Id < '${a[103]}') OR (Id >= '${a[50]}' AND Id <= '${a[52]}')`,
      (i: number) => (i >= 100 && i < 103) || (i >= 50 && i <= 52)],
    ['a range and another condition', (a: string[]) => `Id >= '${a[0]}' AND Id < '${a[30]}' AND Id != '${a[7]}'`, (i: number) => i < 30 && i !== 7],
  ])('%s returns exactly the records in range', async (_name, where, inRange) => {
    const got = (await fx.conn.query<{ Id: string }>(`SELECT Id FROM Account WHERE ${where(ids)}`).run({ autoFetch: true, maxFetch: 10_000 })).records.map((r) => r.Id);
    expect(got.sort()).toEqual(ids.filter((_id, i) => inRange(i)).sort());
  });

  it('a purged record is gone from queryAll', async () => {
    const id = ids[1500];
    expect((await fx.admin('DELETE', `/records/Account/${id}?purge=true`)).status).toBe(204);
    const all = await fx.conn.query(`SELECT Id FROM Account WHERE Id = '${id}'`, { scanAll: true });
    expect(all.totalSize).toBe(0);
  });
});
