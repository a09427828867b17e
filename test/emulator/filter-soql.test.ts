// The WHERE shapes ferry builds for record filters (domain/record-filter.ts), evaluated by the emulator as
// Salesforce does: a filter and its NOT partition the records (blank fields included: SOQL has no unknown),
// date literals, IN, LIKE, AND/OR/NOT precedence, and the filter ANDed before an Id list.
import { resolve } from 'node:path';
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server';
import { andScope, filterChangeQueries, leftScopeQuery, scopedCountQuery } from '../../domain/record-filter';
import { recordsByIdQuery } from '../../domain/soql';
import { jsforceFor, startOrg } from '../support/org';

let emulator: Emulator;
let conn: Connection;
const ids: Record<string, string> = {};

beforeAll(async () => {
  emulator = await startOrg({ schemaFile: resolve(__dirname, '../fixtures/filters-formulas-schema.json') });
  conn = await jsforceFor(emulator);
  const rows: Record<string, Record<string, unknown>> = {
    goldActive: { Name: 'Alpha', Tier__c: 'Gold', IsActive__c: true },
    goldIdle: { Name: 'Bravo', Tier__c: 'Gold', IsActive__c: false },
    silverActive: { Name: 'Avalon', Tier__c: 'Silver', IsActive__c: true },
    blankTier: { Name: 'Charlie', IsActive__c: false },
  };
  for (const [key, values] of Object.entries(rows)) {
    const r = await conn.sobject('Account').create(values);
    if (!r.success) throw new Error('create failed');
    ids[key] = r.id;
  }
});

afterAll(async () => {
  await emulator?.close();
});

async function names(soql: string): Promise<string[]> {
  const r = await conn.query<{ Id: string }>(soql);
  return r.records.map((x) => Object.entries(ids).find(([, id]) => id === x.Id)?.[0] ?? x.Id).sort();
}

describe('record filter SOQL in the emulator', () => {
  it.each([
    ["Tier__c = 'Gold'", ['goldActive', 'goldIdle']],
    ["Tier__c != 'Gold'", ['blankTier', 'silverActive']],
    ["Tier__c IN ('Gold','Silver') AND IsActive__c = true", ['goldActive', 'silverActive']],
    ["Tier__c = 'Gold' OR IsActive__c = true AND Name LIKE 'A%'", ['goldActive', 'goldIdle', 'silverActive']],
    ["(Tier__c = 'Gold' OR IsActive__c = true) AND Name LIKE 'A%'", ['goldActive', 'silverActive']],
    ["NOT (Tier__c = 'Gold' OR Tier__c = null)", ['silverActive']],
    ['CreatedDate = LAST_N_DAYS:365 AND IsActive__c = false', ['blankTier', 'goldIdle']],
    ['CreatedDate < LAST_N_DAYS:365', []],
    ['Tier__c NOT IN (\'Gold\')', ['blankTier', 'silverActive']],
    ["(NOT Tier__c = 'Gold') AND IsActive__c = false", ['blankTier']],
  ])('%s', async (filter, expected) => {
    const all = Object.values(ids).map((id) => `'${id}'`).join(',');
    const inScope = await names(`SELECT Id FROM Account WHERE ${andScope(`Id IN (${all})`, { sfFilter: filter })}`);
    expect(inScope).toEqual(expected);
    // The filter and its NOT partition the records, blank fields included.
    const outOfScope = await names(`SELECT Id FROM Account WHERE Id IN (${all}) AND NOT (${filter})`);
    expect([...inScope, ...outOfScope].sort()).toEqual(Object.keys(ids).sort());
  });

  it('counts, re-reads by id and finds the records changed out of scope with the filter ANDed in', async () => {
    const scope = { sfFilter: "Tier__c = 'Gold'" };
    expect((await conn.query(scopedCountQuery('Account', scope))).totalSize).toBe(2);
    const [byId] = recordsByIdQuery('Account', ['Id', 'Name'], Object.values(ids), undefined, '(Tier__c = \'Gold\')');
    expect(await names(byId)).toEqual(['goldActive', 'goldIdle']);
    expect(await names(leftScopeQuery('Account', Date.now() - 3_600_000, scope)!)).toEqual(['blankTier', 'silverActive']);
  });

  it('a filter change reads (new AND NOT old) and the Ids of (old AND NOT new)', async () => {
    const q = filterChangeQueries('Account', ['Id'], "Tier__c = 'Gold'", 'IsActive__c = true');
    expect(await names(q.fetch!)).toEqual(['silverActive']);
    expect(await names(q.drop!)).toEqual(['goldIdle']);
  });
});
