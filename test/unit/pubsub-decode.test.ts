// Change Data Capture over the Pub/Sub API, without I/O: bitmap fields → names, Avro events → CometD's JSON
// shape (an update keeps only what changed), echo recognition, and which source a new mapping defaults to.
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { parseMappingEntry } from '../../domain/mapping-config';
import { defaultStreamingSource } from '../../domain/mapping-rules';
import { eventToChanges } from '../../domain/streaming-events';
import { bitsOf, decodeChangeEvent, echoClientName, fieldNames, isEcho, type AvroRecordSchema } from '../../salesforce/pubsub/cdc-decode';

const nullable = (type: unknown, doc?: string) => ({ type: ['null', type], default: null, ...(doc ? { doc } : {}) });
const SCHEMA = {
  type: 'record', name: 'AccountChangeEvent', namespace: 'com.sforce.eventbus',
  fields: [
    {
      name: 'ChangeEventHeader', type: {
        type: 'record', name: 'ChangeEventHeader', fields: [
          { name: 'entityName', type: 'string' }, { name: 'recordIds', type: { type: 'array', items: 'string' } },
          { name: 'changeType', type: { type: 'enum', name: 'ChangeType', symbols: ['CREATE', 'UPDATE', 'DELETE', 'UNDELETE', 'GAP_UPDATE', 'GAP_OVERFLOW'] } },
          { name: 'changeOrigin', type: 'string' }, { name: 'transactionKey', type: 'string' }, { name: 'sequenceNumber', type: 'int' },
          { name: 'commitTimestamp', type: 'long' }, { name: 'commitNumber', type: 'long' }, { name: 'commitUser', type: 'string' },
          { name: 'nulledFields', type: { type: 'array', items: 'string' } }, { name: 'diffFields', type: { type: 'array', items: 'string' } },
          { name: 'changedFields', type: { type: 'array', items: 'string' } },
        ],
      },
    },
    { name: 'Name', ...nullable('string') },
    { name: 'Phone', ...nullable('string') },
    {
      name: 'BillingAddress', ...nullable({
        type: 'record', name: 'Address', fields: ['Street', 'City', 'Country'].map((n) => ({ name: n, ...nullable('string') })),
      }),
    },
    { name: 'NumberOfEmployees', ...nullable('int') },
    { name: 'LastModifiedDate', ...nullable('long', 'Data:DateTime') },
    { name: 'SLAExpirationDate__c', ...nullable('int', 'Data:Date') },
  ],
} as unknown as AvroRecordSchema;
const TYPE = avro.Type.forSchema(SCHEMA as unknown as avro.Schema);

function event(changeType: string, fields: Record<string, unknown>, header: Partial<Record<string, unknown>> = {}): Buffer {
  const record: Record<string, unknown> = {
    ChangeEventHeader: {
      entityName: 'Account', recordIds: ['001A'], changeType, changeOrigin: 'com/salesforce/api/rest/62.0', transactionKey: 't', sequenceNumber: 1,
      commitTimestamp: Date.UTC(2026, 0, 2, 3, 4, 5), commitNumber: 7, commitUser: '005U', nulledFields: [], diffFields: [], changedFields: [], ...header,
    },
    Name: null, Phone: null, BillingAddress: null, NumberOfEmployees: null, LastModifiedDate: null, SLAExpirationDate__c: null, ...fields,
  };
  return TYPE.toBuffer(record);
}

describe('bitmap fields', () => {
  it.each([
    ['0x', []], ['0x1', [0]], ['0x2080', [7, 13]], ['0x1E', [1, 2, 3, 4]], ['0x1e', [1, 2, 3, 4]],
    [`0x${(1n << 70n).toString(16)}`, [70]],
  ])('%s has bits %j', (hex, bits) => {
    expect(bitsOf(hex)).toEqual(bits);
  });

  it('refuses a bitmap that is not hex', () => {
    expect(() => bitsOf('0xZZ')).toThrow(/bad field bitmap/);
  });

  it.each([
    [['0x6'], ['Name', 'Phone']],
    // Compound field 3 (BillingAddress): its components come from the nested bitmap.
    [['0x28', '3-0x2'], ['BillingAddress.City', 'LastModifiedDate']],
    [['0x8', '3-0x5'], ['BillingAddress.Street', 'BillingAddress.Country']],
    [['0x8'], ['BillingAddress']],
    [[], []],
  ])('%j names %j', (bitmaps, names) => {
    expect(fieldNames(bitmaps, SCHEMA)).toEqual(names);
  });

  it.each([
    [['0x100'], /names field 8/],
    [['1-0x1'], /names no compound field/],
    [['3-0x10'], /component 4 of BillingAddress/],
  ])('%j is refused: %s', (bitmaps, message) => {
    expect(() => fieldNames(bitmaps, SCHEMA)).toThrow(message);
  });
});

