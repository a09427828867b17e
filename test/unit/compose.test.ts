// No Docker engine runs here, so the compose stack is checked statically: every service the README names is
// defined, ferry's services are configured only through variables ferry reads, the wiring points at services
// that exist, and the rules of a stack fit to run (issue 17): pinned images, secrets from .env (with an
// example holding every one), ports bound to FERRY_BIND, health checks on every long-running service, one-shot
// jobs whose failures are not hidden, a migration job before ferry starts, and a demo profile with the emulator.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_ENV_VARS } from '../../infra/config';
import { WORKER_ENV } from '../../infra/process-args';

const ROOT = join(__dirname, '../..');
interface Service {
  image?: string;
  build?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  profiles?: string[];
  restart?: string;
  stop_grace_period?: string;
}
const raw = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const compose = parse(raw, { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const example = Object.fromEntries(readFileSync(join(ROOT, '.env.example'), 'utf8').split('\n')
  .filter((l) => /^[A-Z_]+=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));

/** Compose's interpolation of ${VAR}, ${VAR:-default} and ${VAR:?error} with the example .env. */
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind: string | undefined, rest: string) => {
    if (example[name] !== undefined && example[name] !== '') return example[name];
    if (kind === '-') return rest;
    throw new Error(`${name} is required but .env.example does not set it`);
  });
}

const longRunning = Object.entries(services).filter(([, s]) => s.restart !== 'no').map(([n]) => n);
const oneShot = Object.entries(services).filter(([, s]) => s.restart === 'no').map(([n]) => n);

