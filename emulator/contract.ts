// The emulator's internal seams. The org store (emulator/org/) owns records, schema and SOQL; the HTTP
// surfaces (REST, Bulk 2.0, streaming, admin) are thin layers over it. Keeping these types in one place lets
// each surface be built and tested on its own.
import type { EventEmitter } from 'node:events';

export type SfFieldType =
  | 'id' | 'string' | 'textarea' | 'picklist' | 'multipicklist' | 'boolean' | 'int' | 'double' | 'currency'
  | 'percent' | 'date' | 'datetime' | 'time' | 'email' | 'phone' | 'url' | 'reference' | 'combobox'
  /** Compound fields: read-only views over their component fields (BillingAddress, a geolocation). */
  | 'address' | 'location';

/** A field as the per-object describe returns it (subset of Salesforce's DescribeFieldResult). */
export interface FieldDef {
  name: string;
  label: string;
  type: SfFieldType;
  /** Characters for text types; 0 for others. */
  length: number;
  precision: number;
  scale: number;
  nillable: boolean;
  createable: boolean;
  updateable: boolean;
  /** Required on create: not nillable, createable and not defaulted on create. */
  defaultedOnCreate: boolean;
  externalId: boolean;
  unique: boolean;
  custom: boolean;
  calculated: boolean;
  filterable: boolean;
  sortable: boolean;
  picklistValues: { value: string; label: string; active: boolean; defaultValue: boolean }[];
  referenceTo: string[];
  relationshipName: string | null;
  /** The compound field this one is a component of (BillingCity → BillingAddress, FirstName → Name). */
  compoundFieldName?: string | null;
  /** Auto Number name fields: generated on create, read-only. */
  autoNumber?: boolean;
  /** The object's name field (Name, or Subject/CaseNumber … on objects without a Name). */
  nameField?: boolean;
  /** Describe's idLookup: usable as the key of an upsert (Id, external ids, some standard unique fields). */
  idLookup?: boolean;
}

/** A record type of an object (RecordType row), as describe's recordTypeInfos lists it. */
export interface RecordTypeDef {
  id: string;
  developerName: string;
  name: string;
  active: boolean;
  defaultRecordTypeMapping: boolean;
}

export interface ObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  /** Three-character id prefix, e.g. 001 for Account. */
  keyPrefix: string;
  custom: boolean;
  createable: boolean;
  updateable: boolean;
  deletable: boolean;
  queryable: boolean;
  replicateable: boolean;
  retrieveable: boolean;
  fields: FieldDef[];
  /** Record types defined for the object (the Master record type is implicit); ids are filled in by the org. */
  recordTypes?: RecordTypeDef[];
  /** Describe flags that differ from the emulator's defaults (searchable, mergeable, triggerable …). */
  flags?: Record<string, boolean>;
}

/**
 * A record in wire form, keyed by field API name exactly as the describe spells it: datetimes are
 * `2024-01-02T03:04:05.000+0000` strings, dates `YYYY-MM-DD`, numbers and booleans native, absent = null.
 */
export type SfValue = string | number | boolean | null;
export type SfRecord = Record<string, SfValue>;
/** A query row: like SfRecord, but parent paths (`Account.Name`) nest as `{ Account: { Name } }`, as SF returns them. */
export interface SfRow { [field: string]: SfValue | SfRow }

export type ChangeType = 'CREATE' | 'UPDATE' | 'DELETE' | 'UNDELETE';

/** Emitted by the store (event name 'change') after every committed change, whoever made it. */
export interface ChangeEvent {
  changeType: ChangeType;
  object: string;
  recordId: string;
  /** The record after the change (for DELETE: as it was when deleted, IsDeleted true). */
  record: SfRecord;
  /** Fields whose value changed (CREATE/UNDELETE: every non-null field), including LastModifiedDate, SystemModstamp. */
  changedFields: string[];
  /** Epoch ms of the commit; equals the record's new SystemModstamp (changes in one millisecond share it). */
  commitTimestamp: number;
  /** Increases by one per committed change across the org. */
  commitNumber: number;
  /** Shared by changes committed by one request. */
  transactionKey: string;
  /** e.g. `com/salesforce/api/rest/62.0` or `com/salesforce/api/bulk/62.0` or `emulator/admin`. */
  changeOrigin: string;
  /** User id that committed the change. */
  commitUser: string;
}

