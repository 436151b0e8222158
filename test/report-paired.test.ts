import { describe, expect, it } from 'vitest';
import { pairedRatio, pairRounds } from '../harness/stats/paired-statistics.js';
import { PAIRED_DEFAULTS } from '../harness/core/defaults.js';
import { mdeNote } from '../harness/core/format.js';
import { createRandom } from '../harness/stats/random.js';
import type { PairedComparison, RunResult, ScenarioResult } from '../harness/core/result.js';
import { renderMarkdown } from '../reports/markdown-report.js';
import { chartPercentiles, pairedSection, sparkline } from '../reports/paired-report.js';
import { makeRun, makeScenarioResult } from './fixtures/sample-result.js';
import { expectGolden } from './golden/expect-golden.js';

/** fixed against fixed@main on list-50/sqlite: `rounds` interleaved rounds of `perRound` samples each, the subject `slowdown` slower. */
function againstRun(rounds: number, perRound: number, slowdown: number): RunResult {
  const random = createRandom(4);
  const side = (impl: string, factor: number): ScenarioResult => {
    const samples: number[] = [];
    const sampleRounds: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < perRound; i++) {
        samples.push(Math.round(3 * factor * Math.exp(0.1 * random.normal()) * 1000) / 1000);
        sampleRounds.push(r);
      }
    }
    return makeScenarioResult({ scenario: 'list-50', dialect: 'sqlite', impl, rawSamples: samples, sampleRounds });
  };
  const subject = side('fixed', 1 + slowdown);
  const reference = side('fixed@main', 1);
  const roundRatios = pairRounds(subject.rawSamples, subject.sampleRounds!, reference.rawSamples, reference.sampleRounds!).map((r) => r.ratio);
  const judged = pairedRatio(roundRatios, PAIRED_DEFAULTS);
  const pair: PairedComparison = {
    scenario: 'list-50',
    dialect: 'sqlite',
    subject: 'fixed',
    reference: 'fixed@main',
    kind: 'against',
    rounds: judged.rounds,
    roundRatios,
    ratio: judged.ratio,
    ci: judged.ci,
    confidence: judged.confidence,
    pValue: judged.pValue,
    minEffect: judged.minEffect,
    mde: judged.mde,
    verdict: judged.verdict,
  };
  return makeRun([subject, reference], {
    pairs: [pair],
    against: { ref: 'main', sha: 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00', mergeBase: 'beef0000beef0000beef0000beef0000beef0000', schemaDiffers: false },
  });
}

