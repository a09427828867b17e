// Rules Salesforce applies on save beyond per-field validation: computed fields, and PushTopic's query check.
import { SfRequestError, type CompiledSoql, type SfError } from '../contract.js';
import type { StoredValue } from './columns.js';
import { COMPOSED_NAME_OBJECTS } from './standard-objects.js';
import type { FieldSlot, Table } from './table.js';
import { fieldError } from './values.js';

/** Salesforce-computed fields: composed Name (FirstName LastName), Opportunity's IsClosed/IsWon. */
export function deriveComputedFields(table: Table, row: number): void {
  if (COMPOSED_NAME_OBJECTS.has(table.name)) {
    const first = table.slot('FirstName')!.col!.get(row);
    const last = table.slot('LastName')!.col!.get(row);
    table.slot('Name')!.col!.set(row, [first, last].filter((x) => x !== null).join(' '));
  } else if (table.name === 'Opportunity') {
    const stage = String(table.slot('StageName')!.col!.get(row) ?? '');
    table.slot('IsClosed')!.col!.set(row, stage.startsWith('Closed'));
    table.slot('IsWon')!.col!.set(row, stage === 'Closed Won');
  }
}

/**
 * A PushTopic's Query must be SOQL the org can evaluate and select Id, and a StreamingChannel's Name must be a
 * /u/ channel, as Salesforce checks on save.
 */
export function checkPushTopicQuery(compile: (soql: string) => CompiledSoql, table: Table, sets: { slot: FieldSlot; value: StoredValue }[], errors: SfError[]): void {
  if (table.name === 'StreamingChannel') {
    const name = sets.find((s) => s.slot.def.name === 'Name')?.value;
    if (typeof name === 'string' && !/^\/u\/[A-Za-z0-9_]+(\/[A-Za-z0-9_]+)*$/.test(name)) {
      errors.push(fieldError('FIELD_INTEGRITY_EXCEPTION', 'Streaming Channel Name: the name must begin with /u/ followed by letters, digits and underscores', ['Name']));
    }
    return;
  }
  if (table.name !== 'PushTopic') return;
  const query = sets.find((s) => s.slot.def.name === 'Query')?.value;
  if (typeof query !== 'string') return;
  try {
    const compiled = compile(query);
    if (!compiled.fields.includes('Id')) errors.push(fieldError('INVALID_FIELD', "The SELECT statement's field list must include Id", ['Query']));
  } catch (err) {
    if (!(err instanceof SfRequestError)) throw err;
    errors.push(fieldError(err.errorCode, err.message, ['Query']));
  }
}
