// The operator's console in a real browser (Debian's Chromium, headless, driven by playwright-core) against
// the real stack: a ferry worker, Temporal, Postgres and the org emulator. Sign in, watch a mapping load and
// settle on the overview (which refreshes itself), see a refused write and retry it, pause and resume, see an
// org outage become the mapping's current problem, set a record filter and the verify interval, and verify now
// and see what the verify found and repaired. Screenshots of each page: .data/test-artifacts/console/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, TEST_TOKEN, type ApiHarness } from '../support/api';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { recordHistories } from '../support/histories';
import { eventually } from '../support/org';
import { withSyncWriter } from '../../store/sync-writer';

describe('the console in a browser', () => {
  let h: ApiHarness;
  let b: TestBrowser;
  let table: string;
  const row = () => b.page.locator(`tr[data-mapping="${h.schema}.account"]`);

  beforeAll(async () => {
    h = await startApi('console', { seed: { Account: 40 } }, { temporalUiUrl: 'http://127.0.0.1:8233' });
    table = `${h.schema}.account`;
    b = await launchBrowser();
  });
  afterAll(async () => {
    await b?.close();
    // A run that published its status, paused, resumed, reloaded and retried a failing poll (test/histories).
    if (h) await recordHistories(h.temporal.client, `ferry-mapping:${h.schema}.account`, 'console-status-publish');
    await h?.close();
  });

  it('sends a visitor without a session to the sign-in form and refuses a wrong token', async () => {
    const res = await b.page.goto(`${h.url}/`);
    expect(res?.status()).toBe(200);
    expect(new URL(b.page.url()).pathname).toBe('/console/login');
    await b.page.getByLabel('API token').fill('not-the-token');
    await b.page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => b.page.getByRole('alert').textContent()).toContain('That is not the API token');
    expect(await b.context.cookies()).toEqual([]);
    // Nothing but the sign-in form is served without a session: pages send to it, the rest is 401.
    for (const path of ['/console/', '/console/connection', `/console/mappings/${h.schema}.Account`, '/console/no-such-page']) {
      const r = await fetch(`${h.url}${path}`, { redirect: 'manual' });
      expect([path, r.status, r.headers.get('location')]).toEqual([path, 303, '/console/login']);
    }
    for (const path of ['/console/fragments/overview', '/console/assets/console.js', '/console/assets/uPlot.iife.min.js']) {
      expect([path, (await fetch(`${h.url}${path}`)).status]).toEqual([path, 401]);
    }
    const post = await fetch(`${h.url}/console/mappings/${h.schema}.Account/actions/pause`, { method: 'POST', body: new URLSearchParams({ csrf: 'x' }) });
    expect(post.status).toBe(401);
    await b.screenshot('01-sign-in');
    // The refused sign-in is the only resource that failed so far (its page is a 401).
    expect(b.problems).toEqual(['console: Failed to load resource: the server responded with a status of 401 (Unauthorized)']);
    b.problems.length = 0;
  });

  it('signs in with the API token: a Secure, HttpOnly, SameSite=Strict session cookie that is not the token', async () => {
    await b.page.getByLabel('API token').fill(TEST_TOKEN);
    await b.page.getByRole('button', { name: 'Sign in' }).click();
    await b.page.getByRole('heading', { name: 'Mappings' }).waitFor();
    const [cookie] = await b.context.cookies();
    expect(cookie).toMatchObject({ name: 'ferry_session', httpOnly: true, secure: true, sameSite: 'Strict', path: '/console' });
    expect(cookie.value).not.toContain(TEST_TOKEN);
    // The API itself still wants the bearer token; the cookie does not open it.
    const api = await b.page.request.get(`${h.url}/mappings`);
    expect(api.status()).toBe(401);
  });

  it('shows a new mapping loading, then synced, without reloading the page', async () => {
    // Slow Salesforce down so the load is visible on the overview.
    h.org.admin.setFaults({ latencyMs: 2000, latencyFraction: 1 });
    const created = await h.call('POST', '/mappings', {
      object_name: 'Account', config: { access: 'read_write', flush_interval_seconds: 1, fields: { Id: {}, Name: {}, Rating: {} } },
    });
    expect(created.status).toBe(201);
    const navigations: string[] = [];
    b.page.on('framenavigated', (f) => navigations.push(f.url()));
    await row().waitFor({ timeout: 30_000 });
    await expect.poll(() => row().locator('.state').textContent(), { timeout: 30_000 }).toMatch(/Creating|Reloading|Loading|Waiting/);
    await b.screenshot('02-overview-loading');
    h.org.admin.clearFaults();
    await expect.poll(() => row().locator('.state').textContent(), { timeout: 60_000 }).toContain('OK');
    expect(navigations).toEqual([]);
    await expect.poll(() => row().textContent(), { timeout: 20_000 }).toMatch(/PG 40/);
    expect(await row().textContent()).toMatch(/SF 40/);
    expect(await row().textContent()).toContain('read/write');
    expect(await row().textContent()).toMatch(/\d+ \/ 3,000/);
    await b.screenshot('03-overview-synced');
    // The Temporal UI shows the same in ferry's words: current details and named timers.
    const handle = h.temporal.client.workflow.getHandle(`ferry-mapping:${h.schema}.account`);
    const meta = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(meta.currentDetails).toMatch(/\*\*Account\*\*.*DATA_SYNCED/);
    expect(meta.currentDetails).toMatch(/last load: 40 rows/);
    const history = await handle.fetchHistory();
    const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes)
      .map((e) => Buffer.from(e.userMetadata?.summary?.data ?? new Uint8Array()).toString('utf8'));
    expect(timers).toContain('"poll sleep"');
  });

  it('shows a write Salesforce refused, with its error, and retries it after the row is fixed', async () => {
    const { rows } = await h.db.pool.query<{ id: number }>(`INSERT INTO ${table} (name, rating) VALUES ('Console retry', 'Tepid') RETURNING id`);
    const id = rows[0].id;
    await expect.poll(() => row().textContent(), { timeout: 30_000 }).toContain('1 failed');
    expect(await row().locator('.problem').textContent()).toContain('Salesforce refused 1 write');
    await row().getByRole('link', { name: 'Account' }).click();
    await b.page.getByRole('heading', { name: 'Failed writes' }).waitFor();
    const failed = b.page.locator('table.failed tbody tr').first();
    expect(await failed.textContent()).toContain('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    expect(await failed.textContent()).toContain(`row ${id}`);
    // The chart is drawn by uPlot from the journal.
    await b.page.locator('#chart canvas').waitFor();
    expect(await b.page.getByRole('link', { name: 'Open the workflow in the Temporal UI' }).getAttribute('href'))
      .toBe(`http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(`ferry-mapping:${h.schema}.account`)}`);
    await b.screenshot('04-mapping-failed-write');
    await h.db.pool.query(`UPDATE ${table} SET rating = 'Hot' WHERE id = $1`, [id]).catch(() => undefined);
    // The fix itself is a new queued write; retrying the failed one queues the row as it is now.
    await failed.getByRole('button', { name: /^Retry write/ }).click();
    await expect.poll(() => b.page.getByRole('status').first().textContent()).toContain('queued again');
    await eventually('the retried row synced', async () => {
      const r = await h.db.pool.query<{ _hc_lastop: string; sfid: string | null }>(`SELECT _hc_lastop, sfid FROM ${table} WHERE id = $1`, [id]);
      return r.rows[0]._hc_lastop === 'SYNCED' && r.rows[0].sfid ? true : undefined;
    }, 30_000, 200);
    await b.page.reload();
    expect(await b.page.locator('table.failed tbody').textContent()).toContain('No failed writes');
  });

  it('pauses and resumes from the mapping page', async () => {
    await b.page.getByRole('button', { name: 'Pause' }).click();
    await expect.poll(() => b.page.locator('.state').first().textContent()).toContain('Paused');
    expect(await b.page.getByRole('status').first().textContent()).toContain('Paused: nothing syncs');
    await b.page.goto(`${h.url}/console/`);
    await expect.poll(() => row().locator('.state').textContent(), { timeout: 10_000 }).toContain('Paused');
    await b.screenshot('05-overview-paused');
    await row().getByRole('link', { name: 'Account' }).click();
    await b.page.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => b.page.locator('.state').first().textContent()).not.toContain('Paused');
  });

  it('changes the poll interval; a bad one is refused with the rule it breaks', async () => {
    await b.page.getByLabel(/Poll interval/).fill('300');
    await b.page.getByRole('button', { name: 'Change poll interval' }).click();
    await expect.poll(() => b.page.getByRole('status').first().textContent()).toContain('Configuration changed');
    expect(await b.page.locator('dl.config').last().textContent()).toMatch(/Poll interval\s*300 s/);
    expect((await h.call<{ config: { sf_polling_seconds: number } }>('GET', '/mappings/Account')).body.config.sf_polling_seconds).toBe(300);
    // The browser's own check (min 120) is bypassed to see the server's answer.
    await b.page.getByLabel(/Poll interval/).evaluate((el) => el.removeAttribute('min'));
    await b.page.getByLabel(/Poll interval/).fill('5');
    await b.page.getByRole('button', { name: 'Change poll interval' }).click();
    await expect.poll(() => b.page.getByRole('alert').textContent()).toBe('Polling interval (seconds) must be between 120 and 3600, got 5');
    // The refusal is a 422 page: the one resource that failed on purpose.
    expect(b.problems).toEqual(['console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)']);
    b.problems.length = 0;
    expect((await h.call<{ config: { sf_polling_seconds: number } }>('GET', '/mappings/Account')).body.config.sf_polling_seconds).toBe(300);
  });

  it('asks for confirmation before a reload, then reloads', async () => {
    const before = b.page.url();
    await b.page.getByRole('button', { name: 'Reload the table…' }).click();
    // The checkbox is required: the browser keeps the form from being sent.
    const confirm = b.page.getByLabel(/Reload every record/);
    expect(await confirm.evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).toBe(true);
    expect(b.page.url()).toBe(before);
    await confirm.check();
    await b.page.getByRole('button', { name: 'Reload the table…' }).click();
    await expect.poll(() => b.page.getByRole('status').first().textContent()).toContain('Reloading');
    await expect.poll(async () => {
      await b.page.reload();
      return b.page.locator('.state').first().textContent();
    }, { timeout: 60_000, interval: 1000 }).toContain('OK');
    // A reload is one load activity (built beside the live table and swapped in by the load itself): the recent
    // activity lists it after the initial load.
    expect(await b.page.locator('table.activity tbody tr', { hasText: 'loadObject' }).count()).toBeGreaterThanOrEqual(2);
  });

  it('shows an org outage as the current problem on the overview within 10 s', async () => {
    h.org.admin.setFaults({ errorFraction: 1, errorStatus: 503 });
    try {
      const started = Date.now();
      await b.page.getByRole('button', { name: 'Sync now' }).click();
      await b.page.goto(`${h.url}/console/`);
      await expect.poll(() => row().locator('.problem').textContent(), { timeout: 10_000, interval: 250 }).toMatch(/The poll is failing \((1st attempt|attempt \d+), since .*\): .*/);
      const seenAfterMs = Date.now() - started;
      expect(seenAfterMs).toBeLessThan(10_000);
      expect(await row().locator('.state').textContent()).toContain('failing');
      // The API says the same while Temporal retries.
      const api = await h.call<{ status: { current_problem: { activity: string; attempts: number } | null } }>('GET', '/mappings/Account');
      expect(api.body.status.current_problem).toMatchObject({ activity: 'pollChanges' });
      await b.screenshot('06-overview-outage');
    } finally {
      h.org.admin.clearFaults();
    }
    await expect.poll(() => row().locator('.problem').textContent(), { timeout: 60_000 }).toContain('none');
  });

  it('shows and changes the record filter, formula refresh and verify interval; the filter is text, a bad one is refused', async () => {
    await b.page.goto(`${h.url}/console/mappings/${h.schema}.Account`);
    const config = () => b.page.locator('dl.config').last();
    expect(await b.page.locator('#record-filter').textContent()).toBe('none (every record)');
    expect(await config().textContent()).toMatch(/Verify interval\s*every 24 h \(86,400 s\) \(the default\)/);
    expect(await config().textContent()).toMatch(/Formula refresh\s*off/);
    // User text with markup in it: every record matches, and the page shows the filter as the text it is.
    const filter = `Name != '<b>Nobody</b> & "co"'`;
    await b.page.getByLabel(/Record filter/).fill(filter);
    await b.page.getByRole('button', { name: 'Change record filter' }).click();
    await expect.poll(() => b.page.getByRole('status').first().textContent()).toContain('Configuration changed');
    expect(await b.page.locator('#record-filter code').first().textContent()).toBe(filter);
    expect(await b.page.locator('main b').count()).toBe(0);
    expect(await b.page.getByLabel(/Record filter/).inputValue()).toBe(filter);
    await b.page.getByLabel(/Formula refresh/).fill('900');
    await b.page.getByRole('button', { name: 'Change formula refresh' }).click();
    await expect.poll(() => b.page.getByRole('status').first().textContent()).toContain('Configuration changed');
    await b.page.getByLabel(/Verify interval/).fill('3600');
    await b.page.getByRole('button', { name: 'Change verify interval' }).click();
    await expect.poll(() => b.page.getByRole('status').first().textContent()).toContain('Configuration changed');
    expect(await config().textContent()).toMatch(/Formula refresh\s*every 15 min \(900 s\)/);
    expect(await config().textContent()).toMatch(/Verify interval\s*every 1 h \(3,600 s\)/);
    const api = (await h.call<{ config: Record<string, unknown> }>('GET', '/mappings/Account')).body.config;
    expect(api).toMatchObject({ sf_filter: filter, formula_refresh_seconds: 900, verify_interval_seconds: 3600 });
    // An empty refresh interval turns the refresh off again (Account has no formula fields to re-read).
    await b.page.getByLabel(/Formula refresh/).fill('');
    await b.page.getByRole('button', { name: 'Change formula refresh' }).click();
    await expect.poll(() => b.page.getByRole('status').first().textContent()).toContain('Configuration changed');
    expect(await config().textContent()).toMatch(/Formula refresh\s*off/);
    expect((await h.call<{ config: Record<string, unknown> }>('GET', '/mappings/Account')).body.config.formula_refresh_seconds).toBeUndefined();
    // The API's reason for refusing a filter, with the value it names, on the page as text.
    await b.page.getByLabel(/Record filter/).fill(`NumberOfEmployees = '<b>many</b>'`);
    await b.page.getByRole('button', { name: 'Change record filter' }).click();
    await expect.poll(() => b.page.getByRole('alert').textContent()).toContain(`sf_filter: '<b>many</b>' is not a valid value for "NumberOfEmployees"`);
    expect(await b.page.locator('main b').count()).toBe(0);
    expect(b.problems).toEqual(['console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)']);
    b.problems.length = 0;
    expect((await h.call<{ config: { sf_filter: string } }>('GET', '/mappings/Account')).body.config.sf_filter).toBe(filter);
    await b.page.goto(`${h.url}/console/mappings/${h.schema}.Account`);
    await expect.poll(() => b.page.locator('#record-filter').textContent(), { timeout: 30_000 }).not.toContain('being applied');
  });

  it('verifies now from the mapping page and shows what the verify found and repaired', async () => {
    const lastVerify = () => b.page.locator('#last-verify').textContent();
    expect(await lastVerify()).toMatch(/Last verify\s*never/);
    // The table caught up with the org first (a poll reads back what the outbound writes made in the org)...
    const polls = async () => (await h.call<{ status: { counts: { polls: number } } }>('GET', '/mappings/Account')).body.status.counts.polls;
    const before = await polls();
    expect((await h.call('POST', '/mappings/Account/actions/sync-now')).status).toBe(200);
    await eventually('a poll after the outbound writes', async () => ((await polls()) > before ? true : undefined), 30_000, 250);
    // ...then drift behind ferry's back: a row put back to an older version, and a row for a record the org never had.
    await withSyncWriter(h.db.pool, async (c) => {
      await c.query(`UPDATE ${table} SET name = 'Restored from an old backup', systemmodstamp = systemmodstamp - interval '1 day'
        WHERE sfid = (SELECT sfid FROM ${table} WHERE sfid IS NOT NULL ORDER BY sfid LIMIT 1)`);
      await c.query(`INSERT INTO ${table} (sfid, name, systemmodstamp, isdeleted, _hc_lastop)
        VALUES ('001Fy000ZZZZZZZAAA', 'Never in the org', now() - interval '1 hour', false, 'SYNCED')`);
    });
    await b.page.getByRole('button', { name: 'Verify now' }).click();
    await expect.poll(() => b.page.getByRole('status').first().textContent()).toContain('A verify runs next');
    await expect.poll(async () => {
      await b.page.reload();
      return lastVerify();
    }, { timeout: 60_000, interval: 1000 }).not.toMatch(/Last verify\s*never/);
    const text = await lastVerify();
    const last = (await h.call<{ status: { verify: { runs: number; last: Record<string, number> } } }>('GET', '/mappings/Account')).body.status.verify.last;
    expect(last).toMatchObject({ missing: 0, stale: 1, extra: 1, repaired: 2 });
    expect(text).toMatch(/Last verify\s*\d+ s ago · ✓ 2 rows differed, 2 repaired/);
    expect(text).toContain(`${last.rows_compared} rows compared · 0 missing · 1 stale · 1 extra · 2 repaired · ${last.skipped} skipped`);
    expect(text).toMatch(new RegExp(`Cost\\s*${last.api_calls} API calls`));
    expect(text).toMatch(/Schedule\s*every 1 h \(3,600 s\) · next in (59 min|1 h)/);
    expect(text).toMatch(/Verifies since start\s*1/);
    const rows = await h.db.pool.query<{ name: string }>(`SELECT name FROM ${table} WHERE name IN ('Restored from an old backup', 'Never in the org')`);
    expect(rows.rows).toEqual([]);
    expect(await b.page.locator('table.activity tbody tr', { hasText: 'verifyMapping' }).first().textContent()).toContain('The verify');
    await b.screenshot('06b-mapping-verified');
  });

  it('shows the connection page and estimates a mapping', async () => {
    await b.page.getByRole('link', { name: 'Connection' }).click();
    await b.page.getByRole('heading', { name: 'Salesforce org' }).waitFor();
    const org = await b.page.locator('dl.config').first().textContent();
    expect(org).toMatch(/API version\s*62\.0/);
    expect(org).toMatch(/Sforce-Limit-Info\)\s*[\d,]+ of [\d,]+ calls/);
    await b.page.getByLabel('Record count').fill('250000');
    await b.page.getByLabel('Changes per day in Salesforce').fill('5000');
    await b.page.getByRole('button', { name: 'Estimate' }).click();
    await expect.poll(() => b.page.locator('.estimate-result').textContent()).toMatch(/API calls a day/);
    await b.screenshot('07-connection');
  });

  it('is usable from the keyboard, and every control has a label', async () => {
    await b.page.goto(`${h.url}/console/`);
    await b.page.keyboard.press('Tab');
    expect(await b.page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    for (const path of ['/console/connection', `/console/mappings/${h.schema}.Account`]) {
      await b.page.goto(`${h.url}${path}`);
      const unlabelled = await b.page.locator('input:not([type=hidden]), select, button').evaluateAll((els) => els
        .filter((e) => !(e as HTMLInputElement).labels?.length && !e.getAttribute('aria-label') && !(e.tagName === 'BUTTON' && e.textContent?.trim()))
        .map((e) => e.outerHTML));
      expect([path, unlabelled]).toEqual([path, []]);
    }
    // The pause button is reached and pressed with the keyboard alone.
    await b.page.getByRole('button', { name: 'Pause' }).focus();
    await b.page.keyboard.press('Enter');
    await expect.poll(() => b.page.locator('.state').first().textContent()).toContain('Paused');
    await b.page.getByRole('button', { name: 'Resume' }).focus();
    await b.page.keyboard.press('Enter');
    await expect.poll(() => b.page.locator('.state').first().textContent()).not.toContain('Paused');
  });

  it('refuses a form without the CSRF token, and one from another origin', async () => {
    const noToken = await b.page.request.post(`${h.url}/console/mappings/Account/actions/pause`, { form: { confirm: 'yes' } });
    expect(noToken.status()).toBe(403);
    const page = await b.page.content();
    const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1];
    const foreign = await b.page.request.post(`${h.url}/console/mappings/Account/actions/pause`, { form: { csrf }, headers: { origin: 'http://evil.example' } });
    expect(foreign.status()).toBe(403);
    const status = await h.call<{ status: { paused: boolean } }>('GET', '/mappings/Account');
    expect(status.body.status.paused).toBe(false);
  });

  it('rendered every page without a script error', () => {
    expect(b.problems).toEqual([]);
  });
});
