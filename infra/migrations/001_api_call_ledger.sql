-- Every Salesforce call a mapping makes is recorded here BEFORE it is made, per minute bucket, so the
-- rolling 24 h cap holds across retries, crashes and worker restarts.
CREATE TABLE ferry.api_call_ledger (
  mapping text NOT NULL,
  minute timestamptz NOT NULL,
  calls integer NOT NULL CHECK (calls >= 0),
  PRIMARY KEY (mapping, minute)
);
CREATE INDEX api_call_ledger_minute ON ferry.api_call_ledger (minute);
