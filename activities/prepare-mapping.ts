// Validates a mapping against the object's describe and creates (or extends) its table in Heroku Connect's
// layout. Nothing is created when the config is refused; the refusal names the object or field at fault.
import type { DescribeSObjectResult } from 'jsforce';
import { validateAgainstDescribe, resolveFieldCase } from '../domain/describe-validation';
import { validateRecordFilter } from '../domain/record-filter';
import { relationshipParents, resolveRelationshipField, type RelationshipField } from '../domain/relationship-fields';
import { addColumns, createMappingTable } from '../domain/sql-ddl';
import { columnNameFor, pgTypeFor, tableNameFor } from '../domain/type-map';
import type { MappedField } from '../domain/mapped-field';
import { withTransaction, type Pool, type PoolClient } from '../infra/db';
import { badConfig, classifyFailure, connectMapping } from './errors';
import { classifySalesforceError } from '../salesforce/errors';
import type { MappingRef } from '../salesforce/mapping-connection';
import type { SalesforceSessions } from '../salesforce/session';

export interface PreparedMapping {
  table: string;
  fields: MappedField[];
  apiCalls: number;
  apiCallsInWindow: number;
}

export function createPrepareMapping(deps: { pool: Pool; sessions?: SalesforceSessions }) {
  return async function prepareMapping(ref: MappingRef): Promise<PreparedMapping> {
    const sf = await connectMapping(deps, ref);
    let describe: DescribeSObjectResult | undefined;
    try {
      describe = await sf.conn.describe(ref.config.objectName);
    } catch (err) {
      // An unknown object is reported below with the config's other problems.
      if (classifySalesforceError(err) !== 'unknown_object') classifyFailure(err);
    }
    // Parents of relationship external ID fields (`Account__External_ID__c`): one describe each.
    const parents = new Map<string, DescribeSObjectResult | undefined>();
    for (const p of describe ? relationshipParents(ref.config.fields, describe) : []) {
      try {
        parents.set(p, await sf.conn.describe(p));
      } catch (err) {
        const code = (err as { errorCode?: string }).errorCode;
        if (code !== 'NOT_FOUND' && code !== 'INVALID_TYPE') classifyFailure(err);
      }
    }
    const issues = [...validateAgainstDescribe(ref.config, describe, parents), ...(describe ? validateRecordFilter(ref.config.sfFilter, describe) : [])];
    if (issues.length > 0 || !describe) {
      badConfig(issues.map((i) => i.message).join('; ') || `Object "${ref.config.objectName}" does not exist`, { issues });
    }
    const canonical = resolveFieldCase(ref.config, describe);
    const byName = new Map(describe.fields.map((f) => [f.name, f]));
    // Relationship external IDs get a column but are not read from Salesforce (it returns no such field):
    // they stay out of `fields`, which every inbound query selects, and are recorded for outbound flushes.
    const relationships: RelationshipField[] = canonical.filter((name) => !byName.has(name))
      .map((name) => resolveRelationshipField(name, describe, parents).field!);
    const fields: MappedField[] = canonical.filter((name) => byName.has(name)).map((name) => {
      const f = byName.get(name)!;
      return { name, column: columnNameFor(name), sfType: f.type, pgType: pgTypeFor(f), createable: f.createable, updateable: f.updateable, ...(f.calculated === true ? { calculated: true } : {}) };
    });
    const table = tableNameFor(describe.name);
    const columns = [...fields, ...relationships].map((f) => ({ name: f.column, pgType: f.pgType }));
    const indexes = ref.config.indexes.map((ix) => ({ column: columnNameFor(resolveName(ix.field, canonical)), unique: ix.unique }));
    await withTransaction(deps.pool, async (client) => {
      // CREATE … IF NOT EXISTS can still race between two workers: serialize per schema.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`ferry.ddl.${ref.config.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${client.escapeIdentifier(ref.config.schema)}`);
      for (const sql of createMappingTable(ref.config.schema, table, columns, indexes)) await client.query(sql);
      for (const sql of addColumns(ref.config.schema, table, columns)) await client.query(sql);
      await saveRelationshipFields(client, ref.mappingId, relationships);
    });
    return { table, fields, apiCalls: sf.callsMade(), apiCallsInWindow: sf.usedInWindow() };
  };
}

async function saveRelationshipFields(client: PoolClient, mappingId: string, fields: readonly RelationshipField[]): Promise<void> {
  await client.query('DELETE FROM ferry.relationship_field WHERE mapping_id = $1', [mappingId]);
  if (fields.length === 0) return;
  await client.query(
    'INSERT INTO ferry.relationship_field (mapping_id, field, spec) SELECT $1, f->>\'name\', f FROM jsonb_array_elements($2::jsonb) f',
    [mappingId, JSON.stringify(fields)]);
}

function resolveName(field: string, canonical: string[]): string {
  return canonical.find((c) => c.toLowerCase() === field.toLowerCase()) ?? field;
}
