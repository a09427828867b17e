// PushTopic streaming: the org's PushTopic records (created over REST like any sObject) define /topic/<Name>
// channels. Topics are indexed by object, each with its query compiled once, so a record change costs a map
// lookup plus one matcher call per topic on that object.
import type { BayeuxMessage } from 'faye';
import type { ChangeEvent, ChangeType, CompiledSoql, SfRecord, SfValue } from '../contract.js';
import type { EventSource } from './event-log.js';

export const TOPIC_PREFIX = '/topic/';

export type PushTopicEventType = 'created' | 'updated' | 'deleted' | 'undeleted';

export interface PushTopicEventData {
  event: { createdDate: string; replayId: number; type: PushTopicEventType };
  sobject: Record<string, SfValue>;
}

type NotifyForFields = 'All' | 'Referenced' | 'Select' | 'Where';

interface PushTopic {
  id: string;
  channel: string;
  active: boolean;
  /** Undefined when the Query does not compile: the channel exists but never fires. */
  query: CompiledSoql | undefined;
  operations: Set<ChangeType>;
  /** Fields whose change makes an update notify; undefined = any field (NotifyForFields All). */
  notifyFields: Set<string> | undefined;
}

const EVENT_TYPES: Record<ChangeType, PushTopicEventType> = {
  CREATE: 'created',
  UPDATE: 'updated',
  DELETE: 'deleted',
  UNDELETE: 'undeleted',
};

const OPERATION_FLAGS: [ChangeType, string][] = [
  ['CREATE', 'NotifyForOperationCreate'],
  ['UPDATE', 'NotifyForOperationUpdate'],
  ['DELETE', 'NotifyForOperationDelete'],
  ['UNDELETE', 'NotifyForOperationUndelete'],
];

/** A topic event, built into its message only when a subscriber or a replay needs it (see EventLog). */
export interface TopicNotification extends EventSource<BayeuxMessage> {
  channel: string;
}

const NO_NOTIFICATIONS: readonly TopicNotification[] = Object.freeze([]);

export class PushTopicRegistry {
  private readonly byId = new Map<string, PushTopic>();
  private readonly byChannel = new Map<string, PushTopic>();
  private readonly byObject = new Map<string, Set<PushTopic>>();

  /**
   * `compile` returns undefined for a Query the org cannot compile: such a topic exists but never fires.
   * `isLive` says whether the PushTopic record still exists: an admin reset empties the org without change
   * events, and a topic left behind would fire beside a new topic of the same name.
   */
  constructor(
    private readonly compile: (soql: string) => CompiledSoql | undefined,
    private readonly isLive: (id: string) => boolean,
  ) {}

  /** Applies a committed change to a PushTopic record: topics take effect (or stop) immediately. */
  applyTopicChange(change: ChangeEvent): void {
    this.remove(change.recordId);
    if (change.changeType !== 'DELETE') this.add(change.record);
  }

  add(record: SfRecord): void {
    const query = typeof record.Query === 'string' ? this.compile(record.Query) : undefined;
    const topic: PushTopic = {
      id: String(record.Id),
      channel: TOPIC_PREFIX + String(record.Name),
      active: record.IsActive !== false,
      query,
      operations: new Set(OPERATION_FLAGS.filter(([, flag]) => record[flag] !== false).map(([type]) => type)),
      notifyFields: query ? notifyFieldsOf(record.NotifyForFields, query) : undefined,
    };
    this.byId.set(topic.id, topic);
    this.byChannel.set(topic.channel, topic);
    if (query) {
      let topics = this.byObject.get(query.object);
      if (!topics) this.byObject.set(query.object, (topics = new Set()));
      topics.add(topic);
    }
  }

  exists(channel: string): boolean {
    const topic = this.byChannel.get(channel);
    return topic !== undefined && this.stillLive(topic);
  }

  /** The topic events a record change raises: one per active topic on the object whose settings let it through. */
  notificationsFor(change: ChangeEvent): readonly TopicNotification[] {
    const topics = this.byObject.get(change.object);
    if (!topics) return NO_NOTIFICATIONS;
    const notifications: TopicNotification[] = [];
    for (const topic of topics) {
      const query = topic.query as CompiledSoql;
      if (!topic.active || !topic.operations.has(change.changeType) || !this.stillLive(topic)) continue;
      if (change.changeType === 'UPDATE' && topic.notifyFields && !change.changedFields.some((f) => topic.notifyFields?.has(f))) {
        continue;
      }
      if (!query.matches(change.record)) continue;
      notifications.push({ channel: topic.channel, build: (channel, replayId) => ({ channel, data: topicEvent(change, query, replayId) }) });
    }
    return notifications;
  }

  private stillLive(topic: PushTopic): boolean {
    if (this.isLive(topic.id)) return true;
    this.remove(topic.id);
    return false;
  }

  private remove(id: string): void {
    const topic = this.byId.get(id);
    if (!topic) return;
    this.byId.delete(id);
    if (this.byChannel.get(topic.channel) === topic) this.byChannel.delete(topic.channel);
    if (topic.query) this.byObject.get(topic.query.object)?.delete(topic);
  }
}

/**
 * NotifyForFields: which field changes make an update notify (creates, deletes and undeletes always do).
 * Referenced (Salesforce's default) = fields in SELECT or WHERE; Select = SELECT only; Where = WHERE only.
 */
function notifyFieldsOf(setting: SfValue, query: CompiledSoql): Set<string> | undefined {
  const mode = (typeof setting === 'string' ? setting : 'Referenced') as NotifyForFields;
  if (mode === 'All') return undefined;
  if (mode === 'Select') return new Set(query.fields);
  if (mode === 'Where') return new Set(query.whereFields);
  return new Set([...query.fields, ...query.whereFields]);
}

function topicEvent(change: ChangeEvent, query: CompiledSoql, replayId: number): PushTopicEventData {
  const record = change.record;
  const sobject: Record<string, SfValue> = { Id: change.recordId };
  // A deleted record's fields are gone as far as the topic is concerned: Salesforce sends its Id only.
  if (change.changeType !== 'DELETE') {
    for (const field of query.fields) sobject[field] = record[field] ?? null;
  }
  return {
    event: { createdDate: new Date(change.commitTimestamp).toISOString(), replayId, type: EVENT_TYPES[change.changeType] },
    sobject,
  };
}
