// The mapping machine's record-filter changes and formula refreshes: when their steps come, with what input,
// and what their outcomes change.
import { describe, expect, it } from 'vitest';
import type { MappedField } from '../../domain/mapped-field';
import { MappingMachine } from '../../workflows/mapping/machine';
import { FIELDS, loaded, machine, result, RUN, succeed } from '../support/machine';
import { mappingConfig } from '../support/mappings';

const RUN_ON = { filtersAndFormulas: true };
const FORMULA_FIELDS: MappedField[] = [...FIELDS, { name: 'Total__c', column: 'total__c', sfType: 'currency', pgType: 'double precision', calculated: true }];

describe('record filter', () => {
  const filtered = mappingConfig('Account', ['Id', 'Name'], { sf_filter: 'IsActive__c = true' });

  it('the initial load reads the filter it runs with; no filter-change follows', () => {
    const m = loaded(filtered, RUN_ON);
    expect(m.status().filter).toEqual({ applied: 'IsActive__c = true', changePending: false });
    expect(m.nextStep(100_001).kind).toBe('wait');
  });

  it('a changed filter gets one filter-change step from the applied filter to the new one', () => {
    const m = loaded(filtered, RUN_ON);
    m.reconfigure({ sfFilter: "Tier__c = 'Gold'" });
    expect(m.status().filter).toEqual({ applied: 'IsActive__c = true', changePending: true });
    const step = succeed(m, 'filter-change', 100_001, result['filter-change']({ inserted: 3, deleted: 2 }));
    expect(step.input).toMatchObject({ from: 'IsActive__c = true', to: "Tier__c = 'Gold'", table: 'account' });
    expect(m.status().filter).toEqual({ applied: "Tier__c = 'Gold'", changePending: false });
    expect(m.status().counts).toMatchObject({ inserted: 4, deleted: 2 });
    expect(m.nextStep(100_002).kind).toBe('wait');
  });

  it('removing the filter is a change to null; a failed change is retried from the same filter', () => {
    const m = loaded(filtered, RUN_ON);
    m.reconfigure({ sfFilter: null });
    const step = m.nextStep(100_001);
    expect(step).toMatchObject({ kind: 'filter-change', input: { from: 'IsActive__c = true', to: null } });
    if (step.kind === 'wait') throw new Error('expected a step');
    m.begin(step);
    m.apply(step, { ok: false, failure: { type: 'Error', message: 'boom' } }, 100_001);
    expect(m.state).toBe('SYSTEM_ERROR');
    expect(m.nextStep(100_001 + 60_000)).toMatchObject({ kind: 'filter-change', input: { from: 'IsActive__c = true', to: null } });
  });

  it('a filter changed while its step runs: the table reflects what the step applied, and another step follows', () => {
    const m = loaded(filtered, RUN_ON);
    m.reconfigure({ sfFilter: 'A__c = 1' });
    const step = m.nextStep(100_001);
    if (step.kind !== 'filter-change') throw new Error('expected a filter change');
    m.begin(step);
    m.reconfigure({ sfFilter: 'B__c = 2' });
    m.apply(step, { ok: true, result: result['filter-change']() }, 100_002);
    expect(m.nextStep(100_003)).toMatchObject({ kind: 'filter-change', input: { from: 'A__c = 1', to: 'B__c = 2' } });
  });

  it('a run replaying a history from before filters never takes the step', () => {
    const m = loaded(filtered);
    m.reconfigure({ sfFilter: 'A__c = 1' });
    expect(m.nextStep(100_001).kind).toBe('wait');
  });

  it('a state carried from before filters reflects its config (no change pending)', () => {
    const carried = loaded(mappingConfig('Account', ['Id', 'Name']), RUN_ON).carry();
    delete carried.scopeFilter;
    delete carried.formulas;
    const m = MappingMachine.startRun(carried.config, carried, { ...RUN, ...RUN_ON }, 100_001);
    expect(m.status().filter).toEqual({ applied: null, changePending: false });
  });
});

describe('formula refresh', () => {
  const every5min = mappingConfig('Account', ['Id', 'Name', 'Total__c'], { formula_refresh_seconds: 300 });

  function withFormulas(config = every5min, run: Record<string, unknown> = RUN_ON) {
    const m = machine(config, run);
    succeed(m, 'prepare', 100_000, result.prepare({ fields: FORMULA_FIELDS }));
    succeed(m, 'set-access', 100_000);
    succeed(m, 'load', 100_000);
    succeed(m, 'poll', 100_000);
    succeed(m, 'purge-sweep', 100_000);
    return m;
  }

  it('runs after the initial load, then every formula_refresh_seconds, and shows the last refresh', () => {
    const m = withFormulas();
    const step = succeed(m, 'formula-refresh', 100_000, result['formula-refresh']({ records: 10, rowsChanged: 3, apiCalls: 2 }));
    expect(step.input.fields.map((f) => f.name)).toEqual(['Id', 'Name', 'Total__c']);
    expect(m.status().formulas).toMatchObject({
      refreshSeconds: 300, lastRefreshAt: new Date(100_000).toISOString(), nextRefreshAt: new Date(400_000).toISOString(),
      refreshes: 1, lastRowsChanged: 3, lastRecords: 10, lastApiCalls: 2,
    });
    expect(m.nextStep(100_001)).toEqual({ kind: 'wait', untilMs: 400_000 });
    expect(m.nextStep(400_000).kind).toBe('formula-refresh');
  });

  it('is off by default, with no calculated field mapped, and when replaying a history from before it', () => {
    const off = withFormulas(mappingConfig('Account', ['Id', 'Name', 'Total__c']));
    expect(off.nextStep(100_001).kind).toBe('wait');
    const noCalculated = loaded(every5min, RUN_ON);
    expect(noCalculated.nextStep(100_001).kind).toBe('wait');
    const replay = withFormulas(every5min, {});
    expect(replay.nextStep(100_001).kind).toBe('wait');
  });
});
