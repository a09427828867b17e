// The standard objects ferry's emulator always has, read from the describe catalogue
// (catalogue/standard-objects.json: Salesforce's field names, types, lengths, flags, picklist values,
// relationship and compound names). Reading it once at start costs nothing on the record paths: tables are
// built from the resulting definitions exactly as before.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { field, object, type EmulatorObjectDef, type FieldSpec } from './field-defs.js';

const CatalogueField = z.object({
  name: z.string(),
  type: z.enum(['string', 'textarea', 'picklist', 'multipicklist', 'boolean', 'int', 'double', 'currency', 'percent', 'date', 'datetime', 'time', 'email', 'phone', 'url', 'reference', 'combobox', 'address', 'location']),
  label: z.string().optional(),
  length: z.number().int().nonnegative().optional(),
  precision: z.number().int().nonnegative().optional(),
  scale: z.number().int().nonnegative().optional(),
  required: z.boolean().optional(),
  nillable: z.boolean().optional(),
  createable: z.boolean().optional(),
  updateable: z.boolean().optional(),
  defaultedOnCreate: z.boolean().optional(),
  calculated: z.boolean().optional(),
  filterable: z.boolean().optional(),
  sortable: z.boolean().optional(),
  externalId: z.boolean().optional(),
  unique: z.boolean().optional(),
  idLookup: z.boolean().optional(),
  nameField: z.boolean().optional(),
  autoNumber: z.boolean().optional(),
  displayFormat: z.string().optional(),
  picklist: z.array(z.string()).optional(),
  restrictedPicklist: z.boolean().optional(),
  referenceTo: z.array(z.string()).optional(),
  relationshipName: z.string().nullable().optional(),
  childRelationshipName: z.string().nullable().optional(),
  compoundFieldName: z.string().optional(),
}).strict();

const CatalogueObject = z.object({
  keyPrefix: z.string().length(3),
  label: z.string(),
  labelPlural: z.string(),
  owner: z.boolean(),
  createable: z.boolean().optional(),
  updateable: z.boolean().optional(),
  deletable: z.boolean().optional(),
  sampleFields: z.array(z.string()),
  fields: z.array(CatalogueField),
}).strict();

const Catalogue = z.record(z.string(), z.union([CatalogueObject, z.string()]));

/** Defaults applied on create when the caller leaves these fields out (Salesforce's own defaults). */
export const CREATE_DEFAULTS: Record<string, Record<string, string | boolean>> = {
  User: { IsActive: true, TimeZoneSidKey: 'America/Los_Angeles', LocaleSidKey: 'en_US', EmailEncodingKey: 'UTF-8', LanguageLocaleKey: 'en_US' },
  Lead: { Status: 'Open - Not Contacted' },
  Case: { Status: 'New', Priority: 'Medium' },
  Task: { Status: 'Not Started', Priority: 'Normal' },
  Event: { ShowAs: 'Busy' },
  CampaignMember: { Status: 'Sent' },
  PushTopic: { IsActive: true, NotifyForOperationCreate: true, NotifyForOperationUpdate: true, NotifyForOperationDelete: true, NotifyForOperationUndelete: true, NotifyForFields: 'Referenced' },
};

/** Calculated Name fields: FirstName + LastName, as Salesforce composes them. */
export const COMPOSED_NAME_OBJECTS = new Set(['User', 'Contact', 'Lead']);

let catalogue: z.infer<typeof Catalogue> | undefined;

function loadCatalogue(): z.infer<typeof Catalogue> {
  if (!catalogue) {
    const raw: unknown = JSON.parse(readFileSync(join(__dirname, 'catalogue', 'standard-objects.json'), 'utf8'));
    const parsed = Catalogue.safeParse(raw);
    if (!parsed.success) throw new Error(`invalid standard object catalogue: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    catalogue = parsed.data;
  }
  return catalogue;
}

export function standardObjects(): EmulatorObjectDef[] {
  const out: EmulatorObjectDef[] = [];
  for (const [name, spec] of Object.entries(loadCatalogue())) {
    if (typeof spec === 'string') continue; // $comment
    const sampled = new Set(spec.sampleFields);
    const defaults = CREATE_DEFAULTS[name] ?? {};
    const fields = spec.fields.map((f) => {
      const { picklist, relationshipName, ...rest } = f;
      const def = field({ ...rest, picklist, relationshipName: relationshipName ?? null, custom: false, sample: sampled.has(f.name) } as FieldSpec);
      const dflt = defaults[f.name];
      if (typeof dflt === 'string') for (const p of def.picklistValues) p.defaultValue = p.value === dflt;
      return def;
    });
    out.push(object({
      name, label: spec.label, labelPlural: spec.labelPlural, keyPrefix: spec.keyPrefix, owner: spec.owner,
      createable: spec.createable, updateable: spec.updateable, deletable: spec.deletable, fields,
    }));
  }
  return out;
}
