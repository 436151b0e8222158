import { describe, expect, it } from 'vitest';
import type { PairedComparison, RunResult } from '../harness/core/result.js';
import { renderMarkdown, repositoryUrlFrom } from '../reports/markdown-report.js';
import { sampleResult } from './fixtures/sample-result.js';
import { expectGolden } from './golden/expect-golden.js';

/** Cells of each row of each markdown table, split on pipes that are not escaped. */
function tables(markdown: string): string[][][] {
  const found: string[][][] = [];
  let current: string[][] | null = null;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('|')) {
      const cells = line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim());
      (current ??= []).push(cells);
    } else if (current !== null) {
      found.push(current);
      current = null;
    }
  }
  if (current !== null) found.push(current);
  return found;
}

function tableAfter(markdown: string, heading: string): string[][] {
  const rest = markdown.slice(markdown.indexOf(heading));
  const table = tables(rest)[0];
  if (table === undefined) throw new Error(`no table after ${heading}`);
  return table;
}

describe('renderMarkdown', () => {
  it('matches the golden file for the sample run', () => {
    expectGolden('sample-report.md', renderMarkdown(sampleResult()));
  });

  it('puts the verdict first and names the failed gate with where it failed', () => {
    const text = renderMarkdown(sampleResult());
    const lines = text.split('\n');
    expect(lines[0]).toBe('# querygate: FAIL');
    expect(lines[2]).toMatch(/^\*\*FAIL\*\*: 1 of 12 gates failed, 1 finding; implementation under test `fixed`\. /);
    // The cause and its evidence come next, before any table.
    expect(lines[4]).toBe('## What failed');
    expect(lines[6]).toBe('- **`queries-at-most-max` failed** in 1 place: list-50 on postgres (6; threshold <= 5).');
    expect(lines[8]).toBe('  > 6 statements per request, 2 of them transaction control (BEGIN/COMMIT)');
    expect(text.indexOf('## What failed')).toBeLessThan(text.indexOf('|'));
  });

  it('says PASS with no failure list when every gate passes', () => {
    const result = sampleResult();
    for (const r of result.results) r.gates = r.gates.map((g) => ({ ...g, pass: true }));
    result.verdict = 'pass';
    const text = renderMarkdown(result);
    expect(text.startsWith('# querygate: PASS\n\n**PASS**: 0 of 12 gates failed')).toBe(true);
    expect(text).not.toContain('- failed');
    expect(text).not.toContain('| FAIL');
  });

  it('keeps every table rectangular', () => {
    const all = tables(renderMarkdown(sampleResult()));
    expect(all.length).toBeGreaterThanOrEqual(10);
    for (const table of all) {
      const width = table[0]!.length;
      for (const row of table) expect(row).toHaveLength(width);
      expect(table[1]!.every((cell) => /^-+:?$/.test(cell))).toBe(true);
    }
  });

  it('lists the per-scenario columns, the interval of p95 and the ratio to the floor', () => {
    const table = tableAfter(renderMarkdown(sampleResult()), '### list-50 on postgres');
    expect(table[0]).toEqual(['impl', 'n', 'p50', 'p95 [95% CI]', 'p99', 'queries/request', 'rows/request', 'p50 / floor']);
    const fixed = table.find((row) => row[0] === 'fixed (under test)')!;
    expect(fixed[3]).toMatch(/^\d+\.\d\d \[\d+\.\d\d, \d+\.\d\d\]$/);
    expect(fixed[5]).toBe('6');
    expect(fixed[7]).toMatch(/^\d+\.\dx$/);
  });

  it('prints the order-statistic interval of p95, and none when n is too small for one', () => {
    const result = sampleResult();
    const fixed = result.results.find((r) => r.impl === 'fixed' && r.scenario === 'list-50' && r.dialect === 'postgres')!;
    const sorted = [...fixed.rawSamples].sort((a, b) => a - b);
    const row = (run: RunResult): string[] => tableAfter(renderMarkdown(run), '### list-50 on postgres').find((r) => r[0] === 'fixed (under test)')!;
    // 200 samples: ranks 184 and 197 (binomial, 95%).
    expect(row(result)[3]).toBe(`${fixed.latencyMs.p95.toFixed(2)} [${sorted[183]!.toFixed(2)}, ${sorted[196]!.toFixed(2)}]`);
    fixed.rawSamples = fixed.rawSamples.slice(0, 40);
    fixed.samples = 40;
    expect(row(result)[1]).toBe('40');
    expect(row(result)[3]).toBe(`${fixed.latencyMs.p95.toFixed(2)} (n too small for an interval)`);
    fixed.p95Interval = { p: 95, value: 6.5, ci: null, confidence: 0.95, n: 40 };
    expect(row(result)[3]).toBe(`${fixed.latencyMs.p95.toFixed(2)} (n too small for an interval)`);
  });

  it('leaves the floor column out when no floor was measured', () => {
    const result = sampleResult();
    result.results = result.results.filter((r) => r.impl !== 'floor');
    const text = renderMarkdown(result);
    expect(tableAfter(text, '### list-50 on sqlite')[0]).not.toContain('p50 / floor');
  });

  it('shows before and after from the stored ratios, and inverts a ratio stored the other way round', () => {
    const result = sampleResult();
    const table = tableAfter(renderMarkdown(result), '## Before and after');
    const row = table.find((r) => r[0] === 'list-50' && r[1] === 'postgres')!;
    const ratio = result.ratios.find((r) => r.scenario === 'list-50' && r.dialect === 'postgres')!;
    expect(row[6]).toBe('106 -> 6');
    expect(row[3]).toBe(`${ratio.p50.toFixed(1)}x [${ratio.p50Ci[0].toFixed(1)}x, ${ratio.p50Ci[1].toFixed(1)}x]`);

    const flipped: RunResult = {
      ...result,
      ratios: [{ ...ratio, numerator: 'fixed', denominator: 'baseline', p50: 0.05, p50Ci: [0.04, 0.0625] }],
    };
    const flippedRow = tableAfter(renderMarkdown(flipped), '## Before and after').find((r) => r[0] === 'list-50' && r[1] === 'postgres')!;
    expect(flippedRow[3]).toBe('20.0x [16.0x, 25.0x]');
    // Without a stored ratio the point ratio stands alone.
    const sqliteRow = tableAfter(renderMarkdown(flipped), '## Before and after').find((r) => r[0] === 'list-50' && r[1] === 'sqlite')!;
    expect(sqliteRow[3]).toMatch(/^\d+\.\dx \(no interval\)$/);
  });

  it('shows the p50 speedup of a baseline pair measured side by side as paired, and the rest as unpaired', () => {
    const result = sampleResult();
    const pair: PairedComparison = { scenario: 'detail', dialect: 'sqlite', subject: 'fixed', reference: 'baseline', kind: 'baseline', rounds: 40,
      roundRatios: Array<number>(40).fill(0.5), confidence: 0.99, minEffect: 0.1, ratio: 0.5, ci: [0.4, 0.625], pValue: 0.001, mde: 0.05, verdict: 'faster' };
    const text = renderMarkdown({ ...result, pairs: [pair] });
    expect(text).toMatch(/Unpaired unless marked paired: the ratio of the two sides' percentiles/);
    const table = tableAfter(text, '## Before and after');
    const row = (scenario: string, dialect: string) => table.find((r) => r[0] === scenario && r[1] === dialect)!;
    expect(row('detail', 'sqlite')[3]).toBe('2.00x [1.60x, 2.50x] paired, 99%');
    // Its p95 and every group without a baseline pair: the unpaired ratio of the stored run.
    expect(row('detail', 'sqlite')[5]).not.toMatch(/paired/);
    expect(row('detail', 'postgres')[3]).toMatch(/^\d+\.\d+x \[\d+\.\d+x, \d+\.\d+x\]$/);
  });

  it('shows an errored result with its error, in the verdict and in its table', () => {
    const result = sampleResult();
    const errored = result.results.find((r) => r.impl === 'fixed' && r.scenario === 'detail' && r.dialect === 'sqlite')!;
    errored.state = 'errored';
    errored.error = 'SQLITE_BUSY: database is locked | retry';
    const text = renderMarkdown(result);
    expect(text).toContain('1 of 10 results errored');
    expect(text).toContain('- **errored: fixed could not be measured: SQLITE_BUSY: database is locked | retry** in 1 place: detail, sqlite.');
    const row = tableAfter(text, '### detail on sqlite').find((r) => r[0] === 'fixed (under test)')!;
    expect(row[2]).toBe('errored');
    expect(text).toContain('- `fixed` errored: SQLITE_BUSY: database is locked | retry');
    // The errored result is left out of the chart of its database.
    expect(text.match(/"fixed detail"/g)).toHaveLength(1);
  });

  it('lists the N+1 suspects with count, example and call site', () => {
    const table = tableAfter(renderMarkdown(sampleResult()), '### baseline: list-50 on postgres');
    expect(table[0]).toEqual(['fingerprint', 'per request', 'example', 'call site']);
    expect(table[2]).toEqual([
      '`select count(*) as "count" from "collection_artifacts" where "collection_id" = ?`',
      '100',
      '`select count(*) as "count" from "collection_artifacts" where "collection_id" = 17`',
      '[src/impl/baseline.ts:61](src/impl/baseline.ts#L61)',
    ]);
  });

  it('links call sites in the checkout to their line, and shows other revisions and other places as code', () => {
    const result = sampleResult();
    const baseline = result.results.find((r) => r.impl === 'baseline' && r.dialect === 'sqlite' && r.scenario === 'list-50')!;
    const suspect = baseline.queries.n1Suspects[0]!;
    const sites = ['harness/bench/injected-regressions.ts:26', '181b013c7f64:src/impl/baseline.ts:52', '/opt/app/lazy.ts:3 (outside the checkout)'];
    baseline.queries.n1Suspects = sites.map((callSite) => ({ ...suspect, callSite }));
    const cells = tableAfter(renderMarkdown(result), '### baseline: list-50 on sqlite').slice(2).map((row) => row[3]);
    expect(cells).toEqual([
      '[harness/bench/injected-regressions.ts:26](harness/bench/injected-regressions.ts#L26)',
      '`181b013c7f64:src/impl/baseline.ts:52`',
      '`/opt/app/lazy.ts:3 (outside the checkout)`',
    ]);
    // With the repository's address (GitHub Actions' variables): each at its own commit.
    const repositoryUrl = repositoryUrlFrom({ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/artifacts' });
    expect(repositoryUrl).toBe('https://github.com/acme/artifacts');
    const commit = result.environment.gitCommit;
    expect(commit).not.toBeNull();
    const linked = tableAfter(renderMarkdown(result, { repositoryUrl }), '### baseline: list-50 on sqlite').slice(2).map((row) => row[3]);
    expect(linked).toEqual([
      `[harness/bench/injected-regressions.ts:26](https://github.com/acme/artifacts/blob/${commit}/harness/bench/injected-regressions.ts#L26)`,
      '[181b013c7f64:src/impl/baseline.ts:52](https://github.com/acme/artifacts/blob/181b013c7f64/src/impl/baseline.ts#L52)',
      '`/opt/app/lazy.ts:3 (outside the checkout)`',
    ]);
  });

  it.each([
    [{}, undefined],
    [{ GITHUB_SERVER_URL: 'https://github.com' }, undefined],
    [{ GITHUB_SERVER_URL: 'javascript:alert(1)', GITHUB_REPOSITORY: 'a/b' }, undefined],
    [{ GITHUB_SERVER_URL: 'https://ghe.example.com/', GITHUB_REPOSITORY: 'a/b' }, 'https://ghe.example.com/a/b'],
    [{ GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'a/b) [x](y' }, undefined],
  ])('takes the repository address from %j only when both variables are well-formed', (env, expected) => {
    expect(repositoryUrlFrom(env)).toBe(expected);
  });

  it('flags full scans in the query plans and leaves the section out without plans', () => {
    const text = renderMarkdown(sampleResult());
    expect(text).toContain('1 of 3 plans read a table of over 1,000 rows in full.');
    expect(tableAfter(text, '<summary>Query plans</summary>').some((row) => row[4] === 'FULL SCAN: group_artifacts')).toBe(true);

    const result = sampleResult();
    for (const r of result.results) delete r.queries.plans;
    expect(renderMarkdown(result)).not.toContain('Query plans');
  });

  it('draws one mermaid bar chart per database with a value per label', () => {
    const text = renderMarkdown(sampleResult());
    const charts = [...text.matchAll(/```mermaid\n([\s\S]*?)```\n\nLegend: (.*)/g)].map((m) => [m[1]!, m[2]!] as const);
    expect(charts).toHaveLength(2);
    for (const [chart, legend] of charts) {
      // Two series in two colours a reader tells apart, named in the legend; no drift probe among the code under test.
      expect(chart).toMatch(/^%%\{init: \{"themeVariables": \{"xyChart": \{"plotColorPalette": "#1f77b4, #ff7f0e"\}\}\}\}%%\nxychart-beta\n/);
      expect(legend).toBe('blue: p95; orange: p50.');
      expect(chart).not.toContain('probe');
      const labels = JSON.parse(/x-axis (\[.*\])/.exec(chart)![1]!) as string[];
      const bars = [...chart.matchAll(/bar \[(.*)\]/g)].map((m) => m[1]!.split(', ').map(Number));
      expect(bars).toHaveLength(2);
      const top = Number(/y-axis "ms" 0 --> ([\d.]+)/.exec(chart)![1]);
      for (const bar of bars) {
        expect(bar).toHaveLength(labels.length);
        for (const value of bar) expect(value).toBeGreaterThan(0);
        expect(Math.max(...bar)).toBeLessThanOrEqual(top);
      }
    }
  });

  it('divides by the floor only when it has enough samples, and never calls a negative difference a cost', () => {
    const result = sampleResult();
    const floor = result.results.find((r) => r.impl === 'floor' && r.scenario === 'list-50' && r.dialect === 'sqlite')!;
    floor.samples = 10;
    const fixed = result.results.find((r) => r.impl === 'fixed' && r.scenario === 'list-50' && r.dialect === 'sqlite')!;
    fixed.uninstrumentedP50Ms = fixed.latencyMs.p50 * 1.1;
    const text = renderMarkdown(result);
    const table = tableAfter(text, '### list-50 on sqlite');
    expect(table.slice(2).map((row) => row[7])).toEqual(['-', '-', '-']);
    expect(text).toContain('No ratio to floor: it has n = 10, too few for its p50 to divide by (at least 20).');
    expect(text).toContain('no overhead measurable in this run: the bare copy was not faster');
    expect(text).not.toMatch(/overhead -\d/);
    fixed.uninstrumentedP50Ms = fixed.latencyMs.p50 / 1.05;
    expect(renderMarkdown(result)).toContain('overhead 5.0%, without an interval');
  });

  it('is stable: no timestamps but the start of the run', () => {
    const result = sampleResult();
    const text = renderMarkdown(result);
    expect(renderMarkdown(sampleResult())).toBe(text);
    expect(text.match(/\d{4}-\d\d-\d\dT[\d:.]+Z?/g)).toEqual([result.startedAt]);
  });

  it('formats milliseconds with two decimals under 10 and one from 10 on', () => {
    const table = tableAfter(renderMarkdown(sampleResult()), '### list-50 on sqlite');
    const cells = table.slice(2).map((row) => [row[0], row[2], row[4]]);
    expect(cells).toEqual([
      ['baseline', expect.stringMatching(/^\d\d\.\d$/), expect.stringMatching(/^\d\d\.\d$/)],
      ['fixed (under test)', expect.stringMatching(/^\d\.\d\d$/), expect.stringMatching(/^\d\.\d\d$/)],
      ['floor', expect.stringMatching(/^0\.0\d\d$/), expect.stringMatching(/^0\.0\d\d$/)],
    ]);
  });

  it('escapes pipes and backticks from the data so the tables hold', () => {
    const result = sampleResult();
    const baseline = result.results.find((r) => r.impl === 'baseline' && r.dialect === 'sqlite' && r.scenario === 'list-50')!;
    baseline.queries.n1Suspects = [{ fingerprint: 'select a || b from `t` where x = ?', count: 50, example: 'select a || b from `t` where x = 1', callSite: null }];
    const table = tableAfter(renderMarkdown(result), '### baseline: list-50 on sqlite');
    expect(table[2]).toEqual(['``select a \\|\\| b from `t` where x = ?``', '50', '``select a \\|\\| b from `t` where x = 1``', 'unknown']);
  });
});