/** One record-level error, as Salesforce reports it (collections use statusCode, single REST uses errorCode). */
export interface SfError {
  statusCode: string;
  message: string;
  fields: string[];
}

/** Thrown by store operations that fail for one record; carries one or more Salesforce errors. */
export class SfRecordError extends Error {
  constructor(readonly errors: SfError[]) {
    super(errors.map((e) => `${e.statusCode}: ${e.message}`).join('; '));
    this.name = 'SfRecordError';
  }
}

/** Thrown for a whole request that Salesforce would refuse (HTTP status + errorCode). */
export class SfRequestError extends Error {
  constructor(readonly httpStatus: number, readonly errorCode: string, message: string) {
    super(message);
    this.name = 'SfRequestError';
  }
}

export interface QueryOptions {
  /** queryAll: include soft-deleted records (IsDeleted true). */
  scanAll: boolean;
  /** API version used in each row's `attributes.url` (default: the emulator's version). */
  apiVersion?: string;
  /** A Bulk API query: compound fields (BillingAddress) are refused, as Salesforce refuses them there. */
  bulk?: boolean;
}

/**
 * Added by the org core: an evaluated query whose matching rows are fixed (totalSize known) but are turned into
 * JSON rows or flat value arrays only when read, so REST pages and Bulk 2.0 CSV cost nothing up front.
 */
export interface QueryCursor {
  object: string;
  /** Selected paths in SELECT order, in describe spelling (`Id`, `Account.Name`); empty for COUNT(). */
  columns: string[];
  /** For COUNT() queries: the count; otherwise null. */
  count: number | null;
  /** Rows after OFFSET/LIMIT (0 for COUNT()). */
  size: number;
  /** Row i (0 ≤ i < size) as REST JSON shapes it: attributes, parent paths nested. */
  row(i: number): SfRow;
  /** Row i as wire values in column order (parent paths flattened; datetimes `…000+0000`): the CSV fast path. */
  values(i: number): SfValue[];
}

/** Added by the org core: a SOQL query compiled to a record matcher (the streaming surface's PushTopic check). */
export interface CompiledSoql {
  object: string;
  /** Selected paths in describe spelling. */
  fields: string[];
  /** Fields the WHERE clause reads, in describe spelling. */
  whereFields: string[];
  /** True when a wire record of `object` (as in ChangeEvent.record) satisfies the WHERE clause. */
  matches(record: SfRecord): boolean;
}

/** Result of a parsed and evaluated SOQL query: column names in SELECT order and the matching rows. */
export interface QueryResult {
  object: string;
  /** Selected paths in SELECT order, in describe spelling whatever the query's case (e.g. `Id`, `Account.Name`); empty for COUNT(). */
  columns: string[];
  /** For COUNT() queries: the count; otherwise null. */
  count: number | null;
  /** Matching rows in order, lazily produced. Each row maps column path → value (parent paths nested as SF does). */
  rows: Iterable<SfRow>;
}

/**
 * The org (emulator/org/store.ts). Events: 'change' (ChangeEvent) after every committed change, except seeded
 * records, which are history rather than changes; 'reset' after the admin emptied the org.
 */
