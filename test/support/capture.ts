// A test database with outbound capture in place: schema `salesforce`, its trigger log and archive, and
// mapping-like tables (bookkeeping columns plus the given ones) with the capture triggers of their access mode.
import type { Access } from '../../domain/mapping-rules';
import { createCaptureSchema, installCaptureTriggers } from '../../domain/outbound-trigger-sql';
import { createTestDatabase, type TestDatabase } from './services';

export interface CaptureTable {
  access: Access;
  /** Column definitions after the bookkeeping ones, e.g. `name varchar(80)`. */
  columns: string[];
}

export async function createCaptureDatabase(prefix: string, tables: Record<string, CaptureTable> = {}): Promise<TestDatabase> {
  const db = await createTestDatabase(prefix);
  await db.pool.query('CREATE SCHEMA salesforce');
  for (const sql of createCaptureSchema('salesforce')) await db.pool.query(sql);
  for (const [table, { access, columns }] of Object.entries(tables)) {
    await db.pool.query(`CREATE TABLE salesforce.${table} (id serial PRIMARY KEY, sfid varchar(18) UNIQUE, systemmodstamp timestamp,
      isdeleted boolean, _hc_lastop varchar(32), _hc_err text, ${columns.join(', ')})`);
    for (const sql of installCaptureTriggers('salesforce', table, access)) await db.pool.query(sql);
  }
  return db;
}
