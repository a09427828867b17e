// What /health and /ready report, and what holds requests back until ferry can serve them:
//   schema    every migration in infra/migrations is recorded in ferry.schema_migrations
//   postgres  SELECT 1 answers
//   temporal  the namespace describes
//   worker    at least one ferry worker polled the task queue recently (Temporal's own poller list)
// Probes are cheap but not free, so a result is reused for a second; the schema, once complete, stays complete.
import type { Client } from '@temporalio/client';
import { listMigrations, type Pool } from '../infra/db';

export interface Probe {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export interface WorkerProbe extends Probe {
  /** Identities of the workers that polled the task queue recently (a worker's identity carries its instance id). */
  pollers: string[];
  /** Temporal could not be asked: nothing is known about the workers. */
  unreachable?: true;
}

export interface SchemaProbe extends Probe {
  /** Migrations not applied yet. */
  pending: string[];
  /** Postgres did not answer, so whether migrations are applied is unknown. */
  unreachable?: boolean;
}

export interface ReadinessDeps {
  pool: Pool;
  temporal: Client;
  namespace: string;
  taskQueue: string;
}

/**
 * A poller counts while Temporal saw it within this window. An idle worker renews its long poll about once a
 * minute, and Temporal forgets a poller five minutes after its last poll: a worker that died shows as gone
 * within this window instead.
 */
export const POLLER_FRESH_MS = 75_000;

const CACHE_MS = 1000;

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

async function probe<T>(timeoutMs: number, fn: () => Promise<T>): Promise<Probe & { value?: T }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const value = await Promise.race([
      fn(),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
    ]);
    return { ok: true, latencyMs: Date.now() - started, value };
  } catch (err) {
    return { ok: false, latencyMs: Date.now() - started, error: firstLine(err) };
  } finally {
    clearTimeout(timer);
  }
}

// temporal.api.enums.v1 values (the proto package is not a direct dependency).
const TASK_QUEUE_KIND_NORMAL = 1;
const TASK_QUEUE_TYPE_WORKFLOW = 1;

function millis(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): number {
  if (!ts) return 0;
  return Number(ts.seconds ?? 0) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

export interface Report {
  postgres: Probe;
  temporal: Probe;
  worker: WorkerProbe;
  schema: SchemaProbe;
}

export class Readiness {
  private schemaComplete = false;
  private cached?: { at: number; report: Promise<Report> };

  constructor(private readonly deps: ReadinessDeps, private readonly timeoutMs = 3000) {}

  /** Whether every migration is applied (a query when not known yet; true for good once it is). */
  async schema(): Promise<SchemaProbe> {
    if (this.schemaComplete) return { ok: true, latencyMs: 0, pending: [] };
    const known = listMigrations().map((m) => ({ version: m.version, label: `${String(m.version).padStart(3, '0')}_${m.name}` }));
    const p = await probe(this.timeoutMs, async () => {
      try {
        const r = await this.deps.pool.query<{ version: number }>('SELECT version FROM ferry.schema_migrations');
        return new Set(r.rows.map((row) => row.version));
      } catch (err) {
        // No ferry schema or no migrations table yet: nothing is applied.
        const code = (err as { code?: unknown }).code;
        if (code === '42P01' || code === '3F000') return new Set<number>();
        throw err;
      }
    });
    if (!p.ok) return { ok: false, latencyMs: p.latencyMs, error: p.error, pending: known.map((k) => k.label), unreachable: true };
    const pending = known.filter((k) => !p.value!.has(k.version)).map((k) => k.label);
    if (pending.length === 0) this.schemaComplete = true;
    return pending.length === 0
      ? { ok: true, latencyMs: p.latencyMs, pending }
      : { ok: false, latencyMs: p.latencyMs, pending, error: `${pending.length} migration(s) not applied yet` };
  }

  /** Workers polling the task queue for workflow tasks, as Temporal reports them. */
  async worker(): Promise<WorkerProbe> {
    const p = await probe(this.timeoutMs, () => this.deps.temporal.workflowService.describeTaskQueue({
      namespace: this.deps.namespace,
      taskQueue: { name: this.deps.taskQueue, kind: TASK_QUEUE_KIND_NORMAL },
      taskQueueType: TASK_QUEUE_TYPE_WORKFLOW,
    }));
    if (!p.ok) return { ok: false, latencyMs: p.latencyMs, error: p.error, pollers: [], unreachable: true };
    const since = Date.now() - POLLER_FRESH_MS;
    const pollers = (p.value!.pollers ?? []).filter((x) => millis(x.lastAccessTime) >= since).map((x) => x.identity ?? '');
    return pollers.length > 0
      ? { ok: true, latencyMs: p.latencyMs, pollers }
      : { ok: false, latencyMs: p.latencyMs, pollers, error: `no ferry worker is polling task queue "${this.deps.taskQueue}"` };
  }

  /** Whether a worker polls the task queue: undefined when Temporal could not be asked. */
  async workerPresent(): Promise<boolean | undefined> {
    const w = await this.worker();
    return w.unreachable ? undefined : w.ok;
  }

  /** Every probe at once (reused for a second, so a burst of probes costs one round of checks). */
  report(): Promise<Report> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < CACHE_MS) return this.cached.report;
    const report = (async () => {
      const [postgres, temporal, worker, schema] = await Promise.all([
        probe(this.timeoutMs, () => this.deps.pool.query('SELECT 1')),
        probe(this.timeoutMs, () => this.deps.temporal.workflowService.describeNamespace({ namespace: this.deps.namespace })),
        this.worker(),
        this.schema(),
      ]);
      return { postgres: strip(postgres), temporal: strip(temporal), worker, schema };
    })();
    this.cached = { at: now, report };
    return report;
  }
}

function strip(p: Probe & { value?: unknown }): Probe {
  return p.error === undefined ? { ok: p.ok, latencyMs: p.latencyMs } : { ok: p.ok, latencyMs: p.latencyMs, error: p.error };
}
