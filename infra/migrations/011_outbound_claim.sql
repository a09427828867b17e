-- A flush claims a mapping's queued entries as a range (every NEW entry up to claimed_upto) recorded here,
-- under the mapping's advisory lock, instead of rewriting each entry NEW → PENDING: one write per entry less
-- on the hot path. started_at stays NULL until the first request is sent (a claim that never sent anything
-- is resumed as a fresh flush).
ALTER TABLE ferry.outbound_attempt ADD COLUMN claimed_upto bigint;
ALTER TABLE ferry.outbound_attempt ADD COLUMN claim_tx bigint;
ALTER TABLE ferry.outbound_attempt ALTER COLUMN started_at DROP NOT NULL;
