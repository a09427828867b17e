// Responses handed to their reader as they arrive, instead of read into one string first. jsforce's transport
// always collects a response's whole body (Buffer.concat, then a UTF-8 decode) before its promise resolves,
// even when the caller pipes the request's stream; for a Bulk 2.0 results page copied straight into Postgres
// that is two copies of ~5 MB per page and the garbage behind them, on the worker's one thread. Its stream
// also never ends nor fails when a download is broken off midway (node-fetch's error on the body is not
// passed on by jsforce's pipe), so a reader would wait for ever.
//
// A request whose HttpApi options hold a STREAM_BODY callback is sent by `streamBodyRequest` instead, with
// Node's http client: its promise resolves with the status and headers as soon as they arrive (body ''), and
// a successful response's body is handed to the callback, failing with the connection when that breaks. Every
// other part of the call is jsforce's — the HttpApi that signs it, refreshes an expired session and turns
// error answers into errors, and the metered transport around this one. A response that is not a success is
// read whole for its error and never handed over: after a session refresh, the callback gets the body of the
// request sent again. jsforce's request stream for such a call stays empty. Behind a proxy (jsforce's
// httpProxy) the call goes through jsforce's transport, and the body, read whole, is then handed over.
import http from 'node:http';
import https from 'node:https';
import { Duplex, PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StreamPromise } from 'jsforce/lib/util/promise';
import type { HttpRequest, HttpRequestOptions, HttpResponse } from 'jsforce/lib/types';

/** The HttpApi option naming the callback that takes a successful response's body as a stream. */
export const STREAM_BODY = 'ferryStreamBody';
/** The HttpApi option bounding how long a streamed body may send nothing (BODY_IDLE_MS when absent). */
export const BODY_IDLE = 'ferryBodyIdleMs';
export type BodyReader = (body: Readable) => void;

/**
 * A streamed body that sends nothing for this long fails. Its reader copies it inside a transaction, so a
 * download the org stops sending midway must not hold that transaction (and its locks) open for ever. Time
 * the reader holds the body back counts too: a Postgres that takes no data for two minutes fails the page
 * as well, and the load resumes from it.
 */
export const BODY_IDLE_MS = 120_000;

const ok = (status: number) => status >= 200 && status < 300;

export function streamBodyRequest(req: HttpRequest, options: HttpRequestOptions & Record<string, unknown>, reader: BodyReader): StreamPromise<HttpResponse> {
  const idleMs = typeof options[BODY_IDLE] === 'number' ? options[BODY_IDLE] : BODY_IDLE_MS;
  return StreamPromise.create(() => {
    const promise = new Promise<HttpResponse>((resolve, reject) => {
      const url = new URL(req.url);
      const send = url.protocol === 'https:' ? https.request : http.request;
      const request = send(url, { method: req.method, headers: req.headers as http.OutgoingHttpHeaders }, (res) => {
        const statusCode = res.statusCode ?? 0;
        const headers = flatHeaders(res.headers);
        if (!ok(statusCode)) {
          readText(res).then((text) => resolve({ statusCode, headers, body: text }), reject);
          return;
        }
        const body = new PassThrough();
        // A broken connection (or a body cut short) destroys `body` with its error, which fails the reader;
        // pipeline() listens on both streams, so an error before the reader has attached is never unheard.
        pipeline(res, body).catch(() => {});
        watchIdle(res, idleMs, `${req.method} ${url.pathname}`);
        reader(body);
        resolve({ statusCode, headers, body: '' });
      });
      request.on('error', reject);
      const timeout = options.timeout ?? (process.env.HTTP_TIMEOUT ? Number.parseInt(process.env.HTTP_TIMEOUT, 10) : undefined);
      if (timeout) request.setTimeout(timeout, () => request.destroy(new Error(`no answer within ${timeout} ms: ${req.method} ${url.pathname}`)));
      request.end(typeof req.body === 'string' || Buffer.isBuffer(req.body) ? req.body : undefined);
    });
    return { stream: emptyStream(), promise };
  });
}

/** Fails `res` when no data has come for `idleMs`. */
function watchIdle(res: Readable, idleMs: number, what: string): void {
  const timer = setTimeout(() => res.destroy(new Error(`the org sent nothing for ${idleMs} ms midway through ${what}`)), idleMs);
  res.on('data', () => timer.refresh());
  res.once('close', () => clearTimeout(timer));
}

/** Through jsforce's own transport (a proxy): the body is read whole, then handed over on success. */
function viaTransport(base: TransportLike, req: HttpRequest, options: HttpRequestOptions, reader: BodyReader): StreamPromise<unknown> {
  return StreamPromise.create(() => {
    const inner = base.httpRequest(req, options);
    const promise = (inner as Promise<HttpResponse>).then((res) => {
      if (!ok(res.statusCode)) return res;
      reader(Readable.from([res.body]));
      return { ...res, body: '' };
    });
    return { stream: inner.stream(), promise };
  });
}

/** The proxy jsforce would send the request through: its option, else the environment's (as jsforce reads it). */
function proxyOf(options: HttpRequestOptions): string | undefined {
  return options.httpProxy ?? process.env.https_proxy ?? process.env.http_proxy ?? process.env.HTTPS_PROXY ?? process.env.HTTP_PROXY;
}

/** jsforce pipes a request's stream (uploads in, the body out); a streamed call's carries neither. */
function emptyStream(): Duplex {
  return new Duplex({
    read() {
      this.push(null);
    },
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function readText(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer | string) => chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c)));
    stream.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.once('error', reject);
  });
}

interface TransportLike {
  httpRequest(req: HttpRequest, options?: HttpRequestOptions & Record<string, unknown>): StreamPromise<unknown>;
}

/** Marks a connection whose transport honours STREAM_BODY (see `streamsBodies`). */
const STREAMS = Symbol('ferry.streamsBodies');

/** Wraps jsforce's transport: requests that ask for STREAM_BODY stream, every other one is jsforce's. */
export function withStreamedBodies(base: TransportLike): TransportLike {
  return {
    httpRequest(req, options = {}) {
      const reader = options[STREAM_BODY];
      if (typeof reader !== 'function') return base.httpRequest(req, options);
      return proxyOf(options) ? viaTransport(base, req, options, reader as BodyReader) : streamBodyRequest(req, options, reader as BodyReader);
    },
  };
}

/** Records that the connection's transport (however wrapped) is built on `withStreamedBodies`. */
export function markStreamsBodies(conn: object): void {
  (conn as Record<symbol, boolean>)[STREAMS] = true;
}

/**
 * Whether a connection streams bodies on request. jsforce's own transport ignores STREAM_BODY and resolves a
 * request only once its whole body is read, so a caller that waits for that before reading the stream waits
 * for ever: such connections take the text path.
 */
export function streamsBodies(conn: object): boolean {
  return (conn as Record<symbol, boolean>)[STREAMS] === true;
}
