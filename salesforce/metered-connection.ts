// A jsforce Connection whose every HTTP request to Salesforce is first reserved in the mapping's API-call
// ledger. jsforce's own retries are switched off, so a retry is a new request (made by Temporal's activity
// retry) and is counted too; OAuth token requests go through jsforce's OAuth2 transport and are not counted,
// as Salesforce does not count them.
import { Connection } from 'jsforce';
import type { Duplex } from 'node:stream';
import { StreamPromise } from 'jsforce/lib/util/promise';
import { DeferredDuplex } from './deferred-duplex';
import { markStreamsBodies, withStreamedBodies } from './streamed-body';
import type { SalesforceSessions } from './session';

/** Reserves one call before it is made; throws (e.g. ApiBudgetExhausted) when it may not be made. */
export type ReserveCall = (method: string, url: string) => Promise<void>;
/** Sees the headers of every response (the org's Date header is its clock: domain/poll-window.ts). */
export type ResponseHeadersSeen = (headers: Record<string, string | string[] | undefined>) => void;

interface HttpRequestLike {
  method: string;
  url: string;
}
interface TransportLike {
  httpRequest(req: HttpRequestLike, options?: Record<string, unknown>): StreamPromise<unknown>;
}

function meter(transport: TransportLike, reserve: ReserveCall, seen?: ResponseHeadersSeen): TransportLike {
  return {
    httpRequest(req, options = {}) {
      return StreamPromise.create(() => {
        const stream = new DeferredDuplex();
        const promise = (async () => {
          try {
            await reserve(req.method, req.url);
          } catch (err) {
            stream.fail(err as Error);
            throw err;
          }
          const inner = transport.httpRequest(req, { ...options, retry: { maxRetries: 0 } });
          stream.attach(inner.stream() as Duplex);
          if (!seen) return inner;
          const response = (await inner) as { headers?: Record<string, string | string[] | undefined> } | undefined;
          if (response?.headers) seen(response.headers);
          return response;
        })();
        return { stream, promise };
      });
    },
  };
}

export async function openMeteredConnection(sessions: SalesforceSessions, reserve: ReserveCall, seen?: ResponseHeadersSeen): Promise<Connection> {
  const session = await sessions.get();
  const conn = new Connection({
    instanceUrl: session.instanceUrl,
    accessToken: session.accessToken,
    version: sessions.credentials.apiVersion,
    refreshFn: (c, callback) => {
      sessions.renew(c.accessToken ?? undefined).then(
        (s) => callback(null, s.accessToken),
        (err: Error) => callback(err),
      );
    },
  });
  const internal = conn as unknown as { _transport: TransportLike };
  // Bulk results pages are streamed to COPY rather than read whole (salesforce/streamed-body.ts); metered all the same.
  internal._transport = meter(withStreamedBodies(internal._transport), reserve, seen);
  markStreamsBodies(conn);
  return conn;
}
