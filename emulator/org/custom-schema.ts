// Loads custom objects and custom fields from a JSON schema file, so an org can look like the one a ferry
// user syncs. Format (see emulator/schema/example.json):
//
//   {
//     "objects": [                                  // new custom objects (names end in __c)
//       { "name": "Invoice__c", "label": "Invoice", "labelPlural": "Invoices", "keyPrefix": "a01",
//         "fields": [ <field>, … ] } ],
//     "fields": { "Account": [ <field>, … ] }      // custom fields added to existing objects
//   }
//
//   <field> = { "name": "Amount__c", "type": "currency",          // any SfFieldType except id
//               "label"?, "length"?, "precision"?, "scale"?,       // Salesforce's meanings
//               "required"?: bool, "externalId"?: bool, "unique"?: bool,
//               "picklist"?: ["A","B"], "restrictedPicklist"?: bool,
//               "referenceTo"?: ["Account"], "relationshipName"?: "Account__r",
//               "createable"?: bool, "updateable"?: bool }
//
// Every object gets the system fields (Id, CreatedDate, …, OwnerId) automatically.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { field, object, type EmulatorObjectDef } from './field-defs.js';

const FieldSchema = z.object({
  name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*__c$/, 'custom field names end in __c'),
  type: z.enum(['string', 'textarea', 'picklist', 'multipicklist', 'boolean', 'int', 'double', 'currency', 'percent', 'date', 'datetime', 'time', 'email', 'phone', 'url', 'reference']),
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
}).strict();

const SchemaFile = z.object({
  objects: z.array(z.object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_]*__c$/, 'custom object names end in __c'),
    label: z.string().optional(),
    labelPlural: z.string().optional(),
    keyPrefix: z.string().regex(/^[a-zA-Z0-9]{3}$/),
    fields: z.array(FieldSchema),
  }).strict()).default([]),
  fields: z.record(z.string(), z.array(FieldSchema)).default({}),
}).strict();

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
    byName.set(spec.name.toLowerCase(), object({ name: spec.name, label: spec.label, labelPlural: spec.labelPlural, keyPrefix: spec.keyPrefix, owner: true, fields: spec.fields.map((f) => field(f)) }));
  }
  for (const [objectName, fields] of Object.entries(schema.fields)) {
    const target = byName.get(objectName.toLowerCase());
    if (!target) throw new Error(`invalid emulator schema: fields for unknown object ${objectName}`);
    for (const f of fields) {
      if (target.fields.some((x) => x.name.toLowerCase() === f.name.toLowerCase())) throw new Error(`invalid emulator schema: ${objectName}.${f.name} defined twice`);
      target.fields.push(field(f));
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
