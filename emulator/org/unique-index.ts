// A field's unique / external id index: lower-cased value → the rows holding it (soft-deleted ones included).
// An open-addressing hash table of (hash, row) pairs in one Int32Array; the keys themselves are not kept — a
// row whose hash matches is confirmed by reading its value from the column. Millions of indexed records then
// cost about 12 bytes each instead of a Map entry plus a lower-cased copy of every value, and a lookup touches
// one or two cache lines of the table instead of a Map's bucket, entry and key string scattered over a heap of
// several GB (most of the cost of a bulk insert's duplicate check at 5M records).

/** Rows of a table slot: 0 = never used (ends a probe), -1 = removed (a probe goes on past it), else row + 1. */
const EMPTY = 0;
const REMOVED = -1;
/** The table grows past this share of used slots (removed ones included), keeping probes short. */
const MAX_LOAD = 0.7;
const MIN_CAPACITY = 64;

/** What a lookup finds for a value no row holds. */
export const NO_ROWS: readonly number[] = Object.freeze([]);

/** FNV-1a over the UTF-16 code units, finished with murmur3's mix so that the low bits (the slot) vary too. */
export function keyHash(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

export class UniqueIndex {
  /** Slot i is (hash, row code) at [2i, 2i + 1]. */
  private slots: Int32Array;
  private mask: number;
  /** Slots holding a row or a removal mark. */
  private used = 0;
  /** Entries (rows indexed). */
  size = 0;

  /**
   * `keyOf(row)`: the row's current key (its lower-cased value; null when it has none), which the index
   * compares a lookup's key with when the hashes match.
   */
  constructor(private readonly keyOf: (row: number) => string | null, private readonly hash: (key: string) => number = keyHash) {
    this.slots = new Int32Array(2 * MIN_CAPACITY);
    this.mask = MIN_CAPACITY - 1;
  }

  /** Makes room for `entries` entries in all, so that adding up to that many rebuilds nothing. */
  reserve(entries: number): void {
    if (entries > this.capacity * MAX_LOAD) this.rebuild(capacityFor(entries));
  }

  /** Indexes `row` under `key` (which the caller is about to give the row, or has given it). */
  add(key: string, row: number): void {
    if (this.used + 1 > this.capacity * MAX_LOAD) {
      // Full of entries: twice the room; full of removal marks: the same room, without them.
      this.rebuild(this.size + 1 > (this.capacity * MAX_LOAD) / 2 ? this.capacity * 2 : this.capacity);
    }
    this.place(this.hash(key), row);
    this.size++;
  }

  /** Forgets `row` under `key`, which must still be the row's key (call before changing the column). */
  remove(key: string, row: number): void {
    // A row is only ever indexed under its current key; under a colliding hash it may not be removed.
    if (this.keyOf(row) !== key) return;
    const h = this.hash(key);
    const slots = this.slots;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const code = slots[2 * i + 1];
      if (code === EMPTY) return;
      if (code === row + 1 && slots[2 * i] === h) {
        slots[2 * i + 1] = REMOVED;
        this.size--;
      }
    }
  }

  /** The rows whose key is `key`, in no particular order. */
  rows(key: string): readonly number[] {
    const h = this.hash(key);
    const slots = this.slots;
    let found: number[] | undefined;
    for (let i = h & this.mask; ; i = (i + 1) & this.mask) {
      const code = slots[2 * i + 1];
      if (code === EMPTY) return found ?? NO_ROWS;
      if (code !== REMOVED && slots[2 * i] === h && this.keyOf(code - 1) === key) (found ??= []).push(code - 1);
    }
  }

  private get capacity(): number {
    return this.mask + 1;
  }

  private place(h: number, row: number): void {
    const slots = this.slots;
    let i = h & this.mask;
    while (slots[2 * i + 1] > 0) i = (i + 1) & this.mask;
    if (slots[2 * i + 1] === EMPTY) this.used++;
    slots[2 * i] = h;
    slots[2 * i + 1] = row + 1;
  }

  /** Re-places every entry in a table of `capacity` slots, dropping removal marks. */
  private rebuild(capacity: number): void {
    const old = this.slots;
    this.slots = new Int32Array(2 * capacity);
    this.mask = capacity - 1;
    this.used = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i + 1] > 0) this.place(old[i], old[i + 1] - 1);
  }
}

/** The smallest power-of-two table that holds `entries` within MAX_LOAD. */
function capacityFor(entries: number): number {
  let capacity = MIN_CAPACITY;
  while (capacity * MAX_LOAD < entries) capacity *= 2;
  return capacity;
}
