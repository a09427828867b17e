import { defineConfig } from 'vitest/config';

// One Postgres cluster and one Temporal dev server are started by test/global-setup.ts for the whole run;
// test files connect to them. Forks (not threads) because Temporal's native bridge dislikes worker threads.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    reporters: ['default'],
  },
});