describe('decodeChangeEvent', () => {
  const decode = (payload: Buffer) => decodeChangeEvent(TYPE, SCHEMA, 'sid', payload, 'AAA=');

  it('a CREATE keeps its non-null fields, datetimes as ISO-8601 and dates as YYYY-MM-DD', () => {
    const out = decode(event('CREATE', {
      Name: 'Acme', BillingAddress: { Street: null, City: 'Oslo', Country: null }, LastModifiedDate: Date.UTC(2026, 0, 2, 3, 4, 5), SLAExpirationDate__c: 20_000,
    }));
    expect(out).toEqual({
      schema: 'sid', event: { replayId: 'AAA=' },
      payload: {
        ChangeEventHeader: expect.objectContaining({ changeType: 'CREATE', recordIds: ['001A'], changedFields: [], commitTimestamp: Date.UTC(2026, 0, 2, 3, 4, 5) }),
        Name: 'Acme', BillingAddress: { Street: null, City: 'Oslo', Country: null }, LastModifiedDate: '2026-01-02T03:04:05.000Z', SLAExpirationDate__c: '2024-10-04',
      },
    });
  });

  it('an UPDATE keeps only its changed fields: the nulls of unchanged ones never reach the row', () => {
    const out = decode(event('UPDATE', { Phone: null, BillingAddress: { Street: null, City: 'Bergen', Country: null }, LastModifiedDate: 1 }, {
      changedFields: ['0x2C', '3-0x2'], nulledFields: ['0x4'],
    }));
    expect(out.payload).toEqual({
      ChangeEventHeader: expect.objectContaining({ changedFields: ['Phone', 'BillingAddress.City', 'LastModifiedDate'], nulledFields: ['Phone'] }),
      Phone: null, BillingAddress: { City: 'Bergen' }, LastModifiedDate: '1970-01-01T00:00:00.001Z',
    });
    // Through the shared apply rules: a partial row that sets Phone to null and leaves Name alone.
    const { changes } = eventToChanges(out, ['Id', 'Name', 'Phone', 'BillingCity', 'SystemModstamp', 'IsDeleted']);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ kind: 'upsert', complete: false, values: { Phone: null, BillingCity: 'Bergen' } });
    expect('Name' in changes[0].values).toBe(false);
  });

  it('a DELETE carries no fields; a gap keeps its type so the mapping polls', () => {
    expect(Object.keys(decode(event('DELETE', { Name: 'ignored' })).payload)).toEqual(['ChangeEventHeader']);
    expect(eventToChanges(decode(event('GAP_OVERFLOW', {})), ['Id']).gap).toMatch(/GAP_OVERFLOW/);
  });

  it('an event with a diff-encoded field becomes a gap: its records are re-read instead of half applied', () => {
    const out = decode(event('UPDATE', { Name: 'diff text' }, { changedFields: ['0x2'], diffFields: ['0x2'] }));
    expect(out.payload.ChangeEventHeader.changeType).toBe('GAP_UPDATE');
    expect(eventToChanges(out, ['Id', 'Name']).gap).toMatch(/GAP_UPDATE/);
  });

  it('a payload that does not match its schema throws (the listener stops with the replay id instead of skipping it)', () => {
    expect(() => decode(Buffer.from([0xff, 0xff, 0xff]))).toThrow();
  });
});

describe('echo of ferry\'s own writes', () => {
  it.each([
    ['com/salesforce/api/rest/62.0;client=ferry-salesforce.account', true],
    ['com/salesforce/api/soap/62.0; client=ferry-salesforce.account', true],
    ['com/salesforce/api/rest/62.0;client=ferry-salesforce.account2', false],
    ['com/salesforce/api/rest/62.0;client=someone-else', false],
    ['com/salesforce/api/rest/62.0', false],
    ['', false],
  ])('%s → %s', (origin, echo) => {
    expect(isEcho(origin, echoClientName('salesforce.account'))).toBe(echo);
  });

  it('client names keep to letters, digits, dot, dash and underscore', () => {
    expect(echoClientName('my schema.Acc;ount')).toBe('ferry-my_schema.Acc_ount');
  });
});

describe('default streaming source', () => {
  it.each([
    ['Account', 'event_driven', 'pubsub'], ['Invoice__c', 'event_driven', 'pubsub'], ['Account', 'polling', 'pushtopic'],
    ['Order_Event__e', 'event_driven', 'pushtopic'], ['Setting__mdt', 'event_driven', 'pushtopic'], ['AccountHistory', 'event_driven', 'pushtopic'],
    ['AccountShare', 'event_driven', 'pushtopic'], ['PushTopic', 'event_driven', 'pushtopic'],
  ])('%s %s → %s', (object, mode, source) => {
    expect(defaultStreamingSource(object, mode)).toBe(source);
  });

  it('an event-driven entry without streaming_source streams over the Pub/Sub API; an explicit source is kept', () => {
    const entry = (config: Record<string, unknown>) => parseMappingEntry({ object_name: 'Account', config: { access: 'read_only', fields: { Name: {} }, ...config } });
    expect(entry({ sf_notify_enabled: true }).streamingSource).toBe('pubsub');
    expect(entry({ sync_mode: 'event_driven', streaming_source: 'cdc' }).streamingSource).toBe('cdc');
    expect(entry({ sync_mode: 'event_driven', streaming_source: 'pushtopic' }).streamingSource).toBe('pushtopic');
  });
});
