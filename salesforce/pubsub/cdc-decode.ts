// Change Data Capture events from the Pub/Sub API → the JSON shape CometD delivers, so one apply path serves
// both transports. Pure: the Avro schema comes in, nothing is fetched.
//
// The Avro record has every field of the object, unchanged ones null. Which nulls are real is told by the
// header's bitmaps: `changedFields`, `nulledFields`, `diffFields` are lists of hex bitmaps over the schema's
// field positions — "0x…" for the top level (bit i = field i of the record), "i-0x…" for the components of
// compound field i (BillingAddress, Name). They are turned back into names ("Phone", "BillingAddress.City").
//
// An UPDATE keeps only the fields its changedFields names, so a null that only means "unchanged" can never
// overwrite a column. A CREATE/UNDELETE keeps its non-null fields (CometD's form: absent = empty). A field
// sent as a diff (diffFields, long text areas) carries no value ferry could store: such an event becomes a
// gap on its records, and the mapping re-reads them.
import type avro from 'avsc';

interface AvroField { name: string; doc?: string; type: unknown }
interface AvroRecordSchema { type: 'record'; name: string; fields: AvroField[] }

export interface DecodedHeader {
  entityName: string;
  recordIds: string[];
  changeType: string;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  changedFields: string[];
  nulledFields: string[];
  diffFields: string[];
}

/** The CometD-shaped event: `{schema, payload: {ChangeEventHeader, …fields}, event: {replayId}}`. */
export interface CdcEventJson {
  schema: string;
  payload: { ChangeEventHeader: DecodedHeader } & Record<string, unknown>;
  event: { replayId: string };
}

/** The record schema of an Avro union member that is a record (compound fields are ['null', record]). */
function recordOf(type: unknown): AvroRecordSchema | undefined {
  const candidates = Array.isArray(type) ? type : [type];
  for (const t of candidates) {
    if (typeof t === 'object' && t !== null && (t as { type?: unknown }).type === 'record') return t as AvroRecordSchema;
  }
  return undefined;
}

/** Bit positions set in a "0x…" bitmap (bit 0 = the lowest), ascending; read a hex digit at a time from the right. */
export function bitsOf(hex: string): number[] {
  const start = hex.length >= 2 && hex[0] === '0' && (hex[1] === 'x' || hex[1] === 'X') ? 2 : 0;
  const out: number[] = [];
  for (let i = hex.length - 1, base = 0; i >= start; i--, base += 4) {
    const nibble = parseInt(hex[i], 16);
    if (Number.isNaN(nibble)) throw new Error(`bad field bitmap "${hex}"`);
    for (let bit = 0; bit < 4; bit++) if (nibble & (1 << bit)) out.push(base + bit);
  }
  return out;
}

/** A bitmap list → field names of `schema` ("Phone", "BillingAddress.City"). */
export function fieldNames(bitmaps: readonly string[], schema: AvroRecordSchema): string[] {
  const names: string[] = [];
  const nestedOf = new Map<number, string[]>();
  for (const entry of bitmaps) {
    const dash = entry.indexOf('-');
    if (dash < 0) continue;
    const index = Number(entry.slice(0, dash));
    const parent = schema.fields[index];
    const record = parent && recordOf(parent.type);
    if (!Number.isInteger(index) || !record) throw new Error(`bitmap "${entry}" names no compound field`);
    nestedOf.set(index, bitsOf(entry.slice(dash + 1)).map((bit) => {
      const component = record.fields[bit];
      if (!component) throw new Error(`bitmap "${entry}" names component ${bit} of ${parent.name}, which has ${record.fields.length}`);
      return `${parent.name}.${component.name}`;
    }));
  }
  for (const entry of bitmaps) {
    if (entry.includes('-')) continue;
    for (const bit of bitsOf(entry)) {
      const field = schema.fields[bit];
      if (!field) throw new Error(`bitmap "${entry}" names field ${bit}, the schema has ${schema.fields.length}`);
      const nested = nestedOf.get(bit);
      if (nested) names.push(...nested);
      else names.push(field.name);
    }
  }
  return names;
}

const DAY_MS = 86_400_000;

