// The OpenAPI 3.1 description of the HTTP API, served at /openapi.json. test/integration/api-openapi.test.ts
// checks that every route the app registers is described here and nothing else is.
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const objectParam = {
  name: 'object', in: 'path', required: true, schema: { type: 'string' },
  description: 'The mapped object (`Contact`), or `<schema>.<Object>` for a mapping outside the default schema',
};
const common = { 401: problem('Missing or wrong bearer token'), 503: problem('Temporal, Postgres or Salesforce is unavailable') };
const notFound = { 404: problem('No such mapping') };
const badConfig = { 400: problem('Malformed JSON'), 413: problem('Body over 1 MB'), 415: problem('Body not JSON'), 422: problem('The configuration breaks a rule; `errors` lists each') };
const mapping = { 200: { description: 'The mapping', ...json(ref('Mapping')) } };
const range = { type: 'object', properties: { low: { type: 'integer' }, high: { type: 'integer' } } };

// The operator's console (api/console/): HTML pages and form posts, signed in with a session cookie (every
// form post also carries the session's CSRF token). Listed so this document names every route ferry serves.
const page = (summary: string) => ({ get: { summary, security: [{ consoleSession: [] }], responses: { 200: { description: 'HTML', content: { 'text/html': {} } }, 303: { description: 'Not signed in: to /console/login' } } } });
const formPost = (summary: string) => ({ post: { summary, security: [{ consoleSession: [] }], requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', required: ['csrf'], properties: { csrf: { type: 'string' } } } } } },
  responses: { 303: { description: 'Done: back to the page with a notice' }, 401: { description: 'Not signed in' }, 403: { description: 'Missing or wrong CSRF token, or another origin' }, 409: { description: 'Refused (HTML page with the reason)' }, 422: { description: 'Refused (HTML page with the reason)' } } } });
const keyParam = { name: 'key', in: 'path', required: true, schema: { type: 'string' }, description: '`<schema>.<Object>`' };
const consolePaths = {
  '/': { get: { summary: 'Redirects to the console', security: [], responses: { 303: { description: 'To /console/' } } } },
  '/console': { get: { summary: 'Redirects to /console/', security: [], responses: { 303: { description: 'To /console/' } } } },
  '/console/login': {
    get: { summary: "The console's sign-in form", security: [], responses: { 200: { description: 'HTML', content: { 'text/html': {} } } } },
    post: { summary: 'Sign in with the API token: sets the ferry_session cookie (Secure, HttpOnly, SameSite=Strict)', security: [],
      requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', required: ['token'], properties: { token: { type: 'string' } } } } } },
      responses: { 303: { description: 'Signed in: to /console/' }, 401: { description: 'Wrong token (the form again)' }, 403: { description: 'Posted from another origin' } } },
  },
  '/console/logout': formPost('Sign out (clears the cookie)'),
  '/console/assets/{name}': { get: { summary: "The console's stylesheet, script and uPlot", security: [{ consoleSession: [] }], parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'CSS or JavaScript' }, 401: { description: 'Not signed in' }, 404: { description: 'No such asset' } } } },
  '/console/': page('Overview of every mapping'),
  '/console/fragments/overview': page("The overview's table, for its self-refresh"),
  '/console/mappings/{key}': { parameters: [keyParam], ...page('A mapping: config, 24 h chart, activity, failed writes, actions') },
  '/console/mappings/{key}/actions/{action}': { parameters: [keyParam, { name: 'action', in: 'path', required: true, schema: { enum: ['pause', 'resume', 'reload', 'sync-now', 'verify'] } }], ...formPost('Pause, resume, sync now, verify now, or reload (with confirm=yes)') },
  '/console/mappings/{key}/config': { parameters: [keyParam], ...formPost('Change the poll interval (sf_polling_seconds), the access mode (access, with confirm=yes), the record filter (sf_filter; empty = none), the formula refresh interval (formula_refresh_seconds; empty = off) or the verify interval (verify_interval_seconds; 0 = off)') },
  '/console/mappings/{key}/errors/{id}/{action}': { parameters: [keyParam, { name: 'id', in: 'path', required: true, schema: { type: 'integer' } }, { name: 'action', in: 'path', required: true, schema: { enum: ['retry', 'ignore'] } }], ...formPost('Retry or ignore a failed write') },
  '/console/connection': page('The org, API version and usage, and the estimate form'),
  '/console/connection/estimate': formPost('Estimate a mapping\'s daily API calls (the POST /estimate inputs as form fields)'),
};

