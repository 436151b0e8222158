/**
 * The intervals every verdict reads, each against an oracle written the slow, plain way: the
 * bootstrap ratios against resampling and sorting, the order-statistic ranks against the binomial
 * tails summed term by term, batch means against their definition; and each guard in both
 * directions.
 */
import { describe, expect, it } from 'vitest';
import { batchMeansVariance, batchStarts, defaultBatchCount } from '../harness/stats/batch-means.js';
import { minSamplesForQuantileInterval, orderStatisticRanks, quantileInterval, quantileIntervalOfSorted } from '../harness/stats/quantile-interval.js';
import { createRandom, type Random } from '../harness/stats/random.js';
import { blockBootstrapRatioCi } from '../harness/stats/round-bootstrap.js';
import { roundSeriesOf } from '../harness/stats/round-series.js';
import { checkRoundedSamples, roundedSamplesOf } from '../harness/stats/rounded-samples.js';
import {
  bootstrapCorrectedRatioCi,
  bootstrapPercentileCi,
  bootstrapRatioCi,
  defaultBootstrapIterations,
  defaultConfidence,
  defaultSeed,
  percentile,
  resolveBootstrapOptions,
  sortSamples,
  summarize,
} from '../harness/stats/statistics.js';

/** A plain resample: n draws of floor(next() * n) into the sorted samples, sorted, its p-th percentile. */
function resampledPercentile(samples: readonly number[], p: number, random: Random): number {
  const sorted = Array.from(sortSamples(samples));
  const resample = sorted.map(() => sorted[Math.floor(random.next() * sorted.length)]!);
  return percentile(sortSamples(resample), p);
}

function intervalOf(estimates: number[], confidence: number): [number, number] {
  const sorted = sortSamples(estimates);
  const tail = ((1 - confidence) / 2) * 100;
  return [percentile(sorted, tail), percentile(sorted, 100 - tail)];
}

// Ties, an even and an odd count, values out of order: every branch of the resampler's walk.
const A = [5, 3, 3, 8, 1, 9, 3, 7, 2, 6, 6, 4];
const B = [2, 2.5, 1, 4, 3, 2, 2, 5, 1.5];
const C = [10, 12, 11, 10, 13, 10, 14];
const D = [9, 10, 10, 11, 9.5, 10, 12, 10.5];

describe('resolveBootstrapOptions', () => {
  it('fills in 2,000 resamples at 95% with the fixed seed', () => {
    expect(resolveBootstrapOptions()).toEqual({ iterations: 2000, confidence: 0.95, seed: 20240601 });
    expect([defaultBootstrapIterations, defaultConfidence, defaultSeed]).toEqual([2000, 0.95, 20240601]);
    expect(resolveBootstrapOptions({ iterations: 1, confidence: 0.5, seed: 0 })).toEqual({ iterations: 1, confidence: 0.5, seed: 0 });
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses %d resamples', (iterations) => {
    expect(() => resolveBootstrapOptions({ iterations })).toThrow(new RangeError(`bootstrap iterations must be a positive integer, got ${iterations}`));
  });

  it.each([0, 1, -0.1, 1.2, Number.NaN])('refuses a confidence of %d', (confidence) => {
    expect(() => resolveBootstrapOptions({ confidence })).toThrow(new RangeError(`bootstrap confidence must lie in (0, 1), e.g. 0.95; got ${confidence}`));
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY])('refuses the seed %d', (seed) => {
    expect(() => resolveBootstrapOptions({ seed })).toThrow(new RangeError(`bootstrap seed must be a finite number, got ${seed}`));
  });
});

