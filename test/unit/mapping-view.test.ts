// The API's status view carries every block of the workflow's status, in snake_case.
import { describe, expect, it } from 'vitest';
import { initialStatus, statusView } from '../../api/mapping-view';
import { parseMappingEntry } from '../../domain/mapping-config';

const config = parseMappingEntry({ object_name: 'Account', config: { access: 'read_only', sync_mode: 'event_driven', fields: { Name: {} } } });

describe('statusView', () => {
  it('shows the streaming block of an event-driven mapping', () => {
    const status = {
      ...initialStatus(config), state: 'DATA_SYNCED' as const,
      streaming: {
        channel: '/data/AccountChangeEvent', applies: 3, events: 41, lastAppliedAt: '2026-01-02T03:04:05.000Z',
        fallbacks: 1, lastFallback: { reason: 'replay id expired', at: '2026-01-02T03:00:00.000Z' },
      },
    };
    expect(statusView(status, { apiCalls24h: 7 }).streaming).toEqual({
      channel: '/data/AccountChangeEvent', applies: 3, events: 41, last_applied_at: '2026-01-02T03:04:05.000Z',
      fallbacks: 1, last_fallback: { reason: 'replay id expired', at: '2026-01-02T03:00:00.000Z' },
    });
  });

  it('shows null for a polling mapping', () => {
    expect(statusView(initialStatus(config), { apiCalls24h: 0 }).streaming).toBeNull();
  });
});
