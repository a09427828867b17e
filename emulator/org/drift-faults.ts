// Faults that make a replica drift from the org without any error: a fraction of change events is never
// published, and a fraction of the rows a poll query (a query filtered on SystemModstamp) would return is left
// out. Which ones is decided by a hash of (seed, record id, SystemModstamp), so a run is reproducible under a
// seed and the same version of a record is dropped by every overlapping poll window that reads it (it is lost,
// as a record the primary poll missed is lost), while its next version is judged afresh.

export interface DriftFaultConfig {
  /** Fraction of change events (CometD, Pub/Sub) silently not published. */
  dropChangeEvents: number;
  /** Fraction of rows silently left out of query results filtered on SystemModstamp (polls). */
  dropPollResults: number;
  /** Seed of the choice; the same seed drops the same record versions. */
  driftSeed: number;
}

export const NO_DRIFT: DriftFaultConfig = { dropChangeEvents: 0, dropPollResults: 0, driftSeed: 1 };

export interface DriftFaultStats {
  droppedChangeEvents: number;
  droppedPollRows: number;
}

/** A uniform number in [0, 1) for (seed, id, stamp, salt): FNV-1a, then a murmur-style finalizer. */
export function driftDraw(seed: number, id: string, stamp: number, salt: number): number {
  let h = (0x811c9dc5 ^ seed ^ salt) >>> 0;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (stamp % 4294967296), 0x01000193);
  h = Math.imul(h ^ Math.floor(stamp / 4294967296), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

const EVENT_SALT = 0x5eed0001;
const POLL_SALT = 0x5eed0002;

export class DriftFaults {
  private config: DriftFaultConfig = { ...NO_DRIFT };
  stats: DriftFaultStats = { droppedChangeEvents: 0, droppedPollRows: 0 };

  get(): DriftFaultConfig {
    return { ...this.config };
  }

  /** Merges `patch`; throws naming the bad key. */
  set(patch: Partial<DriftFaultConfig>): DriftFaultConfig {
    const next = { ...this.config, ...patch };
    for (const k of ['dropChangeEvents', 'dropPollResults'] as const) {
      if (typeof next[k] !== 'number' || !(next[k] >= 0 && next[k] <= 1)) throw new Error(`${k} must be a number in [0, 1]`);
    }
    if (!Number.isInteger(next.driftSeed)) throw new Error('driftSeed must be an integer');
    this.config = next;
    return this.get();
  }

  clear(): void {
    this.config = { ...NO_DRIFT };
    this.stats = { droppedChangeEvents: 0, droppedPollRows: 0 };
  }

  /** True when the change event of this record version is to be silently dropped (counted). */
  dropsChangeEvent(id: string, stamp: number): boolean {
    const p = this.config.dropChangeEvents;
    if (p <= 0 || driftDraw(this.config.driftSeed, id, stamp, EVENT_SALT) >= p) return false;
    this.stats.droppedChangeEvents++;
    return true;
  }

  /** Whether poll queries lose rows at all (the query engine then asks per row). */
  get dropsPollRows(): boolean {
    return this.config.dropPollResults > 0;
  }

  /** True when this record version is to be left out of a poll's results (counted). */
  dropsPollRow(id: string, stamp: number): boolean {
    const p = this.config.dropPollResults;
    if (p <= 0 || driftDraw(this.config.driftSeed, id, stamp, POLL_SALT) >= p) return false;
    this.stats.droppedPollRows++;
    return true;
  }
}
