// How ferry's long-running processes are started, in one place for npm start, the compose file's image,
// benchmarks and tests. TypeScript runs through tsx inside one node process (the tsx CLI would add a second
// process). The worker's old generation is capped at 192 MB: larger than anything a sync holds at once (a Bulk
// result page of 25,000 records is ~5 MB), and small enough that V8 frees finished pages promptly. Two more
// flags keep its resident memory down (an inbound load of 1M rows peaked at 325 MB without them, 278 MB with
// them; bench/README.md): tsx's CommonJS hook (`--require tsx/cjs`; ferry is CommonJS) instead of its module
// loader, which runs in a thread of its own with its own heap; and young-generation semi-spaces of 4 MB
// instead of 16 (a little more scavenging: 1-2 CPU-s per million outbound records).
export const WORKER_NODE_ARGS = ['--max-old-space-size=192', '--max-semi-space-size=4', '--require', 'tsx/cjs', 'worker/main.ts'] as const;
/**
 * The worker's environment beside those flags, two glibc malloc settings:
 * - MALLOC_ARENA_MAX=2: at most two arenas. By default each of the process's threads (libuv's pool, V8's GC
 *   helpers, the workflow thread, Temporal's Rust core) may get an arena of its own, and their unused pages
 *   count in the worker's resident memory: an inbound load of 1M rows peaked at 269-283 MB without it,
 *   252-280 MB with it.
 * - MALLOC_MMAP_THRESHOLD_=131072: blocks of 128 KB and more (a Bulk result page's response body is ~5 MB,
 *   joined from its chunks) always get pages of their own, returned to the system when freed. By default
 *   glibc raises that threshold after the first such block is freed, and later pages are carved from the
 *   heap, whose freed space stays resident: inbound 1M peaked at 256-266 MB without it, 248-252 MB with it.
 * Both measured in bench/README.md.
 */
export const WORKER_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_MMAP_THRESHOLD_: '131072' } as const;
export const API_NODE_ARGS = ['--import', 'tsx', 'api/server.ts'] as const;
