/**
 * The paired statistics (harness/stats/paired-statistics.ts) against oracles written out the long
 * way: the signed-rank distribution by enumerating every sign pattern, the Hodges-Lehmann estimate
 * and its interval from all Walsh averages, p-values from scipy.stats.wilcoxon; each verdict at
 * its boundary; the spread, the predicted half-width and the detectable effect from their
 * formulas. Small inputs only: milliseconds, so bench:mutation runs them per mutant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile } from '../harness/stats/normal-distribution.js';
import {
  exactSignedRankMaxN, halfWidthRelativeVariance, mdePower, medianAbsoluteDeviation, minimumDetectableEffect, pairedRatio, pairRounds, predictedHalfWidth,
  robustSpread, roundMedians, signedRankCdf, signedRankPValueGreater,
} from '../harness/stats/paired-statistics.js';
import { studentTQuantile } from '../harness/stats/student-t-distribution.js';

/** P(T+ <= t) by counting the sign patterns of ranks 1..n whose plus ranks sum to at most t. */
function bruteCdf(n: number): number[] {
  const max = (n * (n + 1)) / 2;
  const counts = new Array<number>(max + 1).fill(0);
  for (let mask = 0; mask < 2 ** n; mask++) {
    let sum = 0;
    for (let r = 1; r <= n; r++) if (mask & (1 << (r - 1))) sum += r;
    counts[sum]! += 1;
  }
  let acc = 0;
  return counts.map((c) => (acc += c) / 2 ** n);
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  return (s[Math.floor(mid)]! + s[Math.ceil(mid)]!) / 2;
};

const walsh = (d: readonly number[]) => {
  const out: number[] = [];
  for (let i = 0; i < d.length; i++) for (let j = i; j < d.length; j++) out.push((d[i]! + d[j]!) / 2);
  return out.sort((a, b) => a - b);
};

/** The interval's k the long way: the most Walsh averages cut from each end at alpha / 2 per tail. */
function kOf(n: number, confidence: number): { k: number; coverage: number } {
  const alpha = 1 - confidence;
  if (n <= exactSignedRankMaxN) {
    const cdf = bruteCdfCache(n);
    const walshCount = (n * (n + 1)) / 2;
    let k = 0;
    while (k + 1 <= walshCount && cdf[k]! <= alpha / 2 + 1e-12) k++;
    return { k, coverage: k >= 1 ? 1 - 2 * cdf[k - 1]! : 0 };
  }
  const mean = (n * (n + 1)) / 4;
  const sd = Math.sqrt((n * (n + 1) * (2 * n + 1)) / 24);
  const k = Math.floor(mean - normalQuantile(1 - alpha / 2) * sd + 0.5);
  return { k, coverage: k >= 1 ? 1 - 2 * normalCdf((k - 1 + 0.5 - mean) / sd) : 0 };
}
const cdfCache = new Map<number, number[]>();
/** Enumerated up to 14 rounds; above, signedRankCdf (pinned to the enumeration below). */
const bruteCdfCache = (n: number) => cdfCache.get(n) ?? (cdfCache.set(n, n <= 14 ? bruteCdf(n) : Array.from(signedRankCdf(n))), cdfCache.get(n)!);

describe('signedRankCdf: every sign pattern counted', () => {
  it.each(Array.from({ length: 13 }, (_, n) => n))('n = %i', (n) => {
    expect(Array.from(signedRankCdf(n))).toEqual(bruteCdf(n));
  });

  it('computes up to 60, refuses the rest', () => {
    expect(signedRankCdf(60)).toHaveLength(1831);
    expect(signedRankCdf(60)[1830]).toBeCloseTo(1, 12);
    for (const n of [-1, 1.5, 61, Number.NaN]) expect(() => signedRankCdf(n)).toThrow(`signedRankCdf computes exactly for n in 0..60, got ${n}`);
  });
});

