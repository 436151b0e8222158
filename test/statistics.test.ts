import { describe, expect, it } from 'vitest';
import { createRandom } from '../harness/stats/random.js';
import {
  bootstrapPercentileCi,
  bootstrapRatioCi,
  percentile,
  sortSamples,
  summarize,
} from '../harness/stats/statistics.js';

describe('percentile (R-7, numpy default)', () => {
  const six = sortSamples([6, 2, 4, 1, 5, 3]);

  it('interpolates linearly between closest ranks', () => {
    expect(percentile(six, 75)).toBe(4.75);
    expect(percentile(six, 25)).toBe(2.25);
    expect(percentile(six, 50)).toBe(3.5);
    expect(percentile(six, 90)).toBe(5.5);
    expect(percentile(sortSamples([15, 20, 35, 40, 50]), 40)).toBe(29);
  });

  it('hits the samples at the ends and on exact ranks', () => {
    expect(percentile(six, 0)).toBe(1);
    expect(percentile(six, 100)).toBe(6);
    expect(percentile(sortSamples([15, 20, 35, 40, 50]), 50)).toBe(35);
    expect(percentile(sortSamples([7]), 95)).toBe(7);
  });

  it('matches numpy.percentile on an uneven array', () => {
    // numpy.percentile([0.3, 1.7, 2.2, 9.1, 4.4, 0.9, 12.5], [10, 95, 99])
    const sorted = sortSamples([0.3, 1.7, 2.2, 9.1, 4.4, 0.9, 12.5]);
    expect(percentile(sorted, 10)).toBeCloseTo(0.66, 12);
    expect(percentile(sorted, 95)).toBeCloseTo(11.48, 12);
    expect(percentile(sorted, 99)).toBeCloseTo(12.296, 12);
  });

  it('rejects percentiles outside [0, 100]', () => {
    expect(() => percentile(six, 101)).toThrow(/\[0, 100\]/);
    expect(() => percentile(six, -1)).toThrow(RangeError);
    expect(() => percentile(six, Number.NaN)).toThrow(RangeError);
  });
});

describe('sortSamples', () => {
  it('sorts numerically into a copy and leaves the raw order alone', () => {
    const raw = [10, 9, 100, 1];
    expect(Array.from(sortSamples(raw))).toEqual([1, 9, 10, 100]);
    expect(raw).toEqual([10, 9, 100, 1]);
  });

  it('refuses no samples and samples that are not finite numbers', () => {
    expect(() => sortSamples([])).toThrow(/no samples/);
    expect(() => sortSamples([1, Number.NaN])).toThrow(/sample 1 is NaN/);
    expect(() => summarize([])).toThrow(RangeError);
    expect(() => bootstrapRatioCi([1], [], 50)).toThrow(/denominator samples: no samples/);
  });
});

describe('summarize', () => {
  it('computes exact statistics of 1..10', () => {
    const stats = summarize([10, 1, 9, 2, 8, 3, 7, 4, 6, 5]);
    expect(stats).toEqual({ p50: 5.5, p95: expect.closeTo(9.55, 12), p99: expect.closeTo(9.91, 12), mean: 5.5, min: 1, max: 10, count: 10 });
    expect(stats).not.toHaveProperty('p95Ci');
  });

  it('adds the bootstrap interval of p95 when asked, around p95', () => {
    const random = createRandom(5);
    const samples = Array.from({ length: 300 }, () => 10 * Math.exp(0.2 * random.normal()));
    const stats = summarize(samples, { ci: { seed: 9 } });
    expect(stats.p95Ci[0]).toBeLessThan(stats.p95);
    expect(stats.p95Ci[1]).toBeGreaterThan(stats.p95);
    expect(stats.p95Ci).toEqual(bootstrapPercentileCi(samples, 95, { seed: 9 }).ci);
  });
});

