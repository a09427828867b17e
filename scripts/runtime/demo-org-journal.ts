// The demo org's memory across `npm start` restarts: a journal of every change the org commits (records
// created, updated, deleted, undeleted, purged, admin seeds and resets), appended as JSON lines under .data/demo-org/.
// At start the deterministic seed is rebuilt, then the journal is replayed in order; record ids come from the
// order of creation, so every record gets back the id it had and the org agrees with what ferry synced into
// Postgres. The emulator is not changed for this: the journal listens
// to the org's change events and wraps the admin's seed/reset/purge.
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { Emulator } from '../../emulator/server';

type SfRecord = Record<string, unknown>;

export type JournalEntry =
  | { c: 'header'; v: 1; seed: Record<string, number> }
  | { c: 'SEED'; counts: Record<string, number>; randomSeed?: number }
  | { c: 'CREATE'; o: string; id: string; v: SfRecord }
  | { c: 'UPDATE'; o: string; id: string; v: SfRecord }
  | { c: 'DELETE' | 'UNDELETE' | 'PURGE'; o: string; id: string }
  | { c: 'RESET' };

interface ChangeEventLike {
  changeType: string;
  object: string;
  recordId: string;
  record: SfRecord;
  changedFields: string[];
}

export interface DemoOrgJournal {
  /** Entries replayed at start. */
  replayed: number;
  /** Replay entries that did not apply as recorded (reported, then skipped). */
  problems: string[];
  /** Flushes and closes the journal (on shutdown). */
  close(): Promise<void>;
}

function writable(org: Emulator['org'], object: string, values: SfRecord, fields: string[] | null, flag: 'createable' | 'updateable'): SfRecord {
  const def = org.describe(object);
  if (!def) return {};
  const allowed = new Set(def.fields.filter((f) => f[flag] && !f.calculated).map((f) => f.name));
  const out: SfRecord = {};
  for (const name of fields ?? Object.keys(values)) if (allowed.has(name) && values[name] !== undefined) out[name] = values[name];
  return out;
}

function replay(org: Emulator, entry: JournalEntry): string | undefined {
  const admin = org.admin;
  switch (entry.c) {
    case 'header':
      return undefined;
    case 'SEED':
      admin.seed(entry.counts, entry.randomSeed);
      return undefined;
    case 'CREATE': {
      const id = admin.create(entry.o, entry.v as never);
      return id === entry.id ? undefined : `${entry.o} created as ${id}, journaled as ${entry.id}`;
    }
    case 'UPDATE':
      admin.update(entry.o, entry.id, entry.v as never);
      return undefined;
    case 'DELETE':
      admin.remove(entry.o, entry.id);
      return undefined;
    case 'UNDELETE':
      admin.undelete(entry.o, entry.id);
      return undefined;
    case 'PURGE':
      admin.purge(entry.o, entry.id);
      return undefined;
    case 'RESET':
      admin.reset();
      return undefined;
  }
}

/**
 * Replays dir/journal.jsonl into a freshly seeded `org` (when it was written for the same seed), then records
 * every further change. Call before anything else talks to the org.
 */
export function attachJournal(org: Emulator, dir: string, seed: Record<string, number>): DemoOrgJournal {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'journal.jsonl');
  const problems: string[] = [];
  let replayed = 0;
  let keep = false;
  if (existsSync(file)) {
    const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '');
    const header = lines.length ? (JSON.parse(lines[0]) as JournalEntry) : undefined;
    if (header?.c === 'header' && JSON.stringify(header.seed) === JSON.stringify(seed)) {
      keep = true;
      for (const line of lines.slice(1)) {
        let entry: JournalEntry;
        try {
          entry = JSON.parse(line) as JournalEntry;
        } catch {
          problems.push('a torn last line (the previous run stopped mid-write) was skipped');
          continue;
        }
        try {
          const problem = replay(org, entry);
          if (problem) problems.push(problem);
        } catch (err) {
          problems.push(`${entry.c} ${'o' in entry ? entry.o : ''} ${'id' in entry ? entry.id : ''}: ${(err as Error).message}`);
        }
        replayed++;
      }
    } else {
      renameSync(file, `${file}.${Date.now()}.old`);
    }
  }

  const out: WriteStream = createWriteStream(file, { flags: keep ? 'a' : 'w', mode: 0o600 });
  const write = (entry: JournalEntry) => out.write(`${JSON.stringify(entry)}\n`);
  if (!keep) write({ c: 'header', v: 1, seed });

  const onChange = (e: ChangeEventLike) => {
    switch (e.changeType) {
      case 'CREATE':
        write({ c: 'CREATE', o: e.object, id: e.recordId, v: writable(org.org, e.object, e.record, null, 'createable') });
        break;
      case 'UPDATE':
        write({ c: 'UPDATE', o: e.object, id: e.recordId, v: writable(org.org, e.object, e.record, e.changedFields, 'updateable') });
        break;
      case 'DELETE':
      case 'UNDELETE':
        write({ c: e.changeType, o: e.object, id: e.recordId });
        break;
    }
  };
  const emitter = org.org as unknown as NodeJS.EventEmitter;
  emitter.on('change', onChange);

  // Seeds, purges and resets raise no change event: the admin's methods are wrapped to journal them.
  const admin = org.admin;
  const seedFn = admin.seed.bind(admin);
  admin.seed = (counts, randomSeed) => {
    const added = seedFn(counts, randomSeed);
    write({ c: 'SEED', counts, ...(randomSeed === undefined ? {} : { randomSeed }) });
    return added;
  };
  const purgeFn = admin.purge.bind(admin);
  admin.purge = (object, id) => {
    purgeFn(object, id);
    write({ c: 'PURGE', o: object, id });
  };
  const resetFn = admin.reset.bind(admin);
  admin.reset = () => {
    resetFn();
    write({ c: 'RESET' });
  };

  return {
    replayed,
    problems,
    close: () => new Promise<void>((done) => {
      emitter.off('change', onChange);
      out.end(done);
    }),
  };
}
