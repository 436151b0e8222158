import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'puppeteer';
import { afterAll, describe, expect, it } from 'vitest';
import { erroredScenarioResult, type RunResult, type ScalingPoint, type ScalingResult } from '../harness/core/result.js';
import { parseResultFile } from '../harness/core/parse-result-file.js';
import { syntheticHistory } from '../harness/bench/synthetic-history.js';
import { compareRuns } from '../harness/judge/compare.js';
import { analyzeHistory } from '../harness/judge/history.js';
import { fitGrowth } from '../harness/runner/scaling.js';
import { renderComparisonMarkdown } from '../reports/comparison-markdown.js';
import { renderHistoryMarkdown } from '../reports/history-markdown.js';
import { renderMarkdown } from '../reports/markdown-report.js';
import { renderScalingMarkdown } from '../reports/scaling-report.js';
import { renderSummary } from '../reports/summary-report.js';
import { sampleResult } from './fixtures/sample-result.js';
import { launchChromium } from './support/chromium.js';
import { mermaidBlocks, type MermaidBlock } from './support/mermaid-blocks.js';
import { renderToSvg, type Rendered } from './support/render-to-svg.js';
import { ROOT } from './support/run-cli.js';
import { xychartProblems } from './support/xychart-problems.js';

// Issue #23: GitHub draws the reports' ```mermaid blocks; one it cannot parse shows as an error box
// in the pull request. Here each block is drawn by mermaid-cli in Debian's chromium, one browser
// for all of them, and what it drew is checked against the block and its legend line.

const fixture = (name: string): RunResult => parseResultFile(readFileSync(join(ROOT, 'test', 'fixtures', name), 'utf8'), name);

/** The sample run (a gate fails on Postgres) with one implementation errored, which the charts leave out. */
function failingRun(): RunResult {
  const run = sampleResult();
  run.results = run.results.map((r) =>
    r.impl === 'floor' && r.dialect === 'postgres' && r.scenario === 'list-50' ? erroredScenarioResult(r.scenario, r.dialect, r.impl, 'connection terminated') : r,
  );
  return run;
}

/** A sweep of three fixture sizes and three page sizes on both databases: p50 as measured in docs/figures.md. */
function scalingSweep(): ScalingResult {
  const sizes = { small: 1_000, default: 10_000, large: 100_000 };
  const p50AtPage50 = { baseline: [11.1, 33.7, 267.5], fixed: [1.84, 2.82, 9.99], floor: [1.29, 1.3, 1.7] };
  const limits = [10, 50, 100];
  const points: ScalingPoint[] = [];
  for (const [dialect, factor] of [['sqlite', 1], ['postgres', 2.5]] as const) {
    for (const [impl, p50s] of Object.entries(p50AtPage50)) {
      for (const [i, [profile, artifacts]] of Object.entries(sizes).entries()) {
        for (const limit of limits) {
          const p50 = ((p50s[i] ?? 1) * factor * limit) / 50;
          const queries = impl === 'baseline' ? 8 + 2 * limit : impl === 'fixed' ? 5 : 1;
          points.push({ profile, dialect, impl, limit, artifacts, p50, p95: p50 * 1.4, queries, rows: limit, touchedRows: artifacts / 10 });
        }
      }
    }
  }
  return {
    kind: 'querygate-scaling',
    schemaVersion: 1,
    startedAt: '2025-06-01T12:00:00.000Z',
    durationMs: 600_000,
    environment: sampleResult().environment,
    profiles: Object.keys(sizes),
    limits,
    points,
    fits: fitGrowth(points),
  };
}

const markdownFiles = (folder: string): string[] =>
  readdirSync(join(ROOT, folder))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(folder, f));

/**
 * Every kind of markdown querygate writes, and the least number of charts each has now (a report
 * that loses its charts fails too). Committed markdown (golden files, docs) is drawn as it is.
 */
const REPORTS: { name: string; markdown: () => string; minCharts: number }[] = [
  { name: 'the report of a failing run', markdown: () => renderMarkdown(failingRun()), minCharts: 2 },
  { name: 'the report of a passing run (real-result.sqlite.json)', markdown: () => renderMarkdown(fixture('real-result.sqlite.json')), minCharts: 3 },
  { name: 'the report of an --against run (real-result-against.sqlite.json)', markdown: () => renderMarkdown(fixture('real-result-against.sqlite.json')), minCharts: 5 },
  { name: 'the pull-request summary of a failing run', markdown: () => renderSummary(failingRun()), minCharts: 0 },
  { name: 'the pull-request summary of an --against run', markdown: () => renderSummary(fixture('real-result-against.sqlite.json')), minCharts: 0 },
  {
    name: 'a compare (real-result -> real-result-against)',
    markdown: () => renderComparisonMarkdown(compareRuns(fixture('real-result.sqlite.json'), fixture('real-result-against.sqlite.json'))),
    minCharts: 0,
  },
  {
    name: 'a history of 100 commits with a latency and a query-count step',
    markdown: () => renderHistoryMarkdown(analyzeHistory(syntheticHistory({ seed: 2, latencyStepAt: 40, queryStepAt: 70 }), 'HEAD~100..HEAD', 100)),
    minCharts: 1,
  },
  { name: 'a scaling sweep (scaling.md)', markdown: () => renderScalingMarkdown(scalingSweep()), minCharts: 2 },
  ...[...markdownFiles('test/golden'), 'README.md', ...markdownFiles('docs')].map((path) => ({
    name: path,
    markdown: () => readFileSync(join(ROOT, path), 'utf8'),
    minCharts: 0,
  })),
];

