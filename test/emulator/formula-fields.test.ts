// Calculated fields the emulator evaluates (emulator/org/formulas.ts), seen through jsforce as ferry sees
// them: described calculated and read-only, recomputed when their inputs (or a roll-up's children) change,
// without touching the record's SystemModstamp.
import { resolve } from 'node:path';
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server';
import { parseFormula } from '../../emulator/org/formulas';
import { jsforceFor, startOrg } from '../support/org';

let emulator: Emulator;
let conn: Connection;

beforeAll(async () => {
  emulator = await startOrg({ schemaFile: resolve(__dirname, '../fixtures/filters-formulas-schema.json') });
  conn = await jsforceFor(emulator);
});

afterAll(async () => {
  await emulator?.close();
});

type Acc = { Id: string; Line_Count__c: number | null; Line_Total__c: number | null; Label__c: string | null; Doubled__c: number | null; SystemModstamp: string };

async function account(id: string): Promise<Acc> {
  const r = await conn.query<Acc>(`SELECT Id, Line_Count__c, Line_Total__c, Label__c, Doubled__c, SystemModstamp FROM Account WHERE Id = '${id}'`);
  return r.records[0];
}

describe('formula fields', () => {
  it('are described calculated, with their formula, and not createable or updateable', async () => {
    const d = await conn.sobject('Account').describe();
    const f = d.fields.find((x) => x.name === 'Line_Total__c')!;
    expect(f).toMatchObject({ calculated: true, calculatedFormula: 'SUM(Lines__r.Amount__c)', createable: false, updateable: false });
    expect(d.fields.find((x) => x.name === 'Tier__c')).toMatchObject({ calculated: false, updateable: true });
  });

  it('refuses writes to a calculated field', async () => {
    await expect(conn.sobject('Account').create({ Name: 'X', Line_Count__c: 3 })).rejects.toMatchObject({ errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE' });
  });

  it('row formulas follow their record; roll-ups follow the children; SystemModstamp stays', async () => {
    const a = await conn.sobject('Account').create({ Name: 'Acme', Tier__c: 'Gold' });
    const b = await conn.sobject('Account').create({ Name: 'Beta' });
    if (!a.success || !b.success) throw new Error('create failed');
    expect(await account(a.id)).toMatchObject({ Line_Count__c: 0, Line_Total__c: 0, Label__c: 'Acme (Gold)', Doubled__c: 2 });
    const stamp = (await account(a.id)).SystemModstamp;

    const l1 = await conn.sobject('Line__c').create({ Account__c: a.id, Amount__c: 10.5, Quantity__c: 3 });
    const l2 = await conn.sobject('Line__c').create({ Account__c: a.id, Amount__c: 4, Quantity__c: 2 });
    if (!l1.success || !l2.success) throw new Error('create failed');
    expect(await account(a.id)).toMatchObject({ Line_Count__c: 2, Line_Total__c: 14.5, Doubled__c: 31, SystemModstamp: stamp });
    const line = await conn.query<{ Total__c: number }>(`SELECT Total__c FROM Line__c WHERE Id = '${l1.id}'`);
    expect(line.records[0].Total__c).toBe(31.5);

    await conn.sobject('Line__c').update({ Id: l1.id, Amount__c: 20 });
    expect(await account(a.id)).toMatchObject({ Line_Count__c: 2, Line_Total__c: 24, SystemModstamp: stamp });
    // Moved to another parent: both roll-ups move.
    await conn.sobject('Line__c').update({ Id: l2.id, Account__c: b.id });
    expect(await account(a.id)).toMatchObject({ Line_Count__c: 1, Line_Total__c: 20, SystemModstamp: stamp });
    expect(await account(b.id)).toMatchObject({ Line_Count__c: 1, Line_Total__c: 4 });
    await conn.sobject('Line__c').destroy(l1.id);
    expect(await account(a.id)).toMatchObject({ Line_Count__c: 0, Line_Total__c: 0, SystemModstamp: stamp });
    // The formula's own record changing does move its stamp (it is an ordinary update).
    await conn.sobject('Account').update({ Id: a.id, Tier__c: 'Silver' });
    const after = await account(a.id);
    expect(after.Label__c).toBe('Acme (Silver)');
    expect(after.SystemModstamp).not.toBe(stamp);
  });

  it.each([
    ['Amount__c * 2', { kind: 'row', fields: ['Amount__c'] }],
    ["Name & ' x'", { kind: 'row', fields: ['Name'] }],
    ['COUNT(Lines__r)', { kind: 'rollup', fn: 'COUNT', relationship: 'Lines__r', field: null }],
    ['sum( Lines__r.Amount__c )', { kind: 'rollup', fn: 'SUM', relationship: 'Lines__r', field: 'Amount__c' }],
  ])('parses %s', (text, shape) => {
    expect(parseFormula(text)).toMatchObject(shape);
  });

  it.each([
    ['SUM(Lines__r)', 'SUM needs a child field'],
    ['(A__c + 1', 'unbalanced parentheses'],
    ['A__c + ', 'ends too early'],
    ['A__c # 2', 'cannot read the formula'],
  ])('refuses %s', (text, message) => {
    expect(() => parseFormula(text)).toThrow(message);
  });
});
