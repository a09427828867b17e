import { describe, expect, it } from 'vitest';
import {
  HALTED_STATES, HEROKU_CONNECT_STATES, InvalidTransitionError, MAPPING_STATES, STATE_LABEL, WORKING_STATES,
  canTransition, isHalted, isMappingState, transition, type MappingState,
} from '../../domain/mapping-state.js';

describe('canTransition', () => {
  it.each<[MappingState, MappingState, boolean]>([
    ['INITIAL', 'RELOAD_TABLE', true],
    ['INITIAL', 'DATA_SYNCED', true],
    ['INITIAL', 'LOADING_BULK_JOB', true],
    ['INITIAL', 'SCHEMA_CHANGED', false],
    ['INITIAL', 'STREAMING', false],
    ['INITIAL', 'POLLING_SF_CHANGES', false],
    ['RELOAD_TABLE', 'WAIT_BULK_LOAD', true],
    ['RELOAD_TABLE', 'DATA_SYNCED', true],
    ['WAIT_BULK_LOAD', 'LOADING_BULK_JOB', true],
    ['WAIT_BULK_LOAD', 'DATA_SYNCED', false],
    ['LOADING_BULK_JOB', 'DATA_SYNCED', true],
    ['DATA_SYNCED', 'POLLING_SF_CHANGES', true],
    ['DATA_SYNCED', 'STREAMING', true],
    ['DATA_SYNCED', 'SCHEMA_CHANGED', true],
    ['DATA_SYNCED', 'INITIAL', false],
    ['DATA_SYNCED', 'RESYNC', true],
    ['DATA_SYNCED', 'LOADING_BULK_JOB', true],
    ['POLLING_SF_CHANGES', 'POLLING_SF_BULK', true],
    ['POLLING_SF_CHANGES', 'DATA_SYNCED', true],
    ['POLLING_SF_BULK', 'POLLING_SF_CHANGES', false],
    ['STREAMING', 'POLLING_SF_CHANGES', true],
    ['STREAMING', 'POLLING_SF_BULK', false],
    ['SCHEMA_CHANGED', 'RESYNC', true],
    ['RESYNC', 'DATA_SYNCED', true],
    ['RESYNC', 'SCHEMA_CHANGED', true],
    ['RESYNC', 'POLLING_SF_CHANGES', false],
    ['LOADING_BULK_JOB', 'POLLING_SF_CHANGES', false],
    ['POLLING_SF_CHANGES', 'STREAMING', false],
    ['STREAMING', 'RELOAD_TABLE', true],
    ['POLLING_SF_BULK', 'API_BUDGET_EXHAUSTED', true],
    ['INITIAL', 'BAD_CONFIG', true],
    ['API_BUDGET_EXHAUSTED', 'POLLING_SF_CHANGES', true],
    ['UNAUTHORIZED', 'PAUSED', true],
    ['PAUSED', 'LOADING_BULK_JOB', true],
    ['PAUSED', 'PAUSED', false],
    ['DATA_SYNCED', 'DATA_SYNCED', false],
  ])('%s → %s: %s', (from, to, ok) => expect(canTransition(from, to)).toBe(ok));

  it('lets every state halt and every halted state resume', () => {
    for (const s of MAPPING_STATES) {
      for (const h of HALTED_STATES) if (s !== h) expect(canTransition(s, h)).toBe(true);
      if (isHalted(s)) for (const w of WORKING_STATES) expect(canTransition(s, w)).toBe(true);
    }
  });

  it('reaches DATA_SYNCED from INITIAL along forward moves only', () => {
    const seen = new Set<MappingState>(['INITIAL']);
    const queue: MappingState[] = ['INITIAL'];
    while (queue.length > 0) {
      const s = queue.shift() as MappingState;
      for (const t of WORKING_STATES) if (!seen.has(t) && canTransition(s, t)) { seen.add(t); queue.push(t); }
    }
    expect([...seen].sort()).toEqual([...WORKING_STATES].sort());
  });
});

describe('transition', () => {
  it('returns the target or throws naming both states', () => {
    expect(transition('RESYNC', 'DATA_SYNCED')).toBe('DATA_SYNCED');
    expect(() => transition('INITIAL', 'STREAMING')).toThrow(InvalidTransitionError);
    expect(() => transition('INITIAL', 'STREAMING')).toThrow('A mapping cannot go from INITIAL to STREAMING');
  });
});

describe('state names', () => {
  it('labels every state, uses Heroku Connect names only for its states', () => {
    for (const s of MAPPING_STATES) expect(STATE_LABEL[s]).toBeTruthy();
    expect(HEROKU_CONNECT_STATES).not.toContain('API_BUDGET_EXHAUSTED');
    expect(HEROKU_CONNECT_STATES).not.toContain('STREAMING');
    expect(HEROKU_CONNECT_STATES.every((s) => isMappingState(s))).toBe(true);
  });

  it.each<[unknown, boolean]>([['DATA_SYNCED', true], ['RELOADING', false], ['data_synced', false], [3, false]])(
    'isMappingState(%j) = %s', (v, ok) => expect(isMappingState(v)).toBe(ok));
});
