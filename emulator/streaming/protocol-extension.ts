// The Salesforce flavour of Bayeux, as a faye server extension: OAuth on every meta message, Salesforce's error
// strings and advice (which jsforce's AuthFailure extension and faye's re-handshake logic key on), the
// handshake's replay capability, channel existence and the durable replay backlog on subscribe.
import type { IncomingMessage } from 'node:http';
import type { BayeuxMessage, Callback, ServerExtension } from 'faye';
import type { SessionAuth } from '../contract.js';
import type { BayeuxBridge } from './bayeux-bridge.js';
import { REPLAY_NEW_ONLY, type EventLog } from './event-log.js';

export const AUTH_INVALID_ERROR = '401::Authentication invalid';
export const UNKNOWN_CLIENT_ERROR = '403::Unknown client';
export const PUBLISH_DENIED_ERROR = '403::Publishing is not allowed on this channel';

export const unknownChannelError = (channel: string): string =>
  `400::The channel you requested to subscribe to doesn't exist {${channel}}`;
export const invalidReplayIdError = (replayId: unknown): string =>
  `400::The replayId {${String(replayId)}} you provided was invalid. ` +
  'Please provide a valid ID, -2 to replay all events, or -1 to replay only new events.';

/** faye's own unknown-client error, `401:<clientId>:Unknown client`; Salesforce says `403::Unknown client`. */
const FAYE_UNKNOWN_CLIENT = /^401:[^:]*:Unknown client$/;
const AUTH_HEADER = /^(?:OAuth|Bearer)\s+(\S+)\s*$/i;
const AUTHENTICATED_CHANNELS = new Set(['/meta/handshake', '/meta/connect', '/meta/subscribe', '/meta/unsubscribe']);

export interface ProtocolDeps {
  auth: SessionAuth;
  log: EventLog<BayeuxMessage>;
  bridge: BayeuxBridge;
  /** Whether a client may subscribe to `channel` (a PushTopic that exists, a Change Data Capture channel …). */
  channelExists(channel: string): boolean;
}

export function createProtocolExtension(deps: ProtocolDeps): ServerExtension {
  // Requests whose token failed: the outgoing stage rewrites their replies into Salesforce's auth failure.
  const unauthenticated = new WeakSet<IncomingMessage>();

  return {
    incoming(message: BayeuxMessage, request: IncomingMessage | null, callback: Callback): void {
      const channel = message.channel;
      // request is null only for faye's in-process clients, which the emulator never creates for outsiders.
      if (request && AUTHENTICATED_CHANNELS.has(channel) && !isAuthenticated(request, deps.auth)) {
        unauthenticated.add(request);
        message.error = AUTH_INVALID_ERROR;
        return callback(message);
      }
      if (!channel.startsWith('/meta/')) {
        // Events come from org changes only; clients may not publish.
        message.error = PUBLISH_DENIED_ERROR;
        return callback(message);
      }
      if (channel === '/meta/subscribe') acceptSubscription(message, deps);
      else if (channel === '/meta/connect' && message.clientId) deps.bridge.connecting(message.clientId);
      callback(message);
    },

    outgoing(reply: BayeuxMessage, request: IncomingMessage | null, callback: Callback): void {
      if (!reply.channel.startsWith('/meta/')) return callback(reply);
      if (request && unauthenticated.has(request)) {
        reply.error = AUTH_INVALID_ERROR;
        reply.successful = false;
        reply.advice = { reconnect: 'none', interval: 0 };
        reply.ext = { ...reply.ext, sfdc: { failureReason: AUTH_INVALID_ERROR } };
        delete reply.clientId;
      } else if (reply.error && FAYE_UNKNOWN_CLIENT.test(reply.error)) {
        reply.error = UNKNOWN_CLIENT_ERROR;
        reply.advice = { reconnect: 'handshake', interval: 0 };
      } else if (reply.channel === '/meta/handshake' && reply.successful) {
        reply.ext = { ...reply.ext, replay: true, 'payload.format': true };
        reply.supportedConnectionTypes = ['long-polling'];
      }
      callback(reply);
    },
  };
}

function isAuthenticated(request: IncomingMessage, auth: SessionAuth): boolean {
  const match = AUTH_HEADER.exec(request.headers.authorization ?? '');
  return match !== null && auth.verify(match[1]) !== undefined;
}

/**
 * Validates every channel of a subscribe and queues each channel's replay backlog for this client alone.
 * Ordering: this runs synchronously right before faye adds the subscription, and an event is retained and sent
 * to live subscribers in one synchronous step (when the publish queue releases it), so the backlog holds every event up to now and live delivery starts with the next one —
 * no gap, no duplicate.
 */
function acceptSubscription(message: BayeuxMessage, deps: ProtocolDeps): void {
  const channels = message.subscription === undefined ? [] : ([] as string[]).concat(message.subscription);
  const replayMap = replayMapOf(message);
  const backlogs: BayeuxMessage[][] = [];
  for (const channel of channels) {
    if (!deps.channelExists(channel)) {
      message.error = unknownChannelError(channel);
      return;
    }
    const requested = replayMap[channel] ?? REPLAY_NEW_ONLY;
    const replayId = typeof requested === 'string' ? Number(requested) : requested;
    const selection = typeof replayId === 'number' && Number.isInteger(replayId)
      ? deps.log.select(channel, replayId)
      : { ok: false as const };
    if (!selection.ok) {
      message.error = invalidReplayIdError(requested);
      return;
    }
    backlogs.push(selection.events.map((event) => event.message));
  }
  if (message.clientId) for (const backlog of backlogs) deps.bridge.deliver(message.clientId, backlog);
}

function replayMapOf(message: BayeuxMessage): Record<string, unknown> {
  const replay = message.ext?.replay;
  return replay !== null && typeof replay === 'object' ? (replay as Record<string, unknown>) : {};
}
