// Who a mapping is. A mapping syncs one Salesforce object into one table: `<schema>.<table>` (its key) names
// it in ferry's own tables (API-call ledger, checkpoints, outbound and streaming state) and in its workflow id,
// `ferry-mapping:<schema>.<table>` — deterministic, so two API processes starting the same mapping collide in
// Temporal instead of creating two, and any process finds it without a registry. The strings are built and
// split here only; everything else passes a MappingIdentity around.
import { reservedSchemaReason } from './mapping-rules.js';
import { isSalesforceApiName } from './sf-names.js';
import { tableNameFor } from './type-map.js';

export const WORKFLOW_ID_PREFIX = 'ferry-mapping:';

export interface MappingIdentity {
  readonly schema: string;
  readonly objectName: string;
  readonly table: string;
  /** `<schema>.<table>`: the key of the ledger, the load checkpoints and ferry's other rows for the mapping. */
  readonly mappingId: string;
  readonly workflowId: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function mappingIdentity(schema: string, objectName: string): MappingIdentity {
  const table = tableNameFor(objectName);
  const mappingId = `${schema}.${table}`;
  return Object.freeze({ schema, objectName, table, mappingId, workflowId: `${WORKFLOW_ID_PREFIX}${mappingId}` });
}

export function identityOfConfig(cfg: { schema: string; objectName: string }): MappingIdentity {
  return mappingIdentity(cfg.schema, cfg.objectName);
}

/**
 * `Contact` or `schema.Contact` as a URL names a mapping (the schema may be left out for the default one);
 * null for something that cannot name a mapping.
 */
export function parseMappingName(name: string, defaultSchema: string): MappingIdentity | null {
  const dot = name.indexOf('.');
  const schema = dot === -1 ? defaultSchema : name.slice(0, dot);
  const objectName = dot === -1 ? name : name.slice(dot + 1);
  if (!isSalesforceApiName(objectName) || !SCHEMA_NAME.test(schema) || reservedSchemaReason(schema)) return null;
  return mappingIdentity(schema, objectName);
}

/** A mapping workflow's id (with the object it syncs, from its search attributes); null for another workflow. */
export function parseWorkflowId(workflowId: string, objectName: string): MappingIdentity | null {
  if (!workflowId.startsWith(WORKFLOW_ID_PREFIX)) return null;
  const [schema] = splitMappingId(workflowId.slice(WORKFLOW_ID_PREFIX.length));
  return mappingIdentity(schema, objectName);
}

/** `salesforce.contact` → ['salesforce', 'contact']. */
export function splitMappingId(mappingId: string): [schema: string, table: string] {
  const dot = mappingId.indexOf('.');
  if (dot <= 0 || dot === mappingId.length - 1) throw new Error(`Not a mapping id (<schema>.<table>): ${mappingId}`);
  return [mappingId.slice(0, dot), mappingId.slice(dot + 1)];
}
