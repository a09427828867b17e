// A PushTopic's Query, compiled once when the topic is saved: the object, the SELECT fields (the event's sobject),
// the WHERE fields (for NotifyForFields) and a record matcher for the WHERE clause.
import { parseQuery, type Condition, type Query, type WhereClause } from '@jetstreamapp/soql-parser-js';
import type { ObjectDef, OrgStore, SfRecord } from '../contract.js';

export interface TopicQuery {
  object: string;
  /** SELECT fields in order, spelled as the describe spells them. */
  fields: string[];
  whereFields: Set<string>;
  /** Whether the record satisfies the WHERE clause (true when there is none). */
  matches(record: SfRecord): boolean;
}

/** Compiles a WHERE clause into a record predicate; the org store's SOQL engine provides it. */
export type WhereCompiler = (object: string, soql: string) => (record: SfRecord) => boolean;

/** Undefined when the query does not parse or names an unknown object (such a topic never fires). */
export function compileTopicQuery(soql: string, org: OrgStore, compileWhere: WhereCompiler): TopicQuery | undefined {
  let parsed: Query;
  try {
    parsed = parseQuery(soql);
  } catch {
    return undefined;
  }
  const def = parsed.sObject ? org.describe(parsed.sObject) : undefined;
  if (!def) return undefined;
  const canonical = canonicalNames(def);
  const fields: string[] = [];
  for (const field of parsed.fields ?? []) {
    if (field.type === 'Field') fields.push(canonical(field.field));
  }
  const whereFields = new Set<string>();
  collectWhereFields(parsed.where, (name) => whereFields.add(canonical(name)));
  return {
    object: def.name,
    fields,
    whereFields,
    matches: parsed.where ? compileWhere(def.name, soql) : () => true,
  };
}

function canonicalNames(def: ObjectDef): (name: string) => string {
  const byLowerCase = new Map(def.fields.map((f) => [f.name.toLowerCase(), f.name]));
  return (name) => byLowerCase.get(name.toLowerCase()) ?? name;
}

function collectWhereFields(where: WhereClause | undefined, add: (field: string) => void): void {
  for (let clause = where; clause; clause = 'right' in clause ? clause.right : undefined) {
    const condition = clause.left as (Condition & { field?: string }) | null;
    if (condition?.field) add(condition.field);
  }
}

/**
 * A WHERE matcher that asks the org store's SOQL engine whether the record is among the query's rows. It costs a
 * query per check, so it is the fallback for a store that offers no compiled matcher.
 */
export function whereByQuery(org: OrgStore): WhereCompiler {
  return (_object, soql) => {
    const where = /\bwhere\b([\s\S]*)$/i.exec(soql)?.[1] ?? '';
    const head = soql.slice(0, soql.length - where.length - 'where'.length);
    return (record) => {
      const id = String(record.Id).replace(/[^A-Za-z0-9]/g, '');
      const result = org.query(`${head} WHERE (${where}) AND Id = '${id}'`, { scanAll: true });
      for (const _row of result.rows) return true;
      return false;
    };
  };
}