describe('sortSamples and percentile guards', () => {
  it('names what it sorts and the first sample that is not finite', () => {
    expect(() => sortSamples([], 'numerator samples')).toThrow(new RangeError('numerator samples: no samples; statistics need at least one'));
    expect(() => sortSamples([1, 2, Number.POSITIVE_INFINITY, Number.NaN])).toThrow(new RangeError('samples: sample 2 is Infinity; samples must be finite numbers'));
    expect(Array.from(sortSamples([10, 9, 100, -1]))).toEqual([-1, 9, 10, 100]);
  });

  it('accepts percentiles 0 and 100 and nothing outside', () => {
    const sorted = sortSamples([4, 1, 3]);
    expect(percentile(sorted, 0)).toBe(1);
    expect(percentile(sorted, 100)).toBe(4);
    for (const p of [-1e-9, 100.000001, Number.NaN]) {
      expect(() => percentile(sorted, p)).toThrow(new RangeError(`percentile must lie in [0, 100] (e.g. 95 for p95), got ${p}`));
      expect(() => bootstrapPercentileCi([1, 2], p)).toThrow(/percentile must lie in \[0, 100\]/);
      expect(() => bootstrapRatioCi([1, 2], [1, 2], p)).toThrow(/percentile must lie in \[0, 100\]/);
      expect(() => bootstrapCorrectedRatioCi([1], [1], [1], [1], p)).toThrow(/percentile must lie in \[0, 100\]/);
      expect(() => blockBootstrapRatioCi({ samples: [1], rounds: [0] }, { samples: [1], rounds: [0] }, p)).toThrow(/percentile must lie in \[0, 100\]/);
    }
  });
});

describe('summarize', () => {
  it('gives p50, p95, p99, mean, min, max and count of unsorted samples', () => {
    const samples = [7, 1, 3, 10, 2, 2, 9];
    const sorted = sortSamples(samples);
    expect(summarize(samples)).toEqual({
      p50: 3,
      p95: percentile(sorted, 95),
      p99: percentile(sorted, 99),
      mean: 34 / 7,
      min: 1,
      max: 10,
      count: 7,
    });
    expect(summarize(samples).p95).toBeCloseTo(10 - 0.3 * 1, 12);
    expect(summarize([4])).toEqual({ p50: 4, p95: 4, p99: 4, mean: 4, min: 4, max: 4, count: 1 });
  });

  it('adds the interval of p95 with the options given', () => {
    const options = { iterations: 150, confidence: 0.8, seed: 3 };
    const stats = summarize(A, { ci: options });
    expect(stats.p95Ci).toEqual(bootstrapPercentileCi(A, 95, options).ci);
    expect(summarize(A, { ci: {} }).p95Ci).toEqual(bootstrapPercentileCi(A, 95).ci);
    expect(() => summarize(A, { ci: { iterations: 0 } })).toThrow(/iterations/);
  });
});

describe('bootstrapRatioCi', () => {
  it.each([0, 12.5, 50, 90, 95, 100])('equals resampling each group and dividing, at p%d', (p) => {
    const iterations = 120;
    const random = createRandom(21);
    const ratios: number[] = [];
    for (let i = 0; i < iterations; i++) ratios.push(resampledPercentile(A, p, random) / resampledPercentile(B, p, random));
    const got = bootstrapRatioCi(A, B, p, { iterations, confidence: 0.9, seed: 21 });
    expect(got.ci[0]).toBeCloseTo(intervalOf(ratios, 0.9)[0], 12);
    expect(got.ci[1]).toBeCloseTo(intervalOf(ratios, 0.9)[1], 12);
    expect(got.ratio).toBeCloseTo(percentile(sortSamples(A), p) / percentile(sortSamples(B), p), 14);
  });

  it('names the group with a bad sample', () => {
    expect(() => bootstrapRatioCi([], [1], 50)).toThrow('numerator samples: no samples');
    expect(() => bootstrapRatioCi([1], [Number.NaN], 50)).toThrow('denominator samples: sample 0 is NaN');
    expect(() => bootstrapRatioCi([1], [1], 50, { confidence: 1 })).toThrow(/confidence/);
  });

  it('uses the default options when given none', () => {
    expect(bootstrapRatioCi(A, B, 50)).toEqual(bootstrapRatioCi(A, B, 50, { iterations: 2000, confidence: 0.95, seed: 20240601 }));
  });
});

