import { describe, expect, it } from 'vitest';
import type { RunResult } from '../harness/result.js';
import { summarize } from '../harness/statistics.js';
import { compareRuns } from '../reports/compare.js';
import { makeRun, makeScenarioResult, syntheticLatencies } from './fixtures/sample-result.js';

/** One run of list-50 on Postgres with `fixed` and the `floor`, latencies scaled by the given factors. */
function runOf(seed: number, fixedFactor: number, floorFactor: number): RunResult {
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
  return makeRun([result('fixed', 5, fixedFactor, 0), result('floor', 2, floorFactor, 1)]);
}

describe('compare corrects for a machine that drifted between runs', () => {
  it('stays quiet when everything, the floor included, got 40% slower', () => {
    const c = compareRuns(runOf(1, 1, 1), runOf(2, 1.4, 1.4));
    const pair = c.pairs.find((p) => p.role === 'under-test');
    expect(pair?.p50?.ratio).toBeGreaterThan(1.3);
    expect(pair?.p50?.corrected?.ratio).toBeLessThan(1.1);
    expect(c.regressed).toBe(false);
  });

  it('flags the implementation that got 40% slower while the floor did not', () => {
    const c = compareRuns(runOf(1, 1, 1), runOf(2, 1.4, 1));
    expect(c.regressed).toBe(true);
    expect(c.regressions.join('\n')).toMatch(/p50 latency .*corrected for the floor/);
  });

  it('judges on the raw ratio when a run has no floor', () => {
    const before = runOf(1, 1, 1);
    const after = runOf(2, 1.4, 1.4);
    after.results = after.results.filter((r) => r.impl !== 'floor');
    const c = compareRuns(before, after);
    expect(c.pairs.find((p) => p.role === 'under-test')?.p50?.corrected).toBeUndefined();
    expect(c.regressed).toBe(true);
  });
});
