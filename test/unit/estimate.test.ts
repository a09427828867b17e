import { describe, expect, it } from 'vitest';
import { estimateDailyApiCalls, type Estimate, type EstimateInput } from '../../domain/estimate.js';

const BASE: EstimateInput = {
  recordCount: 5_000, changesPerDay: 1_440, pollIntervalSeconds: 600, syncMode: 'polling',
  streamingSource: 'pushtopic', writesPerDay: 0,
};

describe('estimateDailyApiCalls', () => {
  it.each<[string, Partial<EstimateInput>, Estimate]>([
    ['light polling: one query per poll either way', {}, {
      low: 144, high: 144, firstDay: { low: 148, high: 148 },
      breakdown: { initialLoad: { low: 4, high: 4 }, polling: { low: 144, high: 144 }, streaming: { low: 0, high: 0 }, outbound: { low: 0, high: 0 } },
    }],
    ['fast polling, a burst goes through a bulk job', { pollIntervalSeconds: 120, changesPerDay: 1_000_000 }, {
      low: 720, high: 750, firstDay: { low: 724, high: 754 },
      breakdown: { initialLoad: { low: 4, high: 4 }, polling: { low: 720, high: 750 }, streaming: { low: 0, high: 0 }, outbound: { low: 0, high: 0 } },
    }],
    ['hourly polls over the bulk threshold: bursty is cheaper than uniform', { pollIntervalSeconds: 3600, changesPerDay: 480_000 }, {
      low: 30, high: 528, firstDay: { low: 34, high: 532 },
      breakdown: { initialLoad: { low: 4, high: 4 }, polling: { low: 30, high: 528 }, streaming: { low: 0, high: 0 }, outbound: { low: 0, high: 0 } },
    }],
    ['event-driven PushTopic: only the initial load and topic setup', { syncMode: 'event_driven', recordCount: 20_000, changesPerDay: 50_000 }, {
      low: 0, high: 0, firstDay: { low: 6, high: 25 },
      breakdown: { initialLoad: { low: 6, high: 25 }, polling: { low: 0, high: 0 }, streaming: { low: 0, high: 0 }, outbound: { low: 0, high: 0 } },
    }],
    ['event-driven CDC: partial updates re-queried per flush', { syncMode: 'event_driven', streamingSource: 'cdc', changesPerDay: 1_000 }, {
      low: 2, high: 1_000, firstDay: { low: 6, high: 1_004 },
      breakdown: { initialLoad: { low: 4, high: 4 }, polling: { low: 0, high: 0 }, streaming: { low: 2, high: 1_000 }, outbound: { low: 0, high: 0 } },
    }],
    ['read_write: writes cost collections and come back as changes', { changesPerDay: 0, writesPerDay: 10_000 }, {
      low: 194, high: 8_788, firstDay: { low: 198, high: 8_792 },
      breakdown: { initialLoad: { low: 4, high: 4 }, polling: { low: 144, high: 148 }, streaming: { low: 0, high: 0 }, outbound: { low: 50, high: 8_640 } },
    }],
    ['nothing changes: one empty query per poll', { changesPerDay: 0, pollIntervalSeconds: 3600, recordCount: 0 }, {
      low: 24, high: 24, firstDay: { low: 26, high: 26 },
      breakdown: { initialLoad: { low: 2, high: 2 }, polling: { low: 24, high: 24 }, streaming: { low: 0, high: 0 }, outbound: { low: 0, high: 0 } },
    }],
  ])('%s', (_n, over, expected) => {
    expect(estimateDailyApiCalls({ ...BASE, ...over })).toEqual(expected);
  });

  it('a longer flush interval lowers the outbound worst case', () => {
    const fast = estimateDailyApiCalls({ ...BASE, writesPerDay: 10_000, flushIntervalSeconds: 1 });
    const slow = estimateDailyApiCalls({ ...BASE, writesPerDay: 10_000, flushIntervalSeconds: 60 });
    expect(slow.breakdown.outbound.high).toBeLessThan(fast.breakdown.outbound.high);
    expect(slow.breakdown.outbound.low).toBe(fast.breakdown.outbound.low);
  });

  it('low never exceeds high', () => {
    for (const pollIntervalSeconds of [120, 600, 3600]) {
      for (const changesPerDay of [0, 10, 5_000, 200_000, 3_000_000]) {
        const e = estimateDailyApiCalls({ ...BASE, pollIntervalSeconds, changesPerDay, writesPerDay: changesPerDay / 10 });
        expect(e.low).toBeLessThanOrEqual(e.high);
        for (const r of Object.values(e.breakdown)) expect(r.low).toBeLessThanOrEqual(r.high);
      }
    }
  });

  it.each<[string, Partial<EstimateInput>]>([
    ['negative records', { recordCount: -1 }],
    ['NaN changes', { changesPerDay: NaN }],
    ['zero interval', { pollIntervalSeconds: 0 }],
    ['zero flush interval', { flushIntervalSeconds: 0 }],
  ])('refuses %s', (_n, over) => expect(() => estimateDailyApiCalls({ ...BASE, ...over })).toThrow(RangeError));
});
