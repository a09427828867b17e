// Bulk 2.0 results pages streamed from the org into COPY (salesforce/streamed-body.ts, activities/load/
// bulk-pages.ts), against the emulator through jsforce and a real Postgres: each page arrives whole and
// byte for byte what jsforce's own text fetch returns, with its locator and record count; an error answer is
// thrown, never copied; an expired session is renewed and the page read from the request sent again; behind a
// proxy the page goes through jsforce; a download cut short or stalled midway commits nothing, and the load
// resumed after one ends with every record once.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { Connection } from 'jsforce';
import { setDefaults } from 'jsforce/lib/request';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../emulator/server';
import { copyBulkPages } from '../../activities/load/bulk-pages';
import { copyCsvStatement, copyResultsPage } from '../../activities/load/copy-page';
import { withTransaction } from '../../infra/db';
import { createBulkQueryJob, fetchBulkResultsPage, openBulkResultsPage, waitForBulkQueryJob } from '../../salesforce/bulk-query';
import { openMeteredConnection } from '../../salesforce/metered-connection';
import { startCheckpoint } from '../../store/load-checkpoints';
import { jsforceFor, sessionsFor, startOrg } from '../support/org';
import { createTestDatabase, type TestDatabase } from '../support/services';

const ACCOUNTS = 2_600;
const PAGE = 1_000;
const RESULTS = '^GET [^ ]+/jobs/query/[^/]+/results$';

function readAll(body: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    body.on('data', (c: Buffer | string) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));
    body.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    body.once('error', reject);
  });
}

