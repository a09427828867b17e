// "Never a crash": thousands of generated queries mixing every field type, operator and literal kind, with
// random nesting, must either evaluate or be refused with a Salesforce error — never throw anything else.
import { describe, expect, it } from 'vitest';
import { SfRequestError } from '../../emulator/contract.js';
import { prng, seedObject } from '../../emulator/org/seed.js';
import { standardObjects } from '../../emulator/org/standard-objects.js';
import { MemoryOrgStore } from '../../emulator/org/store.js';

const FIELDS = ['Id', 'Name', 'LastName', 'AccountId', 'Account.Name', 'Account.Industry', 'Account.NumberOfEmployees', 'Birthdate', 'CreatedDate',
  'SystemModstamp', 'IsDeleted', 'HasOptedOutOfEmail', 'Email', 'Owner.Alias', 'Account.Owner.Name', 'Account.AnnualRevenue', 'Nope'];
const OPS = ['=', '!=', '<>', '<', '<=', '>', '>=', 'LIKE', 'IN', 'NOT IN', 'INCLUDES', 'EXCLUDES'];
const VALUES = ["'x'", "'Ada%'", "'%a_'", '1', '-2.5', 'null', 'TRUE', 'false', 'TODAY', 'LAST_N_DAYS:30', 'N_DAYS_AGO:2', '2024-01-01',
  '2024-01-01T00:00:00Z', '2030-01-01T00:00:00.000+0000', "'001Fy0000000001IAA'", "'003'"];
const LISTS = ["('a','b')", '(1,2)', '(TODAY)', "('001Fy0000000001IAA')", '(null)'];

describe('SOQL robustness', () => {
  it('evaluates or refuses 3,000 generated queries, never crashing', () => {
    const org = new MemoryOrgStore({ objects: standardObjects(), apiVersion: '62.0', username: 'u@example.com' });
    seedObject(org, 'Account', 50, 1);
    seedObject(org, 'Contact', 80, 1);
    const rng = prng(7);
    const pick = <T>(list: T[]): T => list[Math.floor(rng() * list.length)];
    const cond = () => {
      const op = pick(OPS);
      return `${pick(FIELDS)} ${op} ${op.includes('IN') || op.includes('CLUDES') ? pick(LISTS) : pick(VALUES)}`;
    };
    const expr = (depth: number): string => {
      const r = rng();
      if (depth > 3 || r < 0.4) return cond();
      if (r < 0.55) return `NOT ${expr(depth + 1)}`;
      if (r < 0.7) return `(${expr(depth + 1)})`;
      return `${expr(depth + 1)} ${pick(['AND', 'OR'])} ${expr(depth + 1)}`;
    };
    const outcomes = { evaluated: 0, refused: 0 };
    const anyContact = org.queryCursor('SELECT Id FROM Contact LIMIT 1', { scanAll: false }).values(0)[0] as string;
    for (let i = 0; i < 3000; i++) {
      const order = rng() < 0.5 ? ` ORDER BY ${pick(FIELDS)} ${pick(['ASC', 'DESC', ''])} ${pick(['NULLS FIRST', 'NULLS LAST', ''])}` : '';
      const soql = `SELECT Id, ${pick(FIELDS)} FROM Contact WHERE ${expr(0)}${order}${rng() < 0.3 ? ' LIMIT 5' : ''}${rng() < 0.2 ? ' OFFSET 3' : ''}`;
      try {
        const c = org.queryCursor(soql, { scanAll: rng() < 0.5 });
        for (let k = 0; k < c.size; k++) {
          c.row(k);
          c.values(k);
        }
        org.compileSoql(soql).matches(org.get('Contact', anyContact)!);
        outcomes.evaluated++;
      } catch (err) {
        if (!(err instanceof SfRequestError)) throw new Error(`${soql} crashed: ${String(err)}`);
        expect(err.httpStatus).toBe(400);
        outcomes.refused++;
      }
    }
    // Both branches must be exercised for the test to mean anything.
    expect(outcomes.evaluated).toBeGreaterThan(100);
    expect(outcomes.refused).toBeGreaterThan(100);
  });
});
