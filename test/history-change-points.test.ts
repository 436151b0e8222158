import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectionRates } from '../harness/bench/history-detection.js';
import { syntheticHistory } from '../harness/bench/synthetic-history.js';
import { attachResultNote } from '../harness/git/result-notes.js';
import { readHistory } from '../harness/cli/read-history.js';
import { eDivisive, exactSteps } from '../harness/stats/change-points.js';
import { analyzeHistory, type HistoryReport } from '../harness/judge/history.js';
import { ROOT } from './support/run-cli.js';
import { createTempRepo, removeTempRepos } from './support/temp-repo.js';

afterAll(removeTempRepos);

describe('E-Divisive means', () => {
  it('finds a clean step at its index and says the levels either side', () => {
    const series = [...Array.from({ length: 20 }, (_, i) => 10 + (i % 3) * 0.1), ...Array.from({ length: 20 }, (_, i) => 12 + (i % 3) * 0.1)];
    const [cp, ...rest] = eDivisive(series);
    expect(rest).toEqual([]);
    expect(cp).toMatchObject({ index: 20, before: 10.1, after: 12.1 });
    expect(cp?.pValue).toBeLessThanOrEqual(0.005);
  });

  it('finds nothing in a constant or a short series, and query-count steps exactly', () => {
    expect(eDivisive(Array.from({ length: 30 }, () => 5))).toEqual([]);
    expect(eDivisive([1, 2, 30, 40])).toEqual([]);
    expect(exactSteps([5, 5, 6, 6, 5])).toEqual([{ index: 2, before: 5, after: 6 }, { index: 4, before: 6, after: 5 }]);
  });
});

describe('history on synthetic histories of 100 commits (issue 12 goals)', () => {
  it('finds a 15% latency step and a query-count step at their commits, nothing else, and stays quiet on unchanged code', () => {
    // The same seeds as `npm run bench:history`; the measured rates are in docs/figures.md.
    const rates = detectionRates(100);
    expect(rates.quiet).toBeGreaterThanOrEqual(95);
    expect(rates.found).toBeGreaterThanOrEqual(95);
  });

  it('names the step commits with their size and significance', () => {
    const entries = syntheticHistory({ seed: 2, latencyStepAt: 40, queryStepAt: 70 });
    const report = analyzeHistory(entries, 'synthetic', 100);
    const p50 = report.steps.find((s) => s.metric === 'p50');
    expect(p50).toMatchObject({ commit: entries[40]?.commit, scenario: 'list-50', dialect: 'sqlite' });
    expect(p50?.change).toBeGreaterThan(0.1);
    expect(p50?.pValue).toBeLessThanOrEqual(0.005);
    expect(report.steps.find((s) => s.metric === 'queries')).toMatchObject({ commit: entries[70]?.commit, before: 5, after: 6, pValue: null });
  });
});

describe('querygate history in a repository', () => {
  it('reads the result notes along first parents, oldest first, and prints markdown with a mermaid chart or JSON', () => {
    const repo = createTempRepo();
    const synthetic = syntheticHistory({ seed: 5, commits: 24, queryStepAt: 16 });
    const shas = synthetic.map((entry, i) => {
      const sha = repo.commit(`c${i}`, i);
      if (i !== 3) attachResultNote(entry.result, sha, repo.dir); // one commit without a note
      return sha;
    });
    const read = readHistory('HEAD', { cwd: repo.dir, maxCount: 100 });
    expect(read.commits).toBe(24);
    expect(read.entries.map((e) => e.commit)).toEqual(shas.filter((_, i) => i !== 3));

    const cli = (args: string[]) => spawnSync(process.execPath, [join(ROOT, 'bin', 'querygate.js'), ...args], { cwd: repo.dir, encoding: 'utf8' });
    const json = cli(['history', '--json']);
    expect(json.status, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout) as HistoryReport;
    expect(report).toMatchObject({ commits: 24, withResults: 23 });
    expect(report.series[0]?.points).toHaveLength(23);
    expect(report.steps.filter((s) => s.metric === 'queries').map((s) => s.commit)).toEqual([shas[16]]);

    const md = cli(['history', 'HEAD~10..HEAD']);
    expect(md.status, md.stderr).toBe(0);
    expect(md.stdout).toMatch(/```mermaid\n%%\{init: .*plotColorPalette.*\n(?:.*\n)*?```\n\nLegend: blue: p50; orange: p95\./);
    expect(md.stdout).toMatch(new RegExp(`\\| ${shas[16]?.slice(0, 8)} \\| .* \\| 6 \\| queries \\+20\\.0% \\|`));
    expect(md.stdout.match(/^\| [0-9a-f]{8} \| 2026/gm)).toHaveLength(10 + 1); // 10 series lines + 1 step line

    const none = cli(['history', 'HEAD~30']);
    expect(none.status).toBe(2);
  });
});
