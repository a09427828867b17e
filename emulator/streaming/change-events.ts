// Change Data Capture: one event per committed record change, on /data/<Object>ChangeEvent and /data/ChangeEvents,
// shaped as Salesforce's CometD JSON: {schema, payload: {ChangeEventHeader, …fields}, event: {replayId}}.
import { createHash } from 'node:crypto';
import type { BayeuxMessage } from 'faye';
import type { ChangeEvent, ChangeType, ObjectDef, SfRecord, SfValue } from '../contract.js';
import type { EventSource } from './event-log.js';

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

export type CompoundValue = Record<string, SfValue>;

export interface ChangeEventData {
  schema: string;
  /** Header plus fields; compound fields (addresses, a person's Name) nest their components as Salesforce does. */
  payload: { ChangeEventHeader: ChangeEventHeader; [field: string]: SfValue | CompoundValue | ChangeEventHeader };
  event: { replayId: number };
}

/** Fields a change event never carries (Salesforce leaves out IsDeleted and SystemModstamp; Id is in recordIds). */
export const OMITTED_FIELDS = new Set(['Id', 'IsDeleted', 'SystemModstamp', 'LastViewedDate', 'LastReferencedDate']);

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

/** A record field that a change event nests inside a compound field: BillingCity → BillingAddress.City. */
export interface CompoundPart {
  compound: string;
  component: string;
}

/** Per object: which fields a change event may carry and which are datetimes (sent as ISO-8601 with `Z`). */
interface ObjectShape {
  schema: string;
  eventFields: Set<string>;
  datetimeFields: Set<string>;
  compoundParts: Map<string, CompoundPart>;
  /** Compound field → its components, all of which a CREATE/UNDELETE event lists (null when empty). */
  compounds: Map<string, string[]>;
}

const ADDRESS_COMPONENTS = ['Street', 'City', 'State', 'PostalCode', 'Country', 'Latitude', 'Longitude', 'GeocodeAccuracy'];
const NAME_COMPONENTS = ['Salutation', 'FirstName', 'MiddleName', 'LastName', 'Suffix'];

export type ChangeEventBody = Omit<ChangeEventData, 'event'>;

/** The Bayeux message of a change event on one channel: the body is shared, only the replay id differs. */
export function changeEventMessage(channel: string, body: ChangeEventBody, replayId: number): BayeuxMessage {
  return { channel, data: { ...body, event: { replayId } } };
}

/** What a change event's body is built from: the committed change without the CREATE/DELETE field lists it never reads. */
type CommittedChange = Omit<ChangeEvent, 'changedFields'> & { changedFields: readonly string[] };

const NO_FIELDS: readonly string[] = Object.freeze([]);

/**
 * One committed change as both its channels (/data/<X>ChangeEvent and /data/ChangeEvents) retain it. The body
 * is built from the change's record snapshot when a subscriber or a replay first needs it — most events of a
 * bulk load are never read — and then shared by both channels. It keeps the change's facts rather than the
 * change itself, so a CREATE's list of fields, which its body never reads, is not kept for every event.
 */
export class RetainedChangeEvent implements EventSource<BayeuxMessage>, CommittedChange {
  readonly changeType: ChangeType;
  readonly object: string;
  readonly recordId: string;
  readonly record: SfRecord;
  readonly changedFields: readonly string[];
  readonly commitTimestamp: number;
  readonly commitNumber: number;
  readonly transactionKey: string;
  readonly changeOrigin: string;
  readonly commitUser: string;
  private body: ChangeEventBody | undefined;

  constructor(change: ChangeEvent, private readonly shape: ObjectShape, private readonly sequenceNumber: number) {
    this.changeType = change.changeType;
    this.object = change.object;
    this.recordId = change.recordId;
    this.record = change.record;
    this.changedFields = change.changeType === 'UPDATE' ? change.changedFields : NO_FIELDS;
    this.commitTimestamp = change.commitTimestamp;
    this.commitNumber = change.commitNumber;
    this.transactionKey = change.transactionKey;
    this.changeOrigin = change.changeOrigin;
    this.commitUser = change.commitUser;
  }

  build(channel: string, replayId: number): BayeuxMessage {
    this.body ??= changeEventBody(this, this.shape, this.sequenceNumber);
    return changeEventMessage(channel, this.body, replayId);
  }
}

/** Builds change-event payloads; caches each object's shape by its describe, so a schema change is picked up. */
export class ChangeEventBuilder {
  private readonly shapes = new WeakMap<ObjectDef, ObjectShape>();
  /** transactionKey → changes seen so far, least recently used first; bounded, as transactions are short. */
  private readonly sequences = new Map<string, number>();
  /** The transaction of the last change and its count, kept out of `sequences`: a bulk chunk's changes come in a row. */
  private currentKey: string | undefined;
  private currentSequence = 0;

  /**
   * The event for one committed change, without its replay id (assigned per channel when published). It is
   * numbered within its transaction now, in commit order; its body is built later, from the change alone.
   */
  fromChange(change: ChangeEvent, def: ObjectDef): RetainedChangeEvent {
    return new RetainedChangeEvent(change, this.shapeOf(def), this.nextSequence(change.transactionKey));
  }

