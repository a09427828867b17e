// A parent and its children inserted in one transaction, the children naming the parent by a relationship
// external ID (Heroku Connect's Account__External_ID__c), reach Salesforce linked: through sObject Collections
// and, under load, through Bulk API 2.0, with no FAILED row. The child mapping flushes every second and the
// parent's every five, so the children are always ready first: ordered writes hold them back until their
// parents are in. With merged writes (poll_db_no_merge false) the same child fails with Salesforce's error.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pauseUpdate, resumeUpdate, syncNowUpdate } from '../../workflows/mapping/messages';
import { waitForStatus, type Handle } from '../support/mappings';
import { outboundFixture, waitForDrained, waitForRow, type OutboundFixture } from './outbound-fixture';

const SCHEMA_FILE = join(__dirname, '../fixtures/hc-relationships-schema.json');

describe('relationship external IDs and ordered writes', () => {
  let f: OutboundFixture;
  let contacts: Handle;
  let accounts: Handle;

  /** Waits until the record's trigger-log entries include `state` (the parent's mapping is paused meanwhile). */
  const waitForLogState = async (table: string, recordId: number, state: string, timeoutMs = 60_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { rows } = await f.db.pool.query<{ state: string }>('SELECT state FROM salesforce._trigger_log WHERE table_name = $1 AND record_id = $2', [table, recordId]);
      if (rows.some((r) => r.state === state)) return;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${table} ${recordId} to be ${state}: ${rows.map((r) => r.state).join(', ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    f = await outboundFixture('relwrites', { Account: 5, Contact: 5 }, { schemaFile: SCHEMA_FILE });
    accounts = await f.start('Account', ['Name', 'External_ID__c'], { flush_interval_seconds: 5 });
    contacts = await f.start('Contact', ['LastName', 'AccountId', 'Account__External_ID__c'], { flush_interval_seconds: 1 });
  }, 180_000);
  afterAll(async () => f?.close());

  const parentAndChildren = async (ext: string, children: string[]): Promise<{ account: number; contacts: number[] }> => {
    const client = await f.db.pool.connect();
    try {
      await client.query('BEGIN');
      const a = await client.query<{ id: number }>('INSERT INTO salesforce.account (name, external_id__c) VALUES ($1, $2) RETURNING id', [`Parent ${ext}`, ext]);
      const c = await client.query<{ id: number }>(
        'INSERT INTO salesforce.contact (lastname, account__external_id__c) SELECT unnest($1::text[]), $2 RETURNING id', [children, ext]);
      await client.query('COMMIT');
      return { account: a.rows[0].id, contacts: c.rows.map((r) => r.id) };
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    } finally {
      client.release();
    }
  };

  it('creates the column with the parent field\'s type and records the relationship', async () => {
    const { rows } = await f.db.pool.query(
      "SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'salesforce.contact'::regclass AND attname = 'account__external_id__c'");
    expect(rows).toEqual([{ type: 'character varying(255)' }]);
    const rel = await f.db.pool.query("SELECT spec FROM ferry.relationship_field WHERE mapping_id = 'salesforce.contact'");
    expect(rel.rows).toEqual([{ spec: expect.objectContaining({ name: 'Account__External_ID__c', lookupField: 'AccountId', relationshipName: 'Account', parentObject: 'Account', parentField: 'External_ID__c' }) }]);
  });

  it('sObject Collections: parent and child of one transaction land linked, the child held back until its parent is in', async () => {
    // The parent's mapping waits (paused) until the child has been held back: the order is the test's, not a race
    // between the two flush timers on a busy machine.
    await accounts.executeUpdate(pauseUpdate);
    const ids = await parentAndChildren('A-1', ['Child One']);
    await waitForLogState('contact', ids.contacts[0], 'DEFERRED');
    await accounts.executeUpdate(resumeUpdate);
    const account = await waitForRow(f.db, 'salesforce.account', ids.account, 'the parent synced', (r) => r._hc_lastop === 'SYNCED' && r.sfid !== null, 60_000);
    const contact = await waitForRow(f.db, 'salesforce.contact', ids.contacts[0], 'the child synced', (r) => r._hc_lastop === 'SYNCED' && r.sfid !== null, 60_000);
    expect(contact._hc_err).toBeNull();
    const inOrg = (await f.conn.sobject('Contact').retrieve(contact.sfid!)) as unknown as Record<string, unknown>;
    expect(inOrg.AccountId).toBe(account.sfid);
    // The child was ready before its parent (flushes every 1 s vs 5 s): it was held back, not refused.
    const log = await f.db.pool.query<{ state: string }>("SELECT state FROM salesforce._trigger_log WHERE table_name = 'contact' AND record_id = $1 ORDER BY id", [contact.id]);
    expect(log.rows.map((r) => r.state)).toContain('DEFERRED');
    expect(log.rows.at(-1)!.state).toBe('SUCCESS');
    expect(log.rows.filter((r) => r.state === 'FAILED')).toEqual([]);
    // Inbound: the poll brings AccountId; the relationship column keeps what the app wrote.
    await contacts.executeUpdate(syncNowUpdate);
    const polled = await waitForRow(f.db, 'salesforce.contact', contact.id, 'the poll filled accountid', (r) => r.accountid === account.sfid, 60_000);
    expect(polled.account__external_id__c).toBe('A-1');
    expect(polled._hc_lastop).toBe('SYNCED');
  });

  it('merged writes (poll_db_no_merge false): the child goes first and Salesforce refuses it', async () => {
    await f.db.pool.query(`INSERT INTO ferry.connection_setting (schema_name, features) VALUES ('salesforce', '{"poll_db_no_merge": false}')`);
    try {
      await accounts.executeUpdate(pauseUpdate);
      const ids = await parentAndChildren('A-2', ['Orphan']);
      const child = await waitForRow(f.db, 'salesforce.contact', ids.contacts[0], 'the child refused', (r) => r._hc_lastop === 'FAILED', 60_000);
      await accounts.executeUpdate(resumeUpdate);
      expect(JSON.parse(child._hc_err!)).toMatchObject({ code: 'INVALID_FIELD', message: 'Foreign key external ID: A-2 not found for field External_ID__c in entity Account', op: 'INSERT' });
      await waitForRow(f.db, 'salesforce.account', ids.account, 'the parent synced', (r) => r._hc_lastop === 'SYNCED', 60_000);
    } finally {
      await f.db.pool.query("DELETE FROM ferry.connection_setting WHERE schema_name = 'salesforce'");
    }
  });

  it('Bulk API 2.0 under load: 300 parents and 2,500 children of one transaction all land linked, none FAILED', async () => {
    const N_PARENTS = 300;
    const ingestBefore = f.org.admin.counters().api.byKind['bulk2-ingest'] ?? 0;
    const client = await f.db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO salesforce.account (name, external_id__c) SELECT 'Load parent ' || i, 'L-' || i FROM generate_series(1, ${N_PARENTS}) i`);
      await client.query(`INSERT INTO salesforce.contact (lastname, account__external_id__c)
                          SELECT 'Load child ' || i, 'L-' || (1 + (i % ${N_PARENTS})) FROM generate_series(1, 2500) i`);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw err;
    } finally {
      client.release();
    }
    await waitForDrained(f.db, 'account', 90_000);
    await waitForDrained(f.db, 'contact', 120_000);
    const states = await f.db.pool.query<{ op: string; n: number }>(
      "SELECT _hc_lastop AS op, count(*)::int AS n FROM salesforce.contact WHERE lastname LIKE 'Load child %' GROUP BY 1");
    expect(states.rows).toEqual([{ op: 'SYNCED', n: 2500 }]);
    const failed = await f.db.pool.query("SELECT count(*)::int AS n FROM salesforce._trigger_log WHERE state = 'FAILED'");
    expect(failed.rows[0].n).toBe(1); // the merged-writes orphan of the test before, and nothing else
    // The children went through Bulk API 2.0 ingest (more than 2,000 writes in one flush).
    expect((f.org.admin.counters().api.byKind['bulk2-ingest'] ?? 0) - ingestBefore).toBeGreaterThan(0);
    // In the org, every child points at the parent its row named.
    const parents = await f.conn.query<{ Id: string; External_ID__c: string }>("SELECT Id, External_ID__c FROM Account WHERE External_ID__c LIKE 'L-%'", { autoFetch: true, maxFetch: 10_000 });
    const extOf = new Map(parents.records.map((r) => [r.Id, r.External_ID__c]));
    const children = await f.conn.query<{ LastName: string; AccountId: string | null }>("SELECT LastName, AccountId FROM Contact WHERE LastName LIKE 'Load child %'", { autoFetch: true, maxFetch: 10_000 });
    expect(children.records).toHaveLength(2500);
    const wrong = children.records.filter((c) => {
      const i = Number(c.LastName.slice('Load child '.length));
      return extOf.get(c.AccountId ?? '') !== `L-${1 + (i % N_PARENTS)}`;
    });
    expect(wrong).toEqual([]);
    const status = await waitForStatus(contacts, 'the contact mapping idle', (s) => s.outbound?.pending === false, 30_000);
    expect(status.outbound?.failed).toBe(1);
  }, 240_000);
});