describe('docker-compose.yml', () => {
  const expected = ['postgresql', 'temporal-schema-setup', 'temporal', 'temporal-create-namespace', 'temporal-ui', 'ferry-migrate', 'ferry-worker', 'ferry-api', 'ferry-demo-org'];

  it.each(expected)('defines %s and the README names it', (name) => {
    expect(services[name]).toBeDefined();
    expect(readme).toContain(`\`${name}\``);
  });

  it('defines nothing the README does not describe', () => {
    expect(Object.keys(services).sort()).toEqual([...expected].sort());
  });

  it.each(['ferry-worker', 'ferry-api', 'ferry-migrate'])('%s is built from this repo and configured only by variables ferry reads', (name) => {
    const s = services[name];
    expect(s.build).toBe('.');
    const keys = Object.keys(s.environment ?? {});
    // Beside ferry's own variables, the worker gets the process environment every worker runs with.
    const processEnv: string[] = name === 'ferry-worker' ? Object.keys(WORKER_ENV) : [];
    expect(keys.filter((k) => !CONFIG_ENV_VARS.includes(k) && !processEnv.includes(k))).toEqual([]);
    for (const k of processEnv) expect(s.environment![k]).toBe(WORKER_ENV[k as keyof typeof WORKER_ENV]);
    expect(keys).toEqual(expect.arrayContaining(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE']));
    const db = new URL(interpolate(s.environment!.DATABASE_URL));
    expect(services[db.hostname]).toBeDefined();
    expect(db.password).toBe(example.FERRY_DB_PASSWORD);
    const [temporalHost, temporalPort] = s.environment!.TEMPORAL_ADDRESS.split(':');
    expect(temporalHost).toBe('temporal');
    expect(services.temporal.ports).toContain(`\${FERRY_BIND:-127.0.0.1}:${temporalPort}:${temporalPort}`);
  });

  it('runs the migration job before the worker and the API, which wait for Temporal\'s namespace job', () => {
    expect(services['ferry-migrate'].command).toEqual(['node', '--import', 'tsx', 'infra/migrate-cli.ts']);
    expect(services['ferry-migrate'].depends_on?.postgresql.condition).toBe('service_healthy');
    for (const name of ['ferry-worker', 'ferry-api']) {
      expect(services[name].depends_on?.['ferry-migrate']?.condition).toBe('service_completed_successfully');
      expect(services[name].depends_on?.['temporal-create-namespace']?.condition).toBe('service_completed_successfully');
    }
  });

  it('sets up Temporal in order: schema job, server, namespace job, UI', () => {
    expect(services['temporal-schema-setup'].depends_on?.postgresql.condition).toBe('service_healthy');
    expect(services.temporal.depends_on?.['temporal-schema-setup'].condition).toBe('service_completed_successfully');
    expect(services['temporal-create-namespace'].depends_on?.temporal.condition).toBe('service_healthy');
    expect(services['temporal-ui'].depends_on?.temporal.condition).toBe('service_healthy');
    expect(services['temporal-ui'].environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
  });

  it('registers the search attributes ferry upserts', () => {
    const job = JSON.stringify(services['temporal-create-namespace']);
    expect(job).toContain('--type Keyword');
    for (const attr of ['FerryObject', 'FerryState']) expect(job).toContain(attr);
  });

  it('documents every variable ferry reads in the README', () => {
    expect(CONFIG_ENV_VARS.filter((v) => !readme.includes(`\`${v}\``))).toEqual([]);
  });

  it.each(Object.keys(services))('%s runs a pinned image version (or this repo\'s build)', (name) => {
    const s = services[name];
    if (s.build) return expect(s.build).toBe('.');
    expect(s.image).toMatch(/^[a-z0-9/_-]+:\d+\.\d+(\.\d+)?(-[a-z0-9.]+)?$/);
  });

  it('pins current Temporal releases: server and admin-tools on the same version, a UI of the same generation', () => {
    const version = (n: string) => services[n].image!.split(':')[1];
    expect(version('temporal')).toBe(version('temporal-schema-setup'));
    expect(version('temporal')).toBe(version('temporal-create-namespace'));
    expect(version('temporal').split('.').map(Number)[1]).toBeGreaterThanOrEqual(32);
    expect(version('temporal-ui').split('.').map(Number)[1]).toBeGreaterThanOrEqual(54);
  });

  it('takes every secret from .env, and .env.example sets each variable the file requires', () => {
    const required = [...raw.matchAll(/\$\{([A-Z_]+):\?/g)].map((m) => m[1]);
    expect(new Set(required)).toEqual(new Set(['POSTGRES_PASSWORD', 'FERRY_DB_PASSWORD', 'API_TOKEN']));
    for (const name of required) expect(example[name], name).toBeTruthy();
    // No literal credentials: every password-like value is a variable.
    for (const [name, s] of Object.entries(services)) {
      for (const [k, v] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|PWD|SECRET|TOKEN/.test(k)) expect(String(v), `${name}.${k}`).toMatch(/^\$\{[A-Z_]+(:[-?][^}]*)?\}$/);
      }
    }
    expect(services['ferry-api'].environment!.DATABASE_URL).not.toMatch(/:[a-z]+@/);
    expect(readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n')).toContain('.env');
  });

  it('publishes ports on FERRY_BIND (127.0.0.1 unless the operator opts out)', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const p of s.ports ?? []) expect(p, name).toMatch(/^\$\{FERRY_BIND:-127\.0\.0\.1\}:\d+:\d+$/);
    }
    expect(example.FERRY_BIND).toBe('127.0.0.1');
  });

  it('has a health check on every long-running service; ferry\'s API is healthy on /ready only', () => {
    expect(longRunning.sort()).toEqual(['ferry-api', 'ferry-demo-org', 'ferry-worker', 'postgresql', 'temporal', 'temporal-ui']);
    for (const name of longRunning) expect(services[name].healthcheck?.test, name).toBeDefined();
    expect(services['ferry-api'].healthcheck!.test).toEqual(['CMD', 'node', 'scripts/healthcheck.mjs']);
    expect(readFileSync(join(ROOT, 'scripts/healthcheck.mjs'), 'utf8')).toContain('/ready');
    expect(services['ferry-worker'].stop_grace_period).toBe('2m');
  });

  it('does not hide a one-shot job\'s failure', () => {
    expect(oneShot.sort()).toEqual(['ferry-migrate', 'temporal-create-namespace', 'temporal-schema-setup']);
    for (const name of oneShot) {
      const script = JSON.stringify(services[name].command ?? []);
      expect(script, name).not.toMatch(/\|\|\s*true/);
      if (services[name].entrypoint) expect(script).toContain('set -eu');
    }
  });

  it('runs the org emulator in the demo profile, where .env.example\'s Salesforce defaults point', () => {
    const demo = services['ferry-demo-org'];
    expect(demo.profiles).toEqual(['demo']);
    expect(demo.command?.slice(0, 4)).toEqual(['node', '--import', 'tsx', 'emulator/main.ts']);
    const port = demo.command![demo.command!.indexOf('--port') + 1];
    expect(example.SF_LOGIN_URL).toBe(`http://ferry-demo-org:${port}`);
    expect(Object.entries(services).filter(([, s]) => s.profiles).map(([n]) => n)).toEqual(['ferry-demo-org']);
  });
});
