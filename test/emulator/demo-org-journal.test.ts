// The demo org keeps its state across restarts (issue 17): changes journaled under the state directory are
// replayed into the next org, which then agrees record for record; the admin API reads a record and a count.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startDemoOrg, type DemoOrg } from '../../scripts/runtime/demo-org';
import { freePort } from '../../scripts/runtime/free-port';

const dir = mkdtempSync(join(tmpdir(), 'ferry-demo-org-'));
const running: DemoOrg[] = [];
afterAll(async () => {
  for (const o of running) await o.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function admin<T>(org: DemoOrg, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${org.url}/__emulator${path}`, {
    method, headers: body === undefined ? {} : { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

describe('the demo org across restarts', () => {
  it('replays created, updated, deleted and seeded records into the next start, ids and values included', async () => {
    const first = await startDemoOrg(await freePort(), dir);
    running.push(first);
    expect(first.restored).toEqual({ replayed: 0, problems: [] });
    await admin(first, 'POST', '/mutate/stop');
    const created = await admin<{ id: string }>(first, 'POST', '/records/Account', { Name: 'Journaled Ltd', Industry: 'Energy' });
    expect(created.status).toBe(201);
    const { body: someContact } = await admin<{ count: number }>(first, 'GET', '/records/Contact/count');
    expect(someContact.count).toBe(5000);
    const seeded = await admin<{ added: Record<string, number> }>(first, 'POST', '/seed', { counts: { Account: 250 }, randomSeed: 7 });
    expect(seeded.body.added).toEqual({ Account: 250 });
    await admin(first, 'PATCH', `/records/Account/${created.body.id}`, { Industry: 'Media' });
    const victim = await admin<{ id: string }>(first, 'POST', '/records/Account', { Name: 'Deleted Ltd' });
    await admin(first, 'DELETE', `/records/Account/${victim.body.id}`);
    await admin(first, 'POST', '/mutate/step', { count: 40 }); // simulated users: creates, updates, deletes
    const before = {
      accounts: (await admin<{ count: number }>(first, 'GET', '/records/Account/count')).body.count,
      contacts: (await admin<{ count: number }>(first, 'GET', '/records/Contact/count')).body.count,
      record: (await admin<Record<string, unknown>>(first, 'GET', `/records/Account/${created.body.id}`)).body,
    };
    expect(before.accounts).toBeGreaterThan(3200); // the seed, the admin's seed and creates; simulated users add or remove a few
    await first.stop();
    running.pop();
    expect(readFileSync(join(dir, 'journal.jsonl'), 'utf8').split('\n')[0]).toBe('{"c":"header","v":1,"seed":{"Account":3000,"Contact":5000}}');

    const second = await startDemoOrg(await freePort(), dir);
    running.push(second);
    await admin(second, 'POST', '/mutate/stop');
    expect(second.restored.problems).toEqual([]);
    expect(second.restored.replayed).toBeGreaterThan(40);
    expect((await admin<{ count: number }>(second, 'GET', '/records/Account/count')).body.count).toBe(before.accounts);
    expect((await admin<{ count: number }>(second, 'GET', '/records/Contact/count')).body.count).toBe(before.contacts);
    const record = await admin<Record<string, unknown>>(second, 'GET', `/records/Account/${created.body.id}`);
    expect(record.status).toBe(200);
    expect(record.body).toMatchObject({ Id: created.body.id, Name: 'Journaled Ltd', Industry: 'Media' });
    expect((await admin(second, 'GET', `/records/Account/${victim.body.id}`)).status).toBe(404);
    expect((await admin<Record<string, unknown>>(second, 'GET', `/records/Account/${victim.body.id}?includeDeleted=true`)).body).toMatchObject({ IsDeleted: true });
  });

  it('the admin read endpoints refuse an unknown object with 400', async () => {
    const org = running[0];
    expect((await admin<{ error: string }>(org, 'GET', '/records/Nope/count')).body).toEqual({ error: 'unknown object Nope' });
    expect((await admin(org, 'GET', '/records/Nope/001000000000001AAA')).status).toBe(400);
  });
});
