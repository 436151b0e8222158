import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile } from '../harness/stats/normal-distribution.js';
import { PAIRED_DEFAULTS } from '../harness/core/defaults.js';
import { halfWidthRelativeVariance, minimumDetectableEffect, pairedRatio, pairRounds, roundMedians, signedRankCdf, signedRankPValueGreater } from '../harness/stats/paired-statistics.js';
import { studentTQuantile } from '../harness/stats/student-t-distribution.js';
import { createRandom, type Random } from '../harness/stats/random.js';

describe('normal distribution (against scipy.stats.norm)', () => {
  it('gives quantiles and probabilities to about 1e-12', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.995)).toBeCloseTo(2.5758293035489004, 12);
    expect(normalQuantile(0.95)).toBeCloseTo(1.6448536269514722, 12);
    expect(normalQuantile(0.01)).toBeCloseTo(-2.3263478740408408, 12);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316300933, 15);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 15);
    expect(() => normalQuantile(1)).toThrow(/\(0, 1\)/);
  });
});

describe('signed-rank distribution', () => {
  it('is exact: P(T+ <= 3) for n = 10 is 5/1024, P(T+ <= 8) is 25/1024', () => {
    const cdf = signedRankCdf(10);
    expect(cdf[3]).toBe(5 / 1024);
    expect(cdf[8]).toBe(25 / 1024);
    expect(cdf[55]).toBe(1);
  });

  it('gives scipy.stats.wilcoxon p-values, exact and tie-corrected normal', () => {
    expect(signedRankPValueGreater([0.031, -0.012, 0.044, 0.008, 0.027, -0.005, 0.051, 0.019, 0.036, 0.002])).toBe(0.013671875);
    // 40 values rounded to 0.001: ties, normal approximation with tie and continuity correction.
    const tied = [
      0.071, -0.067, 0.023, -0.007, -0.004, 0.004, -0.051, 0.003, -0.016, 0.11, 0.017, -0.001, 0.002, -0.01, -0.022, -0.002, 0.024, 0.003,
      0.039, 0.004, 0.011, 0.056, 0.026, -0.005, 0.005, 0.026, 0.068, 0.002, 0.003, 0.04, -0.017, 0.001, 0.036, 0.027, 0.013, 0.03, -0.075,
      0.041, -0.019, -0.04,
    ];
    expect(signedRankPValueGreater(tied)).toBeCloseTo(0.03854132044887315, 10);
    expect(signedRankPValueGreater([0, 0])).toBe(1);
  });
});

describe('pairedRatio', () => {
  const logs = [0.031, -0.012, 0.044, 0.008, 0.027, -0.005, 0.051, 0.019, 0.036, 0.002];
  const ratios = logs.map(Math.exp);

  it('is the Hodges-Lehmann estimate with the exact signed-rank interval', () => {
    const at95 = pairedRatio(ratios, { confidence: 0.95, minEffect: 0 });
    expect(Math.log(at95.ratio)).toBeCloseTo(0.0195, 12);
    expect(Math.log(at95.ci[0])).toBeCloseTo(0.0035, 12);
    expect(Math.log(at95.ci[1])).toBeCloseTo(0.036, 12);
    expect(at95.ciCoverage).toBeCloseTo(1 - 50 / 1024, 12);
    expect(at95).toMatchObject({ method: 'exact', rounds: 10, pValue: 0.013671875, verdict: 'slower' });
    const at99 = pairedRatio(ratios, PAIRED_DEFAULTS);
    expect(Math.log(at99.ci[0])).toBeCloseTo(-0.005, 12);
    expect(Math.log(at99.ci[1])).toBeCloseTo(0.0435, 12);
    expect(at99).toMatchObject({ confidence: 0.99, minEffect: 0.02, verdict: 'same' });
  });

  it('reads a 3-round example by hand: Walsh averages 0.1 0.15 0.2 0.25 0.3 0.4', () => {
    const result = pairedRatio([0.1, 0.2, 0.4].map(Math.exp), { ...PAIRED_DEFAULTS, confidence: 0.5 });
    expect(Math.log(result.ratio)).toBeCloseTo(0.225, 12);
  });

  it('never flags with fewer rounds than the confidence needs (0.99: 8 rounds)', () => {
    const seven = pairedRatio(Array.from({ length: 7 }, () => 1.5), PAIRED_DEFAULTS);
    expect(seven.verdict).toBe('same');
    expect(seven.ciCoverage).toBeLessThan(0.99);
    expect(pairedRatio(Array.from({ length: 8 }, (_, i) => 1.5 + i / 100), PAIRED_DEFAULTS).verdict).toBe('slower');
    expect(pairedRatio(Array.from({ length: 8 }, (_, i) => 0.6 + i / 100), PAIRED_DEFAULTS).verdict).toBe('faster');
  });

  it('states the minimum detectable effect from the lower half-width of its interval', () => {
    const random = createRandom(7);
    const d = Array.from({ length: 60 }, () => 0.03 * random.normal());
    const result = pairedRatio(d.map(Math.exp), PAIRED_DEFAULTS);
    const expected = minimumDetectableEffect(Math.log(result.ratio / result.ci[0]), 60, 0.99, 0.02);
    expect(result.mde).toBeCloseTo(expected, 12);
    expect(result.method).toBe('normal');
    // s about 3%, 60 rounds: about 2% + 1.7% = 3.7%, give or take the sample's MAD.
    expect(result.mde).toBeGreaterThan(0.03);
    expect(result.mde).toBeLessThan(0.08);
  });

  it('refuses what is no ratio', () => {
    expect(() => pairedRatio([], PAIRED_DEFAULTS)).toThrow(/no rounds/);
    expect(() => pairedRatio([1, 0], PAIRED_DEFAULTS)).toThrow(/round ratio 1 is 0/);
    expect(() => pairedRatio([1], { ...PAIRED_DEFAULTS, confidence: 1 })).toThrow(/confidence/);
  });
});