describe('bootstrapCorrectedRatioCi', () => {
  it.each([0, 37.5, 50, 95, 100])('equals resampling the four groups in turn, at p%d', (p) => {
    const iterations = 100;
    const random = createRandom(5);
    const ratios: number[] = [];
    for (let i = 0; i < iterations; i++) {
      const a = resampledPercentile(A, p, random);
      const b = resampledPercentile(B, p, random);
      const ra = resampledPercentile(C, p, random);
      const rb = resampledPercentile(D, p, random);
      ratios.push(a / b / (ra / rb));
    }
    const got = bootstrapCorrectedRatioCi(A, B, C, D, p, { iterations, confidence: 0.8, seed: 5 });
    const [lo, hi] = intervalOf(ratios, 0.8);
    expect(got.ci[0]).toBeCloseTo(lo, 12);
    expect(got.ci[1]).toBeCloseTo(hi, 12);
    const q = (s: number[]) => percentile(sortSamples(s), p);
    expect(got.ratio).toBeCloseTo(q(A) / q(B) / (q(C) / q(D)), 14);
  });

  it('names the group that has no samples, and takes the default options', () => {
    expect(() => bootstrapCorrectedRatioCi([1], [1], [1], [], 50)).toThrow('group 4: no samples');
    expect(() => bootstrapCorrectedRatioCi([1], [], [1], [1], 50)).toThrow('group 2: no samples');
    expect(bootstrapCorrectedRatioCi(A, B, C, D, 50)).toEqual(bootstrapCorrectedRatioCi(A, B, C, D, 50, { iterations: 2000, confidence: 0.95, seed: 20240601 }));
  });

  it('cancels a drift that moves implementation and reference alike', () => {
    const slower = (xs: number[]) => xs.map((x) => x * 1.3);
    const drifted = bootstrapCorrectedRatioCi(slower(A), A, slower(C), C, 50, { iterations: 300 });
    expect(drifted.ratio).toBeCloseTo(1, 12);
  });
});

/** P(B <= k) for k = 0..n, each term C(n, k) q^k (1 - q)^(n - k) built by products: the slow way. */
function binomialCdfPlain(n: number, q: number): number[] {
  const pmf: number[] = [];
  for (let k = 0; k <= n; k++) {
    let term = 1;
    for (let i = 1; i <= k; i++) term *= (n - k + i) / i;
    pmf.push(term * q ** k * (1 - q) ** (n - k));
  }
  let sum = 0;
  return pmf.map((x) => (sum += x));
}

/** The documented rule, by exhaustive search over all rank pairs. */
function ranksPlain(n: number, p: number, confidence: number): { lower: number; upper: number; coverage: number } | null {
  const q = p / 100;
  if (n < 2 || q <= 0 || q >= 1) return null;
  const cdf = binomialCdfPlain(n, q);
  const missLow = (l: number) => (l <= 0 ? 0 : cdf[l - 1]!); // P(B <= l - 1)
  const missHigh = (u: number) => (u >= n + 1 ? 0 : 1 - cdf[u - 1]!); // P(B >= u)
  const alpha = 1 - confidence;
  const eps = 1e-9;
  // Equal tails when both fit.
  let lower = 0;
  for (let l = 1; l <= n; l++) if (missLow(l) <= alpha / 2 + eps) lower = l;
  let upper = n + 1;
  for (let u = n; u >= 1; u--) if (missHigh(u) <= alpha / 2 + eps) upper = u;
  if (upper > n && lower >= 1) {
    upper = n;
    lower = 0;
    for (let l = 1; l <= n; l++) if (missLow(l) <= alpha - missHigh(n) + eps) lower = l;
  } else if (lower < 1 && upper <= n) {
    lower = 1;
    upper = n + 1;
    for (let u = n; u >= 1; u--) if (missHigh(u) <= alpha - missLow(1) + eps) upper = u;
  }
  if (lower < 1 || upper > n || lower >= upper) return null;
  return { lower, upper, coverage: 1 - missLow(lower) - missHigh(upper) };
}