export interface OrgStore extends EventEmitter {
  objects(): ObjectDef[];
  describe(object: string): ObjectDef | undefined;
  /** Creates one record; returns its 18-char id. Throws SfRecordError on validation failure. */
  create(object: string, values: SfRecord, origin: string): string;
  update(object: string, id: string, values: SfRecord, origin: string): void;
  /** Upsert by external id field; returns the id and whether it was created. */
  upsert(object: string, extField: string, extValue: string, values: SfRecord, origin: string): { id: string; created: boolean };
  /** Soft delete (to the recycle bin). */
  remove(object: string, id: string, origin: string): void;
  undelete(object: string, id: string, origin: string): void;
  /** Permanently removes a soft-deleted record (what getDeleted reports once purged... or emptied bin). */
  purge(object: string, id: string): void;
  get(object: string, id: string, includeDeleted?: boolean): SfRecord | undefined;
  /** Parses and evaluates SOQL. Throws SfRequestError(400, 'MALFORMED_QUERY' | 'INVALID_FIELD' | 'INVALID_TYPE', …). */
  query(soql: string, opts: QueryOptions): QueryResult;
  count(object: string): number;
  /** Added: like query(), with random access to rows and a flat-values fast path (REST paging, Bulk 2.0 CSV). */
  queryCursor(soql: string, opts: QueryOptions): QueryCursor;
  /** Added: the query plan of a SOQL query (REST `query?explain=`). */
  explain(soql: string, apiVersion?: string): unknown;
  /** Added: runs basic SOSL (`FIND {term} … RETURNING …`); REST /search. */
  search(sosl: string, apiVersion?: string): { searchRecords: SfRow[] };
  /** Added: the records viewed most recently (FOR VIEW), newest first; REST /recent. */
  recent(limit: number, apiVersion?: string): SfRow[];
  /** Added: compiles SOQL into a record matcher; throws SfRequestError like query(). */
  compileSoql(soql: string): CompiledSoql;
  /**
   * Added: runs `fn` as one transaction: every change it commits shares one ChangeEvent.transactionKey.
   * Changes are applied as they go (no rollback); callers wanting all-or-none validate first.
   */
  transaction<T>(origin: string, fn: () => T): T;
  /** Added: live (not deleted) record ids whose external id / unique field equals `value` (case-insensitive). */
  findByExternalId(object: string, field: string, value: string): string[];
  /** Added: ids of live records whose SystemModstamp is in [startMs, endMs] (REST getUpdated), oldest first. */
  updatedIds(object: string, startMs: number, endMs: number): string[];
  /** Added: records deleted (still in the recycle bin) in [startMs, endMs] (REST getDeleted). */
  deletedRecords(object: string, startMs: number, endMs: number): { id: string; deletedDate: string }[];
  /** Added: validates `values` for a create (or an update when `id` is given) without committing; [] when valid. */
  validate(object: string, values: SfRecord, id?: string): SfError[];
}

/** Verifies OAuth access tokens issued by the emulator's token endpoint. */
export interface SessionAuth {
  /** The session for a valid, unexpired access token; undefined when invalid or expired. */
  verify(accessToken: string): { userId: string; orgId: string } | undefined;
}

export type ApiCallKind = 'rest' | 'bulk2-query' | 'bulk2-ingest';

/** The org's rolling 24 h DailyApiRequests allowance (and the Bulk 2.0 job allowances). */
export interface ApiAccounting {
  /** Counts one API request; throws SfRequestError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.') when spent. */
  charge(kind: ApiCallKind): void;
  /** DailyApiRequests used / max over the rolling window, for Sforce-Limit-Info and /limits. */
  usage(): { used: number; max: number };
}

/** What the streaming surface lets the admin API do to it. */
export interface StreamingControl {
  /** Disconnects every CometD client (they must re-handshake). */
  dropAllClients(): void;
  /** Forgets retained events older than `olderThanMs` ago (0 = all), so their replay ids become invalid. */
  expireReplayIds(olderThanMs: number): void;
  /** Server-side counters: connected clients, events published per channel. */
  /** `queued`: committed changes whose events wait to be published (events go out after commit). */
  stats(): { clients: number; published: Record<string, number>; queued: number; pubsub?: { streams: number; delivered: number } };
  /** Whether CometD client `clientId` has a /meta/connect held open, i.e. the next event is answered at once. */
  holdsConnect(clientId: string): boolean;
  /** Publishes a Change Data Capture GAP_<changeType> event for `recordIds` of `object` (subscribers re-read them). */
  injectGap?(object: string, changeType: ChangeType, recordIds: string[]): void;
  /** Publishes a Change Data Capture GAP_OVERFLOW event for `object` (subscribers re-read the whole object). */
  injectOverflow?(object: string): void;
  /** Generic streaming: publishes `payload` on `/u/<name>`; returns the number of subscribed clients. */
  pushGeneric?(channel: string, payload: string): number;
  close(): Promise<void>;
}

/** Everything an HTTP surface of the emulator needs. */
export interface EmulatorContext {
  org: OrgStore;
  auth: SessionAuth;
  accounting: ApiAccounting;
  /** e.g. '62.0'; every versioned path accepts any v42.0+ version. */
  apiVersion: string;
  /** e.g. http://127.0.0.1:PORT — known once the server listens. */
  baseUrl(): string;
  /** The streaming surface, once attached (generic streaming pushes go through it). */
  streaming?(): StreamingControl | undefined;
  /** The org's clock and the stamp of the oldest write still committing (admin/org-time.ts); absent = the machine's clock. */
  orgTime?: { now(): number; oldestOpenStamp(): number | null };
}
