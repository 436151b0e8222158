import { defineConfig } from 'vitest/config';

// .ci/run asks for a JSON report beside the usual output, to print the run's real totals.
const jsonReport = process.env.QUERYGATE_TEST_JSON;

/** The long tests (`npm run test:slow`): whole CLI runs, faults, repeated runs. .ci/run runs them too. */
export default defineConfig({
  test: {
    reporters: jsonReport ? ['default', ['json', { outputFile: jsonReport }]] : ['default'],
    include: ['test/**/*.slow.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    // Timing-sensitive whole runs: one file at a time.
    maxWorkers: 1,
    fileParallelism: false,
  },
});
