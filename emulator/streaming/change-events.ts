// Change Data Capture: one event per committed record change, on /data/<Object>ChangeEvent and /data/ChangeEvents,
// shaped as Salesforce's CometD JSON: {schema, payload: {ChangeEventHeader, …fields}, event: {replayId}}.
import { createHash } from 'node:crypto';
import type { ChangeEvent, ChangeType, ObjectDef, SfRecord, SfValue } from '../contract.js';

export const ALL_CHANGE_EVENTS_CHANNEL = '/data/ChangeEvents';
/** The record id Salesforce puts in an overflow event, which names no record. */
export const EMPTY_RECORD_ID = '000000000000000AAA';

export type GapChangeType = `GAP_${ChangeType}` | 'GAP_OVERFLOW';

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: ChangeType | GapChangeType;
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  changedFields: string[];
  nulledFields: string[];
  diffFields: string[];
}

export interface ChangeEventData {
  schema: string;
  payload: { ChangeEventHeader: ChangeEventHeader; [field: string]: SfValue | ChangeEventHeader };
  event: { replayId: number };
}

/** Fields a change event never carries (Salesforce leaves out IsDeleted and SystemModstamp; Id is in recordIds). */
const OMITTED_FIELDS = new Set(['Id', 'IsDeleted', 'SystemModstamp', 'LastViewedDate', 'LastReferencedDate']);

/** Objects whose changes publish no change events. */
const UNTRACKED_OBJECTS = new Set(['PushTopic']);

/** `Account` → `AccountChangeEvent`, `Invoice__c` → `Invoice__ChangeEvent`. */
export function changeEventChannel(object: string): string {
  const entity = object.endsWith('__c') ? `${object.slice(0, -3)}__ChangeEvent` : `${object}ChangeEvent`;
  return `/data/${entity}`;
}

/** The object a /data/…ChangeEvent channel is about, or undefined when the name is not of that form. */
export function objectOfChangeEventChannel(channel: string): string | undefined {
  if (!channel.startsWith('/data/') || channel === ALL_CHANGE_EVENTS_CHANNEL) return undefined;
  const entity = channel.slice('/data/'.length);
  if (entity.endsWith('__ChangeEvent')) return `${entity.slice(0, -'__ChangeEvent'.length)}__c`;
  if (entity.endsWith('ChangeEvent') && entity.length > 'ChangeEvent'.length) return entity.slice(0, -'ChangeEvent'.length);
  return undefined;
}

export function tracksChanges(def: ObjectDef): boolean {
  return !UNTRACKED_OBJECTS.has(def.name);
}

/** Per object: which fields a change event may carry and which are datetimes (sent as ISO-8601 with `Z`). */
interface ObjectShape {
  schema: string;
  eventFields: Set<string>;
  datetimeFields: Set<string>;
}

/** Builds change-event payloads; caches each object's shape by its describe, so a schema change is picked up. */
export class ChangeEventBuilder {
  private readonly shapes = new WeakMap<ObjectDef, ObjectShape>();
  /** transactionKey → changes seen so far; bounded, as transactions are short. */
  private readonly sequences = new Map<string, number>();

  /** The event for one committed change, without its replay id (assigned per channel when published). */
  fromChange(change: ChangeEvent, def: ObjectDef): Omit<ChangeEventData, 'event'> {
    const shape = this.shapeOf(def);
    const changedFields = change.changeType === 'UPDATE'
      ? change.changedFields.filter((field) => shape.eventFields.has(field))
      : [];
    const header: ChangeEventHeader = {
      entityName: change.object,
      recordIds: [change.recordId],
      changeType: change.changeType,
      changeOrigin: change.changeOrigin,
      transactionKey: change.transactionKey,
      sequenceNumber: this.nextSequence(change.transactionKey),
      commitTimestamp: change.commitTimestamp,
      commitNumber: change.commitNumber,
      commitUser: change.commitUser,
      changedFields,
      nulledFields: [],
      diffFields: [],
    };
    const payload: ChangeEventData['payload'] = { ChangeEventHeader: header };
    if (change.changeType === 'UPDATE') {
      for (const field of changedFields) payload[field] = wireValue(change.record[field], field, shape);
    } else if (change.changeType !== 'DELETE') {
      copyNonNullFields(change.record, shape, payload);
    }
    return { schema: shape.schema, payload };
  }

  /** A gap event (the records changed but the details are lost) or an overflow event (too many changes). */
  gap(def: ObjectDef, changeType: GapChangeType, recordIds: string[], commitUser: string, now: number): Omit<ChangeEventData, 'event'> {
    const transactionKey = `gap-${now.toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const header: ChangeEventHeader = {
      entityName: def.name,
      recordIds: changeType === 'GAP_OVERFLOW' ? [EMPTY_RECORD_ID] : recordIds,
      changeType,
      changeOrigin: '',
      transactionKey,
      sequenceNumber: 1,
      commitTimestamp: now,
      commitNumber: 0,
      commitUser,
      changedFields: [],
      nulledFields: [],
      diffFields: [],
    };
    return { schema: this.shapeOf(def).schema, payload: { ChangeEventHeader: header } };
  }

  private shapeOf(def: ObjectDef): ObjectShape {
    let shape = this.shapes.get(def);
    if (!shape) {
      const fields = def.fields.filter((f) => !OMITTED_FIELDS.has(f.name) && !f.calculated);
      shape = {
        schema: schemaId(def),
        eventFields: new Set(fields.map((f) => f.name)),
        datetimeFields: new Set(fields.filter((f) => f.type === 'datetime').map((f) => f.name)),
      };
      this.shapes.set(def, shape);
    }
    return shape;
  }

  private nextSequence(transactionKey: string): number {
    const sequence = (this.sequences.get(transactionKey) ?? 0) + 1;
    this.sequences.delete(transactionKey);
    this.sequences.set(transactionKey, sequence);
    if (this.sequences.size > 1000) this.sequences.delete(this.sequences.keys().next().value as string);
    return sequence;
  }
}

function copyNonNullFields(record: SfRecord, shape: ObjectShape, payload: ChangeEventData['payload']): void {
  for (const field in record) {
    const value = record[field];
    if (value !== null && value !== undefined && shape.eventFields.has(field)) payload[field] = wireValue(value, field, shape);
  }
}

/** Stored datetimes read `2024-01-02T03:04:05.000+0000`; change events carry `2024-01-02T03:04:05.000Z`. */
function wireValue(value: SfValue | undefined, field: string, shape: ObjectShape): SfValue {
  if (value === undefined) return null;
  if (typeof value === 'string' && shape.datetimeFields.has(field) && value.endsWith('+0000')) {
    return `${value.slice(0, -5)}Z`;
  }
  return value;
}

/** Salesforce's schema id is a 22-character hash of the event schema; the field list stands in for it here. */
function schemaId(def: ObjectDef): string {
  const fields = def.fields.map((f) => `${f.name}:${f.type}`).join(',');
  return createHash('md5').update(`${def.name}|${fields}`).digest('base64url');
}
