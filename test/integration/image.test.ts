// The container image, built without a Docker engine: the Dockerfile's stages are carried out as Docker would
// (same npm ci, same files copied, the workflow bundle built in its stage; test/support/dockerfile.ts), then the
// worker starts from the runtime stage's file system with the image's environment against the test stack,
// polls Temporal, and the image's health check passes. A broken install (e.g. a native binding left out) or a
// missing COPY fails here (issue 17).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Readiness } from '../../api/readiness';
import { buildStages, type Stage } from '../support/dockerfile';
import { freePort } from '../../scripts/runtime/free-port';
import { eventually } from '../support/org';
import { createTestDatabase, services, type TestDatabase } from '../support/services';

const ROOT = join(__dirname, '../..');

describe('the container image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-image-'));
  let stages: Map<string, Stage>;
  let runtime: Stage;
  let db: TestDatabase;
  let worker: ChildProcess | undefined;
  let connection: Connection;
  const output: string[] = [];
  const taskQueue = `image-${Date.now()}`;
  const healthFile = join(dir, 'worker-alive');

  /** The image's ENV with /app paths mapped into the stage's directory, plus the test stack's addresses. */
  const envOf = (s: Stage, extra: Record<string, string>) => {
    const mapped = Object.fromEntries(Object.entries(s.env).map(([k, v]) => [k, v.replace(/^\/app\b/, join(s.dir, 'app'))]));
    return { PATH: process.env.PATH!, HOME: process.env.HOME!, ...mapped, FERRY_WORKER_HEALTH_FILE: healthFile, ...extra };
  };

  beforeAll(async () => {
    // npm's own cache makes the install quick and offline-friendly; the command itself is the Dockerfile's.
    stages = buildStages(join(ROOT, 'Dockerfile'), ROOT, dir, { npm_config_prefer_offline: 'true', npm_config_loglevel: 'error' });
    runtime = stages.get('runtime')!;
    db = await createTestDatabase('image');
    connection = await Connection.connect({ address: services().temporalAddress });
  }, 900_000);
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await new Promise((r) => worker!.once('exit', r));
    }
    await connection?.close();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs production dependencies with their native bindings, and no dev dependencies', () => {
    const app = join(runtime.dir, 'app');
    const swc = spawnSync(process.execPath, ['-e', "require('@swc/core').transformSync('const a = 1', {}); require('@temporalio/core-bridge')"], { cwd: app, encoding: 'utf8' });
    expect(swc.stderr).toBe('');
    expect(swc.status).toBe(0);
    expect(existsSync(join(app, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(join(app, 'node_modules/typescript'))).toBe(false);
  });

  it('runs as the unprivileged node user, with the workflow bundle built at image build time', () => {
    expect(runtime.user).toBe('node');
    expect(runtime.env.FERRY_WORKFLOW_BUNDLE).toBe('/app/dist/workflows.js');
    expect(existsSync(join(runtime.dir, 'app/dist/workflows.js'))).toBe(true);
    expect(runtime.healthcheck).toEqual(['node', 'scripts/healthcheck.mjs']);
  });

  it('starts the worker (the compose file\'s command) from the image against Temporal and Postgres; the health check passes', async () => {
    const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, { command: string[] }> };
    const command = compose.services['ferry-worker'].command;
    expect(command[0]).toBe('node');
    const noApiPort = String(await freePort()); // a worker container: nothing listens on the API port
    worker = spawn(command[0] === 'node' ? process.execPath : command[0], command.slice(1), {
      cwd: join(runtime.dir, 'app'),
      env: envOf(runtime, { DATABASE_URL: db.url, TEMPORAL_ADDRESS: services().temporalAddress, TEMPORAL_TASK_QUEUE: taskQueue, LOG_FORMAT: 'json', PORT: noApiPort }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    worker.stdout!.on('data', (b: Buffer) => output.push(b.toString()));
    worker.stderr!.on('data', (b: Buffer) => output.push(b.toString()));
    const readiness = new Readiness({ pool: db.pool, temporal: new Client({ connection }), namespace: 'default', taskQueue });
    const polling = await eventually('the image\'s worker polling its task queue', async () => {
      if (worker!.exitCode !== null) throw new Error(`the worker exited ${worker!.exitCode}: ${output.join('')}`);
      const w = await readiness.worker();
      return w.ok ? w : undefined;
    }, 180_000, 500);
    expect(polling.pollers[0]).toMatch(/^ferry-worker\/default\/\d+@/);
    // The prebuilt bundle was used: the worker did not bundle at start (it would write ferry-workflows-<pid>.js).
    expect(existsSync(join(tmpdir(), `ferry-workflows-${worker.pid}.js`))).toBe(false);
    const logs = output.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { msg: string });
    expect(logs.some((l) => l.msg === 'worker started')).toBe(true);

    const check = (env: Record<string, string>) => spawnSync(runtime.healthcheck![0] === 'node' ? process.execPath : runtime.healthcheck![0], runtime.healthcheck!.slice(1), {
      cwd: join(runtime.dir, 'app'), env: envOf(runtime, env), encoding: 'utf8', timeout: 10_000,
    });
    await eventually('the health file', async () => (existsSync(healthFile) ? true : undefined), 30_000, 250);
    const healthy = check({ PORT: noApiPort });
    expect(healthy.stdout).toBe('');
    expect(healthy.status).toBe(0);
    worker.kill('SIGTERM');
    await new Promise((r) => worker!.once('exit', r));
    rmSync(healthFile);
    const unhealthy = check({ PORT: noApiPort });
    expect(unhealthy.status).toBe(1);
    expect(unhealthy.stdout).toMatch(/^unhealthy: the worker has not touched /);
  });
});