describe('signedRankPValueGreater', () => {
  /** P(T+ >= observed) by enumerating every sign pattern of the given absolute ranks. */
  function bruteP(values: readonly number[]): number {
    const nonZero = values.filter((v) => v !== 0);
    const ranked = [...nonZero].sort((a, b) => Math.abs(a) - Math.abs(b));
    const observed = ranked.reduce((s, v, i) => s + (v > 0 ? i + 1 : 0), 0);
    const cdf = bruteCdf(nonZero.length);
    return observed <= 0 ? 1 : 1 - cdf[observed - 1]!;
  }

  it('property: exact, without ties, matches the enumeration (zeros dropped)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: -40, max: 40 }), { minLength: 1, maxLength: 10, selector: (v) => Math.abs(v) }), (ints) => {
        const values = ints.map((v) => v / 100);
        expect(signedRankPValueGreater(values)).toBe(bruteP(values));
      }),
      { numRuns: 60, seed: 24 },
    );
  });

  it.each<[string, number[], number]>([
    // scipy.stats.wilcoxon(x, alternative='greater', zero_method='wilcox', correction=True), scipy 1.17.1
    ['ties: the normal approximation, tie-corrected, with continuity correction', [0.01, -0.01, 0.02, 0.02, 0.03, -0.03, 0.04, 0.05, 0.05, 0.06], 0.020481490206262748],
    ['more than 25 non-zero values (and a zero, and a tie)', Array.from({ length: 30 }, (_, i) => (((i * 37) % 61) - 25) / 1000 + 0.004), 0.007950099850271534],
  ])('%s', (_, values, p) => {
    expect(signedRankPValueGreater(values)).toBeCloseTo(p, 12);
  });

  it.each<[string, number[], number]>([
    ['zeros dropped, exact (scipy: 0.0625)', [0, 0, 0.01, 0.02, -0.005, 0.03, 0, 0.015], 0.0625],
    ['every value below 0', [-0.01, -0.02, -0.03], 1],
    ['every value 0', [0, 0, 0], 1],
    ['one value above 0', [0.5], 0.5],
    ['25 values above 0, exact', Array.from({ length: 25 }, (_, i) => (i + 1) / 100), 2 ** -25],
  ])('%s', (_, values, p) => {
    expect(signedRankPValueGreater(values)).toBe(p);
  });
});

