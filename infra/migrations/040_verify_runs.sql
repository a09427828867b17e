-- verify_run: one row per drift verification of a mapping (activities/verify-mapping.ts): when it ran, the
-- watermark it compared up to (the org's time at its start), how many buckets and rows it compared, what it
-- found (missing, stale, extra rows) and repaired, and the API calls it spent. The mapping's status shows the
-- last one; this keeps the history (rows older than 90 days are pruned when a verify records its own).
CREATE TABLE ferry.verify_run (
  id bigserial PRIMARY KEY,
  mapping_id text NOT NULL,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  watermark timestamptz,
  mode text NOT NULL,                 -- rest | bulk: how the Salesforce side of the comparison was read
  buckets integer NOT NULL,
  buckets_differing integer NOT NULL,
  rows_compared bigint NOT NULL,
  missing integer NOT NULL,
  stale integer NOT NULL,
  extra integer NOT NULL,
  skipped integer NOT NULL,           -- rows left alone: queued outbound changes, or changed after the watermark
  repaired integer NOT NULL,
  api_calls integer NOT NULL
);
CREATE INDEX verify_run_mapping ON ferry.verify_run (mapping_id, finished_at DESC);
