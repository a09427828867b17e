// Simulated org users: changes random records at a steady rate so a running sync always has something to
// replicate. Mostly updates, some creates, a few deletes and undeletes, all through the store's normal write
// path (validation, SystemModstamp, change events) with origin 'emulator/mutator', never API-charged.
import { SfRecordError } from '../contract.js';
import { fieldGenerators, prng, syntheticValues, type Gen } from '../org/seed.js';
import type { MemoryOrgStore } from '../org/store.js';
import { DELETED, LIVE, type Table } from '../org/table.js';

export const MUTATOR_ORIGIN = 'emulator/mutator';
const TICK_MS = 50;
/** Cumulative shares of update / create / delete; the rest are undeletes. */
const MIX = { update: 0.8, create: 0.9, delete: 0.97 };
const UPDATABLE = new Set(['string', 'picklist', 'phone', 'url', 'int', 'double', 'currency', 'percent', 'boolean', 'date', 'email']);

export interface MutatorOptions {
  /** Changes per second across all objects. */
  ratePerSecond: number;
  /** Objects to touch (default: Account, Contact, Lead, Opportunity and every custom object). */
  objects?: string[];
  randomSeed?: number;
}

export interface MutatorStatus {
  running: boolean;
  ratePerSecond: number;
  objects: string[];
  applied: Record<'update' | 'create' | 'delete' | 'undelete', number>;
  failed: number;
}

export class Mutator {
  private timer: NodeJS.Timeout | null = null;
  private opts: Required<MutatorOptions> = { ratePerSecond: 0, objects: [], randomSeed: 1 };
  private rng = prng(1);
  private carry = 0;
  private lastTick = 0;
  private gens = new Map<string, { slot: Table['fields'][number]; gen: Gen }[]>();
  private applied: MutatorStatus['applied'] = { update: 0, create: 0, delete: 0, undelete: 0 };
  private failed = 0;

  constructor(private readonly store: MemoryOrgStore) {}

  start(opts: MutatorOptions): MutatorStatus {
    if (!(opts.ratePerSecond > 0) || !Number.isFinite(opts.ratePerSecond)) throw new Error('ratePerSecond must be a positive number');
    const objects = opts.objects ?? this.defaultObjects();
    for (const o of objects) if (!this.store.describe(o)) throw new Error(`unknown object ${o}`);
    this.stop();
    this.opts = { ratePerSecond: opts.ratePerSecond, objects, randomSeed: opts.randomSeed ?? 1 };
    this.rng = prng(this.opts.randomSeed);
    this.gens.clear();
    this.lastTick = Date.now();
    this.carry = 0;
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
    return this.status();
  }

  stop(): MutatorStatus {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    return this.status();
  }

  status(): MutatorStatus {
    return { running: this.timer !== null, ratePerSecond: this.opts.ratePerSecond, objects: this.opts.objects, applied: { ...this.applied }, failed: this.failed };
  }

  /** Drops cached generators (they hold the tables, which an org reset replaces). */
  forgetTables(): void {
    this.gens.clear();
  }

  private defaultObjects(): string[] {
    return this.store.objects().filter((o) => o.custom || ['Account', 'Contact', 'Lead', 'Opportunity'].includes(o.name)).map((o) => o.name);
  }

  /** Applies `n` changes now (also what each tick does); returns how many succeeded. */
  step(n: number): number {
    if (this.opts.objects.length === 0) this.opts.objects = this.defaultObjects();
    let ok = 0;
    this.store.transaction(MUTATOR_ORIGIN, () => {
      for (let i = 0; i < n; i++) if (this.mutateOne()) ok++;
    });
    return ok;
  }

  private tick(): void {
    // Elapsed time, not tick count: a loaded event loop fires fewer ticks, and the rate must hold anyway
    // (catch-up capped at one second's worth, so a long stall does not become a burst).
    const now = Date.now();
    const elapsedMs = Math.min(now - this.lastTick, 1000);
    this.lastTick = now;
    this.carry += (this.opts.ratePerSecond * elapsedMs) / 1000;
    const n = Math.floor(this.carry);
    this.carry -= n;
    if (n > 0) this.step(n);
  }

  private generators(object: string) {
    let g = this.gens.get(object);
    if (!g) {
      g = fieldGenerators(this.store, object);
      this.gens.set(object, g);
    }
    return g;
  }

  private randomRow(table: Table, status: number): number {
    if (table.size === 0) return -1;
    for (let attempt = 0; attempt < 20; attempt++) {
      const r = Math.floor(this.rng() * table.size);
      if (table.status[r] === status) return r;
    }
    return -1;
  }

  private mutateOne(): boolean {
    const object = this.opts.objects[Math.floor(this.rng() * this.opts.objects.length)];
    const table = this.store.tableByName(object)!;
    const dice = this.rng();
    try {
      if (dice < MIX.create || table.liveCount === 0) {
        const kind = dice < MIX.update && table.liveCount > 0 ? 'update' : 'create';
        if (kind === 'update') {
          const row = this.randomRow(table, LIVE);
          if (row < 0) return false;
          const candidates = this.generators(object).filter((g) => UPDATABLE.has(g.slot.def.type) && g.slot.def.updateable && !g.slot.def.unique);
          const pick = candidates[Math.floor(this.rng() * candidates.length)];
          if (!pick) return false;
          this.store.update(object, table.idOf(row), { [pick.slot.def.name]: pick.gen(row + 1, this.rng) }, MUTATOR_ORIGIN);
        } else {
          this.store.create(object, syntheticValues(this.generators(object), table.size + 1, this.rng), MUTATOR_ORIGIN);
        }
        this.applied[kind]++;
        return true;
      }
      const deleting = dice < MIX.delete;
      const row = this.randomRow(table, deleting ? LIVE : DELETED);
      if (row < 0) return false;
      if (deleting) this.store.remove(object, table.idOf(row), MUTATOR_ORIGIN);
      else this.store.undelete(object, table.idOf(row), MUTATOR_ORIGIN);
      this.applied[deleting ? 'delete' : 'undelete']++;
      return true;
    } catch (err) {
      if (!(err instanceof SfRecordError)) throw err;
      this.failed++;
      return false;
    }
  }
}
