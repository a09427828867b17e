-- What the console, GET /mappings and /metrics read for every mapping in one statement, instead of one
-- workflow query per mapping.
--
-- mapping_status: each mapping workflow's own status (the same object its `status` query answers), published
-- by the workflow through a local activity when it changes (after every step, and when it goes to sleep after
-- a pause, resume or reconfigure). Removed when the mapping is deleted.
CREATE TABLE ferry.mapping_status (
  mapping_id text PRIMARY KEY,          -- `<schema>.<table>`
  workflow_id text NOT NULL,
  status jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- mapping_activity: one row per activity attempt of a mapping (load, poll, flush, stream apply …), written by
-- the worker's activity interceptor when the attempt ends: its outcome, duration and figures (rows in from
-- Salesforce, rows out to Salesforce, refused writes, API calls). The console's 24 h chart and "recent
-- activity" come from here, and so does the current problem while an activity retries (its failed attempts
-- since the last success). Rows older than 8 days are pruned by the interceptor.
CREATE TABLE ferry.mapping_activity (
  id bigserial PRIMARY KEY,
  mapping_id text NOT NULL,
  activity text NOT NULL,
  attempt integer NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  ok boolean NOT NULL,
  error_type text,
  error_message text,
  rows_in integer NOT NULL DEFAULT 0,
  rows_out integer NOT NULL DEFAULT 0,
  write_errors integer NOT NULL DEFAULT 0,
  api_calls integer NOT NULL DEFAULT 0,
  detail jsonb
);
CREATE INDEX mapping_activity_mapping ON ferry.mapping_activity (mapping_id, finished_at DESC);
CREATE INDEX mapping_activity_finished ON ferry.mapping_activity (finished_at);
