// Every way a request can be wrong, with the exact status and problem+json body it gets: malformed JSON,
// oversized and non-JSON bodies, configs that break a rule (syntax, then the org's describe), unknown mappings
// and actions, and refusals by the workflow's own validators — over real HTTP against the real services.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/org';
import { request, startApi, type ApiHarness } from '../support/api';

interface Case {
  method: string;
  path: string;
  /** A plain value is sent as JSON; a string is sent as is. */
  body?: unknown;
  contentType?: string;
  status: number;
  problem: { type: string; title: string; detail: string; errors?: { path: string; rule: string; message: string }[] };
}

const entry = (object: string, config: Record<string, unknown>) => ({ object_name: object, config: { access: 'read_only', fields: { Id: {}, Name: {} }, ...config } });
const issue = (path: string, rule: string, message: string) => ({ path, rule, message });
const bad = (detail: string, errors: ReturnType<typeof issue>[]) => ({ type: '/problems/bad-config', title: 'Unprocessable Content', detail, errors });

const CASES: Record<string, Case> = {
  'malformed JSON': {
    method: 'POST', path: '/mappings', body: '{"object_name": "Account", "config": ', status: 400,
    problem: { type: '/problems/malformed-json', title: 'Bad Request', detail: 'The request body is not valid JSON' },
  },
  'a body over 1 MB': {
    method: 'POST', path: '/mappings', body: JSON.stringify({ object_name: 'Account', config: { access: 'read_only', fields: { Id: {} }, padding: 'x'.repeat(1024 * 1024) } }), status: 413,
    problem: { type: '/problems/body-too-large', title: 'Payload Too Large', detail: 'The request body is larger than the 1048576 byte limit' },
  },
  'a body that is not JSON': {
    method: 'POST', path: '/mappings', body: 'object_name=Account', contentType: 'application/x-www-form-urlencoded', status: 415,
    problem: { type: '/problems/unsupported-media-type', title: 'Unsupported Media Type', detail: 'Send the request body as application/json (got application/x-www-form-urlencoded)' },
  },
  'a JSON array instead of a mapping entry': {
    method: 'POST', path: '/mappings', body: [], status: 422,
    problem: bad('The body must be a JSON object: a Heroku Connect mapping entry {"object_name": …, "config": {…}}', [
      issue('', 'type', 'The body must be a JSON object: a Heroku Connect mapping entry {"object_name": …, "config": {…}}')]),
  },
  'no config': {
    method: 'POST', path: '/mappings', body: { object_name: 'Account' }, status: 422,
    problem: bad('config is required', [issue('config', 'required', 'config is required')]),
  },
  'poll interval under 2 minutes': {
    method: 'POST', path: '/mappings', body: entry('Account', { sf_polling_seconds: 60 }), status: 422,
    problem: bad('Polling interval (seconds) must be between 120 and 3600, got 60', [
      issue('config.sf_polling_seconds', 'range', 'Polling interval (seconds) must be between 120 and 3600, got 60')]),
  },
  'poll interval over 60 minutes': {
    method: 'POST', path: '/mappings', body: entry('Account', { sf_polling_seconds: 7200 }), status: 422,
    problem: bad('Polling interval (seconds) must be between 120 and 3600, got 7200', [
      issue('config.sf_polling_seconds', 'range', 'Polling interval (seconds) must be between 120 and 3600, got 7200')]),
  },
  'an access mode that does not exist': {
    method: 'POST', path: '/mappings', body: entry('Account', { access: 'write_only' }), status: 422,
    problem: bad('Access must be one of read_only, read_write, got "write_only"', [
      issue('config.access', 'enum', 'Access must be one of read_only, read_write, got "write_only"')]),
  },
  'an object name that is not an API name': {
    method: 'POST', path: '/mappings', body: entry('Bad Name', {}), status: 422,
    problem: bad('"Bad Name" is not a valid Salesforce object API name', [
      issue('object_name', 'api_name', '"Bad Name" is not a valid Salesforce object API name')]),
  },
  'an object the org does not have': {
    method: 'POST', path: '/mappings', body: entry('Nope__c', {}), status: 422,
    problem: bad('Object "Nope__c" does not exist or is not visible to the connected user', [
      issue('object_name', 'unknown_object', 'Object "Nope__c" does not exist or is not visible to the connected user')]),
  },
  'a field the object does not have': {
    method: 'POST', path: '/mappings', body: entry('Account', { fields: { Id: {}, Name: {}, Foo__c: {} } }), status: 422,
    problem: bad('Field "Foo__c" does not exist on Account', [issue('config.fields.Foo__c', 'unknown_field', 'Field "Foo__c" does not exist on Account')]),
  },
  'read_write on an object the API cannot update': {
    method: 'POST', path: '/mappings', body: entry('Lead', { access: 'read_write' }), status: 422,
    problem: bad('Lead records cannot be created or updated through the API, so the mapping cannot be read_write', [
      issue('config.access', 'not_writable', 'Lead records cannot be created or updated through the API, so the mapping cannot be read_write')]),
  },
  'an upsert field that is not an External ID': {
    method: 'POST', path: '/mappings', body: entry('Account', { fields: { Id: {}, Name: {}, AccountNumber: {} }, upsert_field: 'AccountNumber' }), status: 422,
    problem: bad('Upsert field "AccountNumber" on Account is not an External ID (or ID lookup) field', [
      issue('config.upsert_field', 'not_external_id', 'Upsert field "AccountNumber" on Account is not an External ID (or ID lookup) field')]),
  },
  'an upsert field that is not mapped': {
    method: 'POST', path: '/mappings', body: entry('Account', { upsert_field: 'AccountNumber' }), status: 422,
    problem: bad('Upsert field "AccountNumber" is not a mapped field', [issue('config.upsert_field', 'not_mapped', 'Upsert field "AccountNumber" is not a mapped field')]),
  },
  'several problems at once': {
    method: 'POST', path: '/mappings', body: entry('Account', { sf_polling_seconds: 30, sf_max_daily_api_calls: 0 }), status: 422,
    problem: bad('2 configuration problems: config.sf_polling_seconds: Polling interval (seconds) must be between 120 and 3600, got 30; config.sf_max_daily_api_calls: Daily API call cap must be between 1 and 9007199254740991, got 0', [
      issue('config.sf_polling_seconds', 'range', 'Polling interval (seconds) must be between 120 and 3600, got 30'),
      issue('config.sf_max_daily_api_calls', 'range', 'Daily API call cap must be between 1 and 9007199254740991, got 0')]),
  },
  'GET an unknown mapping': {
    method: 'GET', path: '/mappings/Opportunity', status: 404,
    problem: { type: '/problems/mapping-not-found', title: 'Not Found', detail: 'No mapping of Opportunity in schema SCHEMA' },
  },
  'a mapping name that cannot exist': {
    method: 'GET', path: '/mappings/no%20such', status: 404,
    problem: { type: '/problems/not-found', title: 'Not Found', detail: 'No mapping for "no such"' },
  },
  'PATCH an unknown mapping': {
    method: 'PATCH', path: '/mappings/Opportunity', body: { config: { sf_polling_seconds: 300 } }, status: 404,
    problem: { type: '/problems/mapping-not-found', title: 'Not Found', detail: 'No mapping of Opportunity in schema SCHEMA' },
  },
  'PATCH a poll interval out of range': {
    method: 'PATCH', path: '/mappings/Contact', body: { config: { sf_polling_seconds: 30 } }, status: 422,
    problem: bad('Polling interval (seconds) must be between 120 and 3600, got 30', [
      issue('config.sf_polling_seconds', 'range', 'Polling interval (seconds) must be between 120 and 3600, got 30')]),
  },
  'PATCH a field the object does not have': {
    method: 'PATCH', path: '/mappings/Contact', body: { config: { fields: { Id: {}, LastName: {}, Shoe_Size__c: {} } } }, status: 422,
    problem: bad('Field "Shoe_Size__c" does not exist on Contact', [issue('config.fields.Shoe_Size__c', 'unknown_field', 'Field "Shoe_Size__c" does not exist on Contact')]),
  },
  'PATCH what identifies the table': {
    method: 'PATCH', path: '/mappings/Contact', body: { config: { indexes: { Email: { unique: false } } } }, status: 422,
    problem: bad('indexes cannot change on an existing mapping: delete it and create it again', [
      issue('config.indexes', 'immutable', 'indexes cannot change on an existing mapping: delete it and create it again')]),
  },
  'PATCH a key that is not a mapping key': {
    method: 'PATCH', path: '/mappings/Contact', body: { config: { sf_polling_minutes: 5 } }, status: 422,
    problem: bad('"sf_polling_minutes" is not a mapping configuration key', [issue('config.sf_polling_minutes', 'unknown_key', '"sf_polling_minutes" is not a mapping configuration key')]),
  },
  'PATCH a cap of zero': {
    method: 'PATCH', path: '/mappings/Contact', body: { config: { sf_max_daily_api_calls: 0 } }, status: 422,
    problem: bad('Daily API call cap must be between 1 and 9007199254740991, got 0', [
      issue('config.sf_max_daily_api_calls', 'range', 'Daily API call cap must be between 1 and 9007199254740991, got 0')]),
  },
  'an action that does not exist': {
    method: 'POST', path: '/mappings/Contact/actions/explode', status: 404,
    problem: { type: '/problems/not-found', title: 'Not Found', detail: 'Unknown action "explode"; one of pause, resume, reload, sync-now, verify' },
  },
  'DELETE with drop_table that is not a boolean': {
    method: 'DELETE', path: '/mappings/Contact?drop_table=yes', status: 400,
    problem: { type: '/problems/bad-request', title: 'Bad Request', detail: 'drop_table must be true or false' },
  },
  'an estimate with a poll interval out of range and no record count': {
    method: 'POST', path: '/estimate', body: { sf_polling_seconds: 30, changes_per_day: -1 }, status: 422,
    problem: bad('3 configuration problems: record_count: Give record_count, or object_name to count its records; changes_per_day must be a number ≥ 0; sf_polling_seconds: Polling interval (seconds) must be between 120 and 3600, got 30', [
      issue('record_count', 'required', 'Give record_count, or object_name to count its records'),
      issue('changes_per_day', 'range', 'changes_per_day must be a number ≥ 0'),
      issue('sf_polling_seconds', 'range', 'Polling interval (seconds) must be between 120 and 3600, got 30')]),
  },
  'an estimate for an object the org does not have': {
    method: 'POST', path: '/estimate', body: { object_name: 'Nope__c' }, status: 422,
    problem: bad('Object "Nope__c" does not exist or is not visible to the connected user', [
      issue('object_name', 'unknown_object', 'Object "Nope__c" does not exist or is not visible to the connected user')]),
  },
  'an import of another export version': {
    method: 'POST', path: '/import', body: { version: 2, mappings: [] }, status: 422,
    problem: bad('Only version 1 exports are supported', [issue('version', 'version', 'Only version 1 exports are supported')]),
  },
  'an import with one bad mapping among good ones': {
    method: 'POST', path: '/import', body: { version: 1, connection: { schema_name: 'SCHEMA' }, mappings: [entry('Opportunity', {}), entry('Account', { fields: { Id: {}, Nope__c: {} } })] }, status: 422,
    problem: bad('Field "Nope__c" does not exist on Account', [issue('mappings[1].config.fields.Nope__c', 'unknown_field', 'Field "Nope__c" does not exist on Account')]),
  },
  'an unknown endpoint': {
    method: 'GET', path: '/mapping', status: 404,
    problem: { type: '/problems/not-found', title: 'Not Found', detail: 'No such endpoint: GET /mapping' },
  },
};

