// Child relationships (Account.Contacts, Opportunity.OpportunityLineItems, Account.Invoices__r …): describe
// lists them and SOQL parent-to-child subqueries name them. A reference field may name its relationship
// (childRelationshipName, null when Salesforce exposes none); otherwise it is the child's plural label, with
// __r for custom objects and fields, as Salesforce names them.
import type { ObjectDef } from '../contract.js';
import type { EmulatorFieldDef } from './field-defs.js';

/** References every record has to users; Salesforce exposes no child relationships through them here. */
const SYSTEM_REFERENCES = new Set(['CreatedById', 'LastModifiedById', 'OwnerId']);

export interface ChildRelationship {
  /** e.g. Contacts */
  relationshipName: string;
  childSObject: string;
  /** The child's reference field, e.g. AccountId. */
  field: string;
}

export function childRelationshipsOf(def: ObjectDef, all: ObjectDef[]): ChildRelationship[] {
  const out: ChildRelationship[] = [];
  for (const child of all) {
    for (const f of child.fields as EmulatorFieldDef[]) {
      if (f.type !== 'reference' || SYSTEM_REFERENCES.has(f.name) || !f.referenceTo.includes(def.name)) continue;
      let name: string | null;
      if (f.childRelationshipName !== undefined) name = f.childRelationshipName;
      else {
        const plural = child.labelPlural.replace(/\W+/g, '_');
        name = child.custom || f.custom ? `${plural}__r` : child.name === def.name ? `Child${plural}` : plural;
      }
      if (name !== null) out.push({ relationshipName: name, childSObject: child.name, field: f.name });
    }
  }
  return out;
}
