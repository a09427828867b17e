// The fault suite's verdict: an exact comparison of the org and the table — counts, missing and extra ids,
// every mapped field — and of the org's records for duplicates. The harness (harness.ts) waits for it to come
// out clean and asserts on it.
import type { Connection } from 'jsforce';
import type { Pool } from '../../infra/db';
import { orgSnapshot, tableSnapshot, type FieldSpec, type Snapshot } from '../support/compare';

export interface Verdict {
  lost: number;
  duplicated: number;
  /** Records present on both sides whose mapped fields differ. */
  mismatched: number;
  orgCount: number;
  tableCount: number;
  details: string[];
}

export interface VerdictOptions {
  /** Only records whose Name starts with this (a scenario's own rows); the whole object otherwise. */
  namePrefix?: string;
  /** An org field every record of the scenario holds uniquely: two org records with the same value are a duplicate. */
  uniqueField?: string;
  /** Rows Salesforce refused (FAILED, no sfid) are expected, not lost (the bad-rows scenario checks them itself). */
  allowFailed?: boolean;
}

function filterSnapshot(s: Snapshot, keep: (values: (string | null)[]) => boolean): Map<string, (string | null)[]> {
  return new Map([...s.rows].filter(([, v]) => keep(v)));
}

/** Compares `object` in the org (through `conn`) with `table` (schema-qualified, a constant of the test). */
export async function verdict(conn: Connection, pool: Pool, object: string, table: string, fields: FieldSpec[], opts: VerdictOptions = {}): Promise<Verdict> {
  const all = [...fields];
  if (opts.uniqueField && !all.some((f) => f.name === opts.uniqueField)) all.push({ name: opts.uniqueField, type: 'string' });
  const nameAt = all.findIndex((f) => f.name === 'Name');
  const mine = (v: (string | null)[]) => !opts.namePrefix || (nameAt >= 0 && (v[nameAt] ?? '').startsWith(opts.namePrefix));
  const [o, t] = await Promise.all([orgSnapshot(conn, object, all), tableSnapshot(pool, table, all)]);
  const orgRows = filterSnapshot(o, mine);
  const tableRows = filterSnapshot(t, mine);
  const details: string[] = [];
  let lost = 0;
  let mismatched = 0;
  for (const [sfid, values] of orgRows) {
    const row = tableRows.get(sfid);
    if (!row) {
      lost++;
      if (details.length < 8) details.push(`${sfid}: in the org, missing from the table`);
    } else if (JSON.stringify(row) !== JSON.stringify(values)) {
      mismatched++;
      if (details.length < 8) details.push(`${sfid}: org ${JSON.stringify(values)} ≠ table ${JSON.stringify(row)}`);
    }
  }
  let extra = 0;
  for (const sfid of tableRows.keys()) {
    if (!orgRows.has(sfid)) {
      extra++;
      if (details.length < 8) details.push(`${sfid}: in the table, not in the org`);
    }
  }
  // Rows of the table without an sfid are writes not (yet) in the org: lost unless still on their way.
  const where = opts.namePrefix ? ' AND name LIKE $1' : '';
  const failedOk = opts.allowFailed ? " AND _hc_lastop IS DISTINCT FROM 'FAILED'" : '';
  const unsent = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE sfid IS NULL${failedOk}${where}`, opts.namePrefix ? [`${opts.namePrefix}%`] : [])).rows[0].n;
  const dupSfids = (await pool.query<{ n: number }>(
    `SELECT coalesce(sum(c - 1), 0)::int AS n FROM (SELECT count(*) AS c FROM ${table} WHERE sfid IS NOT NULL${where} GROUP BY sfid HAVING count(*) > 1) d`,
    opts.namePrefix ? [`${opts.namePrefix}%`] : [])).rows[0].n;
  let dupOrg = 0;
  if (opts.uniqueField) {
    const at = all.findIndex((f) => f.name === opts.uniqueField);
    const seen = new Map<string, number>();
    for (const v of orgRows.values()) {
      const key = v[at];
      if (key !== null) seen.set(key, (seen.get(key) ?? 0) + 1);
    }
    for (const [key, n] of seen) {
      if (n > 1) {
        dupOrg += n - 1;
        if (details.length < 8) details.push(`${opts.uniqueField}=${key}: ${n} records in the org`);
      }
    }
  }
  if (unsent > 0) details.push(`${unsent} table rows have no sfid`);
  return { lost: lost + extra + unsent, duplicated: dupSfids + dupOrg, mismatched, orgCount: orgRows.size, tableCount: tableRows.size + unsent, details };
}
