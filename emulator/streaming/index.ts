// The emulator's Streaming API (CometD/Bayeux over long-polling), as jsforce's faye client talks to Salesforce:
// a faye NodeAdapter answering POST /cometd/<version> for any version from 36.0 on.
import type http from 'node:http';
import faye, { type NodeAdapter } from 'faye';
import type { EmulatorContext, StreamingControl } from '../contract.js';

const COMETD_PATH = /^\/cometd\/(?:replay\/)?(\d+)\.\d+\/?$/;
const MIN_COMETD_MAJOR = 36;

/** Mounts the streaming surface on `server` and returns the admin's handle on it. */
export function attachStreaming(server: http.Server, _ctx: EmulatorContext): StreamingControl {
  const adapter = new faye.NodeAdapter({ mount: '/cometd', timeout: 110 });
  interceptCometdRequests(server, adapter);
  return {
    dropAllClients: () => undefined,
    expireReplayIds: () => undefined,
    stats: () => ({ clients: 0, published: {} }),
    close: async () => adapter.close(),
  };
}

/**
 * Routes /cometd/<version> requests to faye whatever order the other 'request' listeners were added in:
 * faye's own attach() only wraps listeners present at attach time, so a handler added later would answer too.
 */
function interceptCometdRequests(server: http.Server, adapter: NodeAdapter): void {
  const emit = server.emit.bind(server) as (event: string | symbol, ...args: unknown[]) => boolean;
  server.emit = ((event: string | symbol, ...args: unknown[]): boolean => {
    if (event === 'request') {
      const [req, res] = args as [http.IncomingMessage, http.ServerResponse];
      const match = COMETD_PATH.exec(new URL(req.url ?? '/', 'http://x').pathname);
      if (match && Number(match[1]) >= MIN_COMETD_MAJOR) {
        adapter.handle(req, res);
        return true;
      }
    }
    return emit(event, ...args);
  }) as typeof server.emit;
}
