// The capture DDL: what each access mode installs, names as Heroku Connect spells them, identifiers quoted,
// and the sync-writer marker checked first by every trigger function.
import { describe, expect, it } from 'vitest';
import { createCaptureSchema, installCaptureTriggers, removeCaptureTriggers, SET_SYNC_WRITER } from '../../domain/outbound-trigger-sql';
import { parseBulkError } from '../../activities/outbound/send-bulk';
import { splitMappingId } from '../../domain/mapping-id';
import { parseSfMessage } from '../../store/failed-writes';

describe('installCaptureTriggers', () => {
  it.each<[string, 'read_only' | 'read_write', string[]]>([
    ['read_write: status (PENDING), statement log per event and statement notify', 'read_write', [
      'CREATE TRIGGER "hc_contact_status_trigger" BEFORE INSERT OR UPDATE ON "salesforce"."contact" FOR EACH ROW WHEN (coalesce(current_setting(\'ferry.sync_writer\', true), \'\') <> \'on\') EXECUTE FUNCTION "salesforce"."ferry_status_trigger"(\'PENDING\')',
      'CREATE TRIGGER "hc_contact_logtrigger_insert" AFTER INSERT ON "salesforce"."contact" REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT WHEN (coalesce(current_setting(\'ferry.sync_writer\', true), \'\') <> \'on\') EXECUTE FUNCTION "salesforce"."ferry_log_rows_trigger"()',
      'CREATE TRIGGER "hc_contact_logtrigger_update" AFTER UPDATE ON "salesforce"."contact" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT WHEN (coalesce(current_setting(\'ferry.sync_writer\', true), \'\') <> \'on\') EXECUTE FUNCTION "salesforce"."ferry_log_rows_trigger"()',
      'CREATE TRIGGER "hc_contact_logtrigger_delete" AFTER DELETE ON "salesforce"."contact" REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT WHEN (coalesce(current_setting(\'ferry.sync_writer\', true), \'\') <> \'on\') EXECUTE FUNCTION "salesforce"."ferry_log_rows_trigger"()',
      'CREATE TRIGGER "hc_contact_notify_trigger" AFTER INSERT OR UPDATE OR DELETE ON "salesforce"."contact" FOR EACH STATEMENT WHEN (coalesce(current_setting(\'ferry.sync_writer\', true), \'\') <> \'on\') EXECUTE FUNCTION "salesforce"."ferry_notify_trigger"()',
    ]],
    ['read_only: only the status trigger (READONLY)', 'read_only', [
      'CREATE TRIGGER "hc_contact_status_trigger" BEFORE INSERT OR UPDATE ON "salesforce"."contact" FOR EACH ROW WHEN (coalesce(current_setting(\'ferry.sync_writer\', true), \'\') <> \'on\') EXECUTE FUNCTION "salesforce"."ferry_status_trigger"(\'READONLY\')',
    ]],
  ])('%s', (_name, access, creates) => {
    const sql = installCaptureTriggers('salesforce', 'contact', access);
    // Whatever was installed before is dropped first: a change of access mode is one transaction.
    const drops = removeCaptureTriggers('salesforce', 'contact');
    expect(sql.slice(0, drops.length)).toEqual(drops);
    expect(sql.slice(drops.length)).toEqual(creates);
  });

  it('drops every log trigger name, the single row-level one of earlier versions included', () => {
    expect(removeCaptureTriggers('salesforce', 'contact').map((sql) => /"(hc_[^"]+)"/.exec(sql)?.[1])).toEqual([
      'hc_contact_status_trigger', 'hc_contact_logtrigger', 'hc_contact_logtrigger_insert', 'hc_contact_logtrigger_update',
      'hc_contact_logtrigger_delete', 'hc_contact_notify_trigger',
    ]);
  });

  it('quotes identifiers', () => {
    expect(installCaptureTriggers('we"ird', 'ta"ble', 'read_only').at(-1)).toContain('ON "we""ird"."ta""ble"');
  });
});

