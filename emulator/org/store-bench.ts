// Store benchmark: `npx tsx emulator/org/store-bench.ts [records=5000000]` (add NODE_OPTIONS=--max-old-space-size=8192
// for 5M). Seeds a 10-field custom object, then measures what the REST and Bulk 2.0 surfaces lean on:
// seeding, memory per record, full-scan value iteration (CSV path), JSON rows, the incremental modstamp
// window, and create/update/upsert throughput. Prints one line of figures: rates per wall second, and per
// CPU second of this process (`…PerCpuS`, steadier when other work shares the machine).
import { loadavg } from 'node:os';
import { applyCustomSchema, parseCustomSchema } from './custom-schema.js';
import { seedObject } from './seed.js';
import { standardObjects } from './standard-objects.js';
import { MemoryOrgStore } from './store.js';
import { formatDatetime } from './values.js';

const total = Number(process.argv[2] ?? 5_000_000);
const schema = parseCustomSchema({
  objects: [{
    name: 'Bench__c', keyPrefix: 'a0B', fields: [
      { name: 'Ext__c', type: 'string', length: 40, externalId: true, unique: true },
      { name: 'Title__c', type: 'string' },
      { name: 'Amount__c', type: 'currency' },
      { name: 'Qty__c', type: 'int', precision: 9 },
      { name: 'Status__c', type: 'picklist', picklist: ['New', 'Open', 'Closed'] },
      { name: 'Active__c', type: 'boolean' },
      { name: 'Due__c', type: 'date' },
      { name: 'Seen_At__c', type: 'datetime' },
      { name: 'Email__c', type: 'email' },
      { name: 'Phone__c', type: 'phone' },
    ],
  }],
});
const mb = (n: number) => Math.round(n / 1e6);
const rate = (n: number, ms: number) => Math.round((n / Math.max(ms, 1)) * 1000);
const gc = (globalThis as { gc?: () => void }).gc;
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
/** Runs `fn`, returning [wall ms, process CPU ms]. */
const timed = (fn: () => void): [number, number] => {
  const wall = performance.now();
  const cpu = cpuMs();
  fn();
  return [performance.now() - wall, cpuMs() - cpu];
};

gc?.();
const base = process.memoryUsage();
const org = new MemoryOrgStore({ objects: applyCustomSchema(standardObjects(), schema), apiVersion: '62.0', username: 'bench@ferry' });

const [seed1mMs, seed1mCpu] = timed(() => seedObject(org, 'Bench__c', 1_000_000, 1));
if (total > 1_000_000) seedObject(org, 'Bench__c', total - 1_000_000, 2);
gc?.();
const mem = process.memoryUsage();
const usedBytes = mem.heapUsed + mem.arrayBuffers - base.heapUsed - base.arrayBuffers;

let t = performance.now();
const cursor = org.queryCursor('SELECT Id, Ext__c, Title__c, Amount__c, Qty__c, Status__c, Active__c, Due__c, Seen_At__c, SystemModstamp FROM Bench__c', { scanAll: false });
const planMs = performance.now() - t;
let cells = 0;
const rows = Math.min(cursor.size, 1_000_000);
const [valuesMs, valuesCpu] = timed(() => {
  for (let i = 0; i < rows; i++) cells += cursor.values(i).length;
});
const [jsonMs, jsonCpu] = timed(() => {
  for (let i = 0; i < 200_000; i++) cursor.row(i);
});

const sinceRow = org.tableByName('Bench__c')!;
const since = sinceRow.logStamps.data[sinceRow.logStamps.length - 10_001];
t = performance.now();
const window = org.queryCursor(`SELECT Id, SystemModstamp FROM Bench__c WHERE SystemModstamp > ${formatDatetime(since)} ORDER BY SystemModstamp, Id`, { scanAll: false });
const windowMs = performance.now() - t;

const N = 50_000;
const created: string[] = [];
const [createMs, createCpu] = timed(() => org.transaction('bench', () => {
  for (let i = 0; i < N; i++) {
    created.push(org.create('Bench__c', { Ext__c: `new-${i}`, Title__c: 'Created', Amount__c: '12.5', Qty__c: '3', Status__c: 'Open', Active__c: 'true', Due__c: '2024-01-01', Seen_At__c: '2024-01-01T00:00:00.000Z' }, 'bench'));
  }
}));
const [updateMs, updateCpu] = timed(() => {
  for (let i = 0; i < N; i++) org.update('Bench__c', created[i], { Title__c: 'Updated', Qty__c: '4' }, 'bench');
});
const [upsertMs, upsertCpu] = timed(() => {
  for (let i = 0; i < N; i++) org.upsert('Bench__c', 'Ext__c', `new-${i * 2}`, { Title__c: 'Upserted' }, 'bench');
});

console.log(JSON.stringify({
  records: org.count('Bench__c'), seed1mMs: Math.round(seed1mMs), seedPerS: rate(1_000_000, seed1mMs), seedPerCpuS: rate(1_000_000, seed1mCpu),
  heapPlusBuffersMB: mb(usedBytes), bytesPerRecord: Math.round(usedBytes / total), rssMB: mb(mem.rss),
  fullScanPlanMs: Math.round(planMs), valuesRowsPerS: rate(rows, valuesMs), valuesRowsPerCpuS: rate(rows, valuesCpu),
  jsonRowsPerS: rate(200_000, jsonMs), jsonRowsPerCpuS: rate(200_000, jsonCpu), cells,
  modstampWindowRows: window.size, modstampWindowMs: Math.round(windowMs * 100) / 100,
  createPerS: rate(N, createMs), createPerCpuS: rate(N, createCpu), updatePerS: rate(N, updateMs), updatePerCpuS: rate(N, updateCpu),
  upsertPerS: rate(N, upsertMs), upsertPerCpuS: rate(N, upsertCpu), loadAverage: Math.round(loadavg()[0] * 10) / 10,
}));
