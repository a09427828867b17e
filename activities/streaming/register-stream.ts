// The mapping workflow's stream-register step: makes the Streaming API source exist and be in step with the
// mapped fields (a PushTopic whose query selects them, created or updated over REST; CDC needs nothing), then
// records the subscription in ferry.stream_subscriptions, where every worker's supervisor finds it. Turning
// event-driven sync off removes the subscription and what was staged for it (the scheduled poll covers it) and
// the mapping's PushTopic. Pausing the mapping marks the subscription paused: its listener stops until resumed.
import { pushTopicName, pushTopicQuery } from '../../domain/soql';
import type { MappingConfig } from '../../domain/mapping-rules';
import { streamChannel } from '../../domain/streaming-sql';
import { withTransaction, type Pool } from '../../infra/db';
import { ApplicationFailure } from '@temporalio/activity';
import { badConfig, classifyFailure, connectMapping, FailureType } from '../errors';
import { ensurePushTopic, deletePushTopic } from '../../salesforce/push-topics';
import { PubSubClient, PubSubError, SALESFORCE_PUBSUB_URL } from '../../salesforce/pubsub/client';
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
    if (config.streamingSource === 'pubsub') await checkPubSubTopic(deps, channel, config.objectName);
    await upsertSubscription(deps.pool, { mappingId, workflowId: input.workflowId, objectName: config.objectName, source: config.streamingSource, channel });
    return { channel, apiCalls, apiCallsInWindow };
  };
}

/**
 * The object's change-event topic must exist on the Pub/Sub API: it does only when the org has selected the
 * object for Change Data Capture. GetTopic is not a REST call and costs no API call. A missing topic halts the
 * mapping as BAD_CONFIG with what to do; a refused session is renewed once, then halts it as UNAUTHORIZED.
 */
async function checkPubSubTopic(deps: { sessions?: SalesforceSessions }, topic: string, objectName: string): Promise<void> {
  const sessions = deps.sessions;
  if (!sessions) badConfig('No Salesforce org is configured for the Pub/Sub API');
  const client = new PubSubClient(sessions.credentials.pubsubUrl ?? SALESFORCE_PUBSUB_URL, () => sessions.get());
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.getTopic(topic);
        return;
      } catch (err) {
        const error = PubSubError.from(err);
        if (error.unauthenticated && attempt === 1) {
          await sessions.renew((await sessions.get()).accessToken);
          continue;
        }
        if (error.topicNotFound) {
          badConfig(`Change Data Capture topic ${topic} not found on the Pub/Sub API: select ${objectName} for Change Data Capture in Setup (or set streaming_source to "pushtopic"). ${error.message}`);
        }
        if (error.unauthenticated) {
          throw ApplicationFailure.create({ type: FailureType.Unauthorized, message: `Pub/Sub API: ${error.message}`, nonRetryable: true });
        }
        throw new Error(`Pub/Sub API GetTopic ${topic} failed: ${error.message}`);
      }
    }
  } finally {
    client.close();
  }
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
