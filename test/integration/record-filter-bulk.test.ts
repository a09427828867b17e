// A record filter change that brings more than BULK_THRESHOLD records into scope reads them through a Bulk
// API 2.0 query job (copyQueryToStaging's Bulk half: the job, its check schedule, result pages of
// `BULK_PAGE_RECORDS`) and merges them in one step, without a reload: afterwards the table equals the org.
// Real Temporal, Postgres and the org emulator (16,000 Accounts, about 30 % of them IsActive__c).
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { untilEqual, type FieldSpec } from '../support/compare';
import { mappingConfig, startMapping, type Handle } from '../support/mappings';
import { BULK_THRESHOLD } from '../../domain/sync-limits';
import { reconfigureUpdate } from '../../workflows/mapping/messages';
import { status, streamingFixture, waitForStatus, type StreamingFixture } from './streaming-fixture';

const TABLE = 'salesforce.account';
const FIELDS: FieldSpec[] = [
  { name: 'Name', type: 'string' }, { name: 'IsActive__c', type: 'boolean' }, { name: 'Tier__c', type: 'string' },
  { name: 'SystemModstamp', type: 'datetime' },
];
const FILTER = 'IsActive__c = true';

let fx: StreamingFixture;
let handle: Handle;

function holdsExactly(where: string | undefined): Promise<void> {
  return untilEqual({ conn: fx.conn, pool: fx.db.pool, object: 'Account', qualifiedTable: TABLE, fields: FIELDS, where });
}

/** The results of the workflow's completed activities of one type, decoded. */
async function activityResults(type: string): Promise<Record<string, unknown>[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Map(events.filter((e) => e.activityTaskScheduledEventAttributes)
    .map((e) => [String(e.eventId), e.activityTaskScheduledEventAttributes!.activityType?.name]));
  return events.filter((e) => e.activityTaskCompletedEventAttributes
      && scheduled.get(String(e.activityTaskCompletedEventAttributes.scheduledEventId)) === type)
    .map((e) => JSON.parse(Buffer.from(e.activityTaskCompletedEventAttributes!.result!.payloads![0].data!).toString('utf8')) as Record<string, unknown>);
}

beforeAll(async () => {
  fx = await streamingFixture('filter_bulk', { Account: 16_000 }, { schemaFile: resolve(__dirname, '../fixtures/filters-formulas-schema.json') });
  const config = mappingConfig('Account', ['Id', ...FIELDS.map((f) => f.name), 'IsDeleted'], { sf_filter: FILTER });
  handle = await startMapping(fx.temporal.client, fx.temporal.taskQueue, config);
  await waitForStatus(handle, 'the filtered initial load', (s) => s.lastLoad !== null && s.state === 'DATA_SYNCED');
}, 240_000);

afterAll(async () => {
  await fx?.close();
});

describe('a record filter change of more than BULK_THRESHOLD records', () => {
  it('reads the records entering the scope with a Bulk 2.0 job and ends equal to the org', async () => {
    await holdsExactly(FILTER);
    const entering = (await fx.conn.query('SELECT COUNT() FROM Account WHERE IsActive__c = false')).totalSize;
    expect(entering).toBeGreaterThan(BULK_THRESHOLD);

    await handle.executeUpdate(reconfigureUpdate, { args: [{ sfFilter: null }] });
    await waitForStatus(handle, 'the filter change applied', (s) => s.filter?.applied === null && !s.filter.changePending && s.state === 'DATA_SYNCED');
    await holdsExactly(undefined);

    const [change] = await activityResults('applyFilterChange');
    expect(change).toMatchObject({ mode: 'bulk', fetched: entering, inserted: entering, deleted: 0 });
    expect((await status(handle)).counts.loads).toBe(1);
  });
});
