import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../harness/core/result.js';
import { reportVerdict } from '../harness/cli/exit-codes.js';
import { verdictOf } from '../harness/judge/verdict.js';
import { renderMarkdown } from '../reports/markdown-report.js';
import { sampleResult } from './fixtures/sample-result.js';
import { testFolder } from './support/databases.js';
import { runCli, showExit, type CliExit } from './support/run-cli.js';

/**
 * Issue 23: whatever a verdict's reasons hold (an errored result's multi-line error, a run error,
 * a whole markdown report caught as an error message), stderr says it in one line; the report
 * goes to stdout or --out.
 */

const dir = testFolder('cli-stderr-one-line');
const files = { before: join(dir, 'before.json'), errored: join(dir, 'errored.json'), report: join(dir, 'report-as-error.json'), runError: join(dir, 'run-error.json') };
const DIFF = 'answers differ from baseline:\n- {"items": 20}\n+ {"items": 19}';

/** The sample run with its implementation under test errored on list-50 / sqlite with `error`. */
function erroredWith(error: string): RunResult {
  const result = sampleResult();
  const r = result.results.find((x) => x.impl === result.implUnderTest && x.scenario === 'list-50' && x.dialect === 'sqlite')!;
  Object.assign(r, { state: 'errored', error });
  return result;
}

beforeAll(() => {
  writeFileSync(files.before, JSON.stringify(sampleResult()));
  writeFileSync(files.errored, JSON.stringify(erroredWith(DIFF)));
  writeFileSync(files.report, JSON.stringify(erroredWith(renderMarkdown(sampleResult()))));
  writeFileSync(files.runError, JSON.stringify({ ...sampleResult(), errors: ['postgres went away:\nterminating connection due to administrator command\n(after 3 retries)'] }));
});

/** Exit 1 with exactly one line on stderr, the verdict's, without a line of the markdown report. */
function expectOneLineFail(exit: CliExit, subject: string): string {
  const context = showExit(exit);
  expect(exit.code, context).toBe(1);
  expect(exit.stderr.endsWith('\n'), context).toBe(true);
  const lines = exit.stderr.slice(0, -1).split('\n');
  expect(lines, context).toHaveLength(1);
  expect(lines[0], context).toMatch(new RegExp(`^querygate: ${subject}: FAIL: \\S`));
  expect(lines[0]!.length, context).toBeLessThanOrEqual(1000);
  return lines[0]!;
}

describe.concurrent('querygate writes its verdict on stderr in one line', () => {
  it('compare, an AFTER whose implementation under test errored with a multi-line diff: the report on stdout, one line on stderr', async () => {
    const exit = await runCli(['compare', files.before, files.errored]);
    const line = expectOneLineFail(exit, 'compare');
    expect(line).toContain('answers differ from baseline: - {"items": 20} + {"items": 19}');
    expect(exit.stdout).toMatch(/^#/m);
  });

  it('compare, an error message that is a whole markdown report: still one line', async () => {
    const exit = await runCli(['compare', files.before, files.report]);
    expectOneLineFail(exit, 'compare');
  });

  it('compare --out: the report in the file, "wrote" on stdout, one line on stderr', async () => {
    const out = join(dir, 'comparison.md');
    const exit = await runCli(['compare', files.before, files.errored, '--out', out]);
    const line = expectOneLineFail(exit, 'compare');
    expect(line).toContain('answers differ from baseline: - {"items": 20} + {"items": 19}');
    expect(exit.stdout).toBe(`wrote ${out}\n`);
    expect(readFileSync(out, 'utf8')).toMatch(/^#/m);
  });

  it('compare and report of a result whose run errors span lines', async () => {
    const [compared, reported] = await Promise.all([runCli(['compare', files.before, files.runError]), runCli(['report', files.runError])]);
    expectOneLineFail(compared, 'compare');
    expectOneLineFail(reported, `report ${files.runError.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`);
  });
});

describe('every command that reaches a verdict (run, merge, history, compare, report)', () => {
  it('writes its failing reasons as one line of at most 1000 characters, whatever they hold', () => {
    const written: string[] = [];
    const verdict = verdictOf([
      { kind: 'run-error', message: `a scenario failed:\n${'x'.repeat(3000)}\n  at stack (frame.ts:1)` },
      { kind: 'gate', where: 'list-50, sqlite', message: DIFF },
    ]);
    expect(reportVerdict(verdict, 'run', (line) => written.push(line))).toBe(1);
    expect(written).toHaveLength(1);
    const [line] = written as [string];
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toMatch(/\n/);
    expect(line.length).toBeLessThanOrEqual(1001);
    expect(line).toMatch(/^querygate: run: FAIL: run error: a scenario failed: x+/);
  });
});
