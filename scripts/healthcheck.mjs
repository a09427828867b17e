/* global process, fetch, AbortSignal */
// The container health check (plain JavaScript: no loader, starts in milliseconds). One script for both roles:
//   API     GET http://127.0.0.1:$PORT/ready answers 200
//   worker  no API listens here, and FERRY_WORKER_HEALTH_FILE was touched within the last 30 s (the worker
//           touches it every 5 s while it polls Temporal)
// Exit 0 healthy, 1 not, with one line saying why.
import { statSync } from 'node:fs';

const port = process.env.PORT || '3000';
const file = process.env.FERRY_WORKER_HEALTH_FILE;
const MAX_AGE_MS = 30_000;

function fail(why) {
  process.stdout.write(`unhealthy: ${why}\n`);
  process.exit(1);
}

try {
  const res = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(4000) });
  if (res.status === 200) process.exit(0);
  const body = await res.json().catch(() => ({}));
  fail(`/ready answered ${res.status}: ${body.detail ?? ''}`);
} catch (err) {
  if (err?.cause?.code !== 'ECONNREFUSED') fail(`/ready: ${err?.cause?.code ?? err?.message ?? err}`);
}
// Nothing listens on the API port: this is a worker container.
if (!file) fail('no API answers and FERRY_WORKER_HEALTH_FILE is not set');
let age;
try {
  age = Date.now() - statSync(file).mtimeMs;
} catch {
  fail(`the worker has not touched ${file} (not polling yet)`);
}
if (age > MAX_AGE_MS) fail(`the worker last touched ${file} ${Math.round(age / 1000)} s ago`);
process.exit(0);
