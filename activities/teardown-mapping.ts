// The last step of a mapping's workflow (DELETE /mappings/{object}): removes what the mapping made — the
// capture triggers, ferry's rows for it (store/mapping-teardown.ts), its PushTopic in the org, and the table
// when asked — then the workflow completes. Postgres first: once it is done, nothing syncs for the mapping
// any more (the listeners find no registration), whatever the org answers.
import { tableNameFor } from '../domain/type-map';
import type { Logger } from '../infra/logger';
import type { Pool } from '../infra/db';
import type { MappingRef } from '../salesforce/mapping-connection';
import type { SalesforceSessions } from '../salesforce/session';
import { removeMappingState } from '../store/mapping-teardown';
import { removeMappingPushTopic } from './streaming/register-stream';

export interface TeardownInput extends MappingRef {
  /** The mapping's table; null when it was never created (the name the object gives is cleaned up anyway). */
  table: string | null;
  dropTable: boolean;
  /** The mapping may have registered a PushTopic, which is deleted unless another mapping uses it. */
  pushTopic: boolean;
}

export interface TeardownResult {
  table: string;
  tableDropped: boolean;
  /** Why the PushTopic could not be deleted (left in the org); null when it was, or there was none. */
  pushTopicLeft: string | null;
}

export function createTeardownMapping(deps: { pool: Pool; log: Logger; sessions?: SalesforceSessions }) {
  return async function teardownMapping(input: TeardownInput): Promise<TeardownResult> {
    const table = input.table ?? tableNameFor(input.config.objectName);
    const { tableDropped } = await removeMappingState(deps.pool, { mappingId: input.mappingId, schema: input.config.schema, table, dropTable: input.dropTable });
    let pushTopicLeft: string | null = null;
    if (input.pushTopic) {
      try {
        await removeMappingPushTopic(deps, input);
      } catch (err) {
        // The mapping is gone either way; a topic left behind only costs the org a definition, and is reused
        // (its query brought in step) when the object is mapped again.
        pushTopicLeft = err instanceof Error ? err.message : String(err);
        deps.log.warn({ mapping: input.mappingId, err: pushTopicLeft }, 'PushTopic of a deleted mapping left in the org');
      }
    }
    return { table, tableDropped, pushTopicLeft };
  };
}
