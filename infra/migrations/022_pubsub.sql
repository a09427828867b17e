-- Change Data Capture over the Pub/Sub API. Its replay ids are opaque bytes: a staged event keeps
-- them in replay_bytes under a local sequence number in replay_id (which orders a mapping's events as before),
-- and stream_state keeps the bytes of the last applied event, written in the transaction that applies it.
-- source_error: the listener's report of a source that cannot work as configured (a topic that does not exist,
-- i.e. CDC not enabled for the object; an event that cannot be decoded); the mapping halts with it as BAD_CONFIG
-- until it registers its subscription again.
ALTER TABLE ferry.stream_events ADD COLUMN replay_bytes bytea;
ALTER TABLE ferry.stream_state ADD COLUMN replay_bytes bytea;
ALTER TABLE ferry.stream_subscriptions ADD COLUMN source_error text;
