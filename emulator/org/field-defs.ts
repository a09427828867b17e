// Builders for describe-shaped field and object definitions, so the standard objects and the custom schema
// file state only what differs from Salesforce's defaults.
import type { FieldDef, ObjectDef, SfFieldType } from '../contract.js';

const DEFAULT_LENGTH: Partial<Record<SfFieldType, number>> = {
  id: 18, string: 255, textarea: 32768, picklist: 255, multipicklist: 4099, email: 80, phone: 40, url: 255,
  reference: 18, time: 0,
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
};

/** Fields the emulator manages itself: never createable or updateable through an API. */
const SYSTEM_FIELDS = new Set(['Id', 'CreatedDate', 'LastModifiedDate', 'SystemModstamp', 'IsDeleted', 'CreatedById', 'LastModifiedById']);

export interface EmulatorFieldDef extends FieldDef {
  /** Restricted picklist: values outside picklistValues fail with INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST. */
  restrictedPicklist: boolean;
}

export function field(spec: FieldSpec): EmulatorFieldDef {
  const system = SYSTEM_FIELDS.has(spec.name);
  const required = spec.required ?? false;
  const isNumber = NUMBER_TYPES.has(spec.type);
  const def: EmulatorFieldDef = {
    name: spec.name,
    label: spec.label ?? spec.name.replace(/__c$/, '').replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, '$1 $2'),
    type: spec.type,
    length: spec.length ?? DEFAULT_LENGTH[spec.type] ?? 0,
    precision: spec.precision ?? (isNumber ? 18 : 0),
    scale: spec.scale ?? (spec.type === 'currency' || spec.type === 'percent' ? 2 : 0),
    nillable: spec.nillable ?? (!required && !system && spec.type !== 'boolean'),
    createable: spec.createable ?? !system,
    updateable: spec.updateable ?? !system,
    defaultedOnCreate: spec.defaultedOnCreate ?? (system || spec.type === 'boolean'),
    externalId: spec.externalId ?? false,
    unique: spec.unique ?? false,
    custom: spec.custom ?? spec.name.endsWith('__c'),
    calculated: spec.calculated ?? false,
    filterable: spec.filterable ?? spec.type !== 'textarea',
    sortable: spec.sortable ?? spec.type !== 'textarea',
    picklistValues: (spec.picklist ?? []).map((v) => ({ value: v, label: v, active: true, defaultValue: false })),
    referenceTo: spec.referenceTo ?? [],
    relationshipName: spec.relationshipName ?? null,
    restrictedPicklist: spec.restrictedPicklist ?? false,
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

export function object(spec: { name: string; label?: string; labelPlural?: string; keyPrefix: string; owner?: boolean; fields: EmulatorFieldDef[] }): EmulatorObjectDef {
  const label = spec.label ?? spec.name.replace(/__c$/, '').replace(/_/g, ' ');
  return {
    name: spec.name,
    label,
    labelPlural: spec.labelPlural ?? `${label}s`,
    keyPrefix: spec.keyPrefix,
    custom: spec.name.endsWith('__c'),
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    replicateable: true,
    retrieveable: true,
    fields: [...systemFields({ owner: spec.owner ?? false }), ...spec.fields],
  };
}
