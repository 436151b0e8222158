import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseResultFile } from '../harness/core/parse-result-file.js';
import type { RunResult } from '../harness/core/result.js';
import { rejudge } from '../harness/judge/judge-run.js';
import { renderMarkdown } from '../reports/markdown-report.js';
import { renderSummary } from '../reports/summary-report.js';
import { expectGolden } from './golden/expect-golden.js';

/**
 * Golden reports of real runs (#23), as a reviewer gets them: a pass, a failure with a plan diff,
 * and an `--against` slowdown, each in full and as the summary a comment carries. The failing ones
 * must put the verdict, the cause and its evidence first.
 */
const real = (name: string): RunResult => parseResultFile(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'), name);

/** The sqlite run, its list-50 plan changed: the snapshot's index search became a full scan. */
function withPlanDiff(): RunResult {
  const run = real('real-result.sqlite.json');
  const subject = run.results.find((r) => r.impl === run.implUnderTest && r.scenario === 'list-50')!;
  subject.queries.snapshot = {
    file: 'scenarios/snapshots/list-50.sqlite.default-42.txt',
    status: 'differs',
    diff: [
      '  page 1: 5 statements',
      '-   select ... from artifacts where ... order by type, name limit ?  [SEARCH artifacts USING INDEX artifacts_type_name]',
      '+   select ... from artifacts where ... order by type, name limit ?  [SCAN artifacts; USE TEMP B-TREE FOR ORDER BY]',
    ].join('\n'),
    acceptedScans: subject.queries.snapshot?.acceptedScans ?? [],
  };
  return rejudge(run).result;
}

/** The --against run with the working tree's side 12% slower in every round. */
function withSlowdown(): RunResult {
  const run = real('real-result-against.sqlite.json');
  for (const pair of run.pairs ?? []) if (pair.kind === 'against') pair.roundRatios = pair.roundRatios.map((r) => r * 1.12);
  const subject = run.results.filter((r) => r.impl === run.implUnderTest);
  for (const r of subject) r.rawSamples = r.rawSamples.map((ms) => ms * 1.12);
  return rejudge(run).result;
}

describe('golden reports', () => {
  it('a passing run', () => {
    const run = rejudge(real('real-result.sqlite.json')).result;
    expect(renderSummary(run)).toMatch(/^## querygate: PASS/);
    expectGolden('pass-report.md', renderMarkdown(run));
    expectGolden('pass-summary.md', renderSummary(run));
  });

  it('a failure with a plan diff: the verdict, the failed gate and the diff open the report', () => {
    const run = withPlanDiff();
    const report = renderMarkdown(run);
    expectGolden('plan-diff-report.md', report);
    expectGolden('plan-diff-summary.md', renderSummary(run));
    const diffAt = report.indexOf('[SCAN artifacts; USE TEMP B-TREE FOR ORDER BY]');
    expect(report.startsWith('# querygate: FAIL')).toBe(true);
    expect(report.indexOf('same-queries-as-snapshot')).toBeLessThan(diffAt);
    // The first screen: the evidence before any table of figures.
    expect(diffAt).toBeGreaterThan(0);
    expect(diffAt).toBeLessThan(report.indexOf('| scenario'));
  });

  it('an --against slowdown: the pair with its interval is the evidence', () => {
    const run = withSlowdown();
    const report = renderMarkdown(run);
    expectGolden('against-slowdown-report.md', report);
    expectGolden('against-slowdown-summary.md', renderSummary(run));
    expect(report.startsWith('# querygate: FAIL')).toBe(true);
    const gateAt = report.indexOf('no-slowdown-vs-ref');
    expect(gateAt).toBeGreaterThan(0);
    expect(gateAt).toBeLessThan(report.indexOf('| scenario'));
    expect(report.slice(gateAt, gateAt + 400)).toMatch(/per-round median ratio 1\.\d{3}x \[1\.\d{3}, 1\.\d{3}\]/);
  });
});