describe('bad inputs get the exact status and problem+json body', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await startApi('api_bad', { seed: { Contact: 20, Account: 10 } });
    // The emulator's standard objects are all writable; a real org has many that are not (e.g. *History).
    Object.assign(h.org.org.describe('Lead')!, { createable: false, updateable: false });
    const created = await h.call('POST', '/mappings', { object_name: 'Contact', config: { access: 'read_only', fields: { Id: {}, LastName: {}, Email: {} } } });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await h?.close();
  });

  it.each(Object.entries(CASES))('%s', async (_name, c) => {
    const body = c.body === undefined || typeof c.body === 'string' ? c.body : JSON.stringify(c.body).replaceAll('SCHEMA', h.schema);
    const r = await request(h.url, c.method, c.path, { body, headers: c.contentType ? { 'content-type': c.contentType } : {} });
    expect(r.contentType).toMatch(/^application\/problem\+json/);
    const expected = JSON.parse(JSON.stringify({ ...c.problem, status: c.status }).replaceAll('SCHEMA', h.schema)) as object;
    expect(r.body).toEqual(expected);
    expect(r.status).toBe(c.status);
    expect(r.text).not.toMatch(/\bat \S+ \(|node_modules/);
  });

  it('a workflow validator refuses a reload before the initial load: 422 with its reason', async () => {
    // Slow the org down so the new mapping is still loading when the reload arrives.
    h.org.admin.setFaults({ latencyMs: 1500, latencyFraction: 1 });
    try {
      const created = await h.call('POST', '/mappings', { object_name: 'Account', config: { access: 'read_only', fields: { Id: {}, Name: {} } } });
      expect(created.status).toBe(201);
      const r = await h.call('POST', '/mappings/Account/actions/reload');
      expect(r.body).toEqual({ type: '/problems/refused-by-mapping', title: 'Unprocessable Content', status: 422, detail: 'The initial load has not completed yet; there is nothing to reload' });
    } finally {
      h.org.admin.clearFaults();
    }
    await eventually('the Account load to finish', async () => {
      const r = await h.call<{ status: { last_load: unknown } }>('GET', '/mappings/Account');
      return r.body.status.last_load ? true : undefined;
    }, 60_000);
  });
});
