// Streaming API events → record changes, without I/O. Two shapes arrive:
//
//   PushTopic  {event: {type: created|updated|deleted|undeleted, createdDate, replayId}, sobject: {Id, …selected}}
//   CDC        {payload: {ChangeEventHeader: {changeType, recordIds, commitTimestamp, …}, …changed fields}, event}
//
// A PushTopic event selects every mapped field (ferry writes the topic's query), so it is a complete row and is
// applied without any Salesforce call. A CDC CREATE/UNDELETE lists every non-empty field (absent = null); a CDC
// UPDATE lists only what changed, so it is a partial row applied to the columns it has. Compound fields
// (BillingAddress {City}, a person's Name {FirstName}) are flattened back to the component fields ferry maps.
// GAP_* and GAP_OVERFLOW events carry no data: the caller falls back to a poll.
//
// Then `foldChanges` reduces a batch (in replay order) to one change per record, so a set-based merge sees each
// record once: the newest complete row wins, partial rows layer their fields on what came before.

export type ChangeKind = 'upsert' | 'delete';

export interface RecordChange {
  kind: ChangeKind;
  id: string;
  /** Commit time (CDC commitTimestamp; PushTopic SystemModstamp, or createdDate for deletions). */
  stampMs: number;
  /** Salesforce field → JSON value (REST wire form). Always holds Id, SystemModstamp and IsDeleted. */
  values: Record<string, unknown>;
  /** Whether `values` holds every mapped field (a full row) or only some (apply to those columns only). */
  complete: boolean;
}

export interface EventChanges {
  changes: RecordChange[];
  /** Set for an event that says changes were lost (CDC gap or overflow): poll the window instead. */
  gap?: string;
}

const PUSHTOPIC_TYPES: Record<string, ChangeKind> = { created: 'upsert', updated: 'upsert', undeleted: 'upsert', deleted: 'delete' };
const CDC_TYPES: Record<string, ChangeKind> = { CREATE: 'upsert', UPDATE: 'upsert', UNDELETE: 'upsert', DELETE: 'delete' };

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `2024-01-02T03:04:05.000+0000` (REST) or `…Z` → ms; NaN when not a datetime. */
export function parseSfDatetime(text: unknown): number {
  if (typeof text !== 'string') return Number.NaN;
  return Date.parse(text.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The mapped field (case as mapped) for a name as the event spells it, or undefined when not mapped. */
function fieldLookup(fields: readonly string[]): (name: string) => string | undefined {
  const byLower = new Map(fields.map((f) => [f.toLowerCase(), f]));
  return (name) => byLower.get(name.toLowerCase());
}

/**
 * A compound field's component → the field it stands for: BillingAddress.City → BillingCity,
 * Name.FirstName → FirstName, Location__c.Latitude → Location__Latitude__s.
 */
export function componentField(compound: string, component: string): string {
  if (compound.endsWith('Address')) return compound.slice(0, -'Address'.length) + component;
  if (compound.endsWith('__c')) return `${compound.slice(0, -3)}__${component}__s`;
  return component;
}

function pushTopicChanges(payload: Json, fields: readonly string[]): EventChanges {
  const event = isObject(payload.event) ? payload.event : {};
  const sobject = isObject(payload.sobject) ? payload.sobject : {};
  const kind = PUSHTOPIC_TYPES[String(event.type)];
  const id = sobject.Id;
  if (!kind || typeof id !== 'string') return { changes: [] };
  const createdMs = parseSfDatetime(event.createdDate);
  if (kind === 'delete') {
    return { changes: [{ kind, id, stampMs: createdMs, values: { Id: id, SystemModstamp: iso(createdMs), IsDeleted: true }, complete: true }] };
  }
  const mapped = fieldLookup(fields);
  const values: Json = {};
  for (const [name, value] of Object.entries(sobject)) {
    const field = mapped(name);
    if (field !== undefined) values[field] = value;
  }
  const stamp = parseSfDatetime(values.SystemModstamp);
  const stampMs = Number.isNaN(stamp) ? createdMs : stamp;
  values.SystemModstamp ??= iso(stampMs);
  values.IsDeleted = false;
  values.Id = id;
  return { changes: [{ kind: 'upsert', id, stampMs, values, complete: fields.every((f) => f in values) }] };
}

function cdcChanges(payload: Json, fields: readonly string[]): EventChanges {
  const header = isObject(payload.ChangeEventHeader) ? payload.ChangeEventHeader : {};
  const changeType = String(header.changeType);
  if (changeType.startsWith('GAP_')) {
    return { changes: [], gap: `${changeType} event on ${String(header.entityName)}` };
  }
  const kind = CDC_TYPES[changeType];
  const stampMs = Number(header.commitTimestamp);
  const ids = Array.isArray(header.recordIds) ? header.recordIds.filter((i): i is string => typeof i === 'string') : [];
  if (!kind || !Number.isFinite(stampMs)) return { changes: [] };
  const mapped = fieldLookup(fields);
  const carried: Json = {};
  const put = (name: string, value: unknown) => {
    const field = mapped(name);
    if (field !== undefined) carried[field] = value;
  };
  for (const [name, value] of Object.entries(payload)) {
    if (name === 'ChangeEventHeader') continue;
    if (isObject(value)) for (const [component, v] of Object.entries(value)) put(componentField(name, component), v);
    else put(name, value);
  }
  // A CREATE or UNDELETE lists every non-empty field: whatever it leaves out is null.
  const complete = kind === 'delete' || changeType !== 'UPDATE';
  const changes = ids.map((id): RecordChange => {
    const values: Json = complete && kind === 'upsert' ? Object.fromEntries(fields.map((f) => [f, null])) : {};
    if (kind === 'upsert') Object.assign(values, carried);
    Object.assign(values, { Id: id, SystemModstamp: iso(stampMs), IsDeleted: kind === 'delete' });
    return { kind, id, stampMs, values, complete };
  });
  return { changes };
}

/** The record changes one event stands for (PushTopic or CDC, told apart by shape). */
export function eventToChanges(payload: unknown, fields: readonly string[]): EventChanges {
  if (!isObject(payload)) return { changes: [] };
  if (isObject(payload.payload) && isObject(payload.payload.ChangeEventHeader)) return cdcChanges(payload.payload, fields);
  if (isObject(payload.sobject)) return pushTopicChanges(payload, fields);
  return { changes: [] };
}

/**
 * One change per record, in the order given (replay order): a complete row or a deletion replaces what came
 * before; a partial row is layered on the earlier row (staying complete if that was) or on an earlier partial.
 */
export function foldChanges(changes: Iterable<RecordChange>): RecordChange[] {
  const byId = new Map<string, RecordChange>();
  for (const c of changes) {
    const before = byId.get(c.id);
    if (c.complete || !before || before.kind === 'delete') {
      byId.set(c.id, c);
      continue;
    }
    byId.set(c.id, { ...before, stampMs: Math.max(before.stampMs, c.stampMs), values: { ...before.values, ...c.values } });
  }
  return [...byId.values()];
}
