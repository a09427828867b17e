// The mapping workflow's stream-register step: makes the Streaming API source exist and be in step with the
// mapped fields (a PushTopic whose query selects them, created or updated over REST; CDC needs nothing), then
// records the subscription in ferry.stream_subscriptions, where every worker's supervisor finds it. Turning
// event-driven sync off removes the subscription and what was staged for it: the scheduled poll covers it.
import { pushTopicName, pushTopicQuery } from '../../domain/soql';
import type { MappingConfig } from '../../domain/mapping-rules';
import { streamChannel } from '../../domain/streaming-sql';
import { withTransaction, type Pool } from '../../infra/db';
import { badConfig, classifyFailure, connectMapping } from '../errors';
import { removeStreamState, upsertSubscription } from '../../store/stream-state';
import type { MappedField } from '../../domain/mapped-field';
import { type MappingRef } from '../../salesforce/mapping-connection';
import type { SalesforceSessions } from '../../salesforce/session';

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
      await withTransaction(deps.pool, (c) => removeStreamState(c, mappingId));
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
    await upsertSubscription(deps.pool, { mappingId, workflowId: input.workflowId, objectName: config.objectName, source: config.streamingSource, channel });
    return { channel, apiCalls, apiCallsInWindow };
  };
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
  const sf = await connectMapping(deps, input);
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