describe('roundMedians and pairRounds', () => {
  it('takes the median of each round and pairs the rounds both sides have', () => {
    expect(roundMedians([5, 1, 3, 10, 20], [1, 0, 0, 1, 1])).toEqual([
      { round: 0, median: 2, n: 2 },
      { round: 1, median: 10, n: 3 },
    ]);
    expect(pairRounds([4, 6, 9], [0, 0, 2], [2, 3, 4], [0, 1, 2])).toEqual([
      { round: 0, subjectMedian: 5, referenceMedian: 2, ratio: 2.5 },
      { round: 2, subjectMedian: 9, referenceMedian: 4, ratio: 2.25 },
    ]);
    expect(() => roundMedians([1, 2], [0])).toThrow(/2 samples but 1 round/);
  });
});

/**
 * Synthetic interleaved rounds: a drift of the machine shared by both sides (AR(1), 5% steps),
 * a smaller drift of each side's own slice (AR(1)), and lognormal noise within each round.
 */
function simulateRounds(random: Random, rounds: number, perRound: number, within: number, slowdown: number): number[] {
  let shared = 0;
  let subjectSlice = 0;
  let referenceSlice = 0;
  const subject: number[] = [];
  const reference: number[] = [];
  const subjectRounds: number[] = [];
  const referenceRounds: number[] = [];
  for (let r = 0; r < rounds; r++) {
    shared = 0.8 * shared + 0.05 * random.normal();
    subjectSlice = 0.5 * subjectSlice + 0.005 * random.normal();
    referenceSlice = 0.5 * referenceSlice + 0.005 * random.normal();
    for (let i = 0; i < perRound; i++) {
      subject.push(3 * (1 + slowdown) * Math.exp(shared + subjectSlice + within * random.normal()));
      subjectRounds.push(r);
      reference.push(3 * Math.exp(shared + referenceSlice + within * random.normal()));
      referenceRounds.push(r);
    }
  }
  return pairRounds(subject, subjectRounds, reference, referenceRounds).map((p) => p.ratio);
}

describe('calibration by simulation (seeded, 2,000 trials each)', () => {
  it('A/A with drift between rounds: flagged slower in at most 1% of trials', () => {
    const random = createRandom(2026);
    let slower = 0;
    let faster = 0;
    const trials = 2000;
    for (let t = 0; t < trials; t++) {
      const verdict = pairedRatio(simulateRounds(random, 60, 15, 0.15, 0), PAIRED_DEFAULTS).verdict;
      if (verdict === 'slower') slower++;
      if (verdict === 'faster') faster++;
    }
    expect(slower / trials).toBeLessThanOrEqual(0.01);
    expect(faster / trials).toBeLessThanOrEqual(0.01);
  });

  it('a 5% slowdown with a 3% spread of the round log ratio over 60 rounds: flagged in at least 95%', () => {
    const random = createRandom(2027);
    let slower = 0;
    const trials = 2000;
    // Median of 15 lognormal(0.065) samples: sd ~ 0.021 per side, ~ 0.03 for the ratio.
    for (let t = 0; t < trials; t++) if (pairedRatio(simulateRounds(random, 60, 15, 0.065, 0.05), PAIRED_DEFAULTS).verdict === 'slower') slower++;
    expect(slower / trials).toBeGreaterThanOrEqual(0.95);
  });
});

describe('minimumDetectableEffect', () => {
  it('adds z_0.95 / z_0.995 of the half-width when half-widths do not vary (many rounds)', () => {
    const w = 0.01;
    const expected = Math.exp(Math.log(1.02) + w * (1 + 1.6448536269514722 / 2.5758293035489004)) - 1;
    expect(minimumDetectableEffect(w, 1e12, 0.99, 0.02)).toBeCloseTo(expected, 9);
  });

  it('solves A = sqrt(1 + v((t + z A)^2 + t^2)) for the spread of half-widths at 30 rounds', () => {
    const w = 0.02;
    const mde = minimumDetectableEffect(w, 30, 0.99, 0.02);
    const t = studentTQuantile(0.995, 29);
    const z = 1.6448536269514722;
    const a = ((Math.log1p(mde) - Math.log(1.02)) / w - 1) * (t / z);
    const v = halfWidthRelativeVariance / 30;
    expect(a).toBeCloseTo(Math.sqrt(1 + v * ((t + z * a) ** 2 + t * t)), 10);
    // About 1.34: a third more than z_0.95 alone.
    expect(a).toBeGreaterThan(1.3);
    expect(a).toBeLessThan(1.4);
  });
});
