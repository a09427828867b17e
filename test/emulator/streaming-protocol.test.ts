// The Bayeux wire as Salesforce speaks it, checked with raw HTTP: what faye's client and jsforce's extensions
// key on (handshake ext, advice, error strings), and which paths the streaming surface answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFixture, type StreamingFixture } from './streaming-fixture.js';

let fx: StreamingFixture;
beforeAll(async () => {
  fx = await startFixture();
});
afterAll(async () => {
  await fx?.close();
});

type Reply = Record<string, unknown> & { channel: string; successful?: boolean; error?: string; clientId?: string };

async function bayeux(messages: object[], authorization: string | undefined, version = '62.0'): Promise<{ status: number; replies: Reply[] }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization) headers.authorization = authorization;
  const response = await fetch(`${fx.conn.instanceUrl}/cometd/${version}`, { method: 'POST', headers, body: JSON.stringify(messages) });
  const text = await response.text();
  let replies: Reply[] = [];
  try {
    replies = JSON.parse(text) as Reply[];
  } catch {
    // not a Bayeux reply
  }
  return { status: response.status, replies: Array.isArray(replies) ? replies : [] };
}

const handshake = { channel: '/meta/handshake', version: '1.0', supportedConnectionTypes: ['long-polling'], id: '1' };

describe('Bayeux wire', () => {
  it.each(['OAuth', 'Bearer'])('hands a client with an "%s" token the replay capability and long-polling advice', async (scheme) => {
    const { status, replies } = await bayeux([handshake], `${scheme} ${fx.conn.accessToken}`);
    expect(status).toBe(200);
    expect(replies[0]).toMatchObject({
      channel: '/meta/handshake', successful: true, version: '1.0', supportedConnectionTypes: ['long-polling'],
      advice: { reconnect: 'retry', interval: 0, timeout: 110_000 }, ext: { replay: true, 'payload.format': true },
    });
    expect(typeof replies[0].clientId).toBe('string');
  });

  it.each([
    ['no Authorization header', undefined],
    ['an unknown token', 'OAuth not-a-ferry-token'],
    ['a Basic header', `Basic ${Buffer.from('a:b').toString('base64')}`],
  ])('refuses a handshake with %s: 401 and no reconnect', async (_case, authorization) => {
    const { replies } = await bayeux([handshake], authorization);
    expect(replies[0]).toMatchObject({ successful: false, error: '401::Authentication invalid', advice: { reconnect: 'none' } });
    expect(replies[0]).not.toHaveProperty('clientId');
  });

  it('answers a connect from a client it does not know with 403::Unknown client and handshake advice', async () => {
    const { replies } = await bayeux(
      [{ channel: '/meta/connect', clientId: 'no-such-client', connectionType: 'long-polling', id: '2' }],
      `OAuth ${fx.conn.accessToken}`,
    );
    expect(replies[0]).toMatchObject({ successful: false, error: '403::Unknown client', advice: { reconnect: 'handshake' } });
  });

  it('does not let clients publish', async () => {
    const auth = `OAuth ${fx.conn.accessToken}`;
    const { replies: [hello] } = await bayeux([handshake], auth);
    const { replies } = await bayeux([{ channel: '/data/ChangeEvents', clientId: hello.clientId, data: { forged: true }, id: '3' }], auth);
    expect(replies[0]).toMatchObject({ successful: false });
    expect(fx.streaming.stats().published['/data/ChangeEvents'] ?? 0).toBe(0);
  });

  it('serves /cometd/<version>[/…] from 36.0 only', async () => {
    const auth = `OAuth ${fx.conn.accessToken}`;
    expect((await bayeux([handshake], auth, '36.0')).replies[0]).toMatchObject({ successful: true });
    expect((await bayeux([handshake], auth, '62.0/meta/handshake')).replies[0]).toMatchObject({ successful: true });
    const old = await bayeux([handshake], auth, '35.0');
    expect(old.replies.some((reply) => reply.channel === '/meta/handshake')).toBe(false);
  });
});
