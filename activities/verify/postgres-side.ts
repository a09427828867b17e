// The Postgres side of a verify: the sampled bucket boundaries, and every row's (sfid, SystemModstamp in ms)
// streamed with COPY (no sort, no row objects), handed to a callback.
import { to as copyTo } from 'pg-copy-streams';
import { boundariesOf } from '../../domain/verify-buckets';
import { qualified } from '../../domain/sql-names';
import type { Pool } from '../../infra/db';

/** Rows with an sfid (rows inserted locally and not yet sent have none and are not Salesforce's). */
export async function countSyncedRows(pool: Pool, schema: string, table: string): Promise<number> {
  const { rows } = await pool.query<{ n: string }>(`SELECT count(sfid) AS n FROM ${qualified(schema, table)}`);
  return Number(rows[0].n);
}

/** The bucket boundaries: the table's ids whose hash falls on `modulus` (about one in `modulus`), sorted. */
export async function sampleBoundaries(pool: Pool, schema: string, table: string, modulus: number): Promise<string[]> {
  const { rows } = await pool.query<{ sfid: string }>(
    `SELECT sfid FROM ${qualified(schema, table)} WHERE sfid IS NOT NULL AND mod(abs(hashtext(sfid)::bigint), $1) = 0`, [modulus]);
  return boundariesOf(rows.map((r) => r.sfid));
}

/** Streams (sfid, stamp ms) of every synced row; a null stamp is read as 0. */
export async function streamRowStamps(pool: Pool, schema: string, table: string, onRow: (id: string, ms: number) => void): Promise<number> {
  const client = await pool.connect();
  try {
    const stream = client.query(copyTo(
      `COPY (SELECT sfid, coalesce(round(extract(epoch FROM systemmodstamp) * 1000), 0)::bigint FROM ${qualified(schema, table)} WHERE sfid IS NOT NULL) TO STDOUT`,
    ));
    let rest = '';
    let rows = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const text = rest + chunk.toString('latin1');
      let start = 0;
      for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
        const tab = text.indexOf('\t', start);
        onRow(text.slice(start, tab), Number(text.slice(tab + 1, nl)));
        rows++;
        start = nl + 1;
      }
      rest = text.slice(start);
    }
    return rows;
  } finally {
    client.release();
  }
}

/**
 * (sfid → stamp ms) of the rows in the Id ranges [lo, hi) (null: open), read through the sfid index. Ids compare
 * by code unit (as SOQL compares them): in a database whose collation is not C, the comparison names COLLATE
 * "C", which the sfid index (of the database's collation) cannot serve — correct, but a scan per range.
 */
export async function rowStampsInRanges(pool: Pool, schema: string, table: string, ranges: readonly { lo: string | null; hi: string | null }[]): Promise<Map<string, number>> {
  if (ranges.length === 0) return new Map();
  const { rows: [db] } = await pool.query<{ c: boolean }>("SELECT datcollate IN ('C', 'POSIX') AS c FROM pg_database WHERE datname = current_database()");
  const collate = db.c ? '' : ' COLLATE "C"';
  // '' sorts before every id and '~' after every id (ids are alphanumeric): open ends as bounds.
  const { rows } = await pool.query<{ sfid: string; ms: string }>(
    `SELECT t.sfid, coalesce(round(extract(epoch FROM t.systemmodstamp) * 1000), 0)::bigint AS ms
       FROM unnest($1::text[], $2::text[]) AS r(lo, hi)
       JOIN ${qualified(schema, table)} t ON t.sfid${collate} >= r.lo AND t.sfid${collate} < r.hi`,
    [ranges.map((r) => r.lo ?? ''), ranges.map((r) => r.hi ?? '~')]);
  return new Map(rows.map((r) => [r.sfid, Number(r.ms)]));
}

/** (sfid → stamp ms) of the given rows. */
export async function rowStamps(pool: Pool, schema: string, table: string, ids: readonly string[]): Promise<Map<string, number>> {
  if (ids.length === 0) return new Map();
  const { rows } = await pool.query<{ sfid: string; ms: string }>(
    `SELECT sfid, coalesce(round(extract(epoch FROM systemmodstamp) * 1000), 0)::bigint AS ms FROM ${qualified(schema, table)} WHERE sfid = ANY($1::varchar[])`,
    [ids]);
  return new Map(rows.map((r) => [r.sfid, Number(r.ms)]));
}
