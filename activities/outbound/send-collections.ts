// Sends prepared writes through sObject Collections, ≤ 200 records a request, allOrNone=false so one bad
// record never blocks the others. Each chunk's results are written back as soon as it is answered, so a
// failure later in the flush leaves only unanswered writes PENDING for the retry. A request that fails as a
// whole (5xx, network, limits) throws: Temporal retries the flush, which resumes the PENDING entries.
import type { Connection } from 'jsforce';
import { chunk, COLLECTION_MAX } from '../../domain/outbound-batch';
import { nestRelationships } from '../../domain/relationship-fields';
import type { PreparedWrite, SettledWrite, WriteOutcome } from '../../domain/outbound-writes';
import { toErrorInfo } from '../../domain/outbound-writes';

interface SaveResult {
  id?: string;
  success: boolean;
  errors?: { statusCode?: string; message?: string; fields?: string[] }[];
}

/** Errors a delete may report for a record that is already gone: the delete has happened. */
const ALREADY_DELETED = new Set(['ENTITY_IS_DELETED', 'INVALID_CROSS_REFERENCE_KEY']);
/** Requests of one flush in flight at once. */
const CONCURRENCY = 4;

export interface CollectionTarget {
  objectName: string;
  /** External ID field for inserts (upsert), or null for plain creates. */
  upsertField: string | null;
}

function outcomeOf(r: SaveResult | undefined, kind: PreparedWrite['kind'], fallbackSfid: string | null): WriteOutcome {
  if (r?.success) return { ok: true, sfid: r.id ?? fallbackSfid };
  const first = r?.errors?.[0];
  if (kind === 'delete' && first?.statusCode && ALREADY_DELETED.has(first.statusCode)) return { ok: true, sfid: fallbackSfid };
  return { ok: false, error: toErrorInfo(first ?? { statusCode: 'UNKNOWN', message: 'Salesforce returned no result for this record' }) };
}

async function sendChunk(conn: Connection, target: CollectionTarget, kind: PreparedWrite['kind'], writes: PreparedWrite[]): Promise<SaveResult[]> {
  const attributes = { type: target.objectName };
  const json = { 'Content-Type': 'application/json' };
  if (kind === 'delete') {
    const ids = writes.map((w) => w.sfid!).join(',');
    return conn.request<SaveResult[]>({ method: 'DELETE', url: `/composite/sobjects?ids=${encodeURIComponent(ids)}&allOrNone=false`, headers: json });
  }
  if (kind === 'update') {
    const records = writes.map((w) => ({ attributes, ...nestRelationships(w.record), id: w.sfid }));
    return conn.request<SaveResult[]>({ method: 'PATCH', url: '/composite/sobjects', body: JSON.stringify({ allOrNone: false, records }), headers: json });
  }
  // Relationship external IDs (`Account.External_ID__c`) go as `"Account": {"External_ID__c": …}`.
  const records = writes.map((w) => ({ attributes, ...nestRelationships(w.record) }));
  if (target.upsertField) {
    const url = `/composite/sobjects/${encodeURIComponent(target.objectName)}/${encodeURIComponent(target.upsertField)}`;
    return conn.request<SaveResult[]>({ method: 'PATCH', url, body: JSON.stringify({ allOrNone: false, records }), headers: json });
  }
  return conn.request<SaveResult[]>({ method: 'POST', url: '/composite/sobjects', body: JSON.stringify({ allOrNone: false, records }), headers: json });
}

/** Sends every write, `kind` by `kind`; calls `settle` with each chunk's outcomes once Salesforce answered it. */
export async function sendCollections(
  conn: Connection, target: CollectionTarget, writes: readonly PreparedWrite[], settle: (s: SettledWrite[]) => Promise<void>,
): Promise<void> {
  const chunks: { kind: PreparedWrite['kind']; writes: PreparedWrite[] }[] = [];
  for (const kind of ['insert', 'update', 'delete'] as const) {
    for (const c of chunk(writes.filter((w) => w.kind === kind), COLLECTION_MAX)) chunks.push({ kind, writes: c });
  }
  let next = 0;
  const lane = async () => {
    while (next < chunks.length) {
      const c = chunks[next++];
      const results = await sendChunk(conn, target, c.kind, c.writes);
      await settle(c.writes.map((w, i) => ({ write: w.write, kind: c.kind, outcome: outcomeOf(results[i], c.kind, w.sfid) })));
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, chunks.length) }, lane));
}
