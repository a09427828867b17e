// publishMappingStatus: the local activity a mapping workflow runs when its status changes (see
// workflows/mapping/publish.ts). One upsert into ferry.mapping_status, so the console, GET /mappings and
// /metrics read every mapping's status in one statement.
import type { Pool } from '../infra/db';
import type { MappingStatus } from '../workflows/mapping/messages';

export interface PublishStatusInput {
  workflowId: string;
  status: MappingStatus;
}

export function createPublishMappingStatus(deps: { pool: Pool }) {
  return async function publishMappingStatus(input: PublishStatusInput): Promise<void> {
    await deps.pool.query(
      `INSERT INTO ferry.mapping_status (mapping_id, workflow_id, status, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (mapping_id) DO UPDATE SET workflow_id = EXCLUDED.workflow_id, status = EXCLUDED.status, updated_at = now()`,
      [input.status.mappingId, input.workflowId, JSON.stringify(input.status)],
    );
  };
}
