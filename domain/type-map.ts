// Salesforce field type → Postgres column type, the way Heroku Connect lays out its tables, so that ferry can
// take over an existing Heroku Connect database without altering a column.
import type { SfFieldDescribe } from './sf-describe.js';

/** Thrown for field types that cannot be stored in one Postgres column (compound, binary, unknown). */
export class UnsupportedFieldTypeError extends Error {
  readonly code = 'UNSUPPORTED_FIELD_TYPE';
  constructor(readonly field: string, readonly sfType: string, reason: string) {
    super(`Field "${field}" has type ${sfType}, which ferry cannot sync: ${reason}`);
    this.name = 'UnsupportedFieldTypeError';
  }
}

/** One row of the documented type map (the README's table is rendered from this). */
export interface TypeRule {
  salesforceType: string;
  /** Human-readable Postgres type, `length` standing for the describe's length. */
  postgresType: string;
  note: string;
}

type Mapper = (length: number) => string;

/** varchar of the describe's length; a length of 0 (seen on some standard fields) becomes 255. */
const varcharOfLength: Mapper = (length) => `varchar(${length > 0 ? length : 255})`;
/** Short text areas stay varchar as in Heroku Connect; long and rich text areas become text. */
const textareaType: Mapper = (length) => (length > 0 && length <= 255 ? `varchar(${length})` : 'text');
const fixed = (pgType: string): Mapper => () => pgType;

interface Rule extends TypeRule { map: Mapper | null }

const RULES: readonly Rule[] = [
  { salesforceType: 'id', postgresType: 'varchar(18)', note: 'stored in the sfid column', map: fixed('varchar(18)') },
  { salesforceType: 'reference', postgresType: 'varchar(18)', note: '18-character record id', map: fixed('varchar(18)') },
  { salesforceType: 'string', postgresType: 'varchar(length)', note: 'length 0 → varchar(255)', map: varcharOfLength },
  { salesforceType: 'picklist', postgresType: 'varchar(length)', note: 'length 0 → varchar(255)', map: varcharOfLength },
  { salesforceType: 'multipicklist', postgresType: 'varchar(length)', note: 'values joined with ";"', map: varcharOfLength },
  { salesforceType: 'combobox', postgresType: 'varchar(length)', note: 'length 0 → varchar(255)', map: varcharOfLength },
  { salesforceType: 'email', postgresType: 'varchar(length)', note: 'length 0 → varchar(255)', map: varcharOfLength },
  { salesforceType: 'phone', postgresType: 'varchar(length)', note: 'length 0 → varchar(255)', map: varcharOfLength },
  { salesforceType: 'url', postgresType: 'varchar(length)', note: 'length 0 → varchar(255)', map: varcharOfLength },
  { salesforceType: 'encryptedstring', postgresType: 'varchar(length)', note: 'as the API user sees it (masked unless permitted)', map: varcharOfLength },
  { salesforceType: 'textarea', postgresType: 'varchar(length) / text', note: 'varchar(length) up to 255 characters, text above (long and rich text areas)', map: textareaType },
  { salesforceType: 'double', postgresType: 'double precision', note: '', map: fixed('double precision') },
  { salesforceType: 'currency', postgresType: 'double precision', note: 'no currency code; see CurrencyIsoCode in multi-currency orgs', map: fixed('double precision') },
  { salesforceType: 'percent', postgresType: 'double precision', note: '12.5 means 12.5 %', map: fixed('double precision') },
  { salesforceType: 'int', postgresType: 'integer', note: '', map: fixed('integer') },
  { salesforceType: 'long', postgresType: 'bigint', note: '', map: fixed('bigint') },
  { salesforceType: 'boolean', postgresType: 'boolean', note: '', map: fixed('boolean') },
  { salesforceType: 'date', postgresType: 'date', note: '', map: fixed('date') },
  { salesforceType: 'datetime', postgresType: 'timestamp', note: 'UTC, without time zone', map: fixed('timestamp') },
  { salesforceType: 'time', postgresType: 'time', note: 'without time zone', map: fixed('time') },
  { salesforceType: 'base64', postgresType: '—', note: 'unsupported: binary bodies are not synced', map: null },
  { salesforceType: 'address', postgresType: '—', note: 'unsupported compound field: map its components (BillingStreet, …)', map: null },
  { salesforceType: 'location', postgresType: '—', note: 'unsupported compound field: map its components (…__Latitude__s, …__Longitude__s)', map: null },
  { salesforceType: 'complexvalue', postgresType: '—', note: 'unsupported', map: null },
  { salesforceType: 'anyType', postgresType: '—', note: 'unsupported: values of mixed types', map: null },
];

const BY_TYPE: ReadonlyMap<string, Rule> = new Map(RULES.map((r) => [r.salesforceType.toLowerCase(), r]));

/** The type map as documentation rows, in a stable order. */
export const TYPE_TABLE: readonly TypeRule[] = RULES.map(({ salesforceType, postgresType, note }) =>
  Object.freeze({ salesforceType, postgresType, note }));

/** Whether a field of this describe type can be synced (has a column type). */
export function isSyncableType(sfType: string): boolean {
  return BY_TYPE.get(sfType.toLowerCase())?.map != null;
}

/**
 * The Postgres column type for a Salesforce field, e.g. `{type:'string',length:80}` → `varchar(80)`,
 * `{type:'datetime'}` → `timestamp`. Throws UnsupportedFieldTypeError for base64, compound and unknown types.
 */
export function pgTypeFor(field: Pick<SfFieldDescribe, 'name' | 'type' | 'length'>): string {
  const rule = BY_TYPE.get(field.type.toLowerCase());
  if (!rule) throw new UnsupportedFieldTypeError(field.name, field.type, 'unknown Salesforce field type');
  if (!rule.map) throw new UnsupportedFieldTypeError(field.name, field.type, rule.note);
  return rule.map(field.length ?? 0);
}

/** The Postgres column name for a Salesforce field: lower case, with `Id` stored as `sfid` (Heroku Connect's layout). */
export function columnNameFor(sfField: string): string {
  const lower = sfField.toLowerCase();
  return lower === 'id' ? 'sfid' : lower;
}

/** The Postgres table name for a Salesforce object: its API name in lower case (`Foo__c` → `foo__c`). */
export function tableNameFor(sfObject: string): string {
  return sfObject.toLowerCase();
}