const hcConfig = {
  type: 'object', required: ['access', 'fields'],
  properties: {
    access: { enum: ['read_only', 'read_write'] },
    sf_notify_enabled: { type: 'boolean', description: 'Heroku Connect\'s switch for event-driven sync' },
    sf_polling_seconds: { type: 'integer', minimum: 120, maximum: 3600, default: 600 },
    sf_max_daily_api_calls: { type: ['integer', 'null'], minimum: 1, default: 3000, description: 'Cap per rolling 24 h; null = none' },
    fields: { type: 'object', additionalProperties: { type: 'object' }, description: 'Field API names as keys' },
    indexes: { type: 'object', additionalProperties: { type: 'object', properties: { unique: { type: 'boolean' } } } },
    upsert_field: { type: ['string', 'null'], description: 'An External ID field, for writes' },
    sync_mode: { enum: ['polling', 'event_driven'], description: 'ferry key' },
    streaming_source: { enum: ['pushtopic', 'cdc', 'pubsub'], description: 'ferry key: pubsub (CDC over the Pub/Sub API, the default for event-driven mappings), cdc (CDC over CometD) or pushtopic' },
    flush_interval_seconds: { type: 'integer', minimum: 1, maximum: 60, default: 10, description: 'ferry key' },
    poll_overlap_seconds: { type: 'integer', minimum: 5, maximum: 21600, default: 300, description: 'ferry key: how far behind its start each poll re-reads' },
    verify_interval_seconds: { type: ['integer', 'null'], default: 86400, description: 'ferry key: how often the mapping verifies itself against the org (drift detection and repair); 0 or null = never (POST …/actions/verify still runs one)' },
    schema: { type: 'string', description: 'ferry key: Postgres schema (default FERRY_SCHEMA)' },
    sf_filter: { type: ['string', 'null'], maxLength: 4000, description: 'ferry key: SOQL WHERE condition choosing the records synced (e.g. "IsActive__c = true AND CreatedDate = LAST_N_DAYS:365"); checked against the describe; null = every record' },
    formula_refresh_seconds: { type: ['integer', 'null'], minimum: 60, maximum: 86400, description: 'ferry key: re-read calculated (formula, roll-up) fields this often; null/absent = off' },
  },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'ferry', version: '0.1.0',
    description: 'Two-way Salesforce ↔ Postgres sync on Temporal. Mappings are described in Heroku Connect\'s export format.',
  },
  security: [{ bearer: [] }],
  paths: {
    '/health': { get: { summary: 'Liveness (no auth): the process serves; reports Postgres, Temporal, worker and schema each with ok/error', security: [], responses: { 200: { description: 'Serving; `status` is "ok" or "degraded"', ...json(ref('Health')) } } } },
    '/ready': { get: { summary: 'Readiness (no auth): schema migrated, Postgres and Temporal answer, a worker polls the task queue', security: [], responses: { 200: { description: 'Ready to serve', ...json(ref('Ready')) }, 503: { description: 'Not ready: `detail` names what is missing; Retry-After set', ...json(ref('Ready')) } } } },
    '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' }, ...common } } },
    '/mappings': {
      get: { summary: 'Every mapping with its state and counts', responses: { 200: json({ type: 'object', properties: { mappings: { type: 'array', items: ref('Mapping') }, count: { type: 'integer' } } }), ...common } },
      post: {
        summary: 'Create a mapping: validate against the object\'s describe, start its workflow',
        requestBody: { required: true, ...json(ref('MappingEntry')) },
        responses: { 201: { description: 'Created', ...json(ref('Mapping')) }, ...badConfig, 409: problem('The object is already mapped into that schema'), ...common },
      },
    },
    '/mappings/{object}': {
      parameters: [objectParam],
      get: { summary: 'Full status: state, load progress, last poll, watermark, counts, API calls in 24 h and cap, last error', responses: { ...mapping, ...notFound, ...common } },
      patch: {
        summary: 'Reconfigure (fields, poll interval, access, sync mode, flush interval, cap, record filter, formula refresh, verify interval) through a workflow update',
        requestBody: { required: true, ...json({ type: 'object', properties: { config: { ...hcConfig, required: [] } } }) },
        responses: { ...mapping, ...badConfig, ...notFound, ...common },
      },
      delete: {
        summary: 'Stop syncing; the table stays unless drop_table=true',
        parameters: [{ name: 'drop_table', in: 'query', schema: { type: 'boolean', default: false } }],
        responses: { 200: json({ type: 'object', properties: { deleted: { type: 'boolean' }, table: { type: 'string' }, table_dropped: { type: 'boolean' } } }), 400: problem('drop_table is not true/false'), ...notFound, ...common },
      },
    },
    '/mappings/{object}/actions/{action}': {
      parameters: [objectParam, { name: 'action', in: 'path', required: true, schema: { enum: ['pause', 'resume', 'reload', 'sync-now', 'verify'] } }],
      post: { summary: 'Pause, resume, reload the table, poll now (sync-now), or verify the table against the org now (verify: drift detection and repair, run as the mapping\'s next step; status.verify shows it asked for, then its result)', responses: { ...mapping, 422: problem('The workflow refused (e.g. reload or verify before the initial load)'), ...notFound, ...common } },
    },
    '/mappings/{object}/errors': {
      parameters: [objectParam, { $ref: '#/components/parameters/limit' }, { $ref: '#/components/parameters/offset' }],
      get: { summary: 'Writes Salesforce refused for this mapping, newest first', responses: { 200: json(ref('FailedWrites')), ...notFound, ...common } },
    },
    '/mappings/{object}/errors/{id}/{action}': {
      parameters: [objectParam, { name: 'id', in: 'path', required: true, schema: { type: 'integer' } }, { name: 'action', in: 'path', required: true, schema: { enum: ['retry', 'ignore'] } }],
      post: {
        summary: 'Retry a refused write (queued again from the row as it is now) or ignore it',
        responses: { 200: json({ type: 'object', properties: { id: { type: 'integer' }, state: { enum: ['REQUEUED', 'IGNORED'] }, requeued_as: { type: 'integer' } } }), 404: problem('No such failed write'), 409: problem('No longer FAILED, or its row is gone'), ...common },
      },
    },
    '/errors': {
      parameters: [{ $ref: '#/components/parameters/limit' }, { $ref: '#/components/parameters/offset' }],
      get: { summary: 'Writes Salesforce refused, every mapping', responses: { 200: json(ref('FailedWrites')), ...common } },
    },
    '/estimate': {
      post: {
        summary: 'Estimated daily API calls of a mapping before it exists (formula in the README)',
        requestBody: { required: true, ...json({ type: 'object', properties: {
          object_name: { type: 'string', description: 'Counted with SELECT COUNT() when record_count is absent' }, record_count: { type: 'integer', minimum: 0 },
          changes_per_day: { type: 'number', minimum: 0 }, writes_per_day: { type: 'number', minimum: 0 }, access: hcConfig.properties.access,
          sf_polling_seconds: hcConfig.properties.sf_polling_seconds, sync_mode: hcConfig.properties.sync_mode, sf_notify_enabled: { type: 'boolean' },
          streaming_source: hcConfig.properties.streaming_source, flush_interval_seconds: hcConfig.properties.flush_interval_seconds,
          sf_max_daily_api_calls: hcConfig.properties.sf_max_daily_api_calls,
          formula_refresh_seconds: hcConfig.properties.formula_refresh_seconds, sf_filter: hcConfig.properties.sf_filter,
        } }) },
        responses: { 200: json({ type: 'object', properties: {
          record_count: { type: 'integer' }, record_count_source: { enum: ['given', 'count_query'] }, daily: range, first_day: range,
          breakdown: { type: 'object', properties: { initial_load: range, polling: range, streaming: range, outbound: range, purge_sweeps: range, formula_refresh: range, record_filter: range } },
          cap: { type: 'object', properties: { sf_max_daily_api_calls: { type: ['integer', 'null'] }, fits: { type: 'boolean' }, may_exceed: { type: 'boolean' }, exceeds: { type: 'boolean' } } },
        } }), ...badConfig, ...common } },
    },
    '/connection': {
      get: { summary: 'The org: identity, API version, remaining daily API calls', responses: { 200: json({ type: 'object', properties: {
        organization_id: { type: 'string' }, user_id: { type: 'string' }, username: { type: 'string' }, display_name: { type: 'string' }, instance_url: { type: 'string' },
        api_version: { type: 'string' }, daily_api_requests: { type: ['object', 'null'], properties: { max: { type: 'integer' }, remaining: { type: 'integer' }, used: { type: 'integer' } } },
        api_calls: { type: 'object', description: 'Calls the API itself made to the org (describes, counts, identity) in the rolling 24 h, and its rate limit', properties: { used_24h: { type: 'integer' }, limit_per_minute: { type: 'integer' } } },
        api_usage: { type: ['object', 'null'], description: 'Org-wide usage from the Sforce-Limit-Info header', properties: { used: { type: 'integer' }, limit: { type: 'integer' }, source: { const: 'Sforce-Limit-Info' } } },
      } }), 429: problem('The API made too many calls to the org this minute (Retry-After says when to retry)'), ...common } },
    },
    '/export': { get: { summary: 'Every mapping in Heroku Connect\'s export format', responses: { 200: json(ref('HcExport')), ...common } } },
    '/import': {
      post: {
        summary: 'Create the mappings of a Heroku Connect export file (all validated before any starts); adopt=true takes over a live Heroku Connect database as it is',
        parameters: [{ name: 'adopt', in: 'query', schema: { type: 'boolean', default: false }, description: 'Adopt the existing tables, triggers and queued writes instead of creating and loading the tables' }],
        requestBody: { required: true, ...json(ref('HcExport')) },
        responses: { 201: json({ type: 'object', properties: { created: { type: 'integer' }, adopted: { type: 'integer' }, write_algorithm: { enum: ['ordered', 'merged'] }, ignored: { type: 'array', items: { type: 'string' } }, mappings: { type: 'array', items: { type: 'object', properties: { object_name: { type: 'string' }, mapping_id: { type: 'string' }, result: { enum: ['created', 'already_exists', 'adopted'] }, adoption: { type: 'object' } } } } } }), ...badConfig, 409: problem('Every mapping already exists'), ...common },
      },
    },
    ...consolePaths,
    '/metrics': { get: { summary: 'Prometheus metrics per mapping (rows in/out, lag, API calls, errors), computed at scrape time', responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } }, ...common } } },
  },
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'API_TOKEN (npm start prints it once)' },
      consoleSession: { type: 'apiKey', in: 'cookie', name: 'ferry_session', description: 'The console\'s session, from POST /console/login (console pages only; not accepted by the JSON API)' },
    },
    parameters: {
      limit: { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500, default: 100 } },
      offset: { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
    },
    schemas: {
      Probe: { type: 'object', required: ['ok', 'latencyMs'], properties: {
        ok: { type: 'boolean' }, latencyMs: { type: 'integer', description: 'How long the check took' }, error: { type: 'string', description: 'Why it failed (first line)' },
      } },
      WorkerProbe: { allOf: [ref('Probe'), { type: 'object', properties: {
        pollers: { type: 'array', items: { type: 'string' }, description: 'Identities of the workers that polled the task queue recently' },
        unreachable: { type: 'boolean', description: 'Temporal could not be asked: nothing is known about the workers' },
      } }] },
      SchemaProbe: { allOf: [ref('Probe'), { type: 'object', properties: {
        pending: { type: 'array', items: { type: 'string' }, description: 'Migrations not applied yet' },
        unreachable: { type: 'boolean', description: 'Postgres did not answer: whether migrations are applied is unknown' },
      } }] },
      Checks: { type: 'object', properties: { schema: ref('SchemaProbe'), postgres: ref('Probe'), temporal: ref('Probe'), worker: ref('WorkerProbe') } },
      Health: { type: 'object', properties: {
        status: { type: 'string', enum: ['ok', 'degraded'] }, instance: { type: ['string', 'null'], description: 'FERRY_INSTANCE_ID' },
        schema: ref('SchemaProbe'), postgres: ref('Probe'), temporal: ref('Probe'), worker: ref('WorkerProbe'),
      } },
      Ready: { type: 'object', properties: {
        ready: { type: 'boolean' }, instance: { type: ['string', 'null'], description: 'FERRY_INSTANCE_ID' },
        detail: { type: 'string', description: 'When not ready: what is missing' }, checks: ref('Checks'),
      } },
      Problem: { type: 'object', required: ['type', 'title', 'status', 'detail'], properties: {
        type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' },
        errors: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, rule: { type: 'string' }, message: { type: 'string' } } } },
      } },
      MappingEntry: { type: 'object', required: ['object_name', 'config'], properties: { object_name: { type: 'string' }, config: hcConfig } },
      Mapping: { allOf: [ref('MappingEntry'), { type: 'object', properties: { mapping_id: { type: 'string' }, workflow_id: { type: 'string' }, status: ref('Status') } }] },
      Status: { type: 'object', properties: {
        state: { type: 'string', description: 'Heroku Connect mapping state names (DATA_SYNCED, POLLING_SF_CHANGES, …) plus ferry\'s' },
        label: { type: 'string' }, paused: { type: 'boolean' }, table: { type: ['string', 'null'] }, watermark: { type: ['string', 'null'] },
        last_poll_at: { type: ['string', 'null'] }, last_purge_sweep_at: { type: ['string', 'null'] }, next_poll_at: { type: ['string', 'null'] }, last_load: { type: ['object', 'null'] },
        counts: { type: 'object', properties: { loads: { type: 'integer' }, polls: { type: 'integer' }, inserted: { type: 'integer' }, updated: { type: 'integer' }, deleted: { type: 'integer' } } },
        last_error: { type: ['object', 'null'] }, retry_at: { type: ['string', 'null'] },
        retrying: { type: 'array', description: 'Steps failing now (poll, flush, purge-sweep, stream-apply), each retried after its backoff while the others go on', items: { type: 'object', properties: {
          step: { type: 'string' }, attempts: { type: 'integer' }, retry_at: { type: 'string' }, error: { type: 'object', properties: { type: { type: 'string' }, message: { type: 'string' }, at: { type: 'string' } } },
        } } },
        previous_error: { type: ['object', 'null'], description: 'The last error once what failed recovered', properties: {
          type: { type: 'string' }, message: { type: 'string' }, at: { type: 'string' }, cleared_at: { type: 'string' },
        } },
        current_problem: { type: ['object', 'null'], description: 'An activity failing now, while Temporal retries it', properties: {
          activity: { type: 'string' }, attempts: { type: 'integer' }, last_error: { type: 'object', properties: { type: { type: 'string' }, message: { type: 'string' } } },
          since: { type: 'string' }, last_attempt_at: { type: 'string' },
        } },
        load_progress: { type: ['object', 'null'], properties: { target: { type: 'string' }, mode: { type: 'string' }, rows_loaded: { type: 'integer' }, rows_total: { type: ['integer', 'null'] } } },
        api_calls: { type: 'object', properties: { used_24h: { type: 'integer' }, cap: { type: ['integer', 'null'] } } },
        outbound: { type: ['object', 'null'] },
        streaming: { type: ['object', 'null'], description: 'Event-driven mappings: channel, applies, events, last_applied_at, fallbacks, last_fallback {reason, at}', properties: {
          channel: { type: ['string', 'null'] }, applies: { type: 'integer' }, events: { type: 'integer' }, last_applied_at: { type: ['string', 'null'] },
          fallbacks: { type: 'integer' }, last_fallback: { type: ['object', 'null'] },
        } },
        record_filter: { type: 'object', description: 'The record filter (sf_filter) the table reflects, and whether a changed one is still being applied', properties: {
          applied: { type: ['string', 'null'] }, change_pending: { type: 'boolean' },
        } },
        formula_refresh: { type: 'object', description: 'Scheduled re-reads of calculated fields (formula_refresh_seconds): the last one and the next', properties: {
          refresh_seconds: { type: ['integer', 'null'] }, last_refresh_at: { type: ['string', 'null'] }, next_refresh_at: { type: ['string', 'null'] },
          refreshes: { type: 'integer' }, last_rows_changed: { type: 'integer' }, last_records: { type: 'integer' }, last_api_calls: { type: 'integer' },
        } },
        verify: { type: ['object', 'null'], description: 'Drift verification (POST …/actions/verify, verify_interval_seconds): the schedule and what the last verify found and repaired', properties: {
          interval_seconds: { type: ['integer', 'null'], description: 'null: scheduled verifies are off' }, next_at: { type: ['string', 'null'] },
          requested: { type: 'boolean', description: 'A verify was asked for and has not run yet' }, waiting_for_budget_until: { type: ['string', 'null'] },
          runs: { type: 'integer' },
          last: { type: ['object', 'null'], properties: {
            at: { type: 'string' }, watermark: { type: ['string', 'null'] }, mode: { type: ['string', 'null'], description: 'rest or bulk: how the org side was read' },
            buckets_compared: { type: 'integer' }, buckets_differing: { type: 'integer' }, rows_compared: { type: 'integer' },
            missing: { type: 'integer', description: 'In the org, not in the table' }, stale: { type: 'integer', description: 'In both, with different values' },
            extra: { type: 'integer', description: 'In the table, not in the org' }, skipped: { type: 'integer', description: 'Left alone: queued outbound writes, or changed after the watermark' },
            repaired: { type: 'integer' }, api_calls: { type: 'integer' }, estimated_api_calls: range, duration_ms: { type: 'integer' },
          } },
        } },
      } },
      FailedWrites: { type: 'object', properties: { limit: { type: 'integer' }, offset: { type: 'integer' }, errors: { type: 'array', items: { type: 'object', properties: {
        id: { type: 'integer' }, mapping_id: { type: 'string' }, table: { type: 'string' }, record_id: { type: ['integer', 'null'] }, sfid: { type: ['string', 'null'] },
        action: { enum: ['INSERT', 'UPDATE', 'DELETE'] }, values: { type: ['object', 'null'] },
        error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, fields: { type: 'array', items: { type: 'string' } } } }, at: { type: 'string' },
      } } } } },
      HcExport: { type: 'object', required: ['version', 'mappings'], properties: {
        version: { const: 1 }, connection: { type: 'object', properties: { schema_name: { type: 'string' } } }, mappings: { type: 'array', items: ref('MappingEntry') },
      } },
    },
  },
} as const;
