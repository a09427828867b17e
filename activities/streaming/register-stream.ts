// The mapping workflow's stream-register step: makes the Streaming API source exist and be in step with the
// mapped fields (a PushTopic whose query selects them, created or updated over REST; CDC needs nothing), then
// records the subscription in ferry.stream_subscriptions, where every worker's supervisor finds it. Turning
// event-driven sync off removes the subscription and what was staged for it (the scheduled poll covers it) and
// the mapping's PushTopic. Pausing the mapping marks the subscription paused: its listener stops until resumed.
import { pushTopicName, pushTopicQuery } from '../../domain/soql';
import type { MappingConfig } from '../../domain/mapping-rules';
import { streamChannel } from '../../domain/streaming-sql';
import { withTransaction, type Pool } from '../../infra/db';
import { badConfig, classifyFailure, connectMapping } from '../errors';
import { ensurePushTopic, deletePushTopic } from '../../salesforce/push-topics';
import { channelInUse, removeStreamState, setSubscriptionPaused, upsertSubscription } from '../../store/stream-state';
import type { MappedField } from '../../domain/mapped-field';
import { type MappingRef } from '../../salesforce/mapping-connection';
import type { SalesforceSessions } from '../../salesforce/session';

export interface RegisterStreamInput extends MappingRef {
  table: string;
  fields: MappedField[];
  workflowId: string;
  enabled: boolean;
  /** Only mark the registered subscription paused or resumed (nothing in the org changes). */
  paused?: boolean;
  /** With enabled false: the mapping streamed from its PushTopic, which goes too. */
  removePushTopic?: boolean;
}

export interface RegisterStreamResult {
  channel: string | null;
  apiCalls: number;
  apiCallsInWindow: number | null;
}

type Deps = { pool: Pool; sessions?: SalesforceSessions };

export function createRegisterStream(deps: Deps) {
  return async function registerStream(input: RegisterStreamInput): Promise<RegisterStreamResult> {
    const { mappingId, config } = input;
    const channel = streamChannel(config.objectName, config.streamingSource);
    if (input.paused !== undefined) {
      await setSubscriptionPaused(deps.pool, mappingId, input.paused);
      return { channel, apiCalls: 0, apiCallsInWindow: null };
    }
    if (!input.enabled) {
      await withTransaction(deps.pool, (c) => removeStreamState(c, mappingId));
      if (!input.removePushTopic) return { channel: null, apiCalls: 0, apiCallsInWindow: null };
      const r = await removeMappingPushTopic(deps, input);
      return { channel: null, ...r };
    }
    let apiCalls = 0;
    let apiCallsInWindow: number | null = null;
    if (config.streamingSource === 'pushtopic') {
      const r = await syncPushTopic(deps, input, config);
      apiCalls = r.apiCalls;
      apiCallsInWindow = r.apiCallsInWindow;
    }
    await upsertSubscription(deps.pool, { mappingId, workflowId: input.workflowId, objectName: config.objectName, source: config.streamingSource, channel });
    return { channel, apiCalls, apiCallsInWindow };
  };
}

/** Creates the mapping's PushTopic, or updates its Query when the mapped fields changed (2 calls at most). */
async function syncPushTopic(deps: Deps, input: RegisterStreamInput, config: MappingConfig) {
  let query: string;
  try {
    query = pushTopicQuery(config.objectName, input.fields.map((f) => f.name));
  } catch (err) {
    badConfig((err as Error).message);
  }
  const sf = await connectMapping(deps, input);
  try {
    await ensurePushTopic(sf.conn, pushTopicName(config.objectName), query);
    return { apiCalls: sf.callsMade(), apiCallsInWindow: sf.usedInWindow() };
  } catch (err) {
    classifyFailure(err);
  }
}

/**
 * Deletes the PushTopic of a mapping that no longer streams from it, unless another mapping of the same
 * object (in another schema) still subscribes to it.
 */
export async function removeMappingPushTopic(deps: Deps, ref: MappingRef): Promise<{ apiCalls: number; apiCallsInWindow: number | null }> {
  const name = pushTopicName(ref.config.objectName);
  if (await channelInUse(deps.pool, streamChannel(ref.config.objectName, 'pushtopic'), ref.mappingId)) return { apiCalls: 0, apiCallsInWindow: null };
  const sf = await connectMapping(deps, ref);
  try {
    await deletePushTopic(sf.conn, name);
    return { apiCalls: sf.callsMade(), apiCallsInWindow: sf.usedInWindow() };
  } catch (err) {
    classifyFailure(err);
  }
}
