// How ferry's long-running processes are started, in one place for npm start, the compose file's image,
// benchmarks and tests. TypeScript runs through tsx's loader inside one node process (the tsx CLI would add
// a second process). The worker's old generation is capped at 192 MB: larger than anything a sync holds at
// once (a Bulk result page of 25,000 records is ~5 MB), and small enough that V8 frees finished pages promptly, keeping the
// worker's resident memory near 300 MB however large the object.
export const WORKER_NODE_ARGS = ['--max-old-space-size=192', '--import', 'tsx', 'worker/main.ts'] as const;
export const API_NODE_ARGS = ['--import', 'tsx', 'api/server.ts'] as const;
