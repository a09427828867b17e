// Checks a create or update against the object's schema the way Salesforce does, and turns the wire values
// into stored ones. Errors carry Salesforce's status codes (REQUIRED_FIELD_MISSING, STRING_TOO_LONG, …).
import type { SfError, SfRecord } from '../contract.js';
import type { StoredValue } from './columns.js';
import { LIVE, type FieldSlot, type Table } from './table.js';
import { coerceValue, fieldError, InvalidValue } from './values.js';

export interface PreparedWrite {
  /** `indexKey`: the value as the field's unique / external id index keys it (lower case); null when not indexed or null. */
  sets: { slot: FieldSlot; value: StoredValue; indexKey: string | null }[];
  errors: SfError[];
}

export interface TableDirectory {
  tableByName(name: string): Table | undefined;
  tableByPrefix(prefix: string): Table | undefined;
}

/** Keys a request body may carry that are not fields. */
const IGNORED_KEYS = new Set(['attributes']);

export function prepareWrite(dir: TableDirectory, table: Table, values: SfRecord, row: number): PreparedWrite {
  const creating = row < 0;
  const sets: PreparedWrite['sets'] = [];
  const errors: SfError[] = [];
  const notWritable: string[] = [];
  for (const key of Object.keys(values)) {
    if (IGNORED_KEYS.has(key)) continue;
    const raw = values[key];
    const slot = table.slot(key);
    if (!slot) {
      errors.push(fieldError('INVALID_FIELD', `No such column '${key}' on sobject of type ${table.name}`, [key]));
      continue;
    }
    if (slot.def.name === 'Id') {
      // Updates may repeat their own id; creates may not choose one.
      if (creating && raw !== null && raw !== undefined) notWritable.push('Id');
      continue;
    }
    if (creating ? !slot.def.createable : !slot.def.updateable) {
      notWritable.push(slot.def.name);
      continue;
    }
    const value = coerceValue(slot.def, raw);
    if (value instanceof InvalidValue) {
      errors.push(value.error);
      continue;
    }
    if (value !== null && slot.def.type === 'reference') {
      const refError = slot.def.name === 'RecordTypeId' ? checkRecordType(table, slot, value as string) : checkReference(dir, slot, value as string);
      if (refError) {
        errors.push(refError);
        continue;
      }
    }
    const indexKey = slot.indexed && value !== null ? String(value).toLowerCase() : null;
    sets.push({ slot, value, indexKey });
  }
  if (notWritable.length) {
    errors.push(fieldError('INVALID_FIELD_FOR_INSERT_UPDATE', `Unable to create/update fields: ${notWritable.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, notWritable));
  }
  const missing = creating ? missingOnCreate(table, sets) : nulledRequired(sets);
  if (missing.length) errors.push(fieldError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing));
  for (const { slot, indexKey } of sets) {
    if (!slot.def.unique || indexKey === null) continue;
    const clash = table.indexLookup(slot.def.name, indexKey).find((r) => r !== row && table.status[r] === LIVE);
    if (clash !== undefined) {
      errors.push(fieldError('DUPLICATE_VALUE', `duplicate value found: ${slot.def.name} duplicates value on record with id: ${table.idOf(clash)}`, [slot.def.name]));
    }
  }
  return { sets, errors };
}

/** Required fields a create leaves out or sets to null (a field given twice counts as null if either is). */
function missingOnCreate(table: Table, sets: PreparedWrite['sets']): string[] {
  const missing: string[] = [];
  for (const slot of table.required) {
    let given = false;
    let nulled = false;
    for (const set of sets) {
      if (set.slot !== slot) continue;
      given = true;
      if (set.value === null) nulled = true;
    }
    if (!given || nulled) missing.push(slot.def.name);
  }
  return missing;
}

/** Fields an update sets to null that may not be null, once each, in the order the update names them. */
function nulledRequired(sets: PreparedWrite['sets']): string[] {
  const missing: string[] = [];
  const seen = new Set<FieldSlot>();
  for (const { slot, value } of sets) {
    if (value !== null || seen.has(slot)) continue;
    seen.add(slot);
    if (!slot.def.nillable && slot.def.updateable && !slot.def.defaultedOnCreate) missing.push(slot.def.name);
  }
  return missing;
}

function checkReference(dir: TableDirectory, slot: FieldSlot, id: string): SfError | undefined {
  const target = dir.tableByPrefix(id.slice(0, 3));
  if (!target || !slot.def.referenceTo.some((name) => name.toLowerCase() === target.name.toLowerCase())) {
    return fieldError('FIELD_INTEGRITY_EXCEPTION', `${slot.def.label}: id value of incorrect type: ${id}`, [slot.def.name]);
  }
  const row = target.rowOf(id);
  if (row < 0 || target.status[row] !== LIVE) {
    return fieldError('INVALID_CROSS_REFERENCE_KEY', `invalid cross reference id`, [slot.def.name]);
  }
  return undefined;
}

/** A record type id must be one of the object's active record types. */
function checkRecordType(table: Table, slot: FieldSlot, id: string): SfError | undefined {
  const ok = (table.def.recordTypes ?? []).some((r) => r.active && r.id.slice(0, 15) === id.slice(0, 15));
  return ok ? undefined : fieldError('INVALID_CROSS_REFERENCE_KEY', `${slot.def.label}: this ID value isn't valid for the user: ${id}`, [slot.def.name]);
}
