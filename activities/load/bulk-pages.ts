// Copies a Bulk 2.0 query job's result pages into a table. Each page's locator comes in the headers of the
// page before it, so the next page is requested as soon as a Postgres session is free, and up to `parallel`
// pages stream from the org into COPY at once (parsing CSV in COPY is what bounds a load). A page's body goes
// from the socket to COPY as it arrives, never held whole (salesforce/streamed-body.ts). Each page commits
// with its own record in ferry.load_page, and only when COPY took as many rows as the org said the page holds
// (Sforce-NumberOfRecords), so a resumed load walks the locator chain, skips what is recorded and fetches the
// rest: no page twice, none lost or cut short.
import type { Connection } from 'jsforce';
import { withTransaction, type Pool } from '../../infra/db';
import { openBulkResultsPage, type BulkResultsStream } from '../../salesforce/bulk-query';
import { readPages, recordPage, type LoadTarget } from '../../store/load-checkpoints';
import { copyResultsPage } from './copy-page';

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
  // The first page not yet copied at or after `locator` (null when every page from there on is recorded).
  const unrecorded = (locator: string | null): string | null => {
    while (locator !== null && recorded.has(locator)) locator = recorded.get(locator)!.next;
    return locator;
  };
  const open = (start: string): Promise<OpenPage> =>
    openBulkResultsPage(input.conn, input.jobId, start || null, input.pageRecords).then((page) => ({ ...page, start }));
  const inflight = new Set<Promise<void>>();
  let failure: unknown;
  const first = unrecorded('');
  // The next page is requested as soon as the one before it has its headers (its locator), so that its body
  // is on its way, held back by the socket, when a session is free for it.
  let opening: Promise<OpenPage> | null = first === null ? null : open(first);
  while (opening) {
    let page: OpenPage;
    try {
      page = await opening;
    } catch (err) {
      failure ??= err;
      opening = null;
      break;
    }
    const next = unrecorded(page.next);
    opening = next === null ? null : open(next);
    while (inflight.size >= input.parallel && !failure) await Promise.race(inflight);
    if (failure) {
      page.body.destroy();
      break;
    }
    const copying: Promise<void> = withTransaction(input.pool, async (client) => {
      const n = await copyResultsPage(client, input.copySql, input.jobId, page);
      await recordPage(client, input.mapping, input.target, page.start, { next: page.next, rows: n });
      rows += n;
    }).then(
      () => input.onPage(rows, page.next),
      (err: unknown) => {
        page.body.destroy();
        failure ??= err;
      },
    ).finally(() => inflight.delete(copying));
    inflight.add(copying);
  }
  // A page requested but not copied (the load failed) is let go.
  if (opening) await opening.then((page) => page.body.destroy(), () => {});
  await Promise.all(inflight);
  if (failure) throw failure;
  return rows;
}

type OpenPage = BulkResultsStream & { start: string };
