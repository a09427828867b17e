// Copies a Bulk 2.0 query job's result pages into a table. Pages are fetched one after another (each page's
// locator comes with the page before it) but copied by up to `parallel` Postgres sessions at once, since
// parsing CSV in COPY is what bounds a load; the next page is fetched while they copy. Each page commits with
// its own record in ferry.load_page, so a resumed load walks the locator chain, skips what is recorded and
// fetches the rest: no page twice, none lost. Memory holds at most parallel + 1 pages, whatever the object's size.
import type { Connection } from 'jsforce';
import { withTransaction, type Pool } from '../../infra/db';
import { fetchBulkResultsPage } from '../../salesforce/bulk-query';
import { readPages, recordPage, type LoadTarget } from '../../store/load-checkpoints';
import { copyText } from './copy-page';

export interface BulkPagesInput {
  pool: Pool;
  conn: Connection;
  jobId: string;
  mapping: string;
  target: LoadTarget;
  /** COPY … FROM STDIN statement for the destination (see copyCsvStatement). */
  copySql: string;
  pageRecords: number;
  parallel: number;
  onPage(rowsSoFar: number, locator: string | null): void;
}

export async function copyBulkPages(input: BulkPagesInput): Promise<number> {
  const recorded = await readPages(input.pool, input.mapping, input.target);
  let rows = [...recorded.values()].reduce((sum, p) => sum + p.rows, 0);
  const inflight = new Set<Promise<void>>();
  let failure: unknown;
  let locator: string | null = '';
  while (locator !== null) {
    const known = recorded.get(locator);
    if (known) {
      locator = known.next;
      continue;
    }
    if (failure) break;
    const start: string = locator;
    // The next page is fetched while the sessions copy the pages before it; it waits for a free session here.
    const page = await fetchBulkResultsPage(input.conn, input.jobId, start || null, input.pageRecords);
    while (inflight.size >= input.parallel) await Promise.race(inflight);
    if (failure) break;
    const copying: Promise<void> = withTransaction(input.pool, async (client) => {
      const n = await copyText(client, input.copySql, page.csv);
      await recordPage(client, input.mapping, input.target, start, { next: page.next, rows: n });
      rows += n;
    }).then(
      () => input.onPage(rows, page.next),
      (err: unknown) => {
        failure ??= err;
      },
    ).finally(() => inflight.delete(copying));
    inflight.add(copying);
    locator = page.next;
  }
  await Promise.all(inflight);
  if (failure) throw failure;
  return rows;
}
