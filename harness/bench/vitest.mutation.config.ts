/**
 * The tests `npm run bench:mutation` (StrykerJS) runs against each mutant of the judge and the
 * statistics: the fast, database-free test files that exercise them. Not a suite of its own.
 *
 * The rule, so new tests join without editing this file:
 *   - every `test/judge-*.test.ts`, and
 *   - every other fast test file that imports the judge or the statistics (JUDGE_AND_STATS below;
 *     not the result contract in harness/core, which nearly every test imports),
 *   - minus any test file that spawns processes (the CLI), and any test file that needs a database (imports test/support/databases or calls
 *     vitest's `inject`, which only the global setup's embedded Postgres provides) and the
 *     whole-run tests of DATABASE_TESTS. There is no globalSetup here: no Postgres is started.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configDefaults, defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Imports of the modules under mutation (`from '../reports/gates.js'`, `from '../harness/judge/…'`). */
const JUDGE_AND_STATS = /from\s+'(?:\.\.?\/)+harness\/(?:judge|stats)\/[^']+\.js'/;
/** A test that spawns the CLI or other processes: seconds each, run again for every mutant. */
const SPAWNS = /from\s+'node:child_process'|support\/run-cli\.js'/;
/** A test that needs the database the global setup starts. */
const NEEDS_DATABASE = /from\s+'[^']*support\/databases\.js'|\binject\(/;
/**
 * Whole runs against a database (they also import the judge), and the end-to-end and calibration
 * tests whose every case covers the whole judge: seconds each in `npm test`, minutes under Stryker,
 * run again for every mutant (the verdict matrix alone would take hours). The judge's own tests
 * (test/judge-*.test.ts) pin the same behaviour case by case, in milliseconds.
 */
const DATABASE_TESTS = /(^|\/)(run-gates-small|plan-regressions|verdict-matrix|compare-false-alarms|history-change-points|cli-bad-input|result-notes)\.test\.ts$/;

const testFiles = readdirSync(join(root, 'test'), { withFileTypes: true, recursive: true })
  .filter((e) => e.isFile() && e.name.endsWith('.test.ts') && !e.name.endsWith('.slow.test.ts'))
  .map((e) => relative(root, join(e.parentPath, e.name)))
  .sort();
const source = (file: string): string => readFileSync(join(root, file), 'utf8');
const excluded = testFiles.filter((file) => DATABASE_TESTS.test(file) || NEEDS_DATABASE.test(source(file)) || SPAWNS.test(source(file)));
const importers = testFiles.filter((file) => !excluded.includes(file) && JUDGE_AND_STATS.test(source(file)));

/**
 * `bench:mutation --tests` narrows the set to these globs (comma-separated, in this variable, which
 * Stryker's test-runner processes inherit): e.g. the statistics measured by their own unit tests,
 * without the judge's calibration tests that also reach them and take minutes per mutant.
 */
export const TESTS_VARIABLE = 'QUERYGATE_MUTATION_TESTS';
const narrowed = process.env[TESTS_VARIABLE]?.split(',').map((g) => g.trim()).filter((g) => g !== '');

export const mutationTestFiles = {
  include: narrowed !== undefined && narrowed.length > 0 ? narrowed : ['test/judge-*.test.ts', ...importers],
  exclude: [...configDefaults.exclude, 'test/**/*.slow.test.ts', ...excluded],
};

export default defineConfig({
  root,
  test: {
    include: mutationTestFiles.include,
    exclude: mutationTestFiles.exclude,
    // Under Stryker the code runs instrumented (every statement checks which mutant is active,
    // and counts which test covers it in the initial run): the statistical tests with thousands
    // of seeded trials run several times slower than in `npm test` (one history test: 6 s there,
    // over 60 s here). Stryker times out endless mutants itself (timeoutFactor/timeoutMS in
    // stryker.config.mjs); these only catch a hung test.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    passWithNoTests: false,
  },
});
