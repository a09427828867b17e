// Applies one uploaded CSV row of an ingest job to the org, the way Salesforce's bulk loader does: an empty
// cell leaves the field as it is, `#N/A` sets it to null, and a failure is reported per row in the
// `CODE:message:Field --` form of failedResults, never as an error of the whole job.
import { SfRecordError, SfRequestError, type OrgStore, type SfError, type SfRecord } from '../contract.js';

export type IngestOperation = 'insert' | 'update' | 'upsert' | 'delete' | 'hardDelete';

export type RowOutcome =
  | { ok: true; id: string; created: boolean }
  | { ok: false; id: string; error: string };

/** A column that names the parent by an external id instead of by Id. */
export interface ParentLookup {
  /** The reference field it sets (describe spelling). */
  field: string;
  object: string;
  keyField: string;
}

export interface IngestTarget {
  object: string;
  operation: IngestOperation;
  /** Upsert key as the describe spells it. */
  externalIdField: string | undefined;
  /** Field API names in upload column order (describe spelling); a parent lookup column maps to its reference field. */
  fields: readonly string[];
  /** Parent lookups by column (sparse). */
  lookups: readonly (ParentLookup | undefined)[];
  /** Column of Id, -1 when absent. */
  idColumn: number;
  /** Column of the upsert key, -1 when absent. */
  externalIdColumn: number;
  changeOrigin: string;
}

/** `REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --`, one per error. */
export function formatRowError(errors: readonly SfError[]): string {
  return errors.map((e) => `${e.statusCode}:${e.message}:${e.fields.length > 0 ? `${e.fields.join(',')} ` : ''}--`).join(' ');
}

function failure(id: string, statusCode: string, message: string, fields: string[] = []): RowOutcome {
  return { ok: false, id, error: formatRowError([{ statusCode, message, fields }]) };
}

/** The values a row sets: empty cells are skipped, `#N/A` is null. Id (and the upsert key) stay out. */
function rowValues(org: OrgStore, target: IngestTarget, cells: readonly string[], skip: number, skip2: number): SfRecord {
  const values: SfRecord = {};
  for (let i = 0; i < target.fields.length; i++) {
    if (i === skip || i === skip2) continue;
    const cell = cells[i];
    if (cell === '') continue;
    const lookup = target.lookups[i];
    values[target.fields[i]] = cell === '#N/A' ? null : lookup ? parentId(org, lookup, cell) : cell;
  }
  return values;
}

function parentId(org: OrgStore, lookup: ParentLookup, key: string): string {
  if (lookup.keyField === 'Id') return key;
  const ids = org.findByExternalId(lookup.object, lookup.keyField, key);
  if (ids.length === 1) return ids[0];
  const message = ids.length === 0
    ? `Foreign key external ID: ${key} not found for field ${lookup.keyField} in entity ${lookup.object}`
    : `Foreign key external ID: ${key} matched more than one record for field ${lookup.keyField} in entity ${lookup.object}`;
  throw new SfRecordError([{ statusCode: 'INVALID_FIELD', message, fields: [] }]);
}

function applyOperation(org: OrgStore, t: IngestTarget, cells: readonly string[], id: string): RowOutcome {
  const needsId = t.operation !== 'insert' && t.operation !== 'upsert';
  if (needsId && id === '') return failure('', 'MISSING_ARGUMENT', `Id not specified in an ${t.operation} call`);
  switch (t.operation) {
    case 'insert':
      return { ok: true, id: org.create(t.object, rowValues(org, t, cells, t.idColumn, -1), t.changeOrigin), created: true };
    case 'update':
      org.update(t.object, id, rowValues(org, t, cells, t.idColumn, -1), t.changeOrigin);
      return { ok: true, id, created: false };
    case 'upsert': {
      const key = t.externalIdField as string;
      if (key.toLowerCase() === 'id') {
        if (id === '') return { ok: true, id: org.create(t.object, rowValues(org, t, cells, t.idColumn, -1), t.changeOrigin), created: true };
        org.update(t.object, id, rowValues(org, t, cells, t.idColumn, -1), t.changeOrigin);
        return { ok: true, id, created: false };
      }
      const keyValue = t.externalIdColumn >= 0 ? cells[t.externalIdColumn] : '';
      if (keyValue === '' || keyValue === '#N/A') return failure(id, 'MISSING_ARGUMENT', `${key} not specified`, [key]);
      const values = rowValues(org, t, cells, t.idColumn, t.externalIdColumn);
      const result = org.upsert(t.object, key, keyValue, values, t.changeOrigin);
      return { ok: true, id: result.id, created: result.created };
    }
    case 'delete':
      org.remove(t.object, id, t.changeOrigin);
      return { ok: true, id, created: false };
    case 'hardDelete':
      org.remove(t.object, id, t.changeOrigin);
      org.purge(t.object, id);
      return { ok: true, id, created: false };
  }
}

export function applyRow(org: OrgStore, target: IngestTarget, cells: readonly string[]): RowOutcome {
  const id = target.idColumn >= 0 ? cells[target.idColumn] : '';
  if (cells.length !== target.fields.length) {
    return failure(id, 'INVALID_FIELD', `The row has ${cells.length} values but the header has ${target.fields.length} columns`);
  }
  try {
    return applyOperation(org, target, cells, id);
  } catch (err) {
    if (err instanceof SfRecordError) return { ok: false, id, error: formatRowError(err.errors) };
    if (err instanceof SfRequestError) return failure(id, err.errorCode, err.message);
    throw err;
  }
}
