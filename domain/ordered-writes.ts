// Ordered writes across mappings, without I/O. An app inserts a parent and its children in one transaction,
// the children naming the parent by a relationship external ID; each mapping flushes on its own timer, so a
// child's flush can come first, and Salesforce would refuse the child ("Foreign key external ID … not found").
// ferry orders them by dependency: a child write whose parent row is still waiting to reach Salesforce (the
// parent's row has no sfid and is PENDING) is held back — put back in its queue, unchanged — and the child's
// mapping flushes again after a short, bounded delay, by which time the parent's flush has run. Everything else
// in the flush is sent at once, so throughput never drops to one row at a time. A write is held back at most
// ORDERED_WRITE_MAX_WAIT_MS after it was captured: after that it is sent as it is, and a parent that never
// made it shows as Salesforce's own error on the child's row.
//
// Heroku Connect's export names the algorithm per connection: features.poll_db_no_merge true = ordered
// writes (ferry's default), false = merged writes (no holding back; a child sent before its parent fails).

/** How long a child write may wait for its parent before it is sent anyway. */
export const ORDERED_WRITE_MAX_WAIT_MS = 5 * 60_000;
/** The flush after one that held writes back comes this soon (bounded, whatever the flush interval). */
export const ORDERED_WRITE_RETRY_MS = 2_000;

export type WriteAlgorithm = 'ordered' | 'merged';

/** `connection.features` of an export (or ferry's stored copy) → the write algorithm. */
export function writeAlgorithmOf(features: Record<string, unknown> | null | undefined): WriteAlgorithm {
  return features?.poll_db_no_merge === false ? 'merged' : 'ordered';
}

/** A parent a write names: the parent's table and External ID column, and the value. */
export interface ParentRef { table: string; column: string; value: string }

export interface OrderCandidate<W> {
  write: W;
  parents: readonly ParentRef[];
  /** When the write's oldest change was captured. */
  queuedAtMs: number;
}

export const parentKey = (p: ParentRef): string => `${p.table}\u0000${p.column}\u0000${p.value}`;

/**
 * Splits a flush's writes into those to send now and those to hold back: a write waits when one of its
 * parents is among `unsentParents` (keys of parentKey) and it has waited less than maxWaitMs.
 */
export function orderWrites<W>(
  candidates: readonly OrderCandidate<W>[], unsentParents: ReadonlySet<string>, nowMs: number, maxWaitMs = ORDERED_WRITE_MAX_WAIT_MS,
): { send: W[]; hold: W[] } {
  const send: W[] = [];
  const hold: W[] = [];
  for (const c of candidates) {
    const waiting = c.parents.some((p) => unsentParents.has(parentKey(p)));
    if (waiting && nowMs - c.queuedAtMs < maxWaitMs) hold.push(c.write);
    else send.push(c.write);
  }
  return { send, hold };
}
