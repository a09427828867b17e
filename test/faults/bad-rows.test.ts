// Bad rows in a flush: each becomes a row-level FAILED carrying Salesforce's own error, while the good rows of
// the same flush sync — through sObject Collections (a small flush) and Bulk API 2.0 (a large one). The org
// ends with exactly the good rows, once each.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handle } from '../support/mappings';
import { waitForStatus } from '../support/mappings';
import type { FieldSpec } from '../support/compare';
import { faultStack, when, type FaultStack } from './harness';

const FIELDS: FieldSpec[] = [
  { name: 'Name', type: 'string' }, { name: 'AccountNumber', type: 'string' }, { name: 'Rating', type: 'string' }, { name: 'SystemModstamp', type: 'datetime' },
];
const BOUND_S = 120;

describe('bad rows', { timeout: (BOUND_S + 120) * 1000 }, () => {
  let s: FaultStack;
  let handle: Handle;

  beforeAll(async () => {
    s = await faultStack('badrows', { seed: { Account: 50 } });
    handle = await s.start('Account', ['Id', ...FIELDS.map((f) => f.name), 'IsDeleted'], { access: 'read_write', flush_interval_seconds: 1 });
    await waitForStatus(handle, 'loaded with capture installed', (x) => x.state === 'DATA_SYNCED' && x.outbound?.access === 'read_write', 240_000);
  });
  afterAll(async () => {
    await s?.close();
  });

  const scenario = async (name: string, prefix: string, good: number) => {
    const since = Date.now();
    // 12 bad rows among the good ones, in one statement so one flush carries them all: 6 without the required
    // Name, 6 with a value the restricted Rating picklist refuses.
    await s.pool.query(
      `INSERT INTO salesforce.account (name, accountnumber, rating)
       SELECT CASE WHEN g % $3 = 0 AND g / $3 <= 6 THEN NULL ELSE $1 || g END, $1 || 'N' || g,
              CASE WHEN g % $3 = 1 AND g / $3 < 6 THEN 'Lukewarm' ELSE 'Hot' END
         FROM generate_series(1, $2::int) g`, [prefix, good + 12, Math.floor((good + 12) / 7)]);
    const bad = await s.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM salesforce.account WHERE accountnumber LIKE $1 AND (name IS NULL OR rating = 'Lukewarm')", [`${prefix}N%`]);
    expect(bad.rows[0].n).toBe(12);
    const rows = async () => (await s.pool.query<{ name: string | null; rating: string; _hc_lastop: string | null; _hc_err: string | null; sfid: string | null }>(
      'SELECT name, rating, _hc_lastop, _hc_err, sfid FROM salesforce.account WHERE accountnumber LIKE $1', [`${prefix}N%`])).rows;
    await when('every row of the flush settled', async () => (await rows()).every((r) => r._hc_lastop === 'SYNCED' || r._hc_lastop === 'FAILED'), BOUND_S * 1000, 250);
    const settled = await rows();
    const failed = settled.filter((r) => r._hc_lastop === 'FAILED');
    expect(failed).toHaveLength(12);
    for (const r of failed) {
      expect(r.sfid).toBeNull();
      expect(r.name === null || r.rating === 'Lukewarm').toBe(true);
      expect(r._hc_err, 'Salesforce\'s error on the row').toMatch(r.name === null ? /REQUIRED_FIELD_MISSING.*Name/ : /INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST.*Rating/);
      expect(r._hc_err).not.toContain('--');
    }
    expect(settled.filter((r) => r._hc_lastop === 'SYNCED')).toHaveLength(good);
    // The failed writes list names the field Salesforce named (never "--").
    const logged = await s.pool.query<{ sf_message: string }>("SELECT sf_message FROM salesforce._trigger_log WHERE state = 'FAILED' AND \"values\"->>'accountnumber' LIKE $1", [`${prefix}N%`]);
    expect(logged.rows).toHaveLength(12);
    for (const e of logged.rows) {
      const info = JSON.parse(e.sf_message) as { code: string; fields: string[] };
      expect(info.fields).toEqual([info.code === 'REQUIRED_FIELD_MISSING' ? 'Name' : 'Rating']);
    }
    const v = await s.converge(name, {
      object: 'Account', table: 'salesforce.account', fields: FIELDS, uniqueField: 'AccountNumber', namePrefix: prefix, allowFailed: true, since, boundS: BOUND_S,
      nudge: () => s.syncNow(handle),
    });
    expect(v.orgCount).toBe(good);
  };

  it('in an sObject Collections flush', () => scenario('bad-rows-collections', 'Small ', 40));
  it('in a Bulk API 2.0 flush', () => scenario('bad-rows-bulk', 'Large ', 2_400));
});
