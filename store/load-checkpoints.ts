// ferry.load_checkpoint rows: where a load stands, committed with each page (see migration 003).
import type { Pool, PoolClient } from '../infra/db';

export type LoadTarget = 'live' | 'reload';

export type LoadStrategy = 'fresh' | 'merge';

export interface LoadCheckpoint {
  mode: 'bulk' | 'rest';
  strategy: LoadStrategy;
  jobId: string | null;
  locator: string | null;
  done: boolean;
  rowsLoaded: number;
  rowsTotal: number | null;
  startedAtMs: number;
}

interface Row {
  mode: 'bulk' | 'rest';
  strategy: LoadStrategy;
  job_id: string | null;
  locator: string | null;
  done: boolean;
  rows_loaded: string;
  rows_total: string | null;
  started_at: Date;
}

export async function readCheckpoint(db: Pool | PoolClient, mapping: string, target: LoadTarget): Promise<LoadCheckpoint | undefined> {
  const { rows } = await db.query<Row>('SELECT * FROM ferry.load_checkpoint WHERE mapping = $1 AND target = $2', [mapping, target]);
  const r = rows[0];
  if (!r) return undefined;
  return {
    mode: r.mode, strategy: r.strategy, jobId: r.job_id, locator: r.locator, done: r.done, rowsLoaded: Number(r.rows_loaded),
    rowsTotal: r.rows_total === null ? null : Number(r.rows_total), startedAtMs: r.started_at.getTime(),
  };
}

export async function startCheckpoint(db: Pool | PoolClient, mapping: string, target: LoadTarget, cp: LoadCheckpoint): Promise<void> {
  await db.query(
    `INSERT INTO ferry.load_checkpoint (mapping, target, mode, strategy, job_id, locator, done, rows_loaded, rows_total, started_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (mapping, target) DO UPDATE SET mode = EXCLUDED.mode, strategy = EXCLUDED.strategy, job_id = EXCLUDED.job_id,
       locator = EXCLUDED.locator, done = EXCLUDED.done, rows_loaded = EXCLUDED.rows_loaded, rows_total = EXCLUDED.rows_total,
       started_at = EXCLUDED.started_at`,
    [mapping, target, cp.mode, cp.strategy, cp.jobId, cp.locator, cp.done, cp.rowsLoaded, cp.rowsTotal, new Date(cp.startedAtMs)],
  );
  await db.query('DELETE FROM ferry.load_page WHERE mapping = $1 AND target = $2', [mapping, target]);
}

/** Records one committed page: the next locator (null when it was the last) and the rows it held. */
export async function advanceCheckpoint(db: PoolClient, mapping: string, target: LoadTarget, nextLocator: string | null, rows: number): Promise<void> {
  await db.query(
    `UPDATE ferry.load_checkpoint SET locator = $3, done = $4, rows_loaded = rows_loaded + $5 WHERE mapping = $1 AND target = $2`,
    [mapping, target, nextLocator, nextLocator === null, rows],
  );
}

/** Back to the first page (a REST load whose locator may have expired starts over). */
export async function resetCheckpoint(db: PoolClient, mapping: string, target: LoadTarget): Promise<void> {
  await db.query('UPDATE ferry.load_checkpoint SET locator = NULL, done = false, rows_loaded = 0 WHERE mapping = $1 AND target = $2', [mapping, target]);
}

export async function clearCheckpoint(db: Pool | PoolClient, mapping: string, target: LoadTarget): Promise<void> {
  await db.query('DELETE FROM ferry.load_checkpoint WHERE mapping = $1 AND target = $2', [mapping, target]);
  await db.query('DELETE FROM ferry.load_page WHERE mapping = $1 AND target = $2', [mapping, target]);
}

export interface LoadedPage {
  next: string | null;
  rows: number;
}

/** Bulk pages already committed, by the locator they were fetched with ('' for the first). */
export async function readPages(db: Pool | PoolClient, mapping: string, target: LoadTarget): Promise<Map<string, LoadedPage>> {
  const { rows } = await db.query<{ start_locator: string; next_locator: string | null; rows: string }>(
    'SELECT start_locator, next_locator, rows FROM ferry.load_page WHERE mapping = $1 AND target = $2', [mapping, target]);
  return new Map(rows.map((r) => [r.start_locator, { next: r.next_locator, rows: Number(r.rows) }]));
}

/** Records a page in the transaction that copied it (and keeps the checkpoint's running total). */
export async function recordPage(db: PoolClient, mapping: string, target: LoadTarget, start: string, page: LoadedPage): Promise<void> {
  await db.query('INSERT INTO ferry.load_page (mapping, target, start_locator, next_locator, rows) VALUES ($1, $2, $3, $4, $5)',
    [mapping, target, start, page.next, page.rows]);
  await db.query('UPDATE ferry.load_checkpoint SET rows_loaded = rows_loaded + $3, done = done OR $4 WHERE mapping = $1 AND target = $2',
    [mapping, target, page.rows, page.next === null]);
}
