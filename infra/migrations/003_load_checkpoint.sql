-- Progress of a running load, written in the same transaction as each page's COPY into the staging table,
-- so a worker killed mid-load resumes from the last committed page and never loads a page twice.
CREATE TABLE ferry.load_checkpoint (
  mapping text NOT NULL,
  target text NOT NULL,            -- 'live' (initial load / backfill) or 'reload'
  mode text NOT NULL,              -- 'bulk' or 'rest'
  job_id text,                     -- Bulk 2.0 query job
  locator text,                    -- next results page; NULL before the first page
  done boolean NOT NULL DEFAULT false,
  rows_loaded bigint NOT NULL DEFAULT 0,
  rows_total bigint,
  started_at timestamptz NOT NULL, -- taken before the query ran: the first poll starts from here
  PRIMARY KEY (mapping, target)
);
