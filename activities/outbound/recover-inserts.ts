// Duplicate safety for inserts without an External ID. A create that reached Salesforce but whose answer was
// lost (worker killed, connection dropped) must not be sent again. When a flush resumes an attempt that may
// have sent creates, it first asks Salesforce for records created since that attempt started and matches
// them to the pending inserts by the exact values ferry sent (one record per insert; records already linked
// to a row are skipped). Matched inserts are settled with the found Id; only the rest are sent again.
// Limit: two inserts with identical values are interchangeable, and a record another user created in that
// window with exactly the same values could be taken for ferry's. An upsert field avoids both.
import type { Connection } from 'jsforce';
import { comparableSfValue, type SendableField } from '../../domain/outbound-batch';
import type { PreparedWrite } from '../../domain/outbound-writes';

/** Clock skew allowed between ferry and Salesforce when looking for records created by the lost attempt. */
const SKEW_MS = 60_000;

function soqlDatetime(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

export async function recoverCreatedRecords(
  conn: Connection, objectName: string, fields: readonly SendableField[], inserts: readonly PreparedWrite[], sinceMs: number,
  linked: (ids: string[]) => Promise<Set<string>>,
): Promise<Map<PreparedWrite, string>> {
  const found = new Map<PreparedWrite, string>();
  if (inserts.length === 0) return found;
  const names = [...new Set(inserts.flatMap((w) => Object.keys(w.record)))];
  const typeOf = new Map(fields.map((f) => [f.name, f.sfType]));
  const key = (get: (name: string) => unknown) => JSON.stringify(names.map((n) => comparableSfValue(get(n), typeOf.get(n) ?? 'string')));
  const soql = `SELECT Id${names.length ? `, ${names.join(', ')}` : ''} FROM ${objectName} WHERE CreatedDate >= ${soqlDatetime(sinceMs - SKEW_MS)}`;
  const result = await conn.query<Record<string, unknown>>(soql).run({ autoFetch: true, maxFetch: 100_000 });
  const taken = await linked(result.records.map((r) => String(r.Id)));
  const candidates = new Map<string, string[]>();
  for (const r of result.records) {
    const id = String(r.Id);
    if (taken.has(id)) continue;
    const k = key((n) => r[n] ?? null);
    candidates.set(k, [...(candidates.get(k) ?? []), id]);
  }
  for (const w of inserts) {
    const id = candidates.get(key((n) => w.record[n] ?? null))?.shift();
    if (id) found.set(w, id);
  }
  return found;
}
