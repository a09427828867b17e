// The mapping page's verify and record-scope parts: the last verify in words (what differed, what was
// repaired), the record filter shown and put back in its form as text (it is user text), and what a config
// form post becomes in the API's terms.
import { describe, expect, it } from 'vitest';
import { html } from '../../api/console/html';
import { scopeConfigFromForm, scopeConfigRows, scopeForms, verifyOutcome, verifySection } from '../../api/console/verify-panel';
import { initialStatus } from '../../api/mapping-view';
import type { MappingConfig } from '../../domain/mapping-rules';
import type { MappingStatus } from '../../workflows/mapping/messages';

const NOW = Date.parse('2026-12-06T08:00:00Z');
const CONFIG: MappingConfig = {
  objectName: 'Account', access: 'read_only', pollIntervalSeconds: 600, maxDailyApiCalls: 3000, fields: ['Id', 'Name', 'SystemModstamp', 'IsDeleted'],
  indexes: [], upsertField: null, syncMode: 'polling', streamingSource: 'pubsub', flushIntervalSeconds: 10, schema: 'salesforce',
};
const LAST = {
  at: '2026-12-06T07:58:00.000Z', watermark: '2026-12-06T07:57:59.000Z', mode: 'rest', buckets: 4, bucketsDiffering: 1, rowsCompared: 80,
  missing: 1, stale: 2, extra: 0, skipped: 1, repaired: 3, apiCalls: 2, estimate: { low: 1, high: 3 }, durationMs: 1500,
};

function statusWith(config: Partial<MappingConfig>, extra: Partial<MappingStatus> = {}): MappingStatus {
  return { ...initialStatus({ ...CONFIG, ...config }), ...extra };
}

describe('the last verify in words', () => {
  it.each([
    [{ missing: 0, stale: 0, extra: 0, repaired: 0 }, 'in sync: nothing differed'],
    [{ missing: 1, stale: 0, extra: 0, repaired: 1 }, '1 row differed, 1 repaired'],
    [{ missing: 1, stale: 2, extra: 3, repaired: 6 }, '6 rows differed, 6 repaired'],
    [{ missing: 2, stale: 0, extra: 0, repaired: 1 }, '2 rows differed, 1 repaired'],
  ])('%j: %s', (counts, words) => {
    const out = verifyOutcome({ ...LAST, ...counts }).text;
    expect(out.replace(/<[^>]+>/g, '')).toMatch(new RegExp(`^[✓⚠] ${words}$`));
    // A symbol and words, never colour alone: all repaired is ok, anything left is an error.
    expect(out).toContain(counts.repaired >= counts.missing + counts.stale + counts.extra ? 'tone-text-ok' : 'tone-text-error');
  });

  it('the section: when, the counts, the cost and the schedule', () => {
    const s = statusWith({ verifyIntervalSeconds: 3600 }, { verify: {
      intervalSeconds: 3600, nextAt: '2026-12-06T08:58:00.000Z', requested: false, waitingForBudgetUntil: null, runs: 2, last: LAST,
    } });
    const text = verifySection(s, NOW).text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Last verify 2 min ago · ✓ 3 rows differed, 3 repaired');
    expect(text).toContain('80 rows compared · 1 missing · 2 stale · 0 extra · 3 repaired · 1 skipped');
    expect(text).toContain('4 buckets, 1 differing · read with REST queries · took 2 s');
    expect(text).toContain('Cost 2 API calls (estimated 1–3)');
    expect(text).toContain('Schedule every 1 h (3,600 s) · next in 58 min');
    expect(text).toContain('Verifies since start 2');
  });

  it('a verify asked for, and one waiting for the budget', () => {
    const s = statusWith({ verifyIntervalSeconds: null }, { verify: {
      intervalSeconds: null, nextAt: null, requested: true, waitingForBudgetUntil: '2026-12-06T09:00:00.000Z', runs: 0, last: null,
    } });
    const text = verifySection(s, NOW).text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain('Last verify never');
    expect(text).toContain('Schedule off · a verify was asked for and runs as the next step · waiting for room in the API budget ( in 1 h )');
  });
});

describe('the record filter is text', () => {
  const filter = `Name != '</code><script>alert(1)</script>' AND Tier__c = "x&y"`;
  const escaped = '&lt;/code&gt;&lt;script&gt;alert(1)&lt;/script&gt;';

  it('in the configuration, with a change still being applied', () => {
    const s = statusWith({ sfFilter: filter }, { filter: { applied: '<b>old</b>', changePending: true } });
    const out = scopeConfigRows(s, NOW).text;
    expect(out).not.toContain('<script>');
    expect(out).not.toContain('<b>');
    expect(out).toContain(escaped);
    expect(out).toContain('&lt;b&gt;old&lt;/b&gt;');
    expect(out.replace(/<[^>]+>/g, '')).toContain('being applied');
  });

  it('in its form field, quotes included', () => {
    const out = scopeForms(statusWith({ sfFilter: filter }), '/console/mappings/salesforce.Account/config', html`<input type="hidden" name="csrf" value="t">`).text;
    expect(out).toContain(`value="Name != &#39;&lt;/code&gt;&lt;script&gt;alert(1)&lt;/script&gt;&#39; AND Tier__c = &quot;x&amp;y&quot;"`);
    expect(out).not.toContain('<script>');
  });

  it.each([
    [{}, 'none (every record)', 'every 24 h (86,400 s) (the default)', 'off'],
    [{ verifyIntervalSeconds: 0 }, 'none (every record)', 'off', 'off'],
    [{ verifyIntervalSeconds: null, formulaRefreshSeconds: 900 }, 'none (every record)', 'off', 'every 15 min (900 s)'],
    [{ sfFilter: 'IsActive__c = true', verifyIntervalSeconds: 7200 }, 'IsActive__c = true', 'every 2 h (7,200 s)', 'off'],
  ])('%j', (config, filterText, verifyText, refreshText) => {
    const text = scopeConfigRows(statusWith(config), NOW).text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
    expect(text).toContain(`Record filter ${filterText}`);
    expect(text).toContain(`Formula refresh ${refreshText}`);
    expect(text).toContain(`Verify interval ${verifyText}`);
  });
});

describe('a config form post in the API\'s terms', () => {
  it.each([
    [{ sf_filter: '  IsActive__c = true ' }, { sf_filter: '  IsActive__c = true ' }],
    [{ sf_filter: '   ' }, { sf_filter: null }],
    [{ formula_refresh_seconds: '900' }, { formula_refresh_seconds: 900 }],
    [{ formula_refresh_seconds: '' }, { formula_refresh_seconds: null }],
    [{ verify_interval_seconds: '0' }, { verify_interval_seconds: 0 }],
    [{ verify_interval_seconds: '' }, { verify_interval_seconds: null }],
    [{ verify_interval_seconds: 'soon' }, { verify_interval_seconds: Number.NaN }],
    [{ sf_polling_seconds: '300', csrf: 'x' }, {}],
    [undefined, {}],
  ])('%j → %j', (body, expected) => {
    expect(scopeConfigFromForm(body)).toEqual(expected);
  });
});
