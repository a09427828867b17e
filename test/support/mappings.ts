// Starting mapping workflows and reading their status, as the API will.
import type { Client } from '@temporalio/client';
import { parseMappingEntry } from '../../domain/mapping-config';
import type { MappingConfig } from '../../domain/mapping-rules';
import { FERRY_OBJECT, FERRY_STATE } from '../../infra/search-attributes';
import { statusQuery, type MappingStatus } from '../../workflows/mapping/messages';
import { mappingWorkflow, type MappingWorkflowInput } from '../../workflows/mapping/workflow';
import { eventually } from './org';

export function mappingConfig(objectName: string, fields: string[], config: Record<string, unknown> = {}): MappingConfig {
  return parseMappingEntry({ object_name: objectName, config: { access: 'read_only', sf_polling_seconds: 600, fields: Object.fromEntries(fields.map((f) => [f, {}])), ...config } });
}

export async function startMapping(client: Client, taskQueue: string, config: MappingConfig, extra: Partial<MappingWorkflowInput> = {}) {
  const mappingId = `${config.schema}.${config.objectName.toLowerCase()}`;
  return client.workflow.start(mappingWorkflow, {
    taskQueue,
    workflowId: `test-${taskQueue}-${mappingId}`,
    args: [{ mappingId, config, ...extra }],
    typedSearchAttributes: [{ key: FERRY_OBJECT, value: config.objectName }, { key: FERRY_STATE, value: 'INITIAL' }],
  });
}

export type Handle = Awaited<ReturnType<typeof startMapping>>;

export function status(handle: Handle): Promise<MappingStatus> {
  return handle.query(statusQuery);
}

/** Waits until the status satisfies `ok`; returns it. */
export function waitForStatus(handle: Handle, what: string, ok: (s: MappingStatus) => boolean, timeoutMs = 120_000): Promise<MappingStatus> {
  return eventually(what, async () => {
    const s = await status(handle);
    return ok(s) ? s : undefined;
  }, timeoutMs, 250);
}
