// Event-driven sync across interruptions: a worker restart, an expired replay id (fallback poll, then new
// events), a paused mapping, an expired session (the listener re-authenticates), and two workers (one listens,
// the other takes over when it stops). After each, the table equals the org.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStreamSupervisor } from '../../worker/listeners/stream-supervisor';
import { pauseUpdate, resumeUpdate } from '../../workflows/mapping/messages';
import type { FieldSpec } from '../support/compare';
import { eventually, sessionsFor } from '../support/org';
import type { Handle } from '../support/mappings';
import { testLogger } from '../support/services';
import { status, streamingFixture, waitForStatus, type StreamingFixture } from './streaming-fixture';

const FIELDS: FieldSpec[] = [
  { name: 'LastName', type: 'string' }, { name: 'Email', type: 'string' }, { name: 'Title', type: 'string' },
  { name: 'SystemModstamp', type: 'datetime' },
];
const MAPPING = 'salesforce.contact';

let fx: StreamingFixture;
let handle: Handle;
beforeAll(async () => {
  fx = await streamingFixture('stream_rec', { Contact: 500 });
  handle = await fx.start('Contact', ['Id', ...FIELDS.map((f) => f.name), 'IsDeleted']);
});
afterAll(async () => {
  await fx?.close();
});

let n = 0;
function change(count: number, tag: string): string[] {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    n += 1;
    ids.push(fx.org.org.create('Contact', { LastName: `${tag} ${n}`, Email: `c${n}@example.com`, Title: tag }, 'emulator/admin'));
  }
  return ids;
}

async function count(tag: string): Promise<number> {
  const { rows } = await fx.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM salesforce.contact WHERE title = $1', [tag]);
  return rows[0].n;
}

describe('event-driven sync across interruptions', () => {
  it('loses nothing across a worker restart, resuming from the stored replay id without a poll', async () => {
    change(50, 'Before');
    await eventually('a stored replay id', async () => ((await count('Before')) === 50 ? true : undefined), 15_000, 50);
    const polls = (await status(handle)).counts.polls;
    await fx.stopWorker();
    change(200, 'Offline');
    await fx.startWorker();
    change(50, 'After');
    await fx.converged('Contact', MAPPING, FIELDS);
    expect(await count('Offline')).toBe(200);
    expect((await status(handle)).counts.polls).toBe(polls);
  });

  it('falls back to a poll of the uncovered window when the stored replay id has expired, then streams new events', async () => {
    change(5, 'Warm');
    await eventually('a stored replay id', async () => ((await count('Warm')) === 5 ? true : undefined), 15_000, 50);
    const before = await status(handle);
    await fx.supervisor!.stop();
    change(100, 'Expired');
    fx.org.streaming!.expireReplayIds(0);
    fx.startSupervisor();
    const s = await waitForStatus(handle, 'the fallback poll', (x) => x.counts.polls > before.counts.polls && x.state === 'STREAMING', 60_000);
    expect(s.streaming?.lastFallback?.reason).toMatch(/no longer retained/);
    await fx.converged('Contact', MAPPING, FIELDS);
    expect(await count('Expired')).toBe(100);
    const polls = s.counts.polls;
    change(10, 'Fresh');
    await eventually('new events streamed', async () => ((await count('Fresh')) === 10 ? true : undefined), 15_000, 50);
    expect((await status(handle)).counts.polls).toBe(polls);
  });

  it('applies nothing while paused and catches up on resume', async () => {
    await handle.executeUpdate(pauseUpdate);
    change(100, 'Paused');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await count('Paused')).toBe(0);
    expect((await status(handle)).state).toBe('PAUSED');
    await handle.executeUpdate(resumeUpdate);
    await waitForStatus(handle, 'streaming again', (x) => x.state === 'STREAMING');
    await fx.converged('Contact', MAPPING, FIELDS);
    expect(await count('Paused')).toBe(100);
  });

  it('re-authenticates the stream when its session expires', async () => {
    await (await fetch(`${fx.org.url}/__emulator/sessions/expire`, { method: 'POST' })).text();
    change(1, 'Wake');
    change(20, 'Renewed');
    await eventually('events after re-authentication', async () => ((await count('Renewed')) === 20 ? true : undefined), 30_000, 100);
    await fx.converged('Contact', MAPPING, FIELDS);
    expect((await status(handle)).state).toBe('STREAMING');
  });

  it('listens from one worker only; another takes over when it stops', async () => {
    const second = startStreamSupervisor({
      databaseUrl: fx.db.url, sessions: sessionsFor(fx.org), temporal: fx.temporal.client, log: testLogger, apiVersion: '62.0', reconcileMs: 250, retryMs: 250,
    });
    try {
      await second.reconcile();
      await new Promise((r) => setTimeout(r, 600));
      expect(fx.supervisor!.listening()).toEqual([MAPPING]);
      expect(second.listening()).toEqual([]);
      await fx.supervisor!.stop();
      change(30, 'Handover');
      await eventually('the second worker listening', async () => (second.listening().includes(MAPPING) ? true : undefined), 15_000, 50);
      await fx.converged('Contact', MAPPING, FIELDS);
      expect(await count('Handover')).toBe(30);
    } finally {
      await second.stop();
      fx.startSupervisor();
    }
  });
});
