-- Outbound sync bookkeeping in ferry's own schema (the trigger logs themselves live in each mapping schema,
-- `<schema>._trigger_log`, in Heroku Connect's layout; they are created when a mapping installs capture).
--
-- outbound_mapping: which mappings capture local writes, and which workflow to wake when they do. The
-- worker's LISTEN connection maps a notification's `<schema>.<table>` to a workflow id through this table.
CREATE TABLE ferry.outbound_mapping (
  mapping_id text PRIMARY KEY,          -- `<schema>.<table>`
  schema_name text NOT NULL,
  table_name text NOT NULL,
  access text NOT NULL,                 -- read_only | read_write
  workflow_id text NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- outbound_attempt: the flush in flight for a mapping (one at a time: the mapping workflow runs its steps one
-- after the other). Written before anything is sent, so a retried flush knows when the lost attempt started
-- (to find records its inserts created) and which Bulk 2.0 ingest jobs it opened (to read their results
-- instead of sending again).
CREATE TABLE ferry.outbound_attempt (
  mapping_id text PRIMARY KEY,
  started_at timestamptz NOT NULL,
  bulk_jobs jsonb NOT NULL DEFAULT '[]'::jsonb   -- [{ "op": "insert", "jobId": "750…" }]
);
