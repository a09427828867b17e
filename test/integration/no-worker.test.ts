// 18.6: with its worker gone, a mapping's status answers 503 naming the missing worker — first while the query
// waits out its deadline, then once no fresh poller is left on the task queue — never a bare 500; the list
// still answers from visibility.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, terminateMappings, type ApiHarness } from '../support/api';

describe('no worker polling the task queue', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApi('noworker', { seed: { Account: 5 } }, { deadlines: { temporalMs: 3000, postgresMs: 5000, salesforceMs: 20_000 } });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('GET /mappings/{object} answers 503 with a message until a worker is back, never 500', async () => {
    const created = await h.call('POST', '/mappings', { object_name: 'Account', config: { access: 'read_only', fields: { Id: {}, Name: {} } } });
    expect(created.status).toBe(201);
    expect((await h.call('GET', '/mappings/Account')).status).toBe(200);
    await h.worker.stop();

    const seen: string[] = [];
    // The API names the missing worker once Temporal shows no fresh poller (POLLER_FRESH_MS) or refuses the query
    // for lack of pollers, whichever comes first.
    const deadline = Date.now() + 200_000;
    while (Date.now() < deadline) {
      const r = await h.call<{ detail?: string }>('GET', '/mappings/Account');
      expect(r.status, r.text).toBe(503);
      seen.push(r.body.detail!);
      if (/no ferry worker is polling the task queue/.test(r.body.detail!)) break;
      await new Promise((res) => setTimeout(res, 1000));
    }
    expect(seen.at(-1)).toBe('Temporal is unavailable: no ferry worker is polling the task queue, so the workflow cannot answer (start a worker: npm run worker)');
    expect(seen.filter((d) => !/worker/.test(d))).toEqual([]);

    const listed = await h.call<{ count: number }>('GET', '/mappings');
    expect(listed.status).toBe(200);
    await terminateMappings(h);
  }, 240_000);
});
