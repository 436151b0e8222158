import { describe, expect, it } from 'vitest';
import type { ScalingPoint } from '../harness/core/result.js';
import { fitGrowth, fitLine } from '../harness/runner/scaling.js';

describe('fitLine', () => {
  it('recovers an exact line', () => {
    const fit = fitLine([10, 50, 100], [28, 108, 208]);
    expect(fit.slope).toBeCloseTo(2, 10);
    expect(fit.intercept).toBeCloseTo(8, 10);
    expect(fit.r2).toBeCloseTo(1, 10);
  });

  it('gives slope 0 for a constant', () => {
    expect(fitLine([10, 50, 100], [5, 5, 5])).toEqual({ slope: 0, intercept: 5, r2: 1 });
  });
});

describe('fitGrowth', () => {
  const point = (impl: string, profile: string, artifacts: number, limit: number, queries: number, p50: number, touchedRows: number): ScalingPoint => ({
    profile,
    dialect: 'sqlite',
    impl,
    limit,
    artifacts,
    p50,
    p95: p50 * 1.5,
    queries,
    rows: 0,
    touchedRows,
  });

  it('tells constant from linear query counts and reads the page-50 growth', () => {
    const points = [
      ...[10, 50, 100].map((limit) => point('baseline', 'small', 1000, limit, 8 + 2 * limit, limit, 1000 * limit)),
      ...[10, 50, 100].map((limit) => point('fixed', 'small', 1000, limit, 5, 2, 1000)),
      point('fixed', 'large', 100_000, 50, 5, 10, 20_000),
    ];
    const fits = fitGrowth(points);
    const baseline = fits.find((f) => f.impl === 'baseline');
    const fixed = fits.find((f) => f.impl === 'fixed');
    expect(baseline?.queriesGrowth).toBe('linear');
    expect(baseline?.queriesVsPageSize.slope).toBeCloseTo(2, 10);
    expect(fixed?.queriesGrowth).toBe('constant');
    expect(fixed?.p50SmallestMs).toBe(2);
    expect(fixed?.p50LargestMs).toBe(10);
  });
});
