// Compares a mapping table with the org record by record: both sides are reduced to canonical text per
// field (numbers by value, datetimes by instant, empty = null), and a difference names the record and field.
import { createHash } from 'node:crypto';
import type { Connection } from 'jsforce';
import type { Pool } from '../../infra/db';
import { eventually } from './org';

export interface FieldSpec {
  name: string;
  type: 'string' | 'number' | 'boolean' | 'datetime' | 'date';
}

function canonical(value: unknown, type: FieldSpec['type']): string | null {
  if (value === null || value === undefined || value === '') return null;
  switch (type) {
    case 'number':
      return String(Number(value));
    case 'boolean':
      return String(value === true || value === 'true');
    case 'datetime': {
      const text = String(value);
      // Postgres `timestamp` text has no zone; it holds UTC.
      const ms = /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? Date.parse(text.replace(/([+-]\d\d)(\d\d)$/, '$1:$2')) : Date.parse(`${text.replace(' ', 'T')}Z`);
      return String(ms);
    }
    default:
      return String(value);
  }
}

export interface Snapshot {
  rows: Map<string, (string | null)[]>;
  checksum: string;
}

function snapshot(rows: Iterable<[string, (string | null)[]]>): Snapshot {
  const map = new Map(rows);
  const hash = createHash('sha256');
  for (const id of [...map.keys()].sort()) hash.update(JSON.stringify([id, map.get(id)]));
  return { rows: map, checksum: hash.digest('hex') };
}

/**
 * The org's live (not deleted) records of an object, through REST with autoFetch. (jsforce's bulk2.query()
 * pipes every result page into one CSV parser without waiting for the previous page to drain, so pages can
 * interleave on large results; ferry's own loader reads pages one by one for that reason.)
 */
export async function orgSnapshot(conn: Connection, object: string, fields: FieldSpec[], where?: string): Promise<Snapshot> {
  const result = await conn.query<Record<string, unknown>>(`SELECT Id, ${fields.map((f) => f.name).join(', ')} FROM ${object}${where ? ` WHERE ${where}` : ''}`)
    .run({ autoFetch: true, maxFetch: 10_000_000 });
  return snapshot(result.records.map((r) => [String(r.Id), fields.map((f) => canonical(r[f.name], f.type))]));
}

export async function tableSnapshot(pool: Pool, qualifiedTable: string, fields: FieldSpec[]): Promise<Snapshot> {
  const cols = fields.map((f) => `${JSON.stringify(f.name.toLowerCase())}::text`).join(', ');
  const { rows } = await pool.query({ text: `SELECT sfid, ${cols} FROM ${qualifiedTable}`, rowMode: 'array' });
  return snapshot((rows as unknown[][]).map((r) => [String(r[0]), fields.map((f, i) => canonical(r[i + 1], f.type))]));
}

/** The first few differences, for a readable failure. */
export function differences(org: Snapshot, table: Snapshot, fields: FieldSpec[], max = 5): string[] {
  const out: string[] = [];
  for (const [id, values] of org.rows) {
    const mine = table.rows.get(id);
    if (!mine) out.push(`${id}: missing from the table`);
    else fields.forEach((f, i) => values[i] !== mine[i] && out.push(`${id}.${f.name}: org ${values[i]} ≠ table ${mine[i]}`));
    if (out.length >= max) return out;
  }
  for (const id of table.rows.keys()) {
    if (!org.rows.has(id)) out.push(`${id}: in the table, not in the org`);
    if (out.length >= max) break;
  }
  return out;
}

export interface EqualWait {
  conn: Connection;
  pool: Pool;
  object: string;
  qualifiedTable: string;
  fields: FieldSpec[];
  /** Only the org's records matching this SOQL condition (a filtered mapping's scope). */
  where?: string;
  timeoutMs?: number;
}

/** Waits until the table holds exactly the org's records (those matching `where`), field by field; fails listing the differences. */
export async function untilEqual(w: EqualWait): Promise<void> {
  let diff: string[] = [];
  await eventually(`${w.qualifiedTable} equal to the org's ${w.object} records${w.where ? ` WHERE ${w.where}` : ''}`, async () => {
    const [o, t] = await Promise.all([orgSnapshot(w.conn, w.object, w.fields, w.where), tableSnapshot(w.pool, w.qualifiedTable, w.fields)]);
    diff = differences(o, t, w.fields, 20);
    return o.checksum === t.checksum ? true : undefined;
  }, w.timeoutMs ?? 60_000, 250).catch((err: Error) => {
    throw new Error(`${err.message}\n${diff.join('\n')}`);
  });
}
