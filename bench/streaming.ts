// `npm run bench -- streaming --rate R --seconds S [--source pushtopic|cdc|pubsub] [--records N]` (or
// `npx tsx bench/streaming.ts …`): an event-driven mapping of Account; the org emulator (in this process, so its
// commits can be timed) changes R records per second for S seconds — nine updates for every create — and each
// change is timed from the org's commit (the store's 'change' event) to its row in Postgres (a NOTIFY from a
// trigger that exists only in the benchmark database, carrying the record id and the change's sequence number
// written into Phone). A change counts as arrived when its row holds it or a later change of the same record.
// Postgres, the Temporal dev server and a ferry worker (its own process, with the stream supervisor) run as in
// production (bench/support/stack.ts).
// Last line: streaming events=N rate=R p50_ms=A p99_ms=B api_calls=C lost=L
//   N: changes made; C: API calls the mapping's ledger recorded while they streamed; L: changes never arrived.
import { parseArgs } from 'node:util';
import { Client as PgClient } from 'pg';
import type { ChangeEvent } from '../emulator/contract';
import { createEmulator } from '../emulator/server';
import { parseMappingEntry } from '../domain/mapping-config';
import { FERRY_OBJECT } from '../infra/search-attributes';
import { statusQuery } from '../workflows/mapping/messages';
import { mappingWorkflow } from '../workflows/mapping/workflow';
import { startStack, type Stack } from './support/stack';

const MAPPING = 'salesforce.account';
const FIELDS = ['Id', 'Name', 'Phone', 'NumberOfEmployees', 'SystemModstamp', 'IsDeleted'];
const TICK_MS = 10;
const DRAIN_MS = 30_000;

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function apiCalls(stack: Stack): Promise<number> {
  const { rows } = await stack.pool.query<{ n: string }>('SELECT coalesce(sum(calls), 0) AS n FROM ferry.api_call_ledger WHERE mapping = $1', [MAPPING]);
  return Number(rows[0].n);
}

