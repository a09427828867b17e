// The emulator's programmatic admin (the /__emulator HTTP API is a thin layer over it): seeding, simulated
// users, reset, counters, direct record changes (origin 'emulator/admin', never API-charged) and faults.
import type { OrgApiAccounting, ApiCounters } from '../accounting.js';
import type { SessionStore } from '../auth/sessions.js';
import type { ChangeType, SfRecord, StreamingControl } from '../contract.js';
import { seedObject } from '../org/seed.js';
import type { MemoryOrgStore } from '../org/store.js';
import type { QueryLocators } from '../rest/query-routes.js';
import type { FaultConfig, FaultInjector, FaultStats } from './faults.js';
import { DriftFaults, type DriftFaultConfig, type DriftFaultStats } from '../org/drift-faults.js';
import { Mutator, type MutatorOptions, type MutatorStatus } from './mutator.js';

const CHANGE_TYPES: readonly ChangeType[] = ['CREATE', 'UPDATE', 'DELETE', 'UNDELETE'];

export const ADMIN_ORIGIN = 'emulator/admin';

export interface AdminCounters {
  api: ApiCounters;
  usage: { used: number; max: number };
  faults: FaultStats;
  drift: DriftFaultStats;
  records: Record<string, number>;
  sessions: number;
  mutator: MutatorStatus;
  streaming?: { clients: number; published: Record<string, number> };
}

export interface AdminDeps {
  org: MemoryOrgStore;
  accounting: OrgApiAccounting;
  sessions: SessionStore;
  faults: FaultInjector;
  locators: QueryLocators;
  randomSeed: number;
  streaming: () => StreamingControl | undefined;
}

export class EmulatorAdmin {
  private readonly mutator: Mutator;

  constructor(private readonly deps: AdminDeps) {
    this.mutator = new Mutator(deps.org);
  }

  /** Adds `counts[object]` synthetic records per object, parents before children; returns the counts added. */
  seed(counts: Record<string, number>, randomSeed = this.deps.randomSeed): Record<string, number> {
    const org = this.deps.org;
    const names = Object.keys(counts).map((name) => {
      const def = org.describe(name);
      if (!def) throw new Error(`unknown object ${name}`);
      return def.name;
    });
    const byName = new Map(Object.entries(counts).map(([k, v]) => [org.describe(k)!.name, v]));
    const ordered: string[] = [];
    const visit = (name: string, path: Set<string>) => {
      if (ordered.includes(name) || path.has(name)) return;
      path.add(name);
      for (const f of org.describe(name)!.fields) {
        for (const target of f.referenceTo) if (byName.has(target) && target !== name) visit(target, path);
      }
      ordered.push(name);
    };
    for (const name of names) visit(name, new Set());
    const added: Record<string, number> = {};
    for (const name of ordered) added[name] = seedObject(org, name, byName.get(name)!, randomSeed);
    return added;
  }

  startMutating(opts: MutatorOptions): MutatorStatus {
    return this.mutator.start(opts);
  }
  stopMutating(): MutatorStatus {
    return this.mutator.stop();
  }
  mutationStatus(): MutatorStatus {
    return this.mutator.status();
  }
  /** Applies `n` simulated-user changes synchronously (deterministic tests). */
  mutateNow(n: number): number {
    return this.mutator.step(n);
  }

  /** Empties the org, stops the mutator, clears faults, usage, counters and query locators (sessions stay valid). */
  reset(): void {
    this.mutator.stop();
    this.mutator.forgetTables();
    this.deps.org.reset();
    this.deps.accounting.reset();
    this.deps.faults.clear();
    this.deps.org.drift.clear();
    this.deps.faults.stats = { delayed: 0, errors: 0, dropped: 0, cut: 0, stalled: 0 };
    this.deps.locators.clear();
  }

  counters(): AdminCounters {
    const org = this.deps.org;
    return {
      api: this.deps.accounting.snapshot(),
      usage: this.deps.accounting.usage(),
      faults: { ...this.deps.faults.stats },
      drift: { ...this.deps.org.drift.stats },
      records: Object.fromEntries(org.objects().map((o) => [o.name, org.count(o.name)])),
      sessions: this.deps.sessions.activeSessions(),
      mutator: this.mutator.status(),
      streaming: this.deps.streaming()?.stats(),
    };
  }

