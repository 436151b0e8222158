import { defineConfig } from 'vitest/config';

/** The long tests (`npm run test:slow`): whole CLI runs, faults, repeated runs. .ci/run runs them too. */
export default defineConfig({
  test: {
    include: ['test/**/*.slow.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    // Timing-sensitive whole runs: one file at a time.
    maxWorkers: 1,
    fileParallelism: false,
  },
});
