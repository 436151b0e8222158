import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../harness/core/result.js';
import { createTestDatabase, testFolder } from './support/databases.js';
import { runCli, showExit, type CliExit } from './support/run-cli.js';

/** A whole --quick run of both databases takes 20-30 s on a loaded two-core machine. */
const CLI_TIMEOUT_MS = 240_000;
const querygate = (args: string[], env: NodeJS.ProcessEnv) => runCli(args, env, CLI_TIMEOUT_MS);
const readResult = (dir: string) => JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;

describe('querygate exit codes (small profile, both databases, --quick)', () => {
  let env: NodeJS.ProcessEnv;
  let pgUrl: string;
  let out: { fixed: string; fixedAgain: string; baseline: string };
  let fixed: CliExit;
  let baseline: CliExit;

  beforeAll(async () => {
    // The SQLite fixture (and anything else cached) goes to a folder of this test's own; runCli
    // drops the caller's DATABASE_URL, and a CI step summary must not collect test runs.
    env = { QUERYGATE_CACHE_DIR: testFolder('cache'), GITHUB_STEP_SUMMARY: '' };
    pgUrl = await createTestDatabase();
    const base = testFolder('out');
    out = { fixed: join(base, 'fixed'), fixedAgain: join(base, 'fixed-again'), baseline: join(base, 'baseline') };
    const runArgs = (dir: string, extra: string[] = []) => ['run', '--profile', 'small', '--quick', '--db', 'all', '--pg-url', pgUrl, '--out', dir, ...extra];
    fixed = await querygate(runArgs(out.fixed), env);
    baseline = await querygate(runArgs(out.baseline, ['--impl', 'baseline']), env);
  });

  it('exits 0 when every gate passes, with result.json, report.md and junit.xml written', () => {
    expect(fixed.code, showExit(fixed)).toBe(0);
    expect(readResult(out.fixed).verdict).toBe('pass');
    for (const file of ['result.json', 'report.md', 'junit.xml']) expect(existsSync(join(out.fixed, file)), file).toBe(true);
    expect(fixed.stdout).toMatch(/verdict: PASS/);
  });

  it('exits 1 with the baseline under test, naming the query gate', () => {
    expect(baseline.code, showExit(baseline)).toBe(1);
    expect(baseline.stdout).toMatch(/FAIL queries-at-most-max \(sqlite, list-50, baseline\)/);
    expect(baseline.stdout).toMatch(/FAIL queries-at-most-max \(postgres, list-50, baseline\)/);
    expect(baseline.stdout).toMatch(/verdict: FAIL/);
    // Whether the baseline's p95 also crosses 200 ms depends on the machine's load: not asserted.
    expect(readResult(out.baseline).verdict).toBe('fail');
  });

  it('compare exits 1 when the queries grow (fixed before, baseline after), naming the growth', async () => {
    const exit = await querygate(['compare', join(out.fixed, 'result.json'), join(out.baseline, 'result.json')], env);
    expect(exit.code, showExit(exit)).toBe(1);
    expect(exit.stdout).toMatch(/queries per request grew \d+ -> \d+ \(list-50, (sqlite|postgres)\b/);
    expect(exit.stderr).toMatch(/querygate: compare: FAIL: regression: queries per request grew/);
  });

  it('compare exits 0 for two runs of the fixed implementation', async () => {
    const again = await querygate(['run', '--profile', 'small', '--quick', '--db', 'all', '--pg-url', pgUrl, '--out', out.fixedAgain], env);
    expect(again.code, showExit(again)).toBe(0);
    // This test is about the exit code. compare's latency verdicts allow a family-wise false-alarm
    // rate of up to 5% (its own tests measure it), too much for a single CI assertion: latency gets
    // a wide tolerance here, query counts are still compared exactly.
    const exit = await querygate(['compare', '--threshold', '100%', join(out.fixed, 'result.json'), join(out.fixedAgain, 'result.json')], env);
    expect(exit.code, showExit(exit)).toBe(0);
    expect(exit.stdout).toMatch(/No regression/);
  });
});
