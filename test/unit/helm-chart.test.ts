// The Helm chart (deploy/helm/ferry) linted and rendered by Helm itself (scripts/install-helm.sh builds the
// pinned version; npm test sets FERRY_HELM), then the rendered objects checked: the worker and the API against
// an existing Temporal and Postgres, with replicas, resources, probes on /health and /ready, credentials from a
// Secret, migrations before anything serves, PodDisruptionBudgets, and a grace period long enough to drain.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { WORKER_ENV } from '../../infra/process-args';

const ROOT = join(__dirname, '../..');
const CHART = join(ROOT, 'deploy/helm/ferry');

function helmBinary(): string {
  const candidates = [process.env.FERRY_HELM, join(homedir(), '.local/share/ferry/bin/helm-v4.3.2')].filter((c): c is string => !!c);
  const found = candidates.find((c) => existsSync(c)) ?? (spawnSync('sh', ['-c', 'command -v helm']).stdout?.toString().trim() || undefined);
  if (!found) throw new Error('helm is not installed: run `bash scripts/install-helm.sh` (npm test does)');
  return found;
}

interface K8sObject {
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown> & {
    replicas?: number;
    template?: { spec: PodSpec };
    minAvailable?: number;
    selector?: { matchLabels: Record<string, string> };
  };
  stringData?: Record<string, string>;
}
interface Container {
  name: string;
  command: string[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  livenessProbe?: Record<string, { path?: string; command?: string[] }>;
  readinessProbe?: Record<string, { path?: string; command?: string[] }>;
  startupProbe?: Record<string, unknown>;
  securityContext?: Record<string, unknown>;
  lifecycle?: unknown;
}
interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  terminationGracePeriodSeconds: number;
  securityContext: Record<string, unknown>;
}

function render(...set: string[]): K8sObject[] {
  const out = execFileSync(helmBinary(), ['template', 'ferry', CHART, ...set.flatMap((s) => ['--set', s])], { encoding: 'utf8' });
  return parseAllDocuments(out).map((d) => d.toJSON() as K8sObject).filter(Boolean);
}

describe('the Helm chart', () => {
  it('passes helm lint --strict', () => {
    const r = spawnSync(helmBinary(), ['lint', CHART, '--strict', '--set', 'secrets.existingSecret=ferry'], { encoding: 'utf8' });
    expect(r.stdout).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.status).toBe(0);
  });

  it('refuses to render without a Secret for the credentials', () => {
    const r = spawnSync(helmBinary(), ['template', 'ferry', CHART], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('set secrets.existingSecret');
  });

  const objects = render('secrets.existingSecret=ferry-secrets');
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const deployment = (name: string) => byKind('Deployment').find((d) => d.metadata.name === `ferry-${name}`)!;

  it('renders a worker and an API Deployment, the API Service and a PDB for each, and no Secret of its own', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'Deployment/ferry-api', 'Deployment/ferry-worker', 'PodDisruptionBudget/ferry-api', 'PodDisruptionBudget/ferry-worker', 'Service/ferry-api',
    ]);
    for (const pdb of byKind('PodDisruptionBudget')) {
      expect(pdb.spec.minAvailable).toBe(1);
      const target = deployment(pdb.metadata.name.replace('ferry-', ''));
      expect(pdb.spec.selector!.matchLabels).toEqual((target.spec.selector as { matchLabels: Record<string, string> }).matchLabels);
    }
  });

  it.each(['worker', 'api'])('%s: replicas, resources, non-root, credentials from the Secret, migrations first', (name) => {
    const d = deployment(name);
    expect(d.spec.replicas).toBe(2);
    const pod = d.spec.template!.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    const [c] = pod.containers;
    expect(c.resources.requests.cpu).toBeDefined();
    expect(c.resources.requests.memory).toBeDefined();
    expect(c.resources.limits.memory).toBeDefined();
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    const env = Object.fromEntries(c.env.map((e) => [e.name, e]));
    expect(env.DATABASE_URL.valueFrom?.secretKeyRef).toEqual({ name: 'ferry-secrets', key: 'DATABASE_URL' });
    expect(env.SF_CLIENT_SECRET.valueFrom?.secretKeyRef).toMatchObject({ name: 'ferry-secrets', key: 'SF_CLIENT_SECRET' });
    expect(env.TEMPORAL_ADDRESS.value).toMatch(/:7233$/);
    expect(c.env.filter((e) => /PASSWORD|SECRET|TOKEN|DATABASE_URL/.test(e.name) && e.value !== undefined)).toEqual([]);
    expect(pod.initContainers?.[0].command).toEqual(['node', '--import', 'tsx', 'infra/migrate-cli.ts']);
  });

  it('the API is probed on /health (liveness) and /ready (readiness) and drains behind a preStop pause', () => {
    const [c] = deployment('api').spec.template!.spec.containers;
    expect(c.command).toEqual(['node', '--import', 'tsx', 'api/server.ts']);
    expect(c.livenessProbe?.httpGet.path).toBe('/health');
    expect(c.readinessProbe?.httpGet.path).toBe('/ready');
    expect(c.startupProbe).toBeDefined();
    expect(c.lifecycle).toEqual({ preStop: { exec: { command: ['sleep', '5'] } } });
    expect(Object.fromEntries(c.env.map((e) => [e.name, e])).API_TOKEN.valueFrom?.secretKeyRef).toEqual({ name: 'ferry-secrets', key: 'API_TOKEN' });
  });

  it('the worker is probed through its health file and given minutes to drain its activities', () => {
    const pod = deployment('worker').spec.template!.spec;
    const [c] = pod.containers;
    expect(c.command).toEqual(['node', '--max-old-space-size=192', '--max-semi-space-size=4', '--require', 'tsx/cjs', 'worker/main.ts']);
    expect(c.livenessProbe?.exec.command).toEqual(['node', 'scripts/healthcheck.mjs']);
    expect(c.readinessProbe?.exec.command).toEqual(['node', 'scripts/healthcheck.mjs']);
    expect(c.env.find((e) => e.name === 'FERRY_WORKER_HEALTH_FILE')?.value).toBe('/tmp/ferry-worker-alive');
    for (const [name, value] of Object.entries(WORKER_ENV)) expect(c.env.find((e) => e.name === name)?.value, name).toBe(value);
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(120);
    const grace = Number(c.env.find((e) => e.name === 'FERRY_SHUTDOWN_GRACE_SECONDS')?.value);
    expect(grace).toBe(pod.terminationGracePeriodSeconds - 30);
  });

  it('with secrets.create it makes the Secret from values, and refuses a short API token', () => {
    const made = render('secrets.create=true', 'secrets.databaseUrl=postgres://ferry:pw@db:5432/ferry', 'secrets.apiToken=0123456789abcdef0123', 'secrets.sfLoginUrl=https://login.salesforce.com');
    const secret = made.find((o) => o.kind === 'Secret')!;
    expect(secret.stringData).toEqual({ DATABASE_URL: 'postgres://ferry:pw@db:5432/ferry', API_TOKEN: '0123456789abcdef0123', SF_LOGIN_URL: 'https://login.salesforce.com' });
    const short = spawnSync(helmBinary(), ['template', 'ferry', CHART, '--set', 'secrets.create=true', '--set', 'secrets.databaseUrl=postgres://x/y', '--set', 'secrets.apiToken=short'], { encoding: 'utf8' });
    expect(short.status).not.toBe(0);
    expect(short.stderr).toContain('secrets.apiToken must be at least 16 characters');
  });
});
