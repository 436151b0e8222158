/**
 * How far the gates can be trusted on this machine: false alarms on unchanged code, the A/A
 * noise floor, and detection of an injected N+1 and an injected slowdown, by `run` and by
 * `compare`. `npm run bench:trust -- [runs]` prints the figures that go into the README.
 */
import { QUICK_SAMPLING, type SamplingOptions } from '../runner/sampling-options.js';
import { run, type RunOptions } from '../runner/run.js';
import type { DatabaseTarget } from '../db/open-adapter.js';
import type { Dialect, RunResult } from '../result.js';
import { compareRuns } from '../../reports/compare.js';
import { DEFAULT_THRESHOLDS, judgeRun, type Thresholds } from '../../reports/gates.js';
import { INJECTED_HANDLERS } from './injected-regressions.js';
import { DEFAULT_SCENARIOS } from '../../scenarios/index.js';
import type { ProfileName } from '../../fixtures/profiles.js';

export interface TrustOptions {
  dialects: Dialect[];
  profile: ProfileName;
  /** Runs of unchanged code. */
  runs: number;
  /** Runs of each injected regression. */
  injectedRuns: number;
  target: DatabaseTarget;
  sampling?: SamplingOptions;
  onProgress?: (message: string) => void;
}

export interface TrustFigures {
  runs: number;
  /** Unchanged runs whose verdict was fail. */
  falseAlarms: number;
  /** Consecutive pairs of unchanged runs that compare flagged. */
  comparePairs: number;
  compareFalseAlarms: number;
  /** A/A p50 ratio intervals of the implementation under test (list-50), widest over runs, per dialect. */
  noiseFloor: { dialect: Dialect; medianWidth: number; widest: [number, number] }[];
  n1: { runs: number; caughtByRun: number; caughtByCompare: number };
  slowdown: { runs: number; p95BudgetMs: number; caughtByRun: number; caughtByCompare: number };
}

function runOptions(o: TrustOptions, implUnderTest: string, thresholds: Thresholds = DEFAULT_THRESHOLDS): RunOptions {
  return {
    dialects: o.dialects,
    impls: [...new Set(['baseline', implUnderTest, 'floor'])],
    implUnderTest,
    scenarios: [...DEFAULT_SCENARIOS],
    profile: o.profile,
    seed: 42,
    target: o.target,
    sampling: o.sampling ?? QUICK_SAMPLING,
    thresholds,
    measureOverhead: true,
    extra: INJECTED_HANDLERS,
    plans: false,
    onProgress: () => {},
    onSeedProgress: undefined,
  };
}

/** Measures and judges, as the CLI does. */
async function judged(options: RunOptions): Promise<RunResult> {
  return judgeRun(await run(options), options.scenarios, options.thresholds);
}

const p95Of = (r: RunResult, impl: string) => r.results.find((x) => x.impl === impl && x.scenario === 'list-50')?.latencyMs.p95 ?? 0;

export async function measureGateTrust(o: TrustOptions): Promise<TrustFigures> {
  const progress = o.onProgress ?? (() => {});
  const unchanged: RunResult[] = [];
  for (let i = 0; i < o.runs; i++) {
    progress(`unchanged run ${i + 1}/${o.runs}`);
    unchanged.push(await judged(runOptions(o, 'fixed')));
  }
  const falseAlarms = unchanged.filter((r) => r.verdict !== 'pass').length;
  let compareFalseAlarms = 0;
  for (let i = 1; i < unchanged.length; i++) if (compareRuns(unchanged[i - 1] as RunResult, unchanged[i] as RunResult).regressed) compareFalseAlarms++;

  const noiseFloor = o.dialects.map((dialect) => {
    const intervals = unchanged
      .map((r) => r.results.find((x) => x.dialect === dialect && x.scenario === 'list-50' && x.aaRatio !== undefined)?.aaRatio?.p50Ci)
      .filter((ci): ci is [number, number] => ci !== undefined);
    const widths = intervals.map(([lo, hi]) => hi - lo).sort((a, b) => a - b);
    const widest = intervals.reduce<[number, number]>((w, ci) => (ci[1] - ci[0] > w[1] - w[0] ? ci : w), [1, 1]);
    return { dialect, medianWidth: widths[Math.floor(widths.length / 2)] ?? 0, widest };
  });

  // A budget a team would set from history: twice the worst p95 seen on unchanged code.
  const p95BudgetMs = 2 * Math.max(...unchanged.map((r) => p95Of(r, 'fixed')));
  const n1 = { runs: o.injectedRuns, caughtByRun: 0, caughtByCompare: 0 };
  const slowdown = { runs: o.injectedRuns, p95BudgetMs, caughtByRun: 0, caughtByCompare: 0 };
  for (let i = 0; i < o.injectedRuns; i++) {
    const base = unchanged[i % unchanged.length] as RunResult;
    progress(`injected N+1 run ${i + 1}/${o.injectedRuns}`);
    const withN1 = await judged(runOptions(o, 'fixed-injected-n1'));
    if (withN1.verdict === 'fail') n1.caughtByRun++;
    if (compareRuns(base, withN1).regressed) n1.caughtByCompare++;
    progress(`injected slowdown run ${i + 1}/${o.injectedRuns}`);
    const slower = await judged(runOptions(o, 'fixed-injected-slowdown', { ...DEFAULT_THRESHOLDS, p95Ms: p95BudgetMs }));
    if (slower.verdict === 'fail') slowdown.caughtByRun++;
    if (compareRuns(base, slower).regressed) slowdown.caughtByCompare++;
  }
  return { runs: o.runs, falseAlarms, comparePairs: Math.max(0, o.runs - 1), compareFalseAlarms, noiseFloor, n1, slowdown };
}

export function renderTrust(f: TrustFigures, profile: string): string {
  return [
    `| what (profile ${profile}, --quick sampling) | measured |`,
    '| --- | --- |',
    `| unchanged code: runs that failed a gate | ${f.falseAlarms} of ${f.runs} |`,
    `| unchanged code: consecutive runs that compare flagged | ${f.compareFalseAlarms} of ${f.comparePairs} |`,
    ...f.noiseFloor.map(
      (n) => `| A/A noise floor, ${n.dialect}: width of the p50-ratio 95% interval (median; widest) | ${n.medianWidth.toFixed(2)}; [${n.widest[0].toFixed(2)}, ${n.widest[1].toFixed(2)}] |`,
    ),
    `| injected N+1 (one more statement per artifact): caught by run / by compare | ${f.n1.caughtByRun} of ${f.n1.runs} / ${f.n1.caughtByCompare} of ${f.n1.runs} |`,
    `| injected slowdown (+0.2 ms per artifact, no extra statement): caught by run with a p95 budget of ${f.slowdown.p95BudgetMs.toFixed(1)} ms / by compare | ${f.slowdown.caughtByRun} of ${f.slowdown.runs} / ${f.slowdown.caughtByCompare} of ${f.slowdown.runs} |`,
  ].join('\n');
}

if (process.argv[1]?.endsWith('gate-trust.ts')) {
  const runs = Number(process.argv[2] ?? 20);
  const profile = (process.argv[3] ?? 'small') as ProfileName;
  const figures = await measureGateTrust({
    dialects: ['sqlite', 'postgres'],
    profile,
    runs,
    injectedRuns: 5,
    target: {},
    onProgress: (m) => process.stderr.write(`${m}\n`),
  });
  process.stdout.write(`${renderTrust(figures, profile)}\n`);
}
