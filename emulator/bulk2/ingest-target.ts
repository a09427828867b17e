// Checks an ingest job against the org's describe — at job creation (object, operation, upsert key) and at
// processing (the upload's header) — and resolves the upload's columns to field names.
import { SfRequestError, type EmulatorContext, type ObjectDef } from '../contract.js';
import type { IngestOperation, IngestTarget, ParentLookup } from './ingest-apply.js';
import { JobFailure } from './job-common.js';

const OPERATIONS = new Set<IngestOperation>(['insert', 'update', 'upsert', 'delete', 'hardDelete']);

function invalidJob(message: string): SfRequestError {
  return new SfRequestError(400, 'INVALIDJOB', message);
}

/** Validates a job-create body; returns the object's describe and the upsert key in describe spelling. */
export function checkIngestJob(
  ctx: EmulatorContext,
  object: unknown,
  operation: unknown,
  externalIdFieldName: unknown,
): { def: ObjectDef; operation: IngestOperation; externalIdField: string | undefined } {
  if (typeof operation !== 'string' || !OPERATIONS.has(operation as IngestOperation)) {
    throw invalidJob(`InvalidJob : Invalid operation: ${String(operation)}`);
  }
  const def = typeof object === 'string' ? ctx.org.describe(object) : undefined;
  if (!def) throw new SfRequestError(404, 'NOT_FOUND', `sObject type '${String(object)}' is not supported.`);
  if (operation !== 'upsert') return { def, operation: operation as IngestOperation, externalIdField: undefined };
  if (typeof externalIdFieldName !== 'string' || externalIdFieldName === '') {
    throw invalidJob(`InvalidJob : External ID was blank for ${def.name}. An External ID must be specified for upsert.`);
  }
  const key = def.fields.find((f) => f.name.toLowerCase() === externalIdFieldName.toLowerCase());
  if (!key || (!key.externalId && key.name !== 'Id')) {
    throw invalidJob(`InvalidJob : Field name provided, ${externalIdFieldName} does not match an External ID, Salesforce Id, or indexed field for ${def.name}`);
  }
  return { def, operation: 'upsert', externalIdField: key.name };
}

/**
 * A `Relationship.ExternalIdField` column (`Account.Ferry_External_Id__c` on Contact): Salesforce sets the
 * reference field to the parent found by that external id.
 */
function parentLookup(ctx: EmulatorContext, def: ObjectDef, column: string): ParentLookup | undefined {
  const [rel, key, ...rest] = column.split('.');
  if (!key || rest.length > 0) return undefined;
  const ref = def.fields.find((f) => f.type === 'reference' && f.relationshipName?.toLowerCase() === rel.toLowerCase());
  const parent = ref ? ctx.org.describe(ref.referenceTo[0]) : undefined;
  const keyField = parent?.fields.find((f) => f.name.toLowerCase() === key.toLowerCase() && (f.externalId || f.name === 'Id'));
  if (!ref || !parent || !keyField) return undefined;
  return { field: ref.name, object: parent.name, keyField: keyField.name };
}

/** Resolves an upload header; an unknown column fails the whole job, as in Salesforce. */
export function resolveTarget(
  ctx: EmulatorContext,
  job: { object: string; operation: IngestOperation; externalIdFieldName: string | undefined; apiVersion: number; callOptionsClient?: string },
  header: readonly string[],
): IngestTarget {
  const def = ctx.org.describe(job.object);
  if (!def) throw new JobFailure(`InvalidBatch : sObject type '${job.object}' is not supported.`);
  const byName = new Map(def.fields.map((f) => [f.name.toLowerCase(), f.name]));
  const lookups: (ParentLookup | undefined)[] = [];
  const fields = header.map((column, i) => {
    const name = byName.get(column.trim().toLowerCase());
    if (name) return name;
    const lookup = parentLookup(ctx, def, column.trim());
    if (!lookup) throw new JobFailure(`InvalidBatch : Field name not found : ${column}`);
    lookups[i] = lookup;
    return lookup.field;
  });
  const key = job.externalIdFieldName ? byName.get(job.externalIdFieldName.toLowerCase()) : undefined;
  const idColumn = fields.indexOf('Id');
  if ((job.operation === 'delete' || job.operation === 'hardDelete' || job.operation === 'update') && idColumn < 0) {
    throw new JobFailure('InvalidBatch : Field name not provided: Id');
  }
  return {
    object: def.name,
    operation: job.operation,
    externalIdField: key,
    fields,
    lookups,
    idColumn,
    externalIdColumn: key ? fields.indexOf(key) : -1,
    changeOrigin: `com/salesforce/api/bulk/${job.apiVersion.toFixed(1)}${job.callOptionsClient ? `;client=${job.callOptionsClient}` : ''}`,
  };
}
