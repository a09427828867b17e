// Change events as the Pub/Sub API carries them: Avro binary, written with one schema per object (and per
// version of its field list), named by a schema id that GetSchema resolves.
//
// The record is the CometD event's body laid out as Salesforce's change-event schema does: field 0 is
// ChangeEventHeader, then every field a change event may carry, in describe order, each a union with null;
// compound fields (BillingAddress, a person's Name) are nested records placed where their first component is.
// Datetimes travel as long epoch ms, dates as int days since the epoch.
//
// The header's changedFields, nulledFields and diffFields are bitmaps over those field positions: the first
// string is the top level ("0x…", bit i = field i), then one "<i>-0x…" string per compound field i whose
// components changed (bit j = component j). In an UPDATE every field that did not change is null, so a null
// means "unchanged" unless nulledFields has its bit.
import { createHash } from 'node:crypto';
import avro from 'avsc';
import type { FieldDef, ObjectDef, SfFieldType } from '../contract.js';
import { COMPOUND_TYPES } from '../org/field-defs.js';
import { compoundPartsOf, OMITTED_FIELDS, type ChangeEventBody, type ChangeEventHeader } from '../streaming/change-events.js';

const NAMESPACE = 'com.sforce.eventbus';
const CHANGE_TYPES = ['CREATE', 'UPDATE', 'DELETE', 'UNDELETE', 'GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE', 'GAP_UNDELETE', 'GAP_OVERFLOW'];
const DAY_MS = 86_400_000;

const HEADER_SCHEMA = {
  type: 'record', name: 'ChangeEventHeader', namespace: NAMESPACE,
  fields: [
    { name: 'entityName', type: 'string' },
    { name: 'recordIds', type: { type: 'array', items: 'string' } },
    { name: 'changeType', type: { type: 'enum', name: 'ChangeType', namespace: NAMESPACE, symbols: CHANGE_TYPES } },
    { name: 'changeOrigin', type: 'string' },
    { name: 'transactionKey', type: 'string' },
    { name: 'sequenceNumber', type: 'int' },
    { name: 'commitTimestamp', type: 'long' },
    { name: 'commitNumber', type: 'long' },
    { name: 'commitUser', type: 'string' },
    { name: 'nulledFields', type: { type: 'array', items: 'string' } },
    { name: 'diffFields', type: { type: 'array', items: 'string' } },
    { name: 'changedFields', type: { type: 'array', items: 'string' } },
  ],
};

type Kind = 'string' | 'boolean' | 'int' | 'double' | 'datetime' | 'date';

function kindOf(type: SfFieldType): Kind {
  switch (type) {
    case 'boolean': return 'boolean';
    case 'int': return 'int';
    case 'double': case 'currency': case 'percent': return 'double';
    case 'datetime': return 'datetime';
    case 'date': return 'date';
    default: return 'string';
  }
}

function avroField(name: string, kind: Kind): Record<string, unknown> {
  const base = kind === 'datetime' ? 'long' : kind === 'date' ? 'int' : kind;
  const field: Record<string, unknown> = { name, type: ['null', base], default: null };
  if (kind === 'datetime') field.doc = 'Data:DateTime';
  if (kind === 'date') field.doc = 'Data:Date';
  return field;
}

/** One slot of the record after the header: a plain field or a compound with its components. */
type Slot = { field: string; kind: Kind } | { compound: string; components: { name: string; kind: Kind }[] };

/** An object's change-event schema: its JSON, id, Avro type, and the layout the bitmaps index. */
export interface EventSchema {
  id: string;
  json: string;
  type: avro.Type;
  /** Position i + 1 in the record (0 is the header). */
  slots: Slot[];
}

export class ChangeEventSchemas {
  private readonly byDef = new WeakMap<ObjectDef, EventSchema>();
  /** Every schema handed out, so an event retained under an older schema still resolves. */
  private readonly byId = new Map<string, EventSchema>();
  /** Encoded payload per event body (shared by both channels an event is published on). */
  private readonly encoded = new WeakMap<object, { schemaId: string; payload: Buffer }>();

  of(def: ObjectDef): EventSchema {
    let schema = this.byDef.get(def);
    if (!schema) {
      schema = buildSchema(def);
      this.byDef.set(def, schema);
      this.byId.set(schema.id, schema);
    }
    return schema;
  }

  get(id: string): EventSchema | undefined {
    return this.byId.get(id);
  }

  /** The Avro payload of a change event body, written with its object's current schema (kept per body). */
  encode(body: ChangeEventBody, def: ObjectDef): { schemaId: string; payload: Buffer } {
    let out = this.encoded.get(body.payload);
    if (!out) {
      const schema = this.of(def);
      out = { schemaId: schema.id, payload: schema.type.toBuffer(toRecord(body, schema)) };
      this.encoded.set(body.payload, out);
    }
    return out;
  }
}

