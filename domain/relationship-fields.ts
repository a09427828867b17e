// Relationship external IDs, as Heroku Connect names them. A child mapping may carry, beside a lookup field,
// a column that names the parent by the parent's External ID field instead of its Salesforce id, so an app can
// insert a parent and its children in one transaction before either has an sfid. Heroku Connect calls the
// field `<relationship name>__<parent External ID field>`: Contact.AccountId (relationship `Account`) with
// Account.External_ID__c gives `Account__External_ID__c` (column `account__external_id__c`); a custom lookup
// Parent__c (relationship `Parent__r`) gives `Parent__r__External_ID__c` (column `parent__r__external_id__c`).
// The column has the parent field's type. Outbound, its value is sent as the relationship
// (`"Account": {"External_ID__c": "…"}` in sObject Collections, header `Account.External_ID__c` in Bulk 2.0);
// inbound, Salesforce returns no such field, so the column keeps what the app wrote.
import type { ConfigIssue } from './mapping-rules.js';
import type { SfFieldDescribe, SfObjectDescribe } from './sf-describe.js';
import { columnNameFor, pgTypeFor, tableNameFor } from './type-map.js';

/** A mapped relationship external ID field, resolved against the child's and the parent's describes. */
export interface RelationshipField {
  /** The field as configured and exported (`Account__External_ID__c`). */
  name: string;
  column: string;
  /** The child's lookup field (`AccountId`) and its relationship name (`Account`). */
  lookupField: string;
  relationshipName: string;
  parentObject: string;
  /** The parent's External ID field, as its describe spells it. */
  parentField: string;
  /** Parent field type and the column type it maps to. */
  sfType: string;
  pgType: string;
  /** The parent's table (same schema), where ordered writes look for a parent not yet sent. */
  parentTable: string;
  parentColumn: string;
}

/** A candidate split of `name` into (lookup field, parent field name) by the child's relationship names. */
export interface RelationshipCandidate { name: string; lookup: SfFieldDescribe & { relationshipName: string; referenceTo: string[] }; parentField: string }

type RefField = SfFieldDescribe & { relationshipName?: string | null; referenceTo?: string[] | null };

/**
 * `name` read as `<relationshipName>__<field>` of one of the child's lookups, or null when it is not one
 * (the longest matching relationship name wins: `Parent__r__X__c` is relationship `Parent__r`, field `X__c`).
 */
export function splitRelationshipField(name: string, child: SfObjectDescribe): RelationshipCandidate | null {
  const lower = name.toLowerCase();
  let best: RelationshipCandidate | null = null;
  for (const f of child.fields as readonly RefField[]) {
    if (f.type !== 'reference' || !f.relationshipName || !f.referenceTo?.length) continue;
    const prefix = `${f.relationshipName.toLowerCase()}__`;
    if (!lower.startsWith(prefix) || lower.length === prefix.length) continue;
    if (best && best.lookup.relationshipName.length >= f.relationshipName.length) continue;
    best = { name, lookup: f as RelationshipCandidate['lookup'], parentField: name.slice(prefix.length) };
  }
  return best;
}

/** Parent objects whose describes `fields` need (names the child's describe does not know as fields). */
export function relationshipParents(fields: readonly string[], child: SfObjectDescribe): string[] {
  const known = new Set(child.fields.map((f) => f.name.toLowerCase()));
  const parents = new Set<string>();
  for (const name of fields) {
    if (known.has(name.toLowerCase())) continue;
    const c = splitRelationshipField(name, child);
    if (c && c.lookup.referenceTo.length === 1) parents.add(c.lookup.referenceTo[0]);
  }
  return [...parents];
}

/**
 * Resolves a field the child's describe does not have as a relationship external ID, or explains why it is
 * not one. `parents` holds the describes relationshipParents asked for (a missing one: object not visible).
 */
export function resolveRelationshipField(
  name: string, child: SfObjectDescribe, parents: ReadonlyMap<string, SfObjectDescribe | undefined>,
): { field?: RelationshipField; issue?: ConfigIssue } {
  const path = `config.fields.${name}`;
  const c = splitRelationshipField(name, child);
  if (!c) return { issue: { path, rule: 'unknown_field', message: `Field "${name}" does not exist on ${child.name}` } };
  const lookup = c.lookup;
  if (lookup.referenceTo.length !== 1) {
    return { issue: { path, rule: 'polymorphic_relationship',
      message: `"${name}": ${child.name}.${lookup.name} can point to ${lookup.referenceTo.join(', ')}; a relationship external ID needs a lookup to one object` } };
  }
  const parentName = lookup.referenceTo[0];
  const parent = parents.get(parentName);
  if (!parent) {
    return { issue: { path, rule: 'unknown_object', message: `"${name}": the parent object ${parentName} of ${child.name}.${lookup.name} is not visible to the connected user` } };
  }
  const pf = parent.fields.find((f) => f.name.toLowerCase() === c.parentField.toLowerCase());
  if (!pf) {
    return { issue: { path, rule: 'unknown_field', message: `"${name}": field "${c.parentField}" does not exist on ${parent.name} (the parent of ${child.name}.${lookup.name})` } };
  }
  if (pf.externalId !== true) {
    return { issue: { path, rule: 'not_external_id', message: `"${name}": ${parent.name}.${pf.name} is not an External ID field, so ${child.name} cannot name its parent by it` } };
  }
  let pgType: string;
  try {
    pgType = pgTypeFor(pf);
  } catch (err) {
    return { issue: { path, rule: 'unsupported_type', message: `"${name}": ${(err as Error).message}` } };
  }
  const canonical = `${lookup.relationshipName}__${pf.name}`;
  return {
    field: {
      name: canonical, column: columnNameFor(canonical), lookupField: lookup.name, relationshipName: lookup.relationshipName,
      parentObject: parent.name, parentField: pf.name, sfType: pf.type, pgType,
      parentTable: tableNameFor(parent.name), parentColumn: columnNameFor(pf.name),
    },
  };
}

/**
 * Column values of a write → the relationship references it carries, keyed as Bulk 2.0 headers name them
 * (`Account.External_ID__c` → value). A null or empty value sends nothing (the lookup is left as it is);
 * a value that is not text or a number is refused by the caller's ConversionError.
 */
export function relationshipValues(values: Record<string, unknown>, fields: readonly RelationshipField[]): Map<RelationshipField, string> {
  const out = new Map<RelationshipField, string>();
  for (const f of fields) {
    if (!(f.column in values)) continue;
    const v = values[f.column];
    if (v === null || v === undefined || v === '') continue;
    out.set(f, typeof v === 'string' ? v : String(v));
  }
  return out;
}

/** The Bulk 2.0 column header for a relationship field: `Account.External_ID__c`. */
export function bulkHeader(f: Pick<RelationshipField, 'relationshipName' | 'parentField'>): string {
  return `${f.relationshipName}.${f.parentField}`;
}

/**
 * A flat record whose relationship references are keyed `Relationship.Field` → the nested form sObject
 * Collections and REST take: `{"Account.External_ID__c": "A-1"}` → `{"Account": {"External_ID__c": "A-1"}}`.
 */
export function nestRelationships<T>(record: Record<string, T>): Record<string, T | Record<string, T>> {
  const out: Record<string, T | Record<string, T>> = {};
  for (const [k, v] of Object.entries(record)) {
    const dot = k.indexOf('.');
    if (dot < 0) {
      out[k] = v;
      continue;
    }
    const rel = k.slice(0, dot);
    const nested = (out[rel] ?? {}) as Record<string, T>;
    nested[k.slice(dot + 1)] = v;
    out[rel] = nested;
  }
  return out;
}
