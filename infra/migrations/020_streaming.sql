-- Event-driven sync bookkeeping (issue 6). Three tables in ferry's own schema:
--
-- stream_subscriptions: the mappings that want a streaming listener, written by the mapping workflow's
-- register step. Each worker's supervisor reconciles its listeners with this table; a listener holds a
-- session advisory lock on its mapping so exactly one worker listens, and another takes over when it dies.
-- The listener reports what the workflow must act on in `catch_up` (a poll of the window streaming did not
-- cover: a fresh subscription, an expired replay id …) and `auth_error` (a denied handshake).
CREATE TABLE ferry.stream_subscriptions (
  mapping_id text PRIMARY KEY,          -- `<schema>.<table>`
  workflow_id text NOT NULL,
  object_name text NOT NULL,
  source text NOT NULL,                 -- pushtopic | cdc
  channel text NOT NULL,                -- /topic/<Name> | /data/<Object>ChangeEvent
  catch_up text,                        -- why a catch-up poll is needed; cleared by the apply step that reports it
  auth_error text,                      -- a denied handshake; the listener stops until the mapping registers again
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- stream_events: events received but not applied yet, one INSERT per listener batch. The apply step deletes
-- what it applies in the transaction that changes the mapping table and advances stream_state.
CREATE TABLE ferry.stream_events (
  mapping_id text NOT NULL,
  channel text NOT NULL,
  replay_id bigint NOT NULL,
  payload jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (mapping_id, channel, replay_id)
);

-- stream_state: the last applied replay id per mapping and channel (written with the applied change), and the
-- commit time of the newest applied event. A listener resumes after max(applied, staged).
CREATE TABLE ferry.stream_state (
  mapping_id text NOT NULL,
  channel text NOT NULL,
  replay_id bigint NOT NULL,
  applied_through timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (mapping_id, channel)
);
