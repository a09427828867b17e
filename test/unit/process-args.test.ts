// `npm run worker` starts the worker by hand (outside npm start, compose and Helm): its command line must
// be the one infra/process-args.ts defines, or a worker started that way runs with another memory profile.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_NODE_ARGS, WORKER_ENV, WORKER_NODE_ARGS } from '../../infra/process-args';

const scripts = (JSON.parse(readFileSync(resolve(__dirname, '../../package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('npm scripts that start ferry processes', () => {
  it('npm run worker sets each WORKER_ENV variable (overridable) and runs node with WORKER_NODE_ARGS', () => {
    const env = Object.entries(WORKER_ENV).map(([k, v]) => `${k}=\${${k}:-${v}}`);
    expect(scripts.worker).toBe([...env, 'node', ...WORKER_NODE_ARGS].join(' '));
  });

  it('npm run api runs node with API_NODE_ARGS', () => {
    expect(scripts.api).toBe(['node', ...API_NODE_ARGS].join(' '));
  });
});
