import { describe, expect, it } from 'vitest';
import type { RunResult } from '../harness/core/result.js';
import { summarize } from '../harness/stats/statistics.js';
import { compareRuns, type CompareOptions } from '../harness/judge/compare.js';
import { makeRun, makeScenarioResult, syntheticLatencies } from './fixtures/sample-result.js';

const repetitions = 200;
const sampleCount = 200;

/** A run of one scenario whose latencies are `samples`; 4 queries per request. */
function runOf(samples: number[], queries = 4): RunResult {
  const stats = summarize(samples);
  return makeRun([
    makeScenarioResult({
      scenario: 'list-50',
      dialect: 'postgres',
      impl: 'fixed',
      rawSamples: samples,
      latencyMs: { ...stats, p95Ci: [stats.p95, stats.p95] },
      queries: { perRequest: queries, perRequestMin: queries, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: {} },
    }),
  ]);
}

/** How many of `repetitions` comparisons flag a regression; latencies lognormal with outliers. */
function alarmRate(shift: number, options: Partial<CompareOptions> = {}): number {
  let alarms = 0;
  for (let i = 0; i < repetitions; i++) {
    const before = syntheticLatencies(10_000 + 2 * i, 5, sampleCount, 0.15);
    const after = syntheticLatencies(10_001 + 2 * i, 5, sampleCount, 0.15).map((ms) => ms * shift);
    if (compareRuns(runOf(before), runOf(after), { seed: i, ...options }).regressed) alarms++;
  }
  return alarms / repetitions;
}

describe('compareRuns on synthetic latencies', () => {
  it(`stays quiet on pairs drawn from one distribution (${repetitions} pairs)`, () => {
    expect(alarmRate(1)).toBeLessThan(0.05);
  });

  it('has honest intervals: with no tolerance each percentile alone alarms about 2.5% of the time', () => {
    // Threshold 0 leaves only the intervals' own error: one tail of a 95% interval.
    let p50 = 0;
    let p95 = 0;
    for (let i = 0; i < repetitions; i++) {
      const before = syntheticLatencies(20_000 + 2 * i, 5, sampleCount, 0.15);
      const after = syntheticLatencies(20_001 + 2 * i, 5, sampleCount, 0.15);
      const pair = compareRuns(runOf(before), runOf(after), { seed: i, thresholdPct: 0 }).pairs[0]!;
      if (pair.p50!.verdict === 'regressed') p50++;
      if (pair.p95!.verdict === 'regressed') p95++;
    }
    expect(p50 / repetitions).toBeLessThan(0.05);
    expect(p95 / repetitions).toBeLessThan(0.05);
  });

  it('flags after-samples shifted by +20% nearly always', () => {
    expect(alarmRate(1.2)).toBeGreaterThan(0.9);
  });

  it('flags one +20% shift as a regression of p50 whose whole interval lies above 1.10', () => {
    const before = runOf(syntheticLatencies(1, 5, sampleCount, 0.15));
    const after = runOf(syntheticLatencies(2, 5, sampleCount, 0.15).map((ms) => ms * 1.2));
    const c = compareRuns(before, after);
    expect(c.regressed).toBe(true);
    const p50 = c.pairs[0]!.p50!;
    expect(p50.verdict).toBe('regressed');
    expect(p50.ci![0]).toBeGreaterThan(1.1);
    expect(p50.ci![0]).toBeLessThan(1.2);
    expect(p50.ci![1]).toBeGreaterThan(1.2);
    expect(c.regressions[0]).toMatch(/^p50 latency 1\.\d\dx \[1\.\d\dx, 1\.\d\dx\] of before, whole interval above 1\.10x \(list-50, postgres\)$/);
  });

  it('detects the query growth whatever the latencies do', () => {
    const samples = syntheticLatencies(3, 5, sampleCount, 0.15);
    const c = compareRuns(runOf(samples, 4), runOf(samples, 106));
    expect(c.regressions).toEqual(['queries per request grew 4 -> 106 (list-50, postgres)']);
  });
});