// One browser for the file, started by the first test that draws: where chromium is missing, each
// such test fails with the reason (a failing beforeAll would only mark them skipped).
let browser: Promise<Browser> | undefined;
const chromium = (): Promise<Browser> => (browser ??= launchChromium());

afterAll(async () => {
  await (await browser?.catch(() => undefined))?.close();
});

/** Each distinct block is drawn once: the golden files repeat the rendered reports. */
const drawn = new Map<string, Promise<Rendered>>();

function draw(definition: string): Promise<Rendered> {
  let rendered = drawn.get(definition);
  if (rendered === undefined) {
    rendered = chromium().then((b) => renderToSvg(b, definition));
    drawn.set(definition, rendered);
  }
  return rendered;
}

/** What is wrong with one block: mermaid's error, or how its drawing falls short; null when it is right. */
async function blockProblem(block: MermaidBlock): Promise<string | null> {
  const rendered = await draw(block.definition);
  const problems = rendered.state === 'failed' ? [`mermaid: ${rendered.error}`] : xychartProblems(block, rendered.svg);
  if (problems.length === 0) return null;
  return [`block at line ${block.line}:`, '```mermaid', block.definition, '```', ...(block.legend === null ? [] : [block.legend]), ...problems.map((p) => `- ${p}`)].join('\n');
}

/** The problems of the blocks, in block order; a page each, drawn at the same time. */
async function problemsOf(blocks: readonly MermaidBlock[]): Promise<string[]> {
  const problems = await Promise.all(blocks.map(blockProblem));
  return problems.filter((p): p is string => p !== null);
}

describe('every mermaid chart of the reports renders (mermaid-cli, chromium)', () => {
  for (const report of REPORTS) {
    it(`draws the charts of ${report.name}`, async () => {
      const blocks = mermaidBlocks(report.markdown());
      expect(blocks.length, `mermaid blocks in ${report.name}`).toBeGreaterThanOrEqual(report.minCharts);
      const problems = await problemsOf(blocks);
      if (problems.length > 0) {
        throw new Error(`${problems.length} of ${blocks.length} mermaid blocks of ${report.name} did not render as written:\n\n${problems.join('\n\n')}`);
      }
    });
  }

  // The checks themselves, on a chart written here (not by the renderers, which the tests above judge).
  const chart: MermaidBlock = {
    definition: [
      '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#1f77b4, #ff7f0e"}}}}%%',
      'xychart-beta',
      '    title "sqlite: p95 (back) and p50 (front) latency  ms"',
      '    x-axis ["baseline list-50", "fixed list-50"]',
      '    y-axis "ms" 0 --> 50',
      '    bar [49.7, 3.06]',
      '    bar [38.5, 2.14]',
    ].join('\n'),
    line: 1,
    legend: 'Legend: blue: p95; orange: p50.',
  };

  it('passes a chart drawn as written', async () => {
    expect(await problemsOf([chart])).toEqual([]);
  });

  it("fails a block mermaid cannot parse, with the block and mermaid's error", async () => {
    // What a report could print for a missing figure: not a number to mermaid.
    const [problem, ...rest] = await problemsOf([{ ...chart, definition: chart.definition.replace('bar [49.7', 'bar [n/a') }]);
    expect(rest).toEqual([]);
    expect(problem).toContain('bar [n/a, 3.06]');
    expect(problem).toMatch(/mermaid: Parse error on line \d+:.*Expecting 'NUMBER_WITH_DECIMAL'/s);
  });

  it('fails a chart whose drawing differs from the block or its legend', async () => {
    const [problem] = await problemsOf([{ ...chart, legend: 'Legend: green: p95; orange: p50.' }]);
    expect(problem).toContain("- series 0 (bar) drawn in #1f77b4, not the legend's #2ca02c");
    // A line with more values than the x axis has categories: mermaid draws only as many points as categories.
    const [cut] = await problemsOf([{ ...chart, definition: chart.definition.replace('bar [38.5, 2.14]', 'line [38.5, 2.14, 7]') }]);
    expect(cut).toContain('- series 1 (line) drawn with 2 of its 3 points');
  });
});