describe('createCaptureSchema', () => {
  const sql = createCaptureSchema('salesforce').join('\n');
  it.each([
    ['the trigger log in Heroku Connect\'s columns', 'CREATE TABLE IF NOT EXISTS "salesforce"."_trigger_log" (id bigserial PRIMARY KEY, txid bigint DEFAULT txid_current(), created_at timestamptz DEFAULT now()'],
    ['processed_tx, state, action, table_name, record_id, sfid, old, values, sf_result, sf_message', 'processed_tx bigint, state varchar(8) NOT NULL,\n    action varchar(7) NOT NULL, table_name varchar(128) NOT NULL, record_id integer, sfid varchar(18), old jsonb,\n    "values" jsonb, sf_result integer, sf_message text'],
    ['the archive', 'CREATE TABLE IF NOT EXISTS "salesforce"."_trigger_log_archive" (id bigint PRIMARY KEY'],
    ['a work-queue index on NEW and PENDING only', `"_trigger_log_pending" ON "salesforce"."_trigger_log" (table_name, id) WHERE state IN ('NEW', 'PENDING')`],
    ['a per-record index of queued entries only', `"_trigger_log_queued_record" ON "salesforce"."_trigger_log" (table_name, record_id) WHERE state IN ('NEW', 'PENDING')`],
    ['the full per-record index of earlier versions dropped', 'DROP INDEX IF EXISTS "salesforce"."_trigger_log_record"'],
    ['the marker skips ferry\'s own writes', "IF coalesce(current_setting('ferry.sync_writer', true), '') = 'on' THEN RETURN NEW; END IF;"],
    ['an update logs only changed columns', 'WHERE n.value IS DISTINCT FROM p.value'],
    ['notifications name the table', "PERFORM pg_notify('ferry_outbound', TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME)"],
  ])('has %s', (_name, fragment) => expect(sql).toContain(fragment));

  it('sets the marker for one transaction only', () => expect(SET_SYNC_WRITER).toBe("SET LOCAL ferry.sync_writer = 'on'"));
});

describe('error texts', () => {
  it.each([
    ['REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --', { code: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] }],
    ['INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST:Rating: bad value for restricted picklist field: X:Rating --', { code: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', message: 'Rating: bad value for restricted picklist field: X', fields: ['Rating'] }],
    ['UNKNOWN_EXCEPTION:something broke: --', { code: 'UNKNOWN_EXCEPTION', message: 'something broke', fields: [] }],
    ['FIELD_CUSTOM_VALIDATION_EXCEPTION:Rating must be Hot:--', { code: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Rating must be Hot', fields: [] }],
    ['INVALID_CROSS_REFERENCE_KEY:invalid cross reference id:-- REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --',
      { code: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: [] }],
    ['DUPLICATE_VALUE:duplicate value found: AccountNumber duplicates value on record with id: 001000000000001AAA:--',
      { code: 'DUPLICATE_VALUE', message: 'duplicate value found: AccountNumber duplicates value on record with id: 001000000000001AAA', fields: [] }],
    ['REQUIRED_FIELD_MISSING:Required fields are missing: [Name, Phone]:Name,Phone --', { code: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name, Phone]', fields: ['Name', 'Phone'] }],
  ])('Bulk 2.0 failedResults %s', (text, expected) => expect(parseBulkError(text)).toEqual(expected));

  it.each<[string | null, object]>([
    ['{"code":"STRING_TOO_LONG","message":"too long","fields":["Description"]}', { code: 'STRING_TOO_LONG', message: 'too long', fields: ['Description'] }],
    ['plain text from elsewhere', { code: 'UNKNOWN', message: 'plain text from elsewhere', fields: [] }],
    [null, { code: 'UNKNOWN', message: '', fields: [] }],
  ])('sf_message %j', (text, expected) => expect(parseSfMessage(text)).toEqual(expected));

  it('splits mapping ids', () => {
    expect(splitMappingId('salesforce.foo__c')).toEqual(['salesforce', 'foo__c']);
    expect(() => splitMappingId('nodot')).toThrow();
  });
});
