// @ts-check
/**
 * StrykerJS configuration of `npm run bench:mutation` (harness/bench/mutation.ts passes it with
 * `configFile` and sets `mutate` from its --files flag or its default set). Run from the project root.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  testRunner: 'vitest',
  vitest: {
    // Only the fast, database-free tests of the judge and the statistics; no Postgres is started.
    configFile: 'harness/bench/vitest.mutation.config.ts',
  },
  // Each mutant runs only the tests that covered it in the initial run.
  coverageAnalysis: 'perTest',
  // mutation.ts sets this; the fallback keeps a bare `stryker run` on the judge alone.
  mutate: ['harness/judge/**/*.ts', '!**/*.test.ts', '!**/*.d.ts'],

  // TypeScript 7 has no JavaScript API: no @stryker-mutator/typescript-checker, and Stryker must not
  // rewrite tsconfig.json in the sandbox (its TSConfigPreprocessor imports `typescript` to parse it).
  // It rewrites only the file named here, so naming one that does not exist turns the rewrite off.
  // The tsconfig has no `extends` or `references` that would need rewriting anyway.
  checkers: [],
  tsconfigFile: 'harness/bench/no-tsconfig-rewrite.json',
  // vitest strips types without checking them, so a mutant's type error cannot fail a test run:
  // nothing to disable, and no time spent inserting `// @ts-nocheck` into every file.
  disableTypeChecks: false,

  // Two cores. A shared machine: mutants are timed against the initial run with room to spare
  // before one counts as an infinite loop (timeout = initial time * factor + timeoutMS).
  concurrency: 2,
  timeoutFactor: 3,
  timeoutMS: 5_000,
  // The initial run (instrumented, recording which test reaches which mutant) took ~4 min for the
  // default set on 2 shared cores, against ~40 s for the same tests in plain vitest.
  dryRunTimeoutMinutes: 30,
  // Static mutants (module-level constants such as default thresholds) are run with the whole
  // covering tests after reloading the environment. Stryker warns when they take a large share
  // of the run time; it did not on the default set, so they stay in. Set `ignoreStatic: true`
  // if a new module-level table makes them dominate the run time.
  ignoreStatic: false,

  // The sandboxes (copies of the project) live outside the work tree, so it stays clean and
  // the architecture test never sees them.
  tempDirName: join(tmpdir(), 'querygate-stryker'),
  // Not copied into the sandboxes: generated output, caches, local databases.
  ignorePatterns: ['/reports/out', '/.cache', '/coverage', '*.sqlite', '*.sqlite-*'],

  // No clear-text table (mutation.ts prints its own, per file, from the JSON report) and no
  // dashboard reporter: nothing leaves the machine.
  reporters: ['html', 'json', 'progress'],
  htmlReporter: { fileName: 'reports/out/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/out/mutation/mutation.json' },
  // `--incremental` of mutation.ts: reuse the results of mutants whose code and tests did not change.
  incrementalFile: 'reports/out/mutation/stryker-incremental.json',
  // Also after a failed run: the sandboxes are copies of the project, not worth keeping around.
  cleanTempDir: 'always',
};

export default config;
