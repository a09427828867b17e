// Synthetic records for demos, tests and benchmarks, deterministic for a given random seed. Seeding writes
// the columns directly (no per-record validation or change events: the records are the org's history, not
// changes a sync should see as they happen) with SystemModstamps spread over the past 30 days, which is what
// lets a million records load in about a second.
import type { SfFieldType } from '../contract.js';
import type { EmulatorFieldDef } from './field-defs.js';
import { deriveComputedFields } from './org-rules.js';
import { LIVE, type Table } from './table.js';
import type { MemoryOrgStore } from './store.js';

const HISTORY_MS = 30 * 86_400_000;
const FIRST = ['Ada', 'Grace', 'Alan', 'Linus', 'Margaret', 'Ken', 'Barbara', 'Dennis', 'Frances', 'Edsger', 'Radia', 'John'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Torvalds', 'Hamilton', 'Thompson', 'Liskov', 'Ritchie', 'Allen', 'Dijkstra', 'Perlman', 'Backus'];
const WORDS = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Tyrell', 'Cyberdyne', 'Soylent', 'Hooli', 'Vandelay', 'Wonka'];
const CITIES = ['Paris', 'Lyon', 'Berlin', 'Madrid', 'Lisbon', 'Dublin', 'Oslo', 'Vienna', 'Prague', 'Rome'];

/** mulberry32: small, fast, good enough for synthetic data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const hash = (s: string) => [...s].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, 7);
const pick = <T>(rng: () => number, list: readonly T[]): T => list[Math.floor(rng() * list.length)];

export type Gen = (i: number, rng: () => number) => string | number | boolean | null;

function generatorFor(store: MemoryOrgStore, table: Table, f: EmulatorFieldDef, now: number): Gen | null {
  const name = f.name;
  const rare = !f.nillable ? 1 : 0.85;
  const sometimes = (g: Gen): Gen => (i, rng) => (rng() < rare ? g(i, rng) : null);
  // Lower case, so the case-insensitive index can key on the value itself instead of a lower-cased copy.
  const keyStem = table.def.keyPrefix.toLowerCase();
  if (f.unique || f.externalId) return (i) => `${keyStem}-${String(i).padStart(8, '0')}`.slice(0, f.length || 255);
  if (name === 'Name' || name === 'LastName' || name === 'Company') {
    if (name === 'LastName') return (i, rng) => `${pick(rng, LAST)}-${i}`;
    return (i, rng) => `${pick(rng, WORDS)} ${table.def.label} ${i}`.slice(0, f.length || 255);
  }
  if (name === 'FirstName') return sometimes((_i, rng) => pick(rng, FIRST));
  const pools: Partial<Record<SfFieldType, readonly string[]>> = {
    phone: Array.from({ length: 500 }, (_, k) => `+33 1 ${String(10_000_000 + k * 7919).slice(0, 8)}`),
    url: WORDS.map((w) => `https://www.${w.toLowerCase()}.example`),
    string: [...CITIES, ...WORDS].map((w) => w.slice(0, Math.max(1, f.length))),
    date: Array.from({ length: 2000 }, (_, k) => new Date(now - k * 86_400_000).toISOString().slice(0, 10)),
  };
  switch (f.type) {
    case 'picklist': return f.picklistValues.length ? sometimes((_i, rng) => pick(rng, f.picklistValues).value) : null;
    case 'multipicklist': return f.picklistValues.length ? sometimes((_i, rng) => pick(rng, f.picklistValues).value) : null;
    case 'boolean': return (_i, rng) => rng() < 0.3;
    case 'int': return sometimes((_i, rng) => Math.floor(rng() * 10 ** Math.min(Math.max(f.precision - f.scale, 1), 6)));
    case 'double': case 'currency': case 'percent':
      return sometimes((_i, rng) => Math.round(rng() * 10 ** Math.min(Math.max(f.precision - f.scale, 1), 7)) / 100);
    case 'date': return sometimes((_i, rng) => pick(rng, pools.date!));
    case 'datetime': return sometimes((_i, rng) => Math.floor(now - rng() * 2 * HISTORY_MS));
    case 'email': return sometimes((i) => `user${i}@${table.def.label.toLowerCase().replace(/\W/g, '')}.example`);
    case 'phone': case 'url': case 'string': return sometimes((_i, rng) => pick(rng, pools[f.type]!));
    case 'reference': {
      const target = store.tableByName(f.referenceTo[0]);
      if (!target || target.liveCount === 0 || target === table) return null;
      const size = target.size;
      return sometimes((_i, rng) => {
        const r = Math.floor(rng() * size);
        return target.status[r] === LIVE ? target.idOf(r) : null;
      });
    }
    default: return null;
  }
}

/** Generators for the createable fields of `object` (shared by seeding and the mutator's creates and updates). */
export function fieldGenerators(store: MemoryOrgStore, object: string): { slot: Table['fields'][number]; gen: Gen }[] {
  const table = store.tableByName(object);
  if (!table) throw new Error(`unknown object ${object}`);
  const now = store.now();
  const gens: { slot: Table['fields'][number]; gen: Gen }[] = [];
  for (const slot of table.fields) {
    const f = slot.def;
    if (!slot.col || !f.createable || !f.sample || f.name === 'OwnerId') continue;
    const gen = generatorFor(store, table, f, now);
    if (gen) gens.push({ slot, gen });
  }
  return gens;
}

/** Wire values for one synthetic record (datetimes as strings), ready for OrgStore.create. */
export function syntheticValues(gens: ReturnType<typeof fieldGenerators>, seq: number, rng: () => number): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const { slot, gen } of gens) {
    const v = gen(seq, rng);
    if (v === null) continue;
    out[slot.def.name] = slot.def.type === 'datetime' ? new Date(v as number).toISOString() : v;
  }
  return out;
}

/** Appends `n` synthetic records to `object`; returns how many were added. */
export function seedObject(store: MemoryOrgStore, object: string, n: number, randomSeed: number): number {
  const table = store.tableByName(object);
  if (!table) throw new Error(`unknown object ${object}`);
  if (!Number.isInteger(n) || n < 0) throw new Error(`seed count must be a non-negative integer, got ${n}`);
  const rng = prng(randomSeed ^ hash(table.name) ^ table.size);
  const gens = fieldGenerators(store, object);
  const newest = table.logStamps.length ? table.logStamps.data[table.logStamps.length - 1] : 0;
  const stampAt = store.clock.history(newest, n, HISTORY_MS);
  const created = table.slot('CreatedDate')!.col!;
  const modified = table.slot('LastModifiedDate')!.col!;
  const system = ['CreatedById', 'LastModifiedById', 'OwnerId'].map((s) => table.slot(s)?.col).filter((c) => c !== undefined && c !== null);
  table.reserve(n);
  for (let k = 0; k < n; k++) {
    const row = table.appendRow();
    const seq = row + 1;
    for (const { slot, gen } of gens) {
      const v = gen(seq, rng);
      if (v === null) continue;
      slot.col!.set(row, v);
      if (slot.indexed) table.indexAdd(slot.def.name, String(v).toLowerCase(), row);
    }
    const stamp = stampAt(k);
    created.set(row, stamp);
    modified.set(row, stamp);
    for (const c of system) c.set(row, store.userId);
    deriveComputedFields(table, row);
    table.logChange(row, stamp);
  }
  return n;
}