describe('createRandom', () => {
  it('repeats a sequence for a seed and differs between neighbouring seeds', () => {
    const take = (seed: number): number[] => {
      const random = createRandom(seed);
      return Array.from({ length: 5 }, () => random.next());
    };
    expect(take(1)).toEqual(take(1));
    expect(take(1)).not.toEqual(take(2));
    for (const value of take(3)) expect(value >= 0 && value < 1).toBe(true);
  });

  it('gives standard normals', () => {
    const random = createRandom(11);
    const values = Array.from({ length: 20_000 }, () => random.normal());
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});

/** The bootstrap written the obvious way: build each resample, sort it, take the percentile. */
function naiveBootstrap(samples: number[], p: number, iterations: number, confidence: number, seed: number): [number, number] {
  const random = createRandom(seed);
  const sorted = Array.from(sortSamples(samples));
  const estimates: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const resample = sorted.map(() => sorted[Math.floor(random.next() * sorted.length)]!);
    estimates.push(percentile(sortSamples(resample), p));
  }
  const bootstrap = sortSamples(estimates);
  const tail = ((1 - confidence) / 2) * 100;
  return [percentile(bootstrap, tail), percentile(bootstrap, 100 - tail)];
}

describe('bootstrapPercentileCi', () => {
  const lognormal = (seed: number, count: number, median: number, sigma: number): number[] => {
    const random = createRandom(seed);
    return Array.from({ length: count }, () => median * Math.exp(sigma * random.normal()));
  };

  it('equals the naive bootstrap (resample, sort, percentile) with the same random stream', () => {
    const samples = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4];
    for (const p of [0, 10, 50, 75, 95, 99, 100]) {
      expect(bootstrapPercentileCi(samples, p, { iterations: 300, seed: 4 }).ci).toEqual(naiveBootstrap(samples, p, 300, 0.95, 4));
    }
    const big = lognormal(2, 257, 5, 0.4);
    expect(bootstrapPercentileCi(big, 95, { iterations: 200, confidence: 0.9, seed: 8 }).ci)
      .toEqual(naiveBootstrap(big, 95, 200, 0.9, 8));
  });

  it('is deterministic for a seed and varies with it', () => {
    const samples = lognormal(3, 200, 5, 0.3);
    const first = bootstrapPercentileCi(samples, 95, { seed: 42 });
    expect(bootstrapPercentileCi(samples, 95, { seed: 42 })).toEqual(first);
    expect(bootstrapPercentileCi(samples, 95, { seed: 43 }).ci).not.toEqual(first.ci);
    expect(bootstrapPercentileCi(samples, 95)).toEqual(bootstrapPercentileCi(samples, 95));
  });

  it('contains the true percentile of big samples (nearly always) in a narrow interval', () => {
    // Lognormal(ln 5, 0.3): median 5, p95 = 5 * exp(0.3 * 1.6448536).
    const truth = { 50: 5, 95: 5 * Math.exp(0.3 * 1.6448536269514722) };
    for (const p of [50, 95] as const) {
      let covered = 0;
      for (let seed = 0; seed < 10; seed++) {
        const { value, ci } = bootstrapPercentileCi(lognormal(700 + seed, 3000, 5, 0.3), p, { iterations: 1000, seed });
        expect(ci[0]).toBeLessThanOrEqual(value);
        expect(ci[1]).toBeGreaterThanOrEqual(value);
        // Narrow for 3000 samples: a few percent of the value.
        expect(ci[1] / ci[0]).toBeLessThan(1.06);
        if (ci[0] <= truth[p] && truth[p] <= ci[1]) covered++;
      }
      // A 95% interval misses now and then; out of 10, one or two misses at most.
      expect(covered).toBeGreaterThanOrEqual(8);
    }
  });

  it('covers the true median about as often as it claims over many samples', () => {
    let covered = 0;
    for (let seed = 0; seed < 100; seed++) {
      const { ci } = bootstrapPercentileCi(lognormal(100 + seed, 200, 5, 0.3), 50, { iterations: 500, confidence: 0.9, seed });
      if (ci[0] <= 5 && 5 <= ci[1]) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(80);
    expect(covered).toBeLessThanOrEqual(98);
  });

  it('rejects bad options', () => {
    expect(() => bootstrapPercentileCi([1, 2], 50, { iterations: 0 })).toThrow(/iterations/);
    expect(() => bootstrapPercentileCi([1, 2], 50, { confidence: 95 })).toThrow(/confidence must lie in \(0, 1\)/);
  });
});

describe('bootstrapRatioCi', () => {
  const lognormal = (seed: number, count: number, median: number): number[] => {
    const random = createRandom(seed);
    return Array.from({ length: count }, () => median * Math.exp(0.25 * random.normal()));
  };

  it('gives the ratio of the percentiles and an interval around it', () => {
    const slow = lognormal(1, 500, 12);
    const fast = lognormal(2, 500, 4);
    const { ratio, ci } = bootstrapRatioCi(slow, fast, 50, { seed: 3 });
    expect(ratio).toBe(percentile(sortSamples(slow), 50) / percentile(sortSamples(fast), 50));
    expect(ci[0]).toBeLessThan(3);
    expect(ci[1]).toBeGreaterThan(3);
    expect(ci[0]).toBeGreaterThan(2.7);
    expect(ci[1]).toBeLessThan(3.3);
  });

  it('is deterministic for a seed', () => {
    const a = lognormal(4, 100, 5);
    const b = lognormal(5, 100, 5);
    expect(bootstrapRatioCi(a, b, 95, { seed: 6 })).toEqual(bootstrapRatioCi(a, b, 95, { seed: 6 }));
    expect(bootstrapRatioCi(a, b, 95, { seed: 6 }).ci).not.toEqual(bootstrapRatioCi(a, b, 95, { seed: 7 }).ci);
  });
});
