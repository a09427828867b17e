// Parent references by external id in REST and sObject Collections bodies, as Salesforce takes them: a
// record may set a lookup through its relationship, naming the parent by an External ID field instead of its
// Id — `{"LastName": "Doe", "Account": {"External_ID__c": "A-1"}}` sets AccountId to the Account whose
// External_ID__c is A-1. No such parent: INVALID_FIELD "Foreign key external ID: A-1 not found for field
// External_ID__c in entity Account" (Bulk 2.0 takes the same through an `Account.External_ID__c` column,
// see bulk2/ingest-apply.ts). A relationship value that is not such an object is left for validation to refuse.
import { SfRecordError, type OrgStore, type SfRecord } from '../contract.js';

function refError(message: string, fields: string[] = []): SfRecordError {
  return new SfRecordError([{ statusCode: 'INVALID_FIELD', message, fields }]);
}

/** `values` with every `Relationship: {ExtField: value}` replaced by the lookup field set to the parent's Id. */
export function resolveRelationshipRefs(org: OrgStore, object: string | undefined, values: SfRecord): SfRecord {
  const def = object ? org.describe(object) : undefined;
  if (!def) return values;
  let out: SfRecord | undefined;
  for (const [key, value] of Object.entries(values)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) continue;
    const lookup = def.fields.find((f) => f.type === 'reference' && f.relationshipName?.toLowerCase() === key.toLowerCase());
    if (!lookup) continue;
    const ref = value as Record<string, unknown>;
    const keys = Object.keys(ref).filter((k) => k !== 'attributes');
    if (keys.length !== 1) throw refError(`${lookup.relationshipName}: a parent reference names exactly one External ID field`, [lookup.name]);
    const parentType = (ref.attributes as { type?: string } | undefined)?.type ?? lookup.referenceTo[0];
    const parent = org.describe(parentType);
    const keyField = parent?.fields.find((f) => f.name.toLowerCase() === keys[0].toLowerCase());
    if (!parent || !keyField || (!keyField.externalId && keyField.name !== 'Id')) {
      throw refError(`Field name provided, ${keys[0]} is not an External ID or indexed field for ${parentType}`, [lookup.name]);
    }
    if (values[lookup.name] !== undefined && values[lookup.name] !== null) {
      throw refError(`Cannot specify both an external ID reference ${lookup.relationshipName} and a salesforce id, ${lookup.name}`, [lookup.name]);
    }
    const keyValue = String(ref[keys[0]]);
    const ids = keyField.name === 'Id' ? [keyValue] : org.findByExternalId(parent.name, keyField.name, keyValue);
    if (ids.length === 0) throw refError(`Foreign key external ID: ${keyValue} not found for field ${keyField.name} in entity ${parent.name}`);
    if (ids.length > 1) throw refError(`Foreign key external ID: ${keyValue} matched more than one record for field ${keyField.name} in entity ${parent.name}`);
    out ??= { ...values };
    delete out[key];
    out[lookup.name] = ids[0];
  }
  return out ?? values;
}
