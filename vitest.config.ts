import { defineConfig } from 'vitest/config';

// .ci/run asks for a JSON report beside the usual output, to print the run's real totals.
const jsonReport = process.env.QUERYGATE_TEST_JSON;

export default defineConfig({
  test: {
    reporters: jsonReport ? ['default', ['json', { outputFile: jsonReport }]] : ['default'],
    include: ['test/**/*.test.ts'],
    exclude: ['test/**/*.slow.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: two test files at a time.
    maxWorkers: 2,
  },
});