describe('orderStatisticRanks', () => {
  it('agrees with the plain binomial sums for every n up to 120 at p5, p50, p90, p95, p99 and three confidences', () => {
    let intervals = 0;
    for (const confidence of [0.8, 0.95, 0.99]) {
      for (const p of [5, 50, 90, 95, 99]) {
        for (let n = 0; n <= 120; n++) {
          const got = orderStatisticRanks(n, p, confidence);
          const want = ranksPlain(n, p, confidence);
          if (want === null) {
            expect(got, `n ${n} p ${p} at ${confidence}`).toBeNull();
            continue;
          }
          intervals++;
          expect(got, `n ${n} p ${p} at ${confidence}`).not.toBeNull();
          expect([got!.lower, got!.upper], `n ${n} p ${p} at ${confidence}`).toEqual([want.lower, want.upper]);
          expect(got!.coverage).toBeCloseTo(want.coverage, 10);
          expect(got!.coverage).toBeGreaterThanOrEqual(confidence - 1e-12);
        }
      }
    }
    expect(intervals).toBeGreaterThan(900);
  });

  it('agrees with the plain sums for every percentile 1..99 at small n, where one tail takes the rest of alpha', () => {
    // n 6, p57 at 0.95: the upper tail cannot reach alpha/2, the lower takes the rest: [1, 6]; p43 mirrors it.
    expect(orderStatisticRanks(6, 57, 0.95)).toMatchObject({ lower: 1, upper: 6 });
    expect(orderStatisticRanks(6, 43, 0.95)).toMatchObject({ lower: 1, upper: 6 });
    for (const confidence of [0.5, 0.8, 0.95]) {
      for (let p = 1; p <= 99; p++) {
        for (let n = 2; n <= 12; n++) {
          const want = ranksPlain(n, p, confidence);
          const got = orderStatisticRanks(n, p, confidence);
          expect(got && [got.lower, got.upper], `n ${n} p ${p} at ${confidence}`).toEqual(want && [want.lower, want.upper]);
        }
      }
    }
  });

  it('keeps a rank whose miss is exactly alpha / 2 despite rounding: 3 samples, p50, 0.75 (misses 1/8 each)', () => {
    expect(orderStatisticRanks(3, 50, 0.75)).toEqual({ lower: 1, upper: 3, coverage: expect.closeTo(0.75, 12) });
    // Just above: no interval (the only pair, 1 and 3, covers 0.75).
    expect(orderStatisticRanks(3, 50, 0.75 + 1e-9)).toBeNull();
    // Inner ranks, where no rebalancing of the tails can hide a lost rank: 4 samples, misses 5/16 each.
    expect(orderStatisticRanks(4, 50, 0.375)).toEqual({ lower: 2, upper: 3, coverage: expect.closeTo(0.375, 12) });
  });

  it('gives the ranks of the docs: 40 and 61 of 100 for p50; the maximum for p95 below 72 samples', () => {
    expect(orderStatisticRanks(100, 50)).toMatchObject({ lower: 40, upper: 61 });
    expect(orderStatisticRanks(100, 50)!.coverage).toBeCloseTo(0.9648, 4);
    expect(orderStatisticRanks(59, 95)!.upper).toBe(59);
    expect(orderStatisticRanks(58, 95)).toBeNull();
    expect(orderStatisticRanks(71, 95)!.upper).toBe(71);
    expect(orderStatisticRanks(72, 95)!.upper).toBeLessThanOrEqual(72);
    // The mirror image: p5 below 72 samples takes the minimum as its lower end.
    expect(orderStatisticRanks(59, 5)!.lower).toBe(1);
    expect(orderStatisticRanks(58, 5)).toBeNull();
  });

  it('has no interval for fewer than 2 samples or for p0 and p100', () => {
    expect(orderStatisticRanks(0, 50)).toBeNull();
    expect(orderStatisticRanks(1, 50)).toBeNull();
    expect(orderStatisticRanks(2, 50, 0.4)).toEqual({ lower: 1, upper: 2, coverage: 0.5 });
    expect(orderStatisticRanks(1000, 0)).toBeNull();
    expect(orderStatisticRanks(1000, 100)).toBeNull();
  });

  it('refuses bad arguments with what was given', () => {
    expect(() => orderStatisticRanks(10, -1)).toThrow(new RangeError('percentile must lie in [0, 100] (e.g. 95 for p95), got -1'));
    expect(() => orderStatisticRanks(10, 101)).toThrow(/got 101/);
    expect(() => orderStatisticRanks(10, Number.NaN)).toThrow(/percentile must lie/);
    for (const c of [0, 1, Number.NaN]) expect(() => orderStatisticRanks(10, 50, c)).toThrow(new RangeError(`confidence must lie in (0, 1), e.g. 0.95; got ${c}`));
    for (const n of [-1, 2.5, Number.NaN]) expect(() => orderStatisticRanks(n, 50)).toThrow(new RangeError(`sample count must be a non-negative integer, got ${n}`));
  });
});

