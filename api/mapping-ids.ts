// A mapping is addressed in URLs by its object (`/mappings/Contact`), or by schema and object when it lives
// outside the default schema (`/mappings/sales.Contact`). Its workflow id is derived, never stored:
// `ferry-mapping:<schema>.<table>` — deterministic, so two API processes starting the same mapping collide in
// Temporal (409) instead of creating two, and any API process finds it without a registry.
import { tableNameFor } from '../domain/type-map';
import { isSalesforceApiName } from '../domain/sf-names';
import { reservedSchemaReason, type MappingConfig } from '../domain/mapping-rules';
import { Problem } from './problem';

export const WORKFLOW_ID_PREFIX = 'ferry-mapping:';

export interface MappingRef {
  schema: string;
  objectName: string;
  /** `<schema>.<table>`: the key of the ledger, the load checkpoints and the workflow id. */
  mappingId: string;
  workflowId: string;
}

export function refOf(schema: string, objectName: string): MappingRef {
  const mappingId = `${schema}.${tableNameFor(objectName)}`;
  return { schema, objectName, mappingId, workflowId: `${WORKFLOW_ID_PREFIX}${mappingId}` };
}

export function refOfConfig(cfg: Pick<MappingConfig, 'schema' | 'objectName'>): MappingRef {
  return refOf(cfg.schema, cfg.objectName);
}

/** `Contact` or `schema.Contact` from a URL → the mapping's ids; 404 for something that cannot be a mapping. */
export function refOfParam(param: string, defaultSchema: string): MappingRef {
  const dot = param.indexOf('.');
  const schema = dot === -1 ? defaultSchema : param.slice(0, dot);
  const objectName = dot === -1 ? param : param.slice(dot + 1);
  if (!isSalesforceApiName(objectName) || !/^[a-z_][a-z0-9_]{0,62}$/.test(schema) || reservedSchemaReason(schema)) {
    throw new Problem(404, `No mapping for "${param}"`);
  }
  return refOf(schema, objectName);
}