function buildSchema(def: ObjectDef): EventSchema {
  // A compound field itself (BillingAddress, a geolocation) is carried by its components' record, not as a field.
  const fields = def.fields.filter((f) => !OMITTED_FIELDS.has(f.name) && !f.calculated && !COMPOUND_TYPES.has(f.type));
  const byName = new Map<string, FieldDef>(fields.map((f) => [f.name, f]));
  const parts = compoundPartsOf(def, new Set(byName.keys()));
  const slots: Slot[] = [];
  const compoundSlots = new Map<string, Extract<Slot, { compound: string }>>();
  for (const f of fields) {
    const part = parts.get(f.name);
    if (!part) {
      slots.push({ field: f.name, kind: kindOf(f.type) });
      continue;
    }
    let slot = compoundSlots.get(part.compound);
    if (!slot) {
      slot = { compound: part.compound, components: [] };
      compoundSlots.set(part.compound, slot);
      slots.push(slot);
    }
    slot.components.push({ name: part.component, kind: kindOf(f.type) });
  }
  const entity = def.name.endsWith('__c') ? `${def.name.slice(0, -3)}__ChangeEvent` : `${def.name}ChangeEvent`;
  const schemaJson = {
    type: 'record', name: entity, namespace: NAMESPACE,
    fields: [
      { name: 'ChangeEventHeader', type: HEADER_SCHEMA },
      ...slots.map((s) => ('field' in s
        ? avroField(s.field, s.kind)
        : {
          name: s.compound, default: null,
          type: ['null', { type: 'record', name: `${s.compound}Compound`, namespace: NAMESPACE, fields: s.components.map((c) => avroField(c.name, c.kind)) }],
        })),
    ],
  };
  const json = JSON.stringify(schemaJson);
  // Salesforce's schema id is a 22-character fingerprint of the schema: base64url of its MD5 has that form.
  const id = createHash('md5').update(json).digest('base64url');
  return { id, json, type: avro.Type.forSchema(schemaJson as avro.Schema), slots };
}

function wire(value: unknown, kind: Kind): unknown {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'boolean': return Boolean(value);
    case 'int': return Math.trunc(Number(value));
    case 'double': return Number(value);
    case 'datetime': return Date.parse(String(value).replace(/\+0000$/, 'Z'));
    case 'date': return Math.round(Date.parse(`${String(value).slice(0, 10)}T00:00:00Z`) / DAY_MS);
    default: return typeof value === 'string' ? value : String(value);
  }
}

/** "0x…" with bit i set for each index (upper-case hex, as Salesforce writes it). */
export function bitmap(indices: Iterable<number>): string {
  let bits = 0n;
  for (const i of indices) bits |= 1n << BigInt(i);
  return `0x${bits.toString(16).toUpperCase()}`;
}

/** Header field names (Phone, BillingAddress.City) → the bitmap strings over the schema's positions. */
function bitmaps(names: readonly string[], schema: EventSchema): string[] {
  if (names.length === 0) return [];
  const top = new Set<number>();
  const nested = new Map<number, Set<number>>();
  for (const name of names) {
    const dot = name.indexOf('.');
    const head = dot < 0 ? name : name.slice(0, dot);
    const index = schema.slots.findIndex((s) => ('field' in s ? s.field : s.compound) === head);
    if (index < 0) continue;
    top.add(index + 1);
    const slot = schema.slots[index];
    if (dot >= 0 && 'compound' in slot) {
      const component = slot.components.findIndex((c) => c.name === name.slice(dot + 1));
      if (component >= 0) {
        const set = nested.get(index + 1) ?? new Set<number>();
        set.add(component);
        nested.set(index + 1, set);
      }
    }
  }
  return [bitmap(top), ...[...nested].sort(([a], [b]) => a - b).map(([i, set]) => `${i}-${bitmap(set)}`)];
}

function toRecord(body: ChangeEventBody, schema: EventSchema): Record<string, unknown> {
  const payload = body.payload as Record<string, unknown>;
  const h = payload.ChangeEventHeader as ChangeEventHeader;
  const changed = h.changeType === 'UPDATE' ? h.changedFields : [];
  const nulled = changed.filter((name) => {
    const dot = name.indexOf('.');
    const value = dot < 0 ? payload[name] : (payload[name.slice(0, dot)] as Record<string, unknown> | undefined)?.[name.slice(dot + 1)];
    return value === null;
  });
  const record: Record<string, unknown> = {
    ChangeEventHeader: {
      entityName: h.entityName, recordIds: h.recordIds, changeType: h.changeType, changeOrigin: h.changeOrigin,
      transactionKey: h.transactionKey, sequenceNumber: h.sequenceNumber, commitTimestamp: h.commitTimestamp,
      commitNumber: h.commitNumber, commitUser: h.commitUser,
      nulledFields: bitmaps(nulled, schema), diffFields: [], changedFields: bitmaps(changed, schema),
    },
  };
  for (const slot of schema.slots) {
    if ('field' in slot) {
      record[slot.field] = wire(payload[slot.field], slot.kind);
      continue;
    }
    const value = payload[slot.compound] as Record<string, unknown> | undefined;
    record[slot.compound] = value === undefined || value === null
      ? null
      : Object.fromEntries(slot.components.map((c) => [c.name, wire(value[c.name], c.kind)]));
  }
  return record;
}
