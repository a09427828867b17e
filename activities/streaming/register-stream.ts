// The mapping workflow's stream-register step: makes the Streaming API source exist and be in step with the
// mapped fields (a PushTopic whose query selects them, created or updated over REST; CDC needs nothing), then
// records the subscription in ferry.stream_subscriptions, where every worker's supervisor finds it. Turning
// event-driven sync off removes the subscription and what was staged for it: the scheduled poll covers it.
import { pushTopicName, pushTopicQuery } from '../../domain/soql';
import type { MappingConfig } from '../../domain/mapping-rules';
import { streamChannel } from '../../domain/streaming-sql';
import { withTransaction, type Pool } from '../../infra/db';
import { ApplicationFailure } from '@temporalio/activity';
import { badConfig, classifyFailure, FailureType } from '../errors';
import type { MappedField } from '../prepare-mapping';
import { PubSubClient, PubSubError, SALESFORCE_PUBSUB_URL } from '../../salesforce-pubsub/client';
import { connectForMapping, type MappingRef } from '../salesforce/for-mapping';
import type { SalesforceSessions } from '../salesforce/session';

export interface RegisterStreamInput extends MappingRef {
  table: string;
  fields: MappedField[];
  workflowId: string;
  enabled: boolean;
}

export interface RegisterStreamResult {
  channel: string | null;
  apiCalls: number;
  apiCallsInWindow: number | null;
}

export function createRegisterStream(deps: { pool: Pool; sessions?: SalesforceSessions }) {
  return async function registerStream(input: RegisterStreamInput): Promise<RegisterStreamResult> {
    const { mappingId, config } = input;
    if (!input.enabled) {
      await withTransaction(deps.pool, async (c) => {
        await c.query('DELETE FROM ferry.stream_subscriptions WHERE mapping_id = $1', [mappingId]);
        await c.query('DELETE FROM ferry.stream_events WHERE mapping_id = $1', [mappingId]);
        await c.query('DELETE FROM ferry.stream_state WHERE mapping_id = $1', [mappingId]);
      });
      return { channel: null, apiCalls: 0, apiCallsInWindow: null };
    }
    let apiCalls = 0;
    let apiCallsInWindow: number | null = null;
    if (config.streamingSource === 'pushtopic') {
      const r = await ensurePushTopic(deps, input, config);
      apiCalls = r.apiCalls;
      apiCallsInWindow = r.apiCallsInWindow;
    }
    const channel = streamChannel(config.objectName, config.streamingSource);
    if (config.streamingSource === 'pubsub') await checkPubSubTopic(deps, channel, config.objectName);
    await deps.pool.query(
      `INSERT INTO ferry.stream_subscriptions (mapping_id, workflow_id, object_name, source, channel) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (mapping_id) DO UPDATE SET workflow_id = EXCLUDED.workflow_id, object_name = EXCLUDED.object_name,
         source = EXCLUDED.source, channel = EXCLUDED.channel, auth_error = NULL, source_error = NULL, updated_at = now()`,
      [mappingId, input.workflowId, config.objectName, config.streamingSource, channel]);
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
async function ensurePushTopic(deps: { pool: Pool; sessions?: SalesforceSessions }, input: RegisterStreamInput, config: MappingConfig) {
  let query: string;
  try {
    query = pushTopicQuery(config.objectName, input.fields.map((f) => f.name));
  } catch (err) {
    badConfig((err as Error).message);
  }
  const name = pushTopicName(config.objectName);
  const sf = await connectForMapping(deps, input);
  try {
    // pushTopicName yields letters, digits and underscores only: safe inside the quoted literal.
    const found = await sf.conn.query<{ Id: string; Query: string; IsActive: boolean }>(`SELECT Id, Query, IsActive FROM PushTopic WHERE Name = '${name}'`);
    const topic = found.records[0];
    const apiVersion = Number(sf.conn.version);
    if (!topic) {
      const created = await sf.conn.sobject('PushTopic').create({
        Name: name, Query: query, ApiVersion: apiVersion, NotifyForFields: 'All', IsActive: true,
        NotifyForOperationCreate: true, NotifyForOperationUpdate: true, NotifyForOperationDelete: true, NotifyForOperationUndelete: true,
      });
      if (!created.success) throw new Error(`PushTopic ${name} not created: ${JSON.stringify(created)}`);
    } else if (topic.Query !== query || topic.IsActive === false) {
      const updated = await sf.conn.sobject('PushTopic').update({ Id: topic.Id, Query: query, IsActive: true, NotifyForFields: 'All' });
      if (!updated.success) throw new Error(`PushTopic ${name} not updated: ${JSON.stringify(updated)}`);
    }
    return { apiCalls: sf.callsMade(), apiCallsInWindow: sf.usedInWindow() };
  } catch (err) {
    classifyFailure(err);
  }
}
