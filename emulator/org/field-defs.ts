// Builders for describe-shaped field and object definitions, so the standard objects and the custom schema
// file state only what differs from Salesforce's defaults.
import type { FieldDef, ObjectDef, SfFieldType } from '../contract.js';

const DEFAULT_LENGTH: Partial<Record<SfFieldType, number>> = {
  id: 18, string: 255, textarea: 32768, picklist: 255, multipicklist: 4099, email: 80, phone: 40, url: 255,
  reference: 18, time: 0, combobox: 255,
};
const NUMBER_TYPES = new Set<SfFieldType>(['int', 'double', 'currency', 'percent']);

export type FieldSpec = Partial<Omit<FieldDef, 'picklistValues'>> & {
  name: string;
  type: SfFieldType;
  /** Shorthand for picklistValues; the first is not the default. */
  picklist?: string[];
  /** Required on create (not nillable, not defaulted). */
  required?: boolean;
  /** Restricted picklists refuse values outside the list. */
  restrictedPicklist?: boolean;
  /** Auto Number display format, e.g. `INV-{0000}` (with autoNumber). */
  displayFormat?: string;
  /** First Auto Number (default 1). */
  startingNumber?: number;
  /** Seeding (POST /__emulator/seed) fills the field with synthetic values; default true. */
  sample?: boolean;
  /** The parent's name for the children through this reference (null: none); default: the child's plural label. */
  childRelationshipName?: string | null;
  /** A calculated field's formula (org/formulas.ts): read-only, describe calculated: true. */
  formula?: string;
};

/** Fields the emulator manages itself: never createable or updateable through an API. */
const SYSTEM_FIELDS = new Set(['Id', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'IsDeleted', 'CreatedById', 'LastModifiedById']);

export interface EmulatorFieldDef extends FieldDef {
  /** Restricted picklist: values outside picklistValues fail with INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST. */
  restrictedPicklist: boolean;
  compoundFieldName: string | null;
  autoNumber: boolean;
  nameField: boolean;
  idLookup: boolean;
  displayFormat: string | null;
  startingNumber: number;
  sample: boolean;
  /** undefined: derived from the child's plural label (see org/child-relationships.ts). */
  childRelationshipName?: string | null;
  /** The formula of a calculated field the emulator evaluates (org/formulas.ts). */
  formula?: string;
}

/** Compound types: no storage of their own, read from their components. */
export const COMPOUND_TYPES = new Set<SfFieldType>(['address', 'location']);

export function field(spec: FieldSpec): EmulatorFieldDef {
  // Formula fields are computed by the org: never written through an API, never seeded.
  const system = SYSTEM_FIELDS.has(spec.name) || COMPOUND_TYPES.has(spec.type) || (spec.autoNumber ?? false) || spec.formula !== undefined;
  const required = spec.required ?? false;
  const isNumber = NUMBER_TYPES.has(spec.type);
  const def: EmulatorFieldDef = {
    name: spec.name,
    label: spec.label ?? spec.name.replace(/__c$/, '').replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2'),
    type: spec.type,
    length: spec.length ?? DEFAULT_LENGTH[spec.type] ?? 0,
    precision: spec.precision ?? (isNumber ? 18 : 0),
    scale: spec.scale ?? (spec.type === 'currency' || spec.type === 'percent' ? 2 : 0),
    nillable: spec.nillable ?? (!required && (!system || COMPOUND_TYPES.has(spec.type)) && spec.type !== 'boolean' && !(spec.autoNumber ?? false)),
    createable: spec.createable ?? !system,
    updateable: spec.updateable ?? !system,
    defaultedOnCreate: spec.defaultedOnCreate ?? ((system && !COMPOUND_TYPES.has(spec.type)) || spec.type === 'boolean'),
    externalId: spec.externalId ?? false,
    unique: spec.unique ?? false,
    custom: spec.custom ?? spec.name.endsWith('__c'),
    calculated: spec.calculated ?? spec.formula !== undefined,
    filterable: spec.filterable ?? spec.type !== 'textarea',
    sortable: spec.sortable ?? (spec.type !== 'textarea' && !COMPOUND_TYPES.has(spec.type)),
    picklistValues: (spec.picklist ?? []).map((v) => ({ value: v, label: v, active: true, defaultValue: false })),
    referenceTo: spec.referenceTo ?? [],
    relationshipName: spec.relationshipName ?? null,
    restrictedPicklist: spec.restrictedPicklist ?? false,
    compoundFieldName: spec.compoundFieldName ?? null,
    autoNumber: spec.autoNumber ?? false,
    nameField: spec.nameField ?? spec.name === 'Name',
    idLookup: spec.idLookup ?? (spec.type === 'id' || (spec.externalId ?? false)),
    displayFormat: spec.displayFormat ?? null,
    startingNumber: spec.startingNumber ?? 1,
    sample: spec.sample ?? spec.formula === undefined,
    ...(spec.childRelationshipName !== undefined ? { childRelationshipName: spec.childRelationshipName } : {}),
    ...(spec.formula !== undefined ? { formula: spec.formula } : {}),
  };
  return def;
}

/** The fields every object has; OwnerId only where Salesforce has it. */
export function systemFields(opts: { owner: boolean }): EmulatorFieldDef[] {
  const fields = [
    field({ name: 'Id', type: 'id', label: 'Record ID', nillable: false }),
    field({ name: 'IsDeleted', type: 'boolean', label: 'Deleted' }),
    field({ name: 'CreatedDate', type: 'datetime', nillable: false }),
    field({ name: 'CreatedById', type: 'reference', referenceTo: ['User'], relationshipName: 'CreatedBy', nillable: false }),
    field({ name: 'LastModifiedDate', type: 'datetime', nillable: false }),
    field({ name: 'LastModifiedById', type: 'reference', referenceTo: ['User'], relationshipName: 'LastModifiedBy', nillable: false }),
    field({ name: 'SystemModstamp', type: 'datetime', nillable: false }),
  ];
  if (opts.owner) {
    fields.push(field({ name: 'OwnerId', type: 'reference', referenceTo: ['User'], relationshipName: 'Owner', nillable: false, defaultedOnCreate: true }));
  }
  return fields;
}

export interface EmulatorObjectDef extends ObjectDef {
  fields: EmulatorFieldDef[];
}

export interface ObjectSpec {
  name: string;
  label?: string;
  labelPlural?: string;
  keyPrefix: string;
  owner?: boolean;
  fields: EmulatorFieldDef[];
  createable?: boolean;
  updateable?: boolean;
  deletable?: boolean;
  replicateable?: boolean;
  flags?: Record<string, boolean>;
}

export function object(spec: ObjectSpec): EmulatorObjectDef {
  const label = spec.label ?? spec.name.replace(/__c$/, '').replace(/_/g, ' ');
  return {
    name: spec.name,
    label,
    labelPlural: spec.labelPlural ?? `${label}s`,
    keyPrefix: spec.keyPrefix,
    custom: spec.name.endsWith('__c'),
    createable: spec.createable ?? true,
    updateable: spec.updateable ?? true,
    deletable: spec.deletable ?? true,
    queryable: true,
    replicateable: spec.replicateable ?? true,
    retrieveable: true,
    fields: [...systemFields({ owner: spec.owner ?? false }), ...spec.fields],
    ...(spec.flags ? { flags: spec.flags } : {}),
  };
}