export async function runStreamingBench(args: string[]): Promise<string> {
  const { values } = parseArgs({
    args,
    options: {
      rate: { type: 'string', default: '100' }, seconds: { type: 'string', default: '30' },
      source: { type: 'string', default: 'pushtopic' }, records: { type: 'string', default: '20000' },
    },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const records = Number(values.records);
  if (!(rate > 0) || !(seconds > 0) || !(records > 0)) throw new Error('--rate, --seconds and --records must be positive');
  if (values.source !== 'pushtopic' && values.source !== 'cdc' && values.source !== 'pubsub') throw new Error('--source must be pushtopic, cdc or pubsub');

  log(`emulator with ${records} Accounts in this process; Postgres, Temporal and a worker as processes…`);
  const org = await createEmulator({ port: 0, seed: { Account: records }, dailyApiRequests: 10_000_000 });
  const stack = await startStack({ seed: {}, orgUrl: org.url, pubsubUrl: org.pubsubUrl });
  const listener = new PgClient({ connectionString: stack.databaseUrl });
  // A lost probe connection shows up as lost changes in the result, not as a crash.
  listener.on('error', (err) => log(`arrival probe connection lost: ${err.message}`));
  try {
    const config = parseMappingEntry({
      object_name: 'Account',
      config: {
        access: 'read_only', sf_polling_seconds: 3600, sf_max_daily_api_calls: null, sync_mode: 'event_driven', streaming_source: values.source,
        fields: Object.fromEntries(FIELDS.map((f) => [f, {}])),
      },
    });
    const handle = await stack.temporal.workflow.start(mappingWorkflow, {
      taskQueue: stack.taskQueue, workflowId: `bench-streaming-${Date.now()}`,
      args: [{ mappingId: MAPPING, config }], typedSearchAttributes: [{ key: FERRY_OBJECT, value: 'Account' }],
    });
    const readyBy = Date.now() + 300_000;
    for (;;) {
      // The worker may still be bundling workflow code: a query fails until it polls.
      const s = await handle.query(statusQuery).catch((err: Error) => {
        if (Date.now() > readyBy) throw err;
        return undefined;
      });
      if (!s) continue;
      if (s.lastError && s.state !== 'STREAMING') throw new Error(`mapping failed: ${s.lastError.type}: ${s.lastError.message}`);
      if (s.state === 'STREAMING' && (s.streaming?.fallbacks ?? 0) >= 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    log(`mapping streaming on ${(await handle.query(statusQuery)).streaming?.channel}`);

    // The arrival probe, in the benchmark database only.
    await stack.pool.query(`CREATE FUNCTION public.bench_notify() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_notify('ferry_bench', NEW.sfid || ' ' || coalesce(NEW.phone, '')); RETURN NULL; END $$`);
    await stack.pool.query('CREATE TRIGGER bench_notify AFTER INSERT OR UPDATE ON salesforce.account FOR EACH ROW EXECUTE FUNCTION public.bench_notify()');
    await listener.connect();
    await listener.query('LISTEN ferry_bench');

    const total = Math.round(rate * seconds);
    const committedAt = new Float64Array(total).fill(Number.NaN);
    const arrivedAt = new Float64Array(total).fill(Number.NaN);
    /** Per record: sequence numbers committed and not yet seen in the table, oldest first. */
    const waiting = new Map<string, number[]>();
    let arrived = 0;
    listener.on('notification', (n) => {
      const now = performance.now();
      const [id, phone] = (n.payload ?? '').split(' ');
      if (!phone?.startsWith('b')) return;
      const seq = Number(phone.slice(1));
      const list = waiting.get(id);
      while (list && list.length > 0 && list[0] <= seq) {
        arrivedAt[list.shift()!] = now;
        arrived += 1;
      }
    });
    org.org.on('change', (e: ChangeEvent) => {
      const phone = e.record.Phone;
      if (typeof phone !== 'string' || !phone.startsWith('b')) return;
      const seq = Number(phone.slice(1));
      committedAt[seq] = performance.now();
      const list = waiting.get(e.recordId) ?? [];
      list.push(seq);
      waiting.set(e.recordId, list);
    });

    const ids = (await stack.pool.query<{ sfid: string }>('SELECT sfid FROM salesforce.account')).rows.map((r) => r.sfid);
    const callsBefore = await apiCalls(stack);
    log(`changing ${rate} records/s for ${seconds} s…`);
    const started = performance.now();
    let made = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
        for (; made < due; made += 1) {
          if (made % 10 === 0) ids.push(org.org.create('Account', { Name: `Stream ${made}`, Phone: `b${made}`, NumberOfEmployees: made }, 'emulator/admin'));
          else org.org.update('Account', ids[(made * 7919) % ids.length], { Phone: `b${made}`, NumberOfEmployees: made }, 'emulator/admin');
        }
        if (made >= total) {
          clearInterval(timer);
          resolve();
        }
      }, TICK_MS);
    });
    const deadline = performance.now() + DRAIN_MS;
    while (arrived < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const calls = (await apiCalls(stack)) - callsBefore;

    const latencies: number[] = [];
    for (let i = 0; i < total; i += 1) if (!Number.isNaN(arrivedAt[i])) latencies.push(arrivedAt[i] - committedAt[i]);
    const sorted = Float64Array.from(latencies).sort();
    const lost = total - latencies.length;
    log(`made ${total} changes; ${latencies.length} arrived; max ${Math.round(sorted[sorted.length - 1] ?? 0)} ms; status ${JSON.stringify((await handle.query(statusQuery)).streaming)}`);
    await handle.terminate('benchmark done');
    return `streaming events=${total} rate=${rate} p50_ms=${Math.round(percentile(sorted, 50))} p99_ms=${Math.round(percentile(sorted, 99))} api_calls=${calls} lost=${lost}`;
  } finally {
    await listener.end().catch(() => undefined);
    await stack.stop();
    await org.close();
  }
}

if (require.main === module) {
  runStreamingBench(process.argv.slice(2)).then((line) => {
    console.log(line);
    process.exit(0);
  }, (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  });
}
