// Global and per-object describe bodies in Salesforce's shape (DescribeGlobalResult, DescribeSObjectResult).
import type { FieldDef, ObjectDef, SfFieldType } from '../contract.js';
import { childRelationshipsOf } from '../org/child-relationships.js';

const SOAP_TYPES: Record<SfFieldType, string> = {
  id: 'tns:ID', reference: 'tns:ID', string: 'xsd:string', textarea: 'xsd:string', picklist: 'xsd:string',
  multipicklist: 'xsd:string', email: 'xsd:string', phone: 'xsd:string', url: 'xsd:string', boolean: 'xsd:boolean',
  int: 'xsd:int', double: 'xsd:double', currency: 'xsd:double', percent: 'xsd:double', date: 'xsd:date',
  datetime: 'xsd:dateTime', time: 'xsd:time', combobox: 'xsd:string', address: 'urn:address', location: 'urn:location',
};

function objectUrls(def: ObjectDef, version: string) {
  const base = `/services/data/v${version}/sobjects/${def.name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

/** One entry of the global describe (also `objectDescribe` of the basic-info resource). */
export function globalEntry(def: ObjectDef, version: string) {
  return {
    activateable: false, associateEntityType: null, associateParentEntity: null, createable: def.createable,
    custom: def.custom, customSetting: false, deepCloneable: false, deletable: def.deletable,
    deprecatedAndHidden: false, feedEnabled: false, hasSubtypes: false, isInterface: false, isSubtype: false,
    keyPrefix: def.keyPrefix, label: def.label, labelPlural: def.labelPlural, layoutable: true, mergeable: false,
    mruEnabled: false, name: def.name, queryable: def.queryable, replicateable: def.replicateable,
    retrieveable: def.retrieveable, searchable: true, triggerable: true, undeletable: true, updateable: def.updateable,
    urls: objectUrls(def, version),
  };
}

export function describeGlobal(objects: ObjectDef[], version: string) {
  return { encoding: 'UTF-8', maxBatchSize: 200, sobjects: objects.map((o) => globalEntry(o, version)) };
}

function describeField(f: FieldDef) {
  const text = SOAP_TYPES[f.type] === 'xsd:string';
  return {
    aggregatable: f.type !== 'textarea' && f.type !== 'address' && f.type !== 'location', autoNumber: f.autoNumber ?? false, byteLength: text || f.type === 'id' || f.type === 'reference' ? f.length * 3 : 0,
    calculated: f.calculated, calculatedFormula: (f as { formula?: string }).formula ?? null, cascadeDelete: false, caseSensitive: false,
    compoundFieldName: f.compoundFieldName ?? null, controllerName: null, createable: f.createable, custom: f.custom, defaultValue: null,
    defaultedOnCreate: f.defaultedOnCreate, dependentPicklist: false, deprecatedAndHidden: false,
    digits: f.type === 'int' ? f.precision : 0, externalId: f.externalId, filterable: f.filterable,
    groupable: f.type !== 'textarea' && f.type !== 'address' && f.type !== 'location' && f.type !== 'double' && f.type !== 'currency' && f.type !== 'percent' && f.type !== 'datetime',
    htmlFormatted: false, idLookup: f.idLookup ?? (f.type === 'id' || f.externalId), inlineHelpText: null, label: f.label,
    length: f.length, name: f.name, nameField: f.nameField ?? f.name === 'Name', namePointing: f.referenceTo.length > 1, nillable: f.nillable,
    permissionable: f.nillable && !f.calculated, picklistValues: f.picklistValues.map((p) => ({ ...p, validFor: null })),
    polymorphicForeignKey: f.referenceTo.length > 1, precision: f.type === 'int' ? 0 : f.precision, referenceTargetField: null,
    referenceTo: f.referenceTo, relationshipName: f.relationshipName, relationshipOrder: null,
    restrictedPicklist: (f as FieldDef & { restrictedPicklist?: boolean }).restrictedPicklist ?? false,
    scale: f.scale, soapType: SOAP_TYPES[f.type], sortable: f.sortable, type: f.type, unique: f.unique,
    updateable: f.updateable, writeRequiresMasterRead: false,
  };
}

function childRelationships(def: ObjectDef, all: ObjectDef[]) {
  return childRelationshipsOf(def, all).map((r) => ({
    cascadeDelete: false, childSObject: r.childSObject, deprecatedAndHidden: false, field: r.field,
    junctionIdListNames: [], junctionReferenceTo: [], relationshipName: r.relationshipName, restrictedDelete: false,
  }));
}

export function describeObject(def: ObjectDef, all: ObjectDef[], version: string) {
  const base = `/services/data/v${version}/sobjects/${def.name}`;
  return {
    ...globalEntry(def, version),
    actionOverrides: [], childRelationships: childRelationships(def, all), compactLayoutable: true,
    fields: def.fields.map(describeField), listviewable: null, lookupLayoutable: null, namedLayoutInfos: [],
    networkScopeFieldName: null,
    recordTypeInfos: recordTypeInfos(def, base),
    searchLayoutable: true, supportedScopes: [{ label: 'All', name: 'everything' }],
    urls: { ...objectUrls(def, version), layouts: `${base}/describe/layouts`, compactLayouts: `${base}/describe/compactLayouts`, quickActions: `${base}/quickActions` },
  };
}

/** The object's record types, then Master (the default only when the object has none of its own). */
function recordTypeInfos(def: ObjectDef, base: string) {
  const own = def.recordTypes ?? [];
  const info = (id: string, developerName: string, name: string, active: boolean, isDefault: boolean, master: boolean) => ({
    active, available: active, defaultRecordTypeMapping: isDefault, developerName, master, name, recordTypeId: id,
    urls: { layout: `${base}/describe/layouts/${id}` },
  });
  return [
    ...own.map((r) => info(r.id, r.developerName, r.name, r.active, r.defaultRecordTypeMapping, false)),
    info('012000000000000AAA', 'Master', 'Master', true, own.length === 0, true),
  ];
}
