import { describe, expect, it } from 'vitest';
import { estimateDailyApiCalls, type EstimateInput } from '../../domain/estimate.js';
import { estimateMappingApiCalls, PURGE_SWEEPS_PER_DAY } from '../../domain/mapping-api-estimate.js';

const BASE: EstimateInput = {
  recordCount: 3_000, changesPerDay: 5_060, pollIntervalSeconds: 3600, syncMode: 'polling', streamingSource: 'pushtopic', writesPerDay: 0,
};

describe('estimateMappingApiCalls', () => {
  it('adds the hourly purge sweeps and the load COUNT() to the formula', () => {
    expect(estimateMappingApiCalls(BASE)).toEqual({
      low: 24 + 24, high: 26 + 24, firstDay: { low: 48 + 4, high: 50 + 4 },
      breakdown: {
        initialLoad: { low: 4, high: 4 }, polling: { low: 24, high: 26 }, streaming: { low: 0, high: 0 },
        outbound: { low: 0, high: 0 }, purgeSweeps: { low: 24, high: 24 },
      },
    });
  });

  it.each<[string, Partial<EstimateInput>]>([
    ['polling', {}], ['event-driven CDC', { syncMode: 'event_driven', streamingSource: 'cdc' }],
    ['read_write', { writesPerDay: 10_000 }], ['bulk load', { recordCount: 2_000_000 }],
  ])('%s: the breakdown sums to the range', (_n, over) => {
    const e = estimateMappingApiCalls({ ...BASE, ...over });
    const parts = Object.entries(e.breakdown).filter(([k]) => k !== 'initialLoad').map(([, r]) => r);
    expect(e.low).toBe(parts.reduce((s, r) => s + r.low, 0));
    expect(e.high).toBe(parts.reduce((s, r) => s + r.high, 0));
    expect(e.firstDay).toEqual({ low: e.low + e.breakdown.initialLoad.low, high: e.high + e.breakdown.initialLoad.high });
    const base = estimateDailyApiCalls({ ...BASE, ...over });
    expect(e.low - base.low).toBe(PURGE_SWEEPS_PER_DAY);
  });
});