describe('minSamplesForQuantileInterval', () => {
  it('is the first n with an interval, by the plain search', () => {
    for (const confidence of [0.8, 0.9, 0.95, 0.99]) {
      for (const p of [1, 5, 25, 50, 75, 95, 99]) {
        let n = 2;
        while (ranksPlain(n, p, confidence) === null) n++;
        expect(minSamplesForQuantileInterval(p, confidence), `p${p} at ${confidence}`).toBe(n);
      }
    }
    expect([minSamplesForQuantileInterval(95), minSamplesForQuantileInterval(99), minSamplesForQuantileInterval(50)]).toEqual([59, 299, 6]);
  });

  it('refuses p0, p100 and bad confidences', () => {
    expect(() => minSamplesForQuantileInterval(0)).toThrow(new RangeError('percentile 0 has no interval from order statistics; use one in (0, 100)'));
    expect(() => minSamplesForQuantileInterval(100)).toThrow(/percentile 100 has no interval/);
    expect(() => minSamplesForQuantileInterval(50, 1)).toThrow(/confidence must lie in \(0, 1\)/);
    expect(() => minSamplesForQuantileInterval(-5)).toThrow(/percentile must lie in \[0, 100\]/);
  });
});

describe('quantileInterval', () => {
  it('reads the order statistics at the ranks from sorted or unsorted samples', () => {
    const samples = Array.from({ length: 100 }, (_, i) => (i * 37) % 100);
    const got = quantileInterval(samples, 50);
    expect(got).toEqual({ p: 50, value: 49.5, ci: [39, 60], confidence: 0.95, n: 100 });
    expect(quantileIntervalOfSorted(sortSamples(samples), 50)).toEqual(got);
    const at90 = quantileInterval(samples, 50, 0.9);
    const ranks = orderStatisticRanks(100, 50, 0.9)!;
    expect(at90.ci).toEqual([ranks.lower - 1, ranks.upper - 1]);
    expect(at90.confidence).toBe(0.9);
    expect(quantileInterval([3, 1, 2], 95)).toEqual({ p: 95, value: 2.9, ci: null, confidence: 0.95, n: 3 });
  });
});

