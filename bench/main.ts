// `npm run bench -- <name> [options]`: runs one benchmark and prints its figures, the last line in the
// documented format (see bench/README.md).
const BENCHMARKS: Record<string, () => Promise<(args: string[]) => Promise<string>>> = {
  inbound: async () => (await import('./inbound.js')).runInboundBench,
  outbound: async () => (await import('./outbound.js')).runOutboundBench,
  streaming: async () => (await import('./streaming.js')).runStreamingBench,
  emulator: async () => (await import('./emulator.js')).runEmulatorBench,
  adopt: async () => (await import('./adopt.js')).runAdoptBench,
  scale: async () => (await import('./scale.js')).runScaleBench,
  verify: async () => (await import('./verify.js')).runVerifyBench,
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const load = name ? BENCHMARKS[name] : undefined;
  if (!load) {
    process.stderr.write(`usage: npm run bench -- <${Object.keys(BENCHMARKS).join('|')}> [options]\n`);
    process.exit(2);
  }
  const run = await load();
  console.log(await run(args));
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
