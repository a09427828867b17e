// Loads custom objects and custom fields from a JSON schema file, so an org can look like the one a ferry
// user syncs. Format (see emulator/schema/example.json):
//
//   {
//     "objects": [                                  // new custom objects (names end in __c)
//       { "name": "Invoice__c", "label": "Invoice", "labelPlural": "Invoices", "keyPrefix": "a01",
//         "nameField"?: { "type": "text", "label"?: "Invoice Name" }                 // the default
//                    | { "type": "autoNumber", "displayFormat": "INV-{0000}", "startingNumber"?: 1, "label"? },
//         "recordTypes"?: [ { "developerName": "Retail", "name"?: "Retail", "active"?: true, "default"?: true } ],
//         "fields": [ <field>, … ] } ],
//     "fields": { "Account": [ <field>, … ] },     // custom fields added to existing objects
//     "recordTypes"?: { "Account": [ <record type>, … ] }   // record types of existing objects
//   }
//
//   <field> = { "name": "Amount__c", "type": "currency",          // any SfFieldType except id
//               "label"?, "length"?, "precision"?, "scale"?,       // Salesforce's meanings
//               "required"?: bool, "externalId"?: bool, "unique"?: bool,
//               "picklist"?: ["A","B"], "restrictedPicklist"?: bool,
//               "referenceTo"?: ["Account"], "relationshipName"?: "Account__r",
//               "createable"?: bool, "updateable"?: bool,
//               "formula"?: "Amount__c * Quantity__c" | "Name & ' (' & Status__c & ')'"    // calculated,
//                          | "COUNT(Lines__r)" | "SUM(Lines__r.Amount__c)",               // read-only
//               "childRelationshipName"?: "Lines__r" }                  // on a reference: the parent's name for it
//
// A "location" field (geolocation, e.g. "Site__c" with "scale") gets its components Site__Latitude__s and
// Site__Longitude__s. Every custom object gets the standard fields a real one has: Id, OwnerId, IsDeleted,
// Name, CreatedDate, CreatedById, LastModifiedDate, LastModifiedById, SystemModstamp, LastActivityDate,
// LastViewedDate, LastReferencedDate, and RecordTypeId once it has record types.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { RecordTypeDef } from '../contract.js';
import { field, object, type EmulatorFieldDef, type EmulatorObjectDef } from './field-defs.js';

const FieldSchema = z.object({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*__c$/, 'custom field names end in __c'),
  type: z.enum(['string', 'textarea', 'picklist', 'multipicklist', 'boolean', 'int', 'double', 'currency', 'percent', 'date', 'datetime', 'time', 'email', 'phone', 'url', 'reference', 'location']),
  label: z.string().optional(),
  length: z.number().int().positive().optional(),
  precision: z.number().int().nonnegative().optional(),
  scale: z.number().int().nonnegative().optional(),
  required: z.boolean().optional(),
  externalId: z.boolean().optional(),
  unique: z.boolean().optional(),
  picklist: z.array(z.string()).optional(),
  restrictedPicklist: z.boolean().optional(),
  referenceTo: z.array(z.string()).optional(),
  relationshipName: z.string().optional(),
  createable: z.boolean().optional(),
  updateable: z.boolean().optional(),
  /** A calculated field (org/formulas.ts): `Amount__c * 2`, `Name & ' ' & Status__c`, `COUNT(Lines__r)`, `SUM(Lines__r.Amount__c)`. */
  formula: z.string().min(1).optional(),
  /** On a reference: the parent's name for its children through it (`Lines__r`); default the child's plural label + __r. */
  childRelationshipName: z.string().optional(),
}).strict();

const RecordTypeSchema = z.object({
  developerName: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'record type developer names are letters, digits and underscores'),
  name: z.string().optional(),
  active: z.boolean().optional(),
  default: z.boolean().optional(),
}).strict();

const NameFieldSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), label: z.string().optional() }).strict(),
  z.object({
    type: z.literal('autoNumber'),
    label: z.string().optional(),
    displayFormat: z.string().regex(/\{0+\}/, 'an Auto Number display format holds a number placeholder such as {0000}').max(30),
    startingNumber: z.number().int().nonnegative().optional(),
  }).strict(),
]);

const SchemaFile = z.object({
  objects: z.array(z.object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*__c$/, 'custom object names end in __c'),
    label: z.string().optional(),
    labelPlural: z.string().optional(),
    keyPrefix: z.string().regex(/^[a-zA-Z0-9]{3}$/),
    nameField: NameFieldSchema.optional(),
    recordTypes: z.array(RecordTypeSchema).optional(),
    fields: z.array(FieldSchema),
  }).strict()).default([]),
  fields: z.record(z.string(), z.array(FieldSchema)).default({}),
  recordTypes: z.record(z.string(), z.array(RecordTypeSchema)).default({}),
}).strict();

type ObjectSchema = z.infer<typeof SchemaFile>['objects'][number];
type FieldInput = z.infer<typeof FieldSchema>;

/** The Name field a custom object's schema chose (Text(80) unless it says Auto Number). */
function nameFieldOf(spec: ObjectSchema): EmulatorFieldDef {
  const label = spec.nameField?.label ?? `${spec.label ?? spec.name.replace(/__c$/, '').replace(/_/g, ' ')} Name`;
  if (spec.nameField?.type === 'autoNumber') {
    return field({
      name: 'Name', type: 'string', label, length: 30, autoNumber: true, displayFormat: spec.nameField.displayFormat,
      startingNumber: spec.nameField.startingNumber ?? 1, nillable: false, createable: false, updateable: false, defaultedOnCreate: true, custom: false,
    });
  }
  // Text names may be left out through the API (the record then takes its id as name), so describe says defaulted.
  return field({ name: 'Name', type: 'string', label, length: 80, nillable: true, defaultedOnCreate: true, custom: false, sample: false, idLookup: true });
}

/** The standard fields of every custom object beyond the system ones (Name, activity and view dates, record type). */
function customObjectStandardFields(spec: ObjectSchema): EmulatorFieldDef[] {
  const fields = [nameFieldOf(spec)];
  if (spec.recordTypes?.length) {
    fields.push(field({ name: 'RecordTypeId', type: 'reference', label: 'Record Type ID', referenceTo: ['RecordType'], relationshipName: 'RecordType', defaultedOnCreate: true, custom: false, sample: false }));
  }
  fields.push(
    field({ name: 'LastActivityDate', type: 'date', label: 'Last Activity Date', createable: false, updateable: false, custom: false, sample: false }),
    field({ name: 'LastViewedDate', type: 'datetime', label: 'Last Viewed Date', createable: false, updateable: false, custom: false, sample: false }),
    field({ name: 'LastReferencedDate', type: 'datetime', label: 'Last Referenced Date', createable: false, updateable: false, custom: false, sample: false }),
  );
  return fields;
}

/** A schema field; a geolocation comes with its latitude and longitude components. */
function fieldsOf(f: FieldInput): EmulatorFieldDef[] {
  if (f.type !== 'location') return [field(f)];
  const stem = f.name.replace(/__c$/, '');
  const label = f.label ?? stem.replace(/_/g, ' ');
  const scale = f.scale ?? 6;
  const part = (axis: 'Latitude' | 'Longitude') => field({
    name: `${stem}__${axis}__s`, type: 'double', label: `${label} (${axis})`, precision: scale + 3, scale,
    compoundFieldName: f.name, custom: true, createable: f.createable, updateable: f.updateable,
  });
  return [field({ ...f, type: 'location', length: 0, scale, label }), part('Latitude'), part('Longitude')];
}