describe('pairedSection', () => {
  it('is empty without pairs, and the report then has no such section', () => {
    const run = makeRun([makeScenarioResult({ scenario: 'list-50', dialect: 'sqlite', impl: 'fixed', rawSamples: [1, 2, 3] })]);
    expect(pairedSection(run)).toBe('');
    expect(renderMarkdown(run)).not.toContain('## Side by side');
  });

  it('matches the golden file for a 5% slowdown against main over 30 rounds', () => {
    expectGolden('sample-paired.md', pairedSection(againstRun(30, 8, 0.05)));
  });

  it('states the verdict with its interval, rounds, p-value and minimum detectable effect', () => {
    const run = againstRun(30, 8, 0.05);
    const pair = run.pairs![0]!;
    expect(pair.verdict).toBe('slower');
    const text = pairedSection(run);
    expect(text).toContain('### fixed against fixed@main: list-50 on sqlite');
    expect(text).toMatch(/\*\*SLOWER\*\*: ratio 1\.0\dx \[1\.0\dx, 1\.\d\dx\] \(99%, 30 rounds, one-sided p [^)]+\); the whole interval lies above 1\.02x\./);
    expect(text).toContain(`Minimum detectable slowdown of this run: ${(pair.mde * 100).toFixed(1)}% (95% power)`);
    expect(text).toContain('Against `main` (`c0ffee00c0ff`; merge-base `beef0000beef`), on the same fixture database.');
  });

  it('says when each side had a fixture of its own schema: where the schemas differ, and each side\'s checksum and left-out columns', () => {
    const run = againstRun(30, 8, 0);
    const fixture = (schema: string, checksum: string, omittedColumns: string[]) => ({ ...run.fixture, checksum, schema, omittedColumns });
    run.against = {
      ...run.against!,
      schemaDiffers: true,
      schemaDifference: 'on SQLite, only REF has "index collection_artifacts_artifact_id_idx"',
      fixtures: {
        sqlite: { 'fixed@main': fixture('aaaa', 'ab'.repeat(32), []), fixed: fixture('bbbb', 'ab'.repeat(32), []) },
        postgres: { 'fixed@main': fixture('aaaa', 'cd'.repeat(32), ['artifacts.description']), fixed: fixture('bbbb', 'ef'.repeat(32), []) },
      },
    };
    const text = pairedSection(run);
    expect(text).toContain('its schema differs, so each side had a fixture of its own schema, seeded with the same rows.');
    expect(text).toContain('- schemas: on SQLite, only REF has "index collection_artifacts_artifact_id_idx"');
    expect(text).toContain('- sqlite: `fixed@main` checksum `abababababab`; `fixed` checksum `abababababab`: the same rows on both sides.');
    expect(text).toContain(
      '- postgres: `fixed@main` checksum `cdcdcdcdcdcd` (its schema has no `artifacts.description`: left out); `fixed` checksum `efefefefefef`: the rows differ where the schemas do.',
    );
  });

  it('draws both distributions at the same percentiles and the per-round ratios, with n per side', () => {
    const text = pairedSection(againstRun(30, 8, 0.05));
    const charts = [...text.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(charts).toHaveLength(2);
    const [distributions, rounds] = charts as [string, string];
    const lines = [...distributions.matchAll(/line \[(.*)\]/g)].map((m) => m[1]!.split(', ').map(Number));
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toHaveLength(chartPercentiles.length);
    // The slower subject's quantiles lie above the reference's at the median.
    expect(lines[0]![9]!).toBeGreaterThan(lines[1]![9]!);
    expect(rounds).toContain('x-axis "round" 1 --> 30');
    expect([...rounds.matchAll(/line \[(.*)\]/g)].map((m) => m[1]!.split(', ').length)).toEqual([30, 30, 30]);
    expect(text).toContain('Legend: blue: fixed; orange: fixed@main.');
    expect(text).toContain('Legend: blue: per-round ratio; orange: 1.00x; green: the limit 1.02x.');
    expect(text).toMatch(/\| fixed\s+\| 240 \|\s+30 \|/);
    expect(text).toMatch(/\| fixed@main\s+\| 240 \|\s+30 \|/);
  });

  it('scales the per-round chart to the bulk of the rounds and says which outliers it drew at the edge', () => {
    const run = againstRun(60, 8, 0.05);
    const pair = run.pairs![0]!;
    pair.roundRatios = pair.roundRatios.map((r, i) => (i === 7 ? 20 : i === 9 ? 0.01 : r));
    const text = pairedSection(run);
    const rounds = [...text.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]!)[1]!;
    const [, low, high] = /y-axis "ratio" ([\d.]+) --> ([\d.]+)/.exec(rounds)!.map(Number) as [number, number, number];
    expect(high).toBeLessThan(2);
    expect(low).toBeGreaterThan(0.5);
    expect(text).toMatch(/2 of 60 points lie outside .* and are drawn at the edge\./);
  });

  it('explains an A/A pair without samples of the copy instead of calling them missing', () => {
    const run = againstRun(30, 8, 0);
    const pair = run.pairs![0]!;
    Object.assign(pair, { kind: 'aa', reference: 'fixed (A/A)' });
    run.results = run.results.filter((r) => r.impl !== 'fixed@main');
    delete run.against;
    const text = pairedSection(run);
    expect(text).toContain('`fixed (A/A)` is `fixed` served a second time: the run keeps its per-round ratios (below), not its samples');
    expect(text).not.toContain('No raw samples');
  });

  it('says when n is too small for a p95 interval, and when raw samples are missing', () => {
    const run = againstRun(10, 4, 0);
    expect(pairedSection(run)).toContain('(n too small for an interval)');
    run.results = run.results.filter((r) => r.impl !== 'fixed@main');
    const text = pairedSection(run);
    expect(text).toContain('No raw samples of `fixed@main` in the result: distributions not drawn.');
    // The stored round ratios are still drawn.
    expect(text).toContain('x-axis "round" 1 --> 10');
  });

  it('draws at most 120 points for long runs', () => {
    const text = pairedSection(againstRun(300, 2, 0));
    expect(text).toContain('medians of blocks of 3 rounds');
    expect([...text.matchAll(/line \[(.*)\]/g)].slice(2).map((m) => m[1]!.split(', ').length)).toEqual([100, 100, 100]);
  });

  it('renders inside the run report after before and after', () => {
    const text = renderMarkdown(againstRun(30, 8, 0.05));
    expect(text).toContain('## Side by side: judged pairs');
  });
});

describe('sparkline', () => {
  it('maps the lowest value to the lowest bar and the highest to the highest', () => {
    expect(sparkline([1, 1.5, 2])).toBe('▁▅█ (1.00x to 2.00x)');
    expect(sparkline([1, 1])).toBe('▄▄ (1.00x to 1.00x)');
  });
});

describe('the MDE a pair aimed at (run --against --mde)', () => {
  const at = (mde: number) => ({ mde, mdeTarget: { target: 0.03, maxTimeMs: 10_000 } });
  it.each([
    [0.029, ' (target 3.0% reached)'],
    [0.03, ' (target 3.0% reached)'],
    [0.031, '; target 3.0% NOT reached in the time allowed (10.0 s, --max-time) or the sample cap: a slowdown under 3.1% may pass unseen'],
  ])('states an MDE of %d against its target', (mde, note) => {
    expect(mdeNote(at(mde))).toBe(note);
  });
  it('says nothing for a pair sampled without a target', () => {
    expect(mdeNote({ mde: 0.5 })).toBe('');
  });
});