/** Avro's wire value → the REST/CometD JSON value: datetimes as ISO-8601 (…Z), dates as YYYY-MM-DD. */
function jsonValue(value: unknown, field: AvroField): unknown {
  if (value === null || value === undefined) return null;
  if (field.doc === 'Data:DateTime' && typeof value === 'number') return new Date(value).toISOString();
  if (field.doc === 'Data:Date' && typeof value === 'number') return new Date(value * DAY_MS).toISOString().slice(0, 10);
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return value;
}

/** A schema's fields after the header, each with its compound record when it is one: worked out once per schema. */
const fieldPlans = new WeakMap<AvroRecordSchema, { field: AvroField; compound: AvroRecordSchema | undefined }[]>();
function fieldPlan(schema: AvroRecordSchema): { field: AvroField; compound: AvroRecordSchema | undefined }[] {
  let plan = fieldPlans.get(schema);
  if (!plan) {
    plan = schema.fields.slice(1).map((field) => ({ field, compound: recordOf(field.type) }));
    fieldPlans.set(schema, plan);
  }
  return plan;
}

/** Decodes one event's Avro payload with its schema and returns it in CometD's JSON shape. */
export function decodeChangeEvent(type: avro.Type, schema: AvroRecordSchema, schemaId: string, payload: Buffer, replayId: string): CdcEventJson {
  const record = type.fromBuffer(payload) as Record<string, unknown>;
  const raw = record.ChangeEventHeader as Record<string, unknown> | undefined;
  if (!raw) throw new Error('the event has no ChangeEventHeader');
  const header: DecodedHeader = {
    entityName: String(raw.entityName),
    recordIds: (raw.recordIds as string[]) ?? [],
    changeType: String(raw.changeType),
    changeOrigin: String(raw.changeOrigin ?? ''),
    transactionKey: String(raw.transactionKey ?? ''),
    sequenceNumber: Number(raw.sequenceNumber ?? 0),
    commitTimestamp: Number(raw.commitTimestamp),
    commitNumber: Number(raw.commitNumber ?? 0),
    commitUser: String(raw.commitUser ?? ''),
    changedFields: fieldNames((raw.changedFields as string[]) ?? [], schema),
    nulledFields: fieldNames((raw.nulledFields as string[]) ?? [], schema),
    diffFields: fieldNames((raw.diffFields as string[]) ?? [], schema),
  };
  const out: CdcEventJson = { schema: schemaId, payload: { ChangeEventHeader: header }, event: { replayId } };
  if (header.diffFields.length > 0) {
    // A diff is not the field's value: re-read these records instead of applying half a change.
    header.changeType = `GAP_${header.changeType}`;
    return out;
  }
  const fields = fieldPlan(schema);
  if (header.changeType === 'UPDATE') {
    const changed = new Set(header.changedFields);
    for (const { field, compound } of fields) {
      const value = record[field.name];
      if (compound) {
        const parts: Record<string, unknown> = {};
        for (const c of compound.fields) {
          if (changed.has(`${field.name}.${c.name}`) || changed.has(field.name)) {
            parts[c.name] = jsonValue((value as Record<string, unknown> | null)?.[c.name], c);
          }
        }
        if (Object.keys(parts).length > 0) out.payload[field.name] = parts;
      } else if (changed.has(field.name)) {
        out.payload[field.name] = jsonValue(value, field);
      }
    }
  } else if (!header.changeType.startsWith('GAP_') && header.changeType !== 'DELETE') {
    for (const { field, compound } of fields) {
      const value = record[field.name];
      if (value === null || value === undefined) continue;
      out.payload[field.name] = compound
        ? Object.fromEntries(compound.fields.map((c) => [c.name, jsonValue((value as Record<string, unknown>)[c.name], c)]))
        : jsonValue(value, field);
    }
  }
  return out;
}

/** The client name ferry's writes for a mapping carry in Sforce-Call-Options, and its change events' changeOrigin names. */
export function echoClientName(mappingId: string): string {
  return `ferry-${mappingId.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** Whether a change came from ferry's own writes for `client` (Sforce-Call-Options: client=<client>). */
export function isEcho(changeOrigin: string, client: string): boolean {
  return changeOrigin.split(';').some((part) => part.trim() === `client=${client}`);
}

export type { AvroRecordSchema };
