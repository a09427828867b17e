// Opens a Salesforce connection on behalf of one mapping: every request is reserved in that mapping's
// API-call ledger first, and the activity learns how many calls it made and how many the window holds.
import type { Connection } from 'jsforce';
import type { MappingConfig } from '../domain/mapping-rules';
import type { Pool } from '../infra/db';
import { parseHttpDate } from '../domain/poll-window';
import { reserveApiCalls } from '../store/api-call-ledger';
import { echoClientName } from './pubsub/cdc-decode';
import { SalesforceNotConfigured } from './errors';
import { openMeteredConnection } from './metered-connection';
import type { SalesforceSessions } from './session';

/** What every mapping activity receives to know which mapping it works for. */
export interface MappingRef {
  /** `<schema>.<table>`, e.g. `salesforce.contact`; the ledger and checkpoints key on it. */
  mappingId: string;
  config: MappingConfig;
}

export interface MappingConnection {
  conn: Connection;
  /** Calls this connection has made (each reserved before it was made). */
  callsMade(): number;
  /** Calls the mapping's ledger held in the rolling window after the latest reservation. */
  usedInWindow(): number;
  /** The org's time of the latest response (its Date header, whole seconds); null before any or without one. */
  orgTimeMs(): number | null;
}

export async function connectForMapping(deps: { pool: Pool; sessions?: SalesforceSessions }, ref: MappingRef): Promise<MappingConnection> {
  if (!deps.sessions) {
    throw new SalesforceNotConfigured();
  }
  let calls = 0;
  let used = 0;
  let orgTimeMs: number | null = null;
  const conn = await openMeteredConnection(deps.sessions, async () => {
    used = await reserveApiCalls(deps.pool, ref.mappingId, 1, ref.config.maxDailyApiCalls);
    calls += 1;
  }, (headers) => {
    const date = headers.date;
    orgTimeMs = parseHttpDate(Array.isArray(date) ? date[0] : date);
  });
  // Every request names the mapping as its client (Sforce-Call-Options: client=ferry-<mapping>), so the change
  // events of ferry's own writes say so in changeOrigin and the Pub/Sub listener leaves them be.
  (conn as unknown as { _callOptions?: Record<string, string> })._callOptions = { client: echoClientName(ref.mappingId) };
  return { conn, callsMade: () => calls, usedInWindow: () => used, orgTimeMs: () => orgTimeMs };
}
