// The org-time faults: a clock offset between the org and its clients (stamps and Date headers shifted), and
// slow transactions (stamped when they start, visible — to queries, getDeleted and change events — only when
// they commit), through createEmulator options and the admin API.
import { afterEach, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../emulator/contract.js';
import { rawRest, startCore, type CoreFixture } from './core-fixture.js';

let fx: CoreFixture | null = null;
afterEach(async () => {
  await fx?.close();
  fx = null;
});

const stampOf = (r: Record<string, unknown>) => Date.parse(String(r.SystemModstamp));

describe('clock offset', () => {
  it.each([[-30_000], [30_000]])('shifts stamps and the Date header by %i ms', async (offset) => {
    fx = await startCore({ clockOffsetMs: offset });
    const before = Date.now();
    const { id } = await fx.conn.sobject('Account').create({ Name: 'Skewed' }) as { id: string };
    const res = await rawRest(fx.conn, 'GET', `/query?q=${encodeURIComponent(`SELECT Id, SystemModstamp FROM Account WHERE Id = '${id}'`)}`);
    const after = Date.now();
    const stamp = stampOf(((await res.json()) as { records: Record<string, unknown>[] }).records[0]);
    expect(stamp).toBeGreaterThanOrEqual(before + offset);
    expect(stamp).toBeLessThanOrEqual(after + offset);
    // Whole seconds: the header is at most a second behind the org's clock.
    const date = Date.parse(res.headers.get('date')!);
    expect(date).toBeGreaterThanOrEqual(before + offset - 1000);
    expect(date).toBeLessThanOrEqual(after + offset);
  });

  it('is set, shown and refused through the admin API', async () => {
    fx = await startCore();
    const set = await fx.admin<{ clockOffsetMs: number; orgNow: string }>('PUT', '/org-time', { clockOffsetMs: 30_000 });
    expect(set.status).toBe(200);
    expect(set.body.clockOffsetMs).toBe(30_000);
    expect(Date.parse(set.body.orgNow) - Date.now()).toBeGreaterThan(29_000);
    const { id } = await fx.conn.sobject('Account').create({ Name: 'Ahead' }) as { id: string };
    const rec = await fx.conn.sobject('Account').retrieve(id) as unknown as Record<string, unknown>;
    expect(stampOf(rec) - Date.now()).toBeGreaterThan(29_000);
    expect((await fx.admin('PUT', '/org-time', { clockOffsetMs: 1.5 })).status).toBe(400);
    expect((await fx.admin('PUT', '/org-time', { commitDelayMs: -1 })).status).toBe(400);
    expect((await fx.admin<{ error: string }>('PUT', '/org-time', { skew: 1 })).body.error).toMatch(/unknown org-time setting "skew"/);
    expect((await fx.admin<{ clockOffsetMs: number }>('DELETE', '/org-time')).body.clockOffsetMs).toBe(0);
  });
});

describe('slow transactions', () => {
  it('stamp a write when it starts and show it — to queries, getDeleted bounds and change events — when it commits', async () => {
    fx = await startCore({ commitDelayMs: 1500 });
    const org = fx.emulator.org;
    const events: { event: ChangeEvent; atMs: number }[] = [];
    org.on('change', (event: ChangeEvent) => events.push({ event, atMs: Date.now() }));
    const since = new Date(Date.now() - 1000).toISOString();
    const startedMs = Date.now();
    const slow = fx.conn.sobject('Account').create({ Name: 'Slow' }) as Promise<{ id: string }>;
    await new Promise((r) => setTimeout(r, 300));
    // A change made meanwhile (not through the API, so not slow) is visible at once, with a later stamp.
    const fastId = org.create('Account', { Name: 'Fast' }, 'test');
    const soql = `SELECT Id, Name, SystemModstamp FROM Account WHERE SystemModstamp >= ${since} ORDER BY SystemModstamp, Id`;
    const during = await fx.conn.query<Record<string, unknown>>(soql);
    expect(during.records.map((r) => r.Name)).toEqual(['Fast']);
    const open = await fx.admin<{ openCommits: number }>('GET', '/org-time');
    expect(open.body.openCommits).toBe(1);
    const deletedDuring = await fx.conn.sobject('Account').deleted(since, new Date(Date.now() + 60_000).toISOString());
    expect(Date.parse(deletedDuring.latestDateCovered)).toBeLessThan(Date.now() - 200);

    const { id: slowId } = await slow;
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(1400);
    const after = await fx.conn.query<Record<string, unknown>>(soql);
    // The slow record sorts first: its stamp is from before the fast one's.
    expect(after.records.map((r) => r.Name)).toEqual(['Slow', 'Fast']);
    expect(stampOf(after.records[0])).toBeLessThan(stampOf(after.records[1]));
    expect(stampOf(after.records[0])).toBeLessThan(startedMs + 300);
    const slowEvent = events.find((e) => e.event.recordId === slowId)!;
    const fastEvent = events.find((e) => e.event.recordId === fastId)!;
    expect(slowEvent.atMs).toBeGreaterThan(fastEvent.atMs);
    expect(slowEvent.atMs - startedMs).toBeGreaterThanOrEqual(1400);
    expect(slowEvent.event.commitTimestamp).toBe(stampOf(after.records[0]));
    const deletedAfter = await fx.conn.sobject('Account').deleted(since, new Date(Date.now() + 60_000).toISOString());
    expect(Date.parse(deletedAfter.latestDateCovered)).toBeGreaterThan(Date.now() - 1000);
    expect((await fx.admin<{ slowCommits: number }>('GET', '/org-time')).body.slowCommits).toBe(1);
  });

  it('keep queries by stamp exact when many late commits land behind later ones', async () => {
    fx = await startCore();
    await fx.admin('PUT', '/org-time', { commitDelayMs: 400 });
    const since = new Date(Date.now() - 1000).toISOString();
    const slow: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      slow.push(fx.conn.sobject('Contact').create({ LastName: `Slow ${i}` }));
      fx.emulator.org.create('Contact', { LastName: `Fast ${i}` }, 'test');
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(slow);
    const all = await fx.conn.query<Record<string, unknown>>(`SELECT Id, LastName, SystemModstamp FROM Contact WHERE SystemModstamp >= ${since} ORDER BY SystemModstamp, Id`);
    expect(all.records).toHaveLength(40);
    const stamps = all.records.map(stampOf);
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    // A window starting at a late commit's stamp finds exactly the records stamped at or after it.
    const mid = stamps[20];
    const tail = await fx.conn.query<Record<string, unknown>>(`SELECT Id FROM Contact WHERE SystemModstamp >= ${new Date(mid).toISOString()} ORDER BY SystemModstamp, Id`);
    expect(tail.records.map((r) => r.Id)).toEqual(all.records.filter((r) => stampOf(r) >= mid).map((r) => r.Id));
  });
});