describe('Bulk 2.0 results pages streamed into COPY', () => {
  let org: Emulator;
  let conn: Connection;
  let plain: Connection;
  let db: TestDatabase;
  let calls = 0;
  let jobId: string;

  beforeAll(async () => {
    org = await startOrg({ seed: { Account: ACCOUNTS } });
    conn = await openMeteredConnection(sessionsFor(org), async () => {
      calls++;
    });
    plain = await jsforceFor(org);
    db = await createTestDatabase('bulkstream');
    await db.pool.query('CREATE SCHEMA salesforce');
    jobId = await createBulkQueryJob(conn, 'SELECT Id, Name, AnnualRevenue FROM Account', false);
    expect(await waitForBulkQueryJob(conn, jobId, () => {})).toBe(ACCOUNTS);
  });
  afterAll(async () => {
    await db?.drop();
    await org?.close();
  });

  const freshTable = async (name: string) => {
    await db.pool.query(`DROP TABLE IF EXISTS salesforce.${name}`);
    await db.pool.query(`CREATE TABLE salesforce.${name} (sfid varchar(18), name text, annualrevenue numeric)`);
    return copyCsvStatement('salesforce', name, ['sfid', 'name', 'annualrevenue']);
  };

  it('streams each page whole, with its locator and record count, the bytes jsforce would have read', async () => {
    let locator: string | null = null;
    let total = 0;
    const counts: number[] = [];
    do {
      const before = calls;
      const page = await openBulkResultsPage(conn, jobId, locator, PAGE);
      const text = await readAll(page.body);
      expect(calls - before, 'one API call per page').toBe(1);
      const reference = await fetchBulkResultsPage(plain, jobId, locator, PAGE);
      expect(text).toBe(reference.csv);
      expect(page.next).toBe(reference.next);
      const lines = text.trimEnd().split('\n');
      expect(lines[0]).toBe('"Id","Name","AnnualRevenue"');
      expect(page.records).toBe(lines.length - 1);
      counts.push(page.records!);
      total += page.records!;
      locator = page.next;
    } while (locator !== null);
    expect(counts).toEqual([1_000, 1_000, 600]);
    expect(total).toBe(ACCOUNTS);
  });

  it('takes the text path on a connection that cannot stream', async () => {
    const page = await openBulkResultsPage(plain, jobId, null, PAGE);
    expect(page.records).toBeNull();
    expect(await readAll(page.body)).toBe((await fetchBulkResultsPage(plain, jobId, null, PAGE)).csv);
  });

  it('throws an error answer with its code and never hands its body over', async () => {
    await expect(openBulkResultsPage(conn, '750000000000000AAA', null, PAGE)).rejects.toMatchObject({ errorCode: 'NOT_FOUND' });
    org.admin.setFaults({ errorCount: 1, errorStatus: 503, match: RESULTS });
    try {
      await expect(openBulkResultsPage(conn, jobId, null, PAGE)).rejects.toMatchObject({ errorCode: 'SERVER_UNAVAILABLE' });
    } finally {
      org.admin.clearFaults();
    }
  });

  it('renews an expired session and reads the page from the request sent again', async () => {
    expect(org.admin.expireSessions()).toBeGreaterThan(0);
    const before = calls;
    const page = await openBulkResultsPage(conn, jobId, null, PAGE);
    const text = await readAll(page.body);
    expect(calls - before, 'the refused request and the one sent again').toBe(2);
    expect(page.records).toBe(PAGE);
    expect(text).toBe((await fetchBulkResultsPage(plain, jobId, null, PAGE)).csv);
  });

  it('behind a proxy, reads the page through jsforce and hands it over whole', async () => {
    // A real CONNECT proxy on loopback, set the way jsforce takes one (https_proxy, read into its defaults).
    let tunnels = 0;
    const sockets: net.Socket[] = [];
    const proxy = http.createServer();
    proxy.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
      tunnels++;
      sockets.push(client);
      const [host, port] = String(req.url).split(':');
      const upstream = net.connect(Number(port), host, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    process.env.https_proxy = url;
    setDefaults({ httpProxy: url, followRedirect: true });
    try {
      const before = calls;
      const page = await openBulkResultsPage(conn, jobId, null, PAGE);
      const text = await readAll(page.body);
      expect(calls - before).toBe(1);
      expect(tunnels, 'the request went through the proxy').toBeGreaterThan(0);
      expect(page.records).toBe(PAGE);
      expect(text).toBe((await fetchBulkResultsPage(plain, jobId, null, PAGE)).csv);
    } finally {
      delete process.env.https_proxy;
      setDefaults({ followRedirect: true });
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => proxy.close(r));
    }
  });

  it('commits nothing from a page cut short', async () => {
    const sql = await freshTable('cut_page');
    org.admin.setFaults({ cutCount: 1, match: RESULTS });
    try {
      const page = await openBulkResultsPage(conn, jobId, null, PAGE);
      await expect(withTransaction(db.pool, (client) => copyResultsPage(client, sql, jobId, page))).rejects.toThrow();
    } finally {
      org.admin.clearFaults();
    }
    expect(org.admin.counters().faults.cut).toBe(1);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM salesforce.cut_page')).rows[0].n).toBe(0);
    const page = await openBulkResultsPage(conn, jobId, null, PAGE);
    expect(await withTransaction(db.pool, (client) => copyResultsPage(client, sql, jobId, page))).toBe(PAGE);
  });

  it('gives up on a download that stalls midway, committing nothing', async () => {
    const sql = await freshTable('stall_page');
    org.admin.setFaults({ stallCount: 1, match: RESULTS });
    try {
      const page = await openBulkResultsPage(conn, jobId, null, PAGE, { idleMs: 500 });
      const started = Date.now();
      await expect(withTransaction(db.pool, (client) => copyResultsPage(client, sql, jobId, page))).rejects.toThrow(/sent nothing for 500 ms/);
      expect(Date.now() - started).toBeGreaterThanOrEqual(450);
    } finally {
      org.admin.clearFaults();
    }
    expect(org.admin.counters().faults.stalled).toBe(1);
    expect((await db.pool.query('SELECT count(*)::int AS n FROM salesforce.stall_page')).rows[0].n).toBe(0);
    const { rows: [open] } = await db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'");
    expect(open.n, 'no transaction left open').toBe(0);
  });

  it('fails a load on a download cut short, and the load resumed after it copies every record once', async () => {
    const copySql = await freshTable('cut_load');
    const target = 'live' as const;
    const mapping = 'salesforce.cut_load';
    await startCheckpoint(db.pool, mapping, target, { mode: 'bulk', strategy: 'fresh', jobId, locator: null, done: false, rowsLoaded: 0, rowsTotal: ACCOUNTS, startedAtMs: Date.now() });
    const run = () => copyBulkPages({ pool: db.pool, conn, jobId, mapping, target, copySql, pageRecords: PAGE, parallel: 2, onPage: () => {} });
    // The first page's download is broken off; the page after it may be copied meanwhile.
    org.admin.setFaults({ cutCount: 1, match: RESULTS });
    try {
      await expect(run()).rejects.toThrow();
    } finally {
      org.admin.clearFaults();
    }
    const { rows: [partial] } = await db.pool.query('SELECT count(*)::int AS n FROM salesforce.cut_load');
    expect(partial.n % PAGE === 0 || partial.n === ACCOUNTS - PAGE, `whole pages only (${partial.n} rows)`).toBe(true);
    expect(partial.n).toBeLessThan(ACCOUNTS);
    expect(await run()).toBe(ACCOUNTS);
    const { rows: [after] } = await db.pool.query('SELECT count(*)::int AS n, count(DISTINCT sfid)::int AS d FROM salesforce.cut_load');
    expect(after).toEqual({ n: ACCOUNTS, d: ACCOUNTS });
    const orgIds = await plain.query<{ Id: string }>('SELECT Id FROM Account', { autoFetch: true, maxFetch: ACCOUNTS * 2 });
    const ids = new Set(orgIds.records.map((r) => r.Id));
    expect(ids.size).toBe(ACCOUNTS);
    const { rows } = await db.pool.query<{ sfid: string }>('SELECT sfid FROM salesforce.cut_load');
    expect(rows.filter((r) => !ids.has(r.sfid))).toEqual([]);
  });
});