describe('pairedRatio against the long way round', () => {
  const logs = (n: number, shift: number, seed: number) => Array.from({ length: n }, (_, i) => shift + (((i * 7919 + seed * 104729) % 97) - 48) / 2000);

  it.each<[number, number, number]>([
    [1, 0.99, 0.02], [3, 0.5, 0.02], [5, 0.95, 0], [7, 0.99, 0.02], [8, 0.99, 0.02], [12, 0.9, 0.05], [25, 0.99, 0.02], [26, 0.99, 0.02], [40, 0.95, 0.01],
    // alpha / 2 exactly a probability of the exact distribution (P(T+ <= 1) = 2/32 for 5 rounds): that k is taken.
    [5, 0.875, 0.02],
    // One Walsh average cut from each end, exact (P(T+ <= 0) = 1/32) and normal (z about 4.4 at 26 rounds).
    [5, 0.9375, 0], [26, 0.999991, 0.02],
    // Normal, and too few rounds for the confidence: no interval.
    [26, 0.9999999, 0.02],
  ])('%i rounds at %f, minimum effect %f', (n, confidence, minEffect) => {
    for (const [shift, seed] of [[0, 1], [0.06, 2], [-0.06, 3]] as const) {
      const d = logs(n, shift, seed);
      const result = pairedRatio(d.map(Math.exp), { confidence, minEffect });
      const w = walsh(d);
      const { k, coverage } = kOf(n, confidence);
      const lower = w[Math.max(k, 1) - 1]!;
      const upper = w[w.length - Math.max(k, 1)]!;
      const hl = median(w);
      expect(result.rounds).toBe(n);
      expect(result.method).toBe(n <= 25 ? 'exact' : 'normal');
      expect(Math.log(result.ratio)).toBeCloseTo(hl, 12);
      expect(Math.log(result.ci[0])).toBeCloseTo(lower, 12);
      expect(Math.log(result.ci[1])).toBeCloseTo(upper, 12);
      expect(result.ciCoverage).toBeCloseTo(coverage, 12);
      expect(result.pValue).toBe(signedRankPValueGreater(d.map((x) => Math.log(Math.exp(x)))));
      expect(result.logRatioSpread).toBeCloseTo(1.4826 * medianAbsoluteDeviation(d), 12);
      const halfWidth = k >= 1 ? hl - lower : predictedHalfWidth(d, confidence);
      expect(result.mde).toBeCloseTo(minimumDetectableEffect(halfWidth, n, confidence, minEffect), 12);
      const limit = Math.log1p(minEffect);
      expect(result.verdict).toBe(k >= 1 && lower > limit ? 'slower' : k >= 1 && upper < -limit ? 'faster' : 'same');
      expect([result.confidence, result.minEffect]).toEqual([confidence, minEffect]);
    }
  });

  it('judges the lower end against 1 + minEffect strictly, and the upper against its inverse', () => {
    // Ten equal log ratios: every Walsh average is that value, so the interval is a point.
    const at = (log: number, minEffect: number) => pairedRatio(Array.from({ length: 10 }, () => Math.exp(log)), { confidence: 0.95, minEffect }).verdict;
    // Exactly at the limit (a ratio of 1 against a minimum effect of 0): neither.
    expect(at(0, 0)).toBe('same');
    expect(at(1e-9, 0)).toBe('slower');
    expect(at(-1e-9, 0)).toBe('faster');
    expect(at(Math.log1p(0.05) - 1e-6, 0.05)).toBe('same');
    expect(at(Math.log1p(0.05) + 1e-6, 0.05)).toBe('slower');
    expect(at(-Math.log1p(0.05) + 1e-6, 0.05)).toBe('same');
    expect(at(-Math.log1p(0.05) - 1e-6, 0.05)).toBe('faster');
  });

  it.each<[string, number[], { confidence: number; minEffect: number }, string]>([
    ['confidence 0', [1], { confidence: 0, minEffect: 0 }, 'confidence must lie in (0, 1), e.g. 0.99; got 0'],
    ['confidence 1', [1], { confidence: 1, minEffect: 0 }, 'confidence must lie in (0, 1), e.g. 0.99; got 1'],
    ['confidence NaN', [1], { confidence: Number.NaN, minEffect: 0 }, 'confidence must lie in (0, 1), e.g. 0.99; got NaN'],
    ['minEffect below 0', [1], { confidence: 0.9, minEffect: -0.01 }, 'minEffect must lie in [0, 1), e.g. 0.02 for 2%; got -0.01'],
    ['minEffect 1', [1], { confidence: 0.9, minEffect: 1 }, 'minEffect must lie in [0, 1), e.g. 0.02 for 2%; got 1'],
    ['minEffect NaN', [1], { confidence: 0.9, minEffect: Number.NaN }, 'minEffect must lie in [0, 1), e.g. 0.02 for 2%; got NaN'],
    ['no rounds', [], { confidence: 0.9, minEffect: 0 }, 'pairedRatio: no rounds; a paired verdict needs at least one round ratio'],
    ['a negative ratio', [1, -1], { confidence: 0.9, minEffect: 0 }, 'pairedRatio: round ratio 1 is -1; ratios must be positive finite numbers'],
    ['an infinite ratio', [Number.POSITIVE_INFINITY], { confidence: 0.9, minEffect: 0 }, 'pairedRatio: round ratio 0 is Infinity; ratios must be positive finite numbers'],
    ['a ratio that is no number', [1, 1, Number.NaN], { confidence: 0.9, minEffect: 0 }, 'pairedRatio: round ratio 2 is NaN; ratios must be positive finite numbers'],
  ])('refuses %s', (_, ratios, options, message) => {
    expect(() => pairedRatio(ratios, options)).toThrow(new RangeError(message));
  });

  it('accepts the edges: minEffect 0, a confidence just inside (0, 1)', () => {
    expect(pairedRatio([1], { confidence: 0.5, minEffect: 0 }).rounds).toBe(1);
    expect(pairedRatio([1], { confidence: 1e-9, minEffect: 0.999 }).rounds).toBe(1);
  });
});

