// No Docker engine runs here, so the compose stack is checked statically: every service the README names is
// defined, ferry's services are configured only through variables ferry reads, and the wiring points at
// services that exist.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_ENV_VARS } from '../../infra/config';

const ROOT = join(__dirname, '../..');
interface Service {
  image?: string;
  build?: string;
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
}
const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe('docker-compose.yml', () => {
  const expected = ['postgresql', 'temporal-schema-setup', 'temporal', 'temporal-create-namespace', 'temporal-ui', 'ferry-worker', 'ferry-api'];

  it.each(expected)('defines %s and the README names it', (name) => {
    expect(services[name]).toBeDefined();
    expect(readme).toContain(`\`${name}\``);
  });

  it('defines nothing the README does not describe', () => {
    expect(Object.keys(services).sort()).toEqual([...expected].sort());
  });

  it.each(['ferry-worker', 'ferry-api'])('%s is built from this repo and configured only by variables ferry reads', (name) => {
    const s = services[name];
    expect(s.build).toBe('.');
    const keys = Object.keys(s.environment ?? {});
    expect(keys.filter((k) => !CONFIG_ENV_VARS.includes(k))).toEqual([]);
    expect(keys).toEqual(expect.arrayContaining(['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE']));
    const db = new URL(s.environment!.DATABASE_URL);
    expect(services[db.hostname]).toBeDefined();
    const [temporalHost, temporalPort] = s.environment!.TEMPORAL_ADDRESS.split(':');
    expect(temporalHost).toBe('temporal');
    expect(services.temporal.ports).toContain(`${temporalPort}:${temporalPort}`);
    expect(s.depends_on?.['temporal-create-namespace']?.condition).toBe('service_completed_successfully');
    expect(s.healthcheck).toBeDefined();
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
    for (const attr of ['FerryObject', 'FerryState']) expect(job).toContain(`--name ${attr} --type Keyword`);
  });

  it('documents every variable ferry reads in the README', () => {
    expect(CONFIG_ENV_VARS.filter((v) => !readme.includes(`\`${v}\``))).toEqual([]);
  });
});