  /** A gap event (the records changed but the details are lost) or an overflow event (too many changes). */
  gap(def: ObjectDef, changeType: GapChangeType, recordIds: string[], commitUser: string, now: number): ChangeEventBody {
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
      // Compound fields (BillingAddress …) are carried by their components, nested as the compound below.
      const fields = def.fields.filter((f) => !OMITTED_FIELDS.has(f.name) && !f.calculated && f.type !== 'address' && f.type !== 'location');
      const names = new Set(fields.map((f) => f.name));
      const compoundParts = compoundPartsOf(def, names);
      const compounds = new Map<string, string[]>();
      for (const { compound, component } of compoundParts.values()) {
        compounds.set(compound, [...(compounds.get(compound) ?? []), component]);
      }
      shape = {
        schema: schemaId(def),
        eventFields: names,
        datetimeFields: new Set(fields.filter((f) => f.type === 'datetime').map((f) => f.name)),
        compoundParts,
        compounds,
      };
      this.shapes.set(def, shape);
    }
    return shape;
  }

  private nextSequence(transactionKey: string): number {
    if (transactionKey === this.currentKey) return ++this.currentSequence;
    if (this.currentKey !== undefined) this.sequences.set(this.currentKey, this.currentSequence);
    this.currentSequence = (this.sequences.get(transactionKey) ?? 0) + 1;
    this.sequences.delete(transactionKey);
    this.currentKey = transactionKey;
    // With the current transaction, at most 1000 are remembered; the least recently used goes first.
    if (this.sequences.size > 999) this.sequences.delete(this.sequences.keys().next().value as string);
    return this.currentSequence;
  }
}

/**
 * Address fields (BillingStreet, BillingCity …) nest as BillingAddress; a person's FirstName/LastName … nest as
 * Name on objects whose Name is composed from them (Contact, Lead, User).
 */
export function compoundPartsOf(def: ObjectDef, names: Set<string>): Map<string, CompoundPart> {
  const parts = new Map<string, CompoundPart>();
  for (const name of names) {
    if (!name.endsWith('Street') || !names.has(`${name.slice(0, -'Street'.length)}City`)) continue;
    const prefix = name.slice(0, -'Street'.length);
    for (const component of ADDRESS_COMPONENTS) {
      if (names.has(prefix + component)) parts.set(prefix + component, { compound: `${prefix}Address`, component });
    }
  }
  const composedName = def.fields.some((f) => f.name === 'Name' && f.calculated) && names.has('LastName');
  if (composedName) {
    for (const component of NAME_COMPONENTS) if (names.has(component)) parts.set(component, { compound: 'Name', component });
  }
  return parts;
}

/** The event for one committed change, numbered `sequenceNumber` within its transaction, without its replay id. */
function changeEventBody(change: CommittedChange, shape: ObjectShape, sequenceNumber: number): ChangeEventBody {
  const updatedFields = change.changeType === 'UPDATE'
    ? change.changedFields.filter((field) => shape.eventFields.has(field))
    : [];
  const changedFields = updatedFields.map((field) => {
    const part = shape.compoundParts.get(field);
    return part ? `${part.compound}.${part.component}` : field;
  });
  const header: ChangeEventHeader = {
    entityName: change.object,
    recordIds: [change.recordId],
    changeType: change.changeType,
    changeOrigin: change.changeOrigin,
    transactionKey: change.transactionKey,
    sequenceNumber,
    commitTimestamp: change.commitTimestamp,
    commitNumber: change.commitNumber,
    commitUser: change.commitUser,
    changedFields,
    nulledFields: [],
    diffFields: [],
  };
  const payload: ChangeEventData['payload'] = { ChangeEventHeader: header };
  if (change.changeType === 'UPDATE') {
    for (const field of updatedFields) setField(payload, field, wireValue(change.record[field], field, shape), shape);
  } else if (change.changeType !== 'DELETE') {
    copyNonNullFields(change.record, shape, payload);
  }
  return { schema: shape.schema, payload };
}

function copyNonNullFields(record: SfRecord, shape: ObjectShape, payload: ChangeEventData['payload']): void {
  for (const field in record) {
    const value = record[field];
    if (value === null || value === undefined || !shape.eventFields.has(field)) continue;
    const part = shape.compoundParts.get(field);
    if (part && payload[part.compound] === undefined) {
      // A created record lists every component of a compound field it fills, empty ones as null.
      payload[part.compound] = Object.fromEntries((shape.compounds.get(part.compound) ?? []).map((c) => [c, null]));
    }
    setField(payload, field, wireValue(value, field, shape), shape);
  }
}

function setField(payload: ChangeEventData['payload'], field: string, value: SfValue, shape: ObjectShape): void {
  const part = shape.compoundParts.get(field);
  if (!part) {
    payload[field] = value;
    return;
  }
  const compound = (payload[part.compound] ??= {}) as CompoundValue;
  compound[part.component] = value;
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
