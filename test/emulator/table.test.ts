// The modstamp log behind incremental queries: after many updates (and the log compaction they trigger),
// each record appears once, at its latest change, and windows on SystemModstamp stay exact.
import { describe, expect, it } from 'vitest';
import { standardObjects } from '../../emulator/org/standard-objects.js';
import { MemoryOrgStore } from '../../emulator/org/store.js';

describe('modstamp log', () => {
  it('stays exact through 120,000 updates of 10 records', () => {
    let wall = Date.UTC(2024, 0, 1);
    const org = new MemoryOrgStore({ objects: standardObjects(), apiVersion: '62.0', username: 'u@example.com', now: () => wall });
    const ids = Array.from({ length: 10 }, (_, i) => org.create('Account', { Name: `A${i}` }, 't'));
    const lastTouch = new Map<string, number>();
    for (let k = 0; k < 120_000; k++) {
      wall += 1;
      const id = ids[(k * 7) % 10];
      org.update('Account', id, { NumberOfEmployees: k }, 't');
      lastTouch.set(id, wall);
    }
    const table = org.tableByName('Account')!;
    expect(table.logRows.length).toBeLessThan(120_000);
    const all = org.queryCursor('SELECT Id, NumberOfEmployees FROM Account ORDER BY SystemModstamp, Id', { scanAll: false });
    const order = Array.from({ length: all.size }, (_, i) => all.values(i)[0] as string);
    expect(order).toEqual([...ids].sort((a, b) => lastTouch.get(a)! - lastTouch.get(b)!));
    const cut = new Date(wall - 3).toISOString();
    const recent = org.queryCursor(`SELECT Id FROM Account WHERE SystemModstamp > ${cut}`, { scanAll: false });
    expect(recent.size).toBe(3);
    const updated = org.updatedIds('Account', wall - 5, wall);
    expect(updated).toEqual(order.slice(-6));
  });
});