describe('batchStarts and defaultBatchCount at their edges', () => {
  it('refuses lengths and batch counts outside their ranges', () => {
    for (const length of [0, -2, 1.5]) expect(() => batchStarts(length, 1)).toThrow(new RangeError(`batchStarts: length must be a positive integer, got ${length}`));
    for (const batches of [0, 1.5, 6]) expect(() => batchStarts(5, batches)).toThrow(new RangeError(`batchStarts: batches must be an integer in [1, 5], got ${batches}`));
    expect(batchStarts(5, 1)).toEqual([0]);
    expect(batchStarts(5, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(batchStarts(1, 1)).toEqual([0]);
    expect(batchStarts(11, 4)).toEqual([0, 2, 5, 8]);
  });

  it('counts round(rounds^(1/4)) batches, at least 3 and at most half the rounds', () => {
    const cases: [number, number | null][] = [
      [0, null],
      [3, null],
      [4, 2],
      [5, 2],
      [6, 3],
      [7, 3],
      [150, 3],
      [151, 4],
      [500, 5],
      [1296, 6],
      [2400, 7],
      [2401, 7],
      [4096, 8],
    ];
    for (const [rounds, batches] of cases) expect(defaultBatchCount(rounds), `${rounds} rounds`).toBe(batches);
  });
});

describe('batchMeansVariance', () => {
  it('equals b/(b-1) sum (T_k - N_k m)^2 / N^2 over uneven batches and counts', () => {
    const random = createRandom(4);
    for (const [length, batches] of [
      [10, 3],
      [11, 4],
      [7, 2],
      [9, 9],
    ] as const) {
      const totals = Array.from({ length }, () => random.next() * 10);
      const counts = Array.from({ length }, () => 1 + random.int(4));
      const starts = batchStarts(length, batches);
      const n = counts.reduce((s, c) => s + c, 0);
      const mean = totals.reduce((s, t) => s + t, 0) / n;
      let squares = 0;
      for (let k = 0; k < batches; k++) {
        const slice = (xs: number[]) => xs.slice(starts[k], starts[k + 1] ?? length).reduce((s, x) => s + x, 0);
        squares += (slice(totals) - slice(counts) * mean) ** 2;
      }
      const got = batchMeansVariance(totals, counts, batches);
      expect(got.variance).toBeCloseTo(((batches / (batches - 1)) * squares) / (n * n), 14);
      expect(got).toMatchObject({ df: batches - 1, batches });
    }
  });

  it('refuses mismatched series, fewer than 2 batches and no values', () => {
    expect(() => batchMeansVariance([1, 2, 3], [1, 1], 2)).toThrow(new RangeError('batchMeansVariance: 3 totals but 2 counts'));
    expect(() => batchMeansVariance([1, 2], [1, 1], 1)).toThrow(new RangeError('batchMeansVariance: needs at least 2 batches, got 1'));
    expect(() => batchMeansVariance([1, 2, 3], [1, 1, 1], 2.5)).toThrow(/needs at least 2 batches, got 2.5/);
    expect(() => batchMeansVariance([0, 0], [0, 0], 2)).toThrow(new RangeError('batchMeansVariance: no values'));
    expect(() => batchMeansVariance([1, 2], [1, 1], 3)).toThrow(/batches must be an integer in \[1, 2\]/);
    expect(batchMeansVariance([1, 3], [1, 1], 2).variance).toBeCloseTo((2 * (1 + 1)) / 4, 14);
  });
});

describe('round series and rounded samples', () => {
  it('refuses a part whose values and rounds differ in length', () => {
    expect(() => roundSeriesOf([{ rounds: [0, 1], values: [1] }])).toThrow(new RangeError('roundSeriesOf: 1 values but 2 rounds'));
    expect(roundSeriesOf([])).toEqual({ rounds: [], totals: new Float64Array(0), counts: new Float64Array(0) });
  });

  it('checks that every sample has its round, naming the group', () => {
    const group = { samples: [1, 2], rounds: [0, 1] };
    expect(checkRoundedSamples(group, 'x')).toBe(group);
    expect(() => checkRoundedSamples({ samples: [1, 2], rounds: [0] }, 'term 2')).toThrow(
      new RangeError('term 2: 2 samples but 1 round indices; each sample needs its round'),
    );
  });

  it('reads a result\'s samples with their rounds only when every sample has one', () => {
    expect(roundedSamplesOf({ rawSamples: [1, 2], sampleRounds: [0, 1] })).toEqual({ samples: [1, 2], rounds: [0, 1] });
    expect(roundedSamplesOf({ rawSamples: [1, 2] })).toBeNull();
    expect(roundedSamplesOf({ rawSamples: [1, 2], sampleRounds: undefined })).toBeNull();
    expect(roundedSamplesOf({ rawSamples: [], sampleRounds: [] })).toBeNull();
    expect(roundedSamplesOf({ rawSamples: [1, 2], sampleRounds: [0] })).toBeNull();
    expect(roundedSamplesOf({ rawSamples: [1], sampleRounds: [0, 1] })).toBeNull();
  });
});

describe('blockBootstrapRatioCi beyond the shared rounds', () => {
  /** Resamples of round ids, every sample of each group in a drawn round, redrawn when a group is absent. */
  function plainBlock(
    top: { samples: number[]; rounds: number[] },
    bottom: { samples: number[]; rounds: number[] },
    p: number,
    iterations: number,
    confidence: number,
    seed: number,
  ): [number, number] {
    const random = createRandom(seed);
    const ids = [...new Set([...top.rounds, ...bottom.rounds])].sort((a, b) => a - b);
    const ratios: number[] = [];
    for (let i = 0; i < iterations; i++) {
      for (;;) {
        const picked = ids.map(() => ids[random.int(ids.length)]!);
        const take = (g: { samples: number[]; rounds: number[] }) => picked.flatMap((id) => g.samples.filter((_, j) => g.rounds[j] === id));
        const t = take(top);
        const b = take(bottom);
        if (t.length === 0 || b.length === 0) continue;
        ratios.push(percentile(sortSamples(t), p) / percentile(sortSamples(b), p));
        break;
      }
    }
    return intervalOf(ratios, confidence);
  }

  it.each([0, 30, 50, 95, 100])('draws again when a group has no sample in the drawn rounds, at p%d', (p) => {
    // The numerator is absent from rounds 3 and 4, the denominator from round 0; rounds are not 0..n.
    const top = { samples: [5, 6, 6, 7, 5.5, 8, 9], rounds: [0, 0, 1, 1, 2, 10, 10] };
    const bottom = { samples: [2, 3, 2.5, 3, 3, 4, 2], rounds: [1, 2, 2, 3, 4, 4, 10] };
    const got = blockBootstrapRatioCi(top, bottom, p, { iterations: 150, confidence: 0.9, seed: 13 });
    const [lo, hi] = plainBlock(top, bottom, p, 150, 0.9, 13);
    expect(got.ci[0]).toBeCloseTo(lo, 12);
    expect(got.ci[1]).toBeCloseTo(hi, 12);
    expect(got.ratio).toBeCloseTo(percentile(sortSamples(top.samples), p) / percentile(sortSamples(bottom.samples), p), 14);
  });

  it.each([5, 50, 95])('draws again in a third of the draws when one group has one round of six, at p%d', (p) => {
    // P(a draw of 6 misses round 10) = (5/6)^6 = 0.33: redraws are common, not a tail case.
    const top = { samples: [7, 7.5, 8], rounds: [10, 10, 10] };
    const bottom = { samples: [2, 3, 2.5, 3, 3, 4, 2, 2.2], rounds: [1, 2, 2, 3, 4, 5, 10, 10] };
    for (const [numerator, denominator] of [
      [top, bottom],
      [bottom, top],
    ]) {
      const got = blockBootstrapRatioCi(numerator!, denominator!, p, { iterations: 200, confidence: 0.8, seed: 5 });
      const [lo, hi] = plainBlock(numerator!, denominator!, p, 200, 0.8, 5);
      expect(got.ci[0]).toBeCloseTo(lo, 12);
      expect(got.ci[1]).toBeCloseTo(hi, 12);
    }
  });

  it('names the bootstrap ratios when a denominator percentile of 0 makes them infinite', () => {
    expect(() => blockBootstrapRatioCi({ samples: [1, 2], rounds: [0, 1] }, { samples: [0, 0], rounds: [0, 1] }, 50, { iterations: 10 })).toThrow(
      /^bootstrap ratios: sample 0 is Infinity/,
    );
  });

  it('refuses a bad percentile before looking at the groups', () => {
    const bad = { samples: [1, 2], rounds: [0] };
    for (const p of [-1, 101, Number.NaN]) {
      expect(() => blockBootstrapRatioCi(bad, bad, p)).toThrow(new RangeError(`percentile must lie in [0, 100] (e.g. 95 for p95), got ${p}`));
    }
  });

  it('refuses bad samples, naming the group', () => {
    expect(() => blockBootstrapRatioCi({ samples: [1, 2], rounds: [0] }, { samples: [1], rounds: [0] }, 50)).toThrow(
      new RangeError('numerator: 2 samples but 1 round indices; each sample needs its round'),
    );
    expect(() => blockBootstrapRatioCi({ samples: [1], rounds: [0] }, { samples: [Number.NaN], rounds: [0] }, 50)).toThrow('denominator samples: sample 0 is NaN');
    expect(() => blockBootstrapRatioCi({ samples: [1], rounds: [0] }, { samples: [1], rounds: [0] }, 50, { iterations: 0 })).toThrow(/iterations/);
  });
});
