import { describe, expect, it } from 'vitest';
import { PROBE_IMPL, type RunResult } from '../harness/core/result.js';
import { summarize } from '../harness/stats/statistics.js';
import { compareRuns } from '../harness/judge/compare.js';
import { makeRun, makeScenarioResult, syntheticLatencies } from './fixtures/sample-result.js';

/**
 * One run of list-50 on Postgres with `fixed`, the `floor` and the harness's drift probe,
 * latencies scaled by the given factors (the machine's drift is the probe's factor).
 */
function runOf(seed: number, fixedFactor: number, floorFactor: number, probeFactor: number): RunResult {
  const result = (impl: string, medianMs: number, factor: number, offset: number) => {
    const samples = syntheticLatencies(seed + offset, medianMs, 200, 0.15).map((ms) => ms * factor);
    const stats = summarize(samples);
    return makeScenarioResult({
      scenario: 'list-50',
      dialect: 'postgres',
      impl,
      rawSamples: samples,
      latencyMs: { ...stats, p95Ci: [stats.p95, stats.p95] },
      queries: { perRequest: 5, perRequestMin: 5, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: {} },
    });
  };
  return makeRun([result('fixed', 5, fixedFactor, 0), result('floor', 2, floorFactor, 1), result(PROBE_IMPL, 0.2, probeFactor, 2)]);
}

describe('compare corrects for a machine that drifted between runs, by the probe', () => {
  it('stays quiet when the machine, and so everything, got 40% slower', () => {
    const c = compareRuns(runOf(1, 1, 1, 1), runOf(2, 1.4, 1.4, 1.4));
    const pair = c.pairs.find((p) => p.role === 'under-test');
    expect(pair?.p50?.ratio).toBeGreaterThan(1.3);
    expect(pair?.p50?.corrected?.ratio).toBeLessThan(1.1);
    expect(c.regressed).toBe(false);
    expect(c.findings).toEqual([]);
    expect(c.warnings, c.warnings.join('\n')).toContainEqual(expect.stringMatching(/^the machine drifted on postgres: the probe's p50 is 1\.\d\dx/));
  });

  it('flags the implementation that got 40% slower while the probe did not', () => {
    const c = compareRuns(runOf(1, 1, 1, 1), runOf(2, 1.4, 1, 1));
    expect(c.regressed).toBe(true);
    expect(c.regressions.join('\n')).toMatch(/p50 latency .*corrected for drift by the probe/);
  });

  it('does not hide a regression of code the floor shares: both 40% slower, the probe unmoved', () => {
    // Dividing by the floor would read 1.0x here; the probe keeps the regression and the floor's move is a finding.
    const c = compareRuns(runOf(1, 1, 1, 1), runOf(2, 1.4, 1.4, 1));
    expect(c.regressed).toBe(true);
    expect(c.findings).toHaveLength(1);
    expect(c.findings[0]).toMatch(/^the floor got slower on postgres \(list-50\): p50 1\.\d\dx \[1\.\d\dx, 1\.\d\dx\] of before after the machine's drift \(the probe\) is taken out/);
  });

  it('judges on the raw ratio, and says so, when a run has no probe', () => {
    const before = runOf(1, 1, 1, 1);
    const after = runOf(2, 1.4, 1.4, 1.4);
    after.results = after.results.filter((r) => r.impl !== PROBE_IMPL);
    const c = compareRuns(before, after);
    expect(c.pairs.find((p) => p.role === 'under-test')?.p50?.corrected).toBeUndefined();
    expect(c.regressed).toBe(true);
    expect(c.warnings).toContain("no drift probe (probe) in both runs for some pairs: their ratios carry the machine's drift between the runs");
  });

  it('uses the probe of the same database measured in another scenario', () => {
    const before = runOf(1, 1, 1, 1);
    const after = runOf(2, 1.4, 1.4, 1.4);
    for (const run of [before, after]) for (const r of run.results) if (r.impl === PROBE_IMPL) r.scenario = 'probe';
    const c = compareRuns(before, after);
    expect(c.pairs.find((p) => p.role === 'under-test')?.p50?.corrected?.ratio).toBeLessThan(1.1);
    expect(c.regressed).toBe(false);
  });
});
