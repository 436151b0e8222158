import { describe, expect, it } from 'vitest';
import { minSamplesForQuantileInterval, orderStatisticRanks, quantileInterval } from '../harness/stats/quantile-interval.js';
import { createRandom } from '../harness/stats/random.js';

const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => n - i);

describe('orderStatisticRanks (checked against scipy.stats.binom)', () => {
  it('gives the textbook ranks of the median', () => {
    expect(orderStatisticRanks(100, 50)).toEqual({ lower: 40, upper: 61, coverage: expect.closeTo(0.9647997997822952, 12) });
    expect(orderStatisticRanks(20, 50)).toEqual({ lower: 6, upper: 15, coverage: expect.closeTo(0.9586105346679688, 12) });
    expect(orderStatisticRanks(10, 50)).toEqual({ lower: 2, upper: 9, coverage: expect.closeTo(0.978515625, 12) });
  });

  it('gives equal tails for p95 from n = 72 and for large n', () => {
    expect(orderStatisticRanks(72, 95)).toEqual({ lower: 64, upper: 72, coverage: expect.closeTo(0.9654900479083739, 10) });
    expect(orderStatisticRanks(1000, 95)).toEqual({ lower: 936, upper: 964, coverage: expect.closeTo(0.9580952682226541, 10) });
    expect(orderStatisticRanks(10_000, 95)).toEqual({ lower: 9457, upper: 9543, coverage: expect.closeTo(0.9515280546543347, 8) });
    expect(orderStatisticRanks(5000, 99, 0.99)).toEqual({ lower: 4931, upper: 4968, coverage: expect.closeTo(0.9916042247181162, 8) });
  });

  it('takes the maximum as upper end below n = 72 and gives the lower side the rest of alpha', () => {
    expect(orderStatisticRanks(71, 95)).toEqual({ lower: 63, upper: 71, coverage: expect.closeTo(0.9650005957039098, 10) });
    expect(orderStatisticRanks(60, 95)).toEqual({ lower: 52, upper: 60, coverage: expect.closeTo(0.9510815952108823, 10) });
    expect(orderStatisticRanks(59, 95)).toEqual({ lower: 50, upper: 59, coverage: expect.closeTo(0.9508618638358861, 10) });
    expect(orderStatisticRanks(299, 99)).toEqual({ lower: 289, upper: 299, coverage: expect.closeTo(0.9502063034560694, 10) });
  });

  it('has no interval when n is too small or the percentile is an extreme', () => {
    expect(orderStatisticRanks(58, 95)).toBeNull();
    expect(orderStatisticRanks(20, 95)).toBeNull();
    expect(orderStatisticRanks(5, 50)).toBeNull();
    expect(orderStatisticRanks(1, 50)).toBeNull();
    expect(orderStatisticRanks(100, 0)).toBeNull();
    expect(orderStatisticRanks(100, 100)).toBeNull();
  });

  it('rejects bad arguments', () => {
    expect(() => orderStatisticRanks(10, 101)).toThrow(/\[0, 100\]/);
    expect(() => orderStatisticRanks(10, 50, 1)).toThrow(/confidence/);
    expect(() => orderStatisticRanks(2.5, 50)).toThrow(/integer/);
  });
});

describe('minSamplesForQuantileInterval', () => {
  it('states the minimum n per percentile and confidence', () => {
    expect(minSamplesForQuantileInterval(95)).toBe(59);
    expect(minSamplesForQuantileInterval(99)).toBe(299);
    expect(minSamplesForQuantileInterval(50)).toBe(6);
    expect(minSamplesForQuantileInterval(95, 0.99)).toBe(90);
    expect(minSamplesForQuantileInterval(50, 0.99)).toBe(8);
    expect(() => minSamplesForQuantileInterval(100)).toThrow(/\(0, 100\)/);
  });
});

describe('quantileInterval', () => {
  it('returns the R-7 percentile and the order statistics at the ranks', () => {
    expect(quantileInterval(oneTo(100), 50)).toEqual({ p: 50, value: 50.5, ci: [40, 61], confidence: 0.95, n: 100 });
    expect(quantileInterval(oneTo(72), 95)).toEqual({ p: 95, value: expect.closeTo(68.45, 12), ci: [64, 72], confidence: 0.95, n: 72 });
  });

  it('says null instead of printing an interval it cannot give', () => {
    expect(quantileInterval(oneTo(20), 95)).toEqual({ p: 95, value: expect.closeTo(19.05, 12), ci: null, confidence: 0.95, n: 20 });
  });

  it('covers the true percentile at least as often as it claims (2,000 lognormal samples sets, seeded)', () => {
    const random = createRandom(101);
    // p95 of exp(N(0, 0.5)) is exp(0.5 * 1.6448536269514722).
    const trueP95 = Math.exp(0.5 * 1.6448536269514722);
    for (const n of [59, 80, 400]) {
      let covered = 0;
      const trials = 2000;
      for (let t = 0; t < trials; t++) {
        const samples = Array.from({ length: n }, () => Math.exp(0.5 * random.normal()));
        const { ci } = quantileInterval(samples, 95);
        if (ci !== null && ci[0] <= trueP95 && trueP95 <= ci[1]) covered++;
      }
      // Exact coverage is >= 0.95; 2,000 trials have a standard error of 0.005.
      expect(covered / trials, `n = ${n}`).toBeGreaterThanOrEqual(0.94);
    }
  });
});
