// Builds a Dockerfile's file system without a Docker engine: each stage is a directory, and the instructions
// the ferry Dockerfile uses are carried out as Docker would — FROM (a node base image, taken as this machine's
// node, or an earlier stage, copied), WORKDIR, COPY (from the build context or --from a stage), RUN (sh -c in
// the stage's working directory) and ENV. Anything else that changes files fails the build, so a Dockerfile that
// drifts from what this can check is noticed. Paths under the stage's root (/app…) map into its directory.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

export interface Instruction {
  op: string;
  args: string;
}

export interface Stage {
  name: string;
  base: string;
  dir: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  cmd?: string[];
  healthcheck?: string[];
  instructions: Instruction[];
}

/** Instructions with continuation lines joined and comments dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const joined = text.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  return joined.map((line) => {
    const m = /^([A-Z]+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`unreadable Dockerfile line: ${line}`);
    return { op: m[1], args: m[2].trim() };
  });
}

function parseEnv(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S+)/g)) out[m[1]] = m[2].replace(/^"|"$/g, '');
  return out;
}

/** Builds every stage under `into` from the build context `context`; returns the stages by name. */
export function buildStages(dockerfile: string, context: string, into: string, runEnv: Record<string, string> = {}): Map<string, Stage> {
  const stages = new Map<string, Stage>();
  const args: Record<string, string> = {};
  let stage: Stage | undefined;
  const inStage = (s: Stage, p: string) => join(s.dir, posix.isAbsolute(p) ? p : posix.join(s.workdir, p));
  for (const ins of parseDockerfile(readFileSync(dockerfile, 'utf8'))) {
    const expand = (s: string) => s.replace(/\$\{(\w+)\}/g, (_, k: string) => args[k] ?? '');
    switch (ins.op) {
      case 'ARG': {
        const [k, v] = ins.args.split('=');
        args[k] = v ?? '';
        break;
      }
      case 'FROM': {
        const m = /^(\S+)\s+AS\s+(\S+)$/i.exec(expand(ins.args));
        if (!m) throw new Error(`FROM without a stage name: ${ins.args}`);
        const [, base, name] = m;
        const dir = join(into, name);
        const parent = stages.get(base);
        if (parent) {
          execFileSync('cp', ['-al', parent.dir, dir]); // hard links: as cheap as Docker's layer reuse
          stage = { ...parent, name, base, dir, env: { ...parent.env }, instructions: [] };
        } else {
          if (!/^node:20\b/.test(base)) throw new Error(`base image ${base} is not a Node 20 image`);
          mkdirSync(dir, { recursive: true });
          stage = { name, base, dir, workdir: '/', env: {}, instructions: [] };
        }
        stages.set(name, stage);
        break;
      }
      case 'WORKDIR':
        stage!.workdir = ins.args;
        mkdirSync(join(stage!.dir, ins.args), { recursive: true });
        break;
      case 'ENV':
        Object.assign(stage!.env, parseEnv(ins.args));
        break;
      case 'COPY': {
        const parts = ins.args.split(/\s+/);
        const from = parts[0].startsWith('--from=') ? stages.get(parts.shift()!.slice(7)) : undefined;
        if (parts[0].startsWith('--')) throw new Error(`unsupported COPY flag: ${parts[0]}`);
        const dest = parts.pop()!;
        for (const src of parts) {
          const source = from ? inStage(from, src) : join(context, src);
          if (!existsSync(source)) throw new Error(`COPY ${src}: not found${from ? ` in stage ${from.name}` : ' in the build context'}`);
          const target = inStage(stage!, dest);
          const intoDir = dest.endsWith('/') || parts.length > 1;
          const finalTarget = intoDir ? join(target, posix.basename(src)) : target;
          mkdirSync(join(finalTarget, '..'), { recursive: true });
          cpSync(source, finalTarget, { recursive: true });
        }
        break;
      }
      case 'RUN':
        execFileSync('sh', ['-c', ins.args], {
          cwd: inStage(stage!, '.'), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...stage!.env, ...runEnv }, timeout: 600_000,
        });
        break;
      case 'USER':
        stage!.user = ins.args;
        break;
      case 'CMD':
        stage!.cmd = JSON.parse(ins.args) as string[];
        break;
      case 'HEALTHCHECK': {
        const m = /CMD\s+(\[.*\])$/.exec(ins.args);
        if (!m) throw new Error(`HEALTHCHECK must use the exec form: ${ins.args}`);
        stage!.healthcheck = JSON.parse(m[1]) as string[];
        break;
      }
      case 'EXPOSE':
      case 'LABEL':
        break;
      default:
        throw new Error(`Dockerfile instruction ${ins.op} is not understood by this builder`);
    }
    stage?.instructions.push(ins);
  }
  return stages;
}