function recordTypesOf(object: string, specs: z.infer<typeof RecordTypeSchema>[]): RecordTypeDef[] {
  const seen = new Set<string>();
  let defaults = 0;
  const out = specs.map((r) => {
    if (seen.has(r.developerName.toLowerCase())) throw new Error(`invalid emulator schema: record type ${object}.${r.developerName} defined twice`);
    seen.add(r.developerName.toLowerCase());
    if (r.default) defaults++;
    return { id: '', developerName: r.developerName, name: r.name ?? r.developerName.replace(/_/g, ' '), active: r.active ?? true, defaultRecordTypeMapping: r.default ?? false };
  });
  if (defaults > 1) throw new Error(`invalid emulator schema: ${object} has more than one default record type`);
  const firstActive = out.find((r) => r.active);
  if (defaults === 0 && firstActive) firstActive.defaultRecordTypeMapping = true;
  return out;
}

export type CustomSchema = z.infer<typeof SchemaFile>;

export function parseCustomSchema(json: unknown): CustomSchema {
  const parsed = SchemaFile.safeParse(json);
  if (!parsed.success) throw new Error(`invalid emulator schema: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export function loadCustomSchemaFile(path: string): CustomSchema {
  return parseCustomSchema(JSON.parse(readFileSync(path, 'utf8')));
}

/** Adds the schema's objects and fields to `objects` (returns a new list); throws on clashes. */
export function applyCustomSchema(objects: EmulatorObjectDef[], schema: CustomSchema): EmulatorObjectDef[] {
  const byName = new Map(objects.map((o) => [o.name.toLowerCase(), { ...o, fields: [...o.fields] }]));
  const prefixes = new Set(objects.map((o) => o.keyPrefix));
  for (const spec of schema.objects) {
    if (byName.has(spec.name.toLowerCase())) throw new Error(`invalid emulator schema: object ${spec.name} defined twice`);
    if (prefixes.has(spec.keyPrefix)) throw new Error(`invalid emulator schema: key prefix ${spec.keyPrefix} already used`);
    prefixes.add(spec.keyPrefix);
    const def = object({ name: spec.name, label: spec.label, labelPlural: spec.labelPlural, keyPrefix: spec.keyPrefix, owner: true, fields: [...customObjectStandardFields(spec), ...spec.fields.flatMap(fieldsOf)] });
    if (spec.recordTypes?.length) def.recordTypes = recordTypesOf(spec.name, spec.recordTypes);
    byName.set(spec.name.toLowerCase(), def);
  }
  for (const [objectName, specs] of Object.entries(schema.recordTypes)) {
    const target = byName.get(objectName.toLowerCase());
    if (!target) throw new Error(`invalid emulator schema: record types for unknown object ${objectName}`);
    if (!specs.length) continue;
    target.recordTypes = recordTypesOf(target.name, specs);
    if (!target.fields.some((f) => f.name === 'RecordTypeId')) {
      target.fields.push(field({ name: 'RecordTypeId', type: 'reference', label: 'Record Type ID', referenceTo: ['RecordType'], relationshipName: 'RecordType', defaultedOnCreate: true, custom: false, sample: false }));
    }
  }
  for (const [objectName, fields] of Object.entries(schema.fields)) {
    const target = byName.get(objectName.toLowerCase());
    if (!target) throw new Error(`invalid emulator schema: fields for unknown object ${objectName}`);
    for (const f of fields.flatMap(fieldsOf)) {
      if (target.fields.some((x) => x.name.toLowerCase() === f.name.toLowerCase())) throw new Error(`invalid emulator schema: ${objectName}.${f.name} defined twice`);
      target.fields.push(f);
    }
  }
  const all = [...byName.values()];
  for (const o of all) {
    for (const f of o.fields) {
      if (f.type !== 'reference') continue;
      if (f.referenceTo.length === 0) throw new Error(`invalid emulator schema: ${o.name}.${f.name} needs referenceTo`);
      for (const target of f.referenceTo) {
        if (!byName.has(target.toLowerCase())) throw new Error(`invalid emulator schema: ${o.name}.${f.name} references unknown ${target}`);
      }
      if (f.custom && !f.relationshipName) f.relationshipName = f.name.replace(/__c$/, '__r');
    }
  }
  return all;
}
