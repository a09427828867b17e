// A Duplex that stands in for a request stream that does not exist yet. jsforce's HttpApi grabs a request's
// stream synchronously (to pipe an upload into it or a response out of it), but ferry must first reserve the
// API call in its ledger, which is asynchronous. Writes are buffered until `attach`, then both directions
// are forwarded.
//
// A failed request (a dropped connection, a reset, a timeout) rejects the request's promise, which is how the
// caller learns of it. The stream is destroyed with the same error for whoever reads or writes it, but
// jsforce only pipes through this stream (pipe() forwards no errors), so often nobody listens for its 'error':
// a permanent listener keeps that from becoming an uncaught exception that ends the process.
import { Duplex } from 'node:stream';

export class DeferredDuplex extends Duplex {
  private inner: Duplex | undefined;
  private pending: { chunk: unknown; encoding: BufferEncoding; callback: (err?: Error | null) => void }[] = [];
  private ended: (() => void) | undefined;
  /** The inner stream's error, if it failed (the request's promise rejects with it too). */
  failure: Error | undefined;

  constructor() {
    super();
    this.on('error', (err: Error) => {
      this.failure ??= err;
    });
  }

  attach(inner: Duplex): void {
    this.inner = inner;
    inner.on('data', (chunk) => {
      if (!this.push(chunk)) inner.pause();
    });
    inner.on('end', () => this.push(null));
    inner.on('error', (err) => this.destroy(err));
    for (const p of this.pending.splice(0)) inner.write(p.chunk, p.encoding, p.callback);
    if (this.ended) inner.end(this.ended);
  }

  /** The request was never made: the caller learns why from the request's promise, so the stream just closes. */
  fail(err: Error): void {
    for (const p of this.pending.splice(0)) p.callback(err);
    this.destroy();
  }

  override _read(): void {
    this.inner?.resume();
  }

  override _write(chunk: unknown, encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    if (this.inner) this.inner.write(chunk, encoding, callback);
    else this.pending.push({ chunk, encoding, callback });
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (this.inner) this.inner.end(callback);
    else this.ended = () => callback();
  }
}
