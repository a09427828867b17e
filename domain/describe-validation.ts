// Checks a mapping against the Salesforce describe of its object before any table is created, so a bad
// mapping is refused with a message that names the object or field at fault instead of failing mid-sync.
// Paths use the export's form (`config.fields.Foo__c`) so they read the same as import errors.
import type { ConfigIssue, MappingConfig } from './mapping-rules.js';
import { resolveRelationshipField } from './relationship-fields.js';
import type { SfFieldDescribe, SfObjectDescribe } from './sf-describe.js';
import { isSyncableType } from './type-map.js';

/** A reason the mapping cannot run against this org. */
export type Problem = ConfigIssue;

type Cfg = Pick<MappingConfig, 'objectName' | 'access' | 'fields' | 'indexes' | 'upsertField'>;

function fieldIndex(describe: SfObjectDescribe): Map<string, SfFieldDescribe> {
  return new Map(describe.fields.map((f) => [f.name.toLowerCase(), f]));
}

function objectProblems(cfg: Cfg, d: SfObjectDescribe): Problem[] {
  const problems: Problem[] = [];
  const obj = cfg.objectName;
  if (d.queryable === false) {
    problems.push({ path: 'object_name', rule: 'not_queryable', message: `${obj} cannot be queried through the API` });
  }
  if (d.replicateable === false) {
    problems.push({ path: 'object_name', rule: 'not_replicateable',
      message: `${obj} is not replicateable: Salesforce does not track its changes for sync` });
  }
  if (cfg.access === 'read_write' && (d.createable === false || d.updateable === false)) {
    const missing = [d.createable === false ? 'created' : null, d.updateable === false ? 'updated' : null]
      .filter((x) => x !== null).join(' or ');
    problems.push({ path: 'config.access', rule: 'not_writable',
      message: `${obj} records cannot be ${missing} through the API, so the mapping cannot be read_write` });
  }
  return problems;
}

/**
 * Every reason `cfg` cannot sync against `describe` (undefined when the object does not exist or is not
 * visible), e.g. `{path: 'config.fields.Foo__c', rule: 'unknown_field', message: 'Field "Foo__c" does not exist on Contact'}`.
 * Field names match case-insensitively, as Salesforce does; messages use the name as configured.
 */
export function validateAgainstDescribe(
  cfg: Cfg, describe: SfObjectDescribe | undefined, parents: ReadonlyMap<string, SfObjectDescribe | undefined> = new Map(),
): Problem[] {
  const obj = cfg.objectName;
  if (!describe) {
    return [{ path: 'object_name', rule: 'unknown_object',
      message: `Object "${obj}" does not exist or is not visible to the connected user` }];
  }
  const problems = objectProblems(cfg, describe);
  const fields = fieldIndex(describe);
  const relationships = new Set<string>();
  for (const name of cfg.fields) {
    const f = fields.get(name.toLowerCase());
    const path = `config.fields.${name}`;
    const components = f && !isSyncableType(f.type) ? componentsOf(describe, f.name) : [];
    if (!f) {
      // Not a field of the object: a relationship external ID (`Account__External_ID__c`), or unknown.
      const r = resolveRelationshipField(name, describe, parents);
      if (r.issue) problems.push(r.issue);
      else relationships.add(name.toLowerCase());
    } else if (components.length > 0) {
      // As Heroku Connect: a compound field (BillingAddress, a geolocation) is synced through its components.
      problems.push({ path, rule: 'compound_field',
        message: `Field "${name}" on ${obj} is a compound field (${f.type}); map its component fields instead: ${components.join(', ')}` });
    } else if (!isSyncableType(f.type)) {
      problems.push({ path, rule: 'unsupported_type',
        message: `Field "${name}" on ${obj} is a compound/unsupported field (${f.type})` });
    }
  }
  for (const ix of cfg.indexes) {
    if (!fields.has(ix.field.toLowerCase()) && !relationships.has(ix.field.toLowerCase())) {
      problems.push({ path: `config.indexes.${ix.field}`, rule: 'unknown_field',
        message: `Indexed field "${ix.field}" does not exist on ${obj}` });
    }
  }
  if (cfg.upsertField !== null) {
    const f = fields.get(cfg.upsertField.toLowerCase());
    const path = 'config.upsert_field';
    if (!f) {
      problems.push({ path, rule: 'unknown_field', message: `Upsert field "${cfg.upsertField}" does not exist on ${obj}` });
    } else if (f.externalId !== true && f.idLookup !== true) {
      problems.push({ path, rule: 'not_external_id',
        message: `Upsert field "${cfg.upsertField}" on ${obj} is not an External ID (or ID lookup) field` });
    }
  }
  return problems;
}

/** The component fields of compound field `name` (BillingStreet, BillingCity, … of BillingAddress), in describe order. */
export function componentsOf(describe: SfObjectDescribe, name: string): string[] {
  return describe.fields.filter((f) => f.compoundFieldName === name).map((f) => f.name);
}

/**
 * The mapping's fields spelled as the describe spells them (`email` → `Email`), in the mapping's order; names
 * the describe does not know are returned as given (validateAgainstDescribe reports them).
 */
export function resolveFieldCase(cfg: Pick<MappingConfig, 'fields'>, describe: SfObjectDescribe | undefined): string[] {
  if (!describe) return [...cfg.fields];
  const fields = fieldIndex(describe);
  return cfg.fields.map((name) => fields.get(name.toLowerCase())?.name ?? name);
}