  getFaults(): FaultConfig & DriftFaultConfig & { requestLimitExceeded: boolean } {
    return { ...this.deps.faults.get(), ...this.deps.org.drift.get(), requestLimitExceeded: this.deps.accounting.forceLimitExceeded };
  }
  setFaults(patch: Partial<FaultConfig & DriftFaultConfig> & { requestLimitExceeded?: boolean }): FaultConfig & DriftFaultConfig & { requestLimitExceeded: boolean } {
    const { requestLimitExceeded, dropChangeEvents, dropPollResults, driftSeed, ...rest } = patch;
    const drift = Object.fromEntries(Object.entries({ dropChangeEvents, dropPollResults, driftSeed }).filter(([, v]) => v !== undefined));
    // Checked before either is applied: a refused patch changes nothing.
    new DriftFaults().set({ ...this.deps.org.drift.get(), ...drift });
    this.deps.faults.set(rest);
    this.deps.org.drift.set(drift);
    if (requestLimitExceeded !== undefined) this.deps.accounting.forceLimitExceeded = requestLimitExceeded;
    return this.getFaults();
  }
  clearFaults(): void {
    this.deps.faults.clear();
    this.deps.org.drift.clear();
    this.deps.accounting.forceLimitExceeded = false;
  }
  setDailyApiRequests(max: number): void {
    if (!Number.isInteger(max) || max < 0) throw new Error('dailyApiRequests must be a non-negative integer');
    this.deps.accounting.setDailyApiRequests(max);
  }

  expireSessions(): number {
    return this.deps.sessions.expireAll();
  }
  dropStreamingClients(): boolean {
    const s = this.deps.streaming();
    s?.dropAllClients();
    return s !== undefined;
  }
  expireReplayIds(olderThanMs: number): boolean {
    const s = this.deps.streaming();
    s?.expireReplayIds(olderThanMs);
    return s !== undefined;
  }
  /** Publishes a GAP_<changeType> change event for `recordIds` of `object` (subscribers must re-read them). */
  injectGap(object: string, changeType: ChangeType, recordIds: string[]): boolean {
    if (!CHANGE_TYPES.includes(changeType)) throw new Error(`changeType must be one of ${CHANGE_TYPES.join(', ')}, got ${String(changeType)}`);
    if (recordIds.length === 0) throw new Error('recordIds must name at least one record');
    const s = this.deps.streaming();
    s?.injectGap?.(this.changeEventObject(object), changeType, recordIds);
    return s !== undefined;
  }
  /** Publishes a GAP_OVERFLOW change event for `object` (subscribers must re-read the object). */
  injectOverflow(object: string): boolean {
    const s = this.deps.streaming();
    s?.injectOverflow?.(this.changeEventObject(object));
    return s !== undefined;
  }
  private changeEventObject(object: string): string {
    const def = this.deps.org.describe(object);
    if (!def) throw new Error(`unknown object ${object}`);
    return def.name;
  }

  create(object: string, values: SfRecord): string {
    return this.deps.org.create(object, values, ADMIN_ORIGIN);
  }
  update(object: string, id: string, values: SfRecord): void {
    this.deps.org.update(object, id, values, ADMIN_ORIGIN);
  }
  remove(object: string, id: string): void {
    this.deps.org.remove(object, id, ADMIN_ORIGIN);
  }
  undelete(object: string, id: string): void {
    this.deps.org.undelete(object, id, ADMIN_ORIGIN);
  }
  purge(object: string, id: string): void {
    this.deps.org.purge(object, id);
  }
  /** A record by id (every field), or undefined; deleted records only with includeDeleted. */
  record(object: string, id: string, includeDeleted = false): SfRecord | undefined {
    if (!this.deps.org.describe(object)) throw new Error(`unknown object ${object}`);
    return this.deps.org.get(object, id, includeDeleted);
  }
  /** Live (not deleted) records of an object. */
  countRecords(object: string): { object: string; count: number } {
    const def = this.deps.org.describe(object);
    if (!def) throw new Error(`unknown object ${object}`);
    return { object: def.name, count: this.deps.org.count(def.name) };
  }
}