describe('spread, predicted half-width and detectable effect, from their formulas', () => {
  it('the median absolute deviation, and 1.4826 times it', () => {
    expect(medianAbsoluteDeviation([1, 2, 3, 4, 100])).toBe(1);
    expect(medianAbsoluteDeviation([1, 2, 3, 4])).toBe(1);
    expect(medianAbsoluteDeviation([5])).toBe(0);
    expect(robustSpread([1, 2, 3, 4, 100])).toBe(1.4826);
  });

  it('predicts t sqrt(pi/3) s / sqrt(n), with one degree of freedom at least', () => {
    const d = [0.01, -0.02, 0.03, 0.05, -0.01, 0.02];
    expect(predictedHalfWidth(d, 0.95)).toBeCloseTo((studentTQuantile(0.975, 5) * Math.sqrt(Math.PI / 3) * robustSpread(d)) / Math.sqrt(6), 14);
    expect(predictedHalfWidth([0.01], 0.9)).toBe(studentTQuantile(0.95, 1) * Math.sqrt(Math.PI / 3) * robustSpread([0.01]));
    expect(predictedHalfWidth([0.01, 0.03], 0.9)).toBeCloseTo((studentTQuantile(0.95, 1) * Math.sqrt(Math.PI / 3) * robustSpread([0.01, 0.03])) / Math.sqrt(2), 14);
  });

  it.each<[number, number, number, number]>([[0.02, 30, 0.99, 0.02], [0.05, 8, 0.95, 0], [0.01, 1, 0.9, 0.05], [0.03, 0, 0.99, 0.02], [0, 20, 0.99, 0.1]])(
    'detectable effect: half-width %f, %i rounds, confidence %f, minimum %f',
    (w, n, confidence, minEffect) => {
      expect(mdePower).toBe(0.95);
      expect(halfWidthRelativeVariance).toBe(0.75);
      const t = studentTQuantile(1 - (1 - confidence) / 2, Math.max(n - 1, 1));
      const z = normalQuantile(0.95);
      const v = 0.75 / Math.max(n, 1);
      let a = 1;
      for (let i = 0; i < 200; i++) a = Math.sqrt(1 + v * ((t + z * a) ** 2 + t * t));
      expect(minimumDetectableEffect(w, n, confidence, minEffect)).toBeCloseTo(Math.exp(Math.log1p(minEffect) + w * (1 + (z * a) / t)) - 1, 10);
    },
  );
});

describe('roundMedians and pairRounds', () => {
  it('groups by round in ascending order, whatever the order of the samples', () => {
    expect(roundMedians([7, 1, 2, 9, 4, 3], [2, 0, 0, 2, 1, 0])).toEqual([
      { round: 0, median: 2, n: 3 },
      { round: 1, median: 4, n: 1 },
      { round: 2, median: 8, n: 2 },
    ]);
    expect(roundMedians([], [])).toEqual([]);
    expect(() => roundMedians([1], [0, 1])).toThrow(new RangeError('roundMedians: 1 samples but 2 round indices; each sample needs its round'));
    expect(() => roundMedians([1, Number.NaN], [0, 3])).toThrow(new RangeError('round 3: sample 0 is NaN; samples must be finite numbers'));
  });

  it('pairs only the rounds both sides have, subject over reference', () => {
    expect(pairRounds([6, 8, 3], [3, 1, 0], [2, 4, 1], [1, 3, 5])).toEqual([
      { round: 1, subjectMedian: 8, referenceMedian: 2, ratio: 4 },
      { round: 3, subjectMedian: 6, referenceMedian: 4, ratio: 1.5 },
    ]);
    expect(pairRounds([1], [0], [1], [1])).toEqual([]);
  });
});
