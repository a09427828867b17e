-- Bulk loads copy several pages at once, so progress is kept per page: a page is recorded in the same
-- transaction as its COPY, keyed by the locator it was fetched with. A resumed load walks the locator chain,
-- skipping recorded pages and fetching the rest. `strategy` says where pages go: 'fresh' (a new table built
-- beside the live one, indexed and swapped in at the end) or 'merge' (a staging table merged into a table
-- that already holds rows).
ALTER TABLE ferry.load_checkpoint ADD COLUMN strategy text NOT NULL DEFAULT 'merge';
CREATE TABLE ferry.load_page (
  mapping text NOT NULL,
  target text NOT NULL,
  start_locator text NOT NULL,   -- '' for the first page
  next_locator text,             -- NULL after the last page
  rows bigint NOT NULL,
  PRIMARY KEY (mapping, target, start_locator)
);
