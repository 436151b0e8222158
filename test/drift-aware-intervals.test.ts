import { describe, expect, it } from 'vitest';
import { normalQuantile } from '../harness/stats/normal-distribution.js';
import { createRandom, type Random } from '../harness/stats/random.js';
import { bootstrapRatioCi, percentile, sortSamples } from '../harness/stats/statistics.js';
import { batchedLogRatioInterval } from '../harness/stats/batched-log-ratio-interval.js';
import { batchedQuantileInterval } from '../harness/stats/batched-quantile-interval.js';
import { hallSheatherBandwidth, logQuantileSparsity } from '../harness/stats/quantile-sparsity.js';
import type { RoundedSamples } from '../harness/stats/rounded-samples.js';

const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
/** 1..100, one per round, low and high alternating: every batch holds as many below the median as above. */
const balanced: RoundedSamples = { samples: oneTo(50).flatMap((i) => [i, 101 - i]), rounds: oneTo(100).map((i) => i - 1) };
/** 1..100 rising round by round: the strongest drift there is. */
const rising: RoundedSamples = { samples: oneTo(100), rounds: oneTo(100).map((i) => i - 1) };

describe('batchedQuantileInterval', () => {
  it('is the order-statistic interval when the batches agree (ranks 40 and 61 of 100 for p50)', () => {
    expect(batchedQuantileInterval(balanced, 50)).toEqual({ p: 50, value: 50.5, ci: [40, 61], confidence: 0.95, n: 100 });
  });

  it('widens to every sample when the rounds drift from the lowest to the highest', () => {
    expect(batchedQuantileInterval(rising, 50).ci).toEqual([1, 100]);
    // p95: 3 batches of 33, 33, 34 rounds hold 33, 33, 29 samples at or below 95.05: variance
    // 3/2 (1.65^2 + 1.65^2 + 3.3^2) / 100^2 = 0.00245, t_2 4.303, lower rank floor(95 - 100 * 4.303 * 0.0495) = 73.
    expect(batchedQuantileInterval(rising, 95).ci).toEqual([73, 100]);
    // 5 batches of 20: shares 1, 1, 1, 1, 0.75, se 0.05, t_4 2.776: floor(95 - 13.9) = 81.
    expect(batchedQuantileInterval(rising, 95, { batches: 5 }).ci).toEqual([81, 100]);
  });

  it('has no interval where order statistics have none, and needs the round of each sample', () => {
    expect(batchedQuantileInterval({ samples: oneTo(20), rounds: oneTo(20) }, 95).ci).toBeNull();
    expect(() => batchedQuantileInterval({ samples: [1, 2], rounds: [0] }, 50)).toThrow(/2 samples but 1 round/);
  });
});

describe('batchedLogRatioInterval', () => {
  it('is exact when both groups hold the same samples in every round', () => {
    const terms = [
      { group: balanced, sign: 1, run: 'r' },
      { group: { samples: balanced.samples.map((x) => x / 2), rounds: balanced.rounds }, sign: -1, run: 'r' },
    ] as const;
    const result = batchedLogRatioInterval(terms, 50);
    expect(result.ratio).toBeCloseTo(2, 14);
    expect(result.ci[0]).toBeCloseTo(2, 14);
    expect(result.ci[1]).toBeCloseTo(2, 14);
  });

  it('gives the ratio of the percentiles, and a wide interval when a run drifts', () => {
    const result = batchedLogRatioInterval([{ group: rising, sign: 1, run: 'after' }, { group: balanced, sign: -1, run: 'before' }], 95);
    expect(result.ratio).toBeCloseTo(percentile(sortSamples(rising.samples), 95) / percentile(sortSamples(balanced.samples), 95), 14);
    expect(result.ci[0]).toBeLessThan(0.9);
    expect(result.ci[1]).toBeGreaterThan(1.1);
    expect(() => batchedLogRatioInterval([], 50)).toThrow(/no terms/);
  });

  it('covers the ratio of two runs under slow drift, where resampling single samples does not (seeded)', () => {
    const random = createRandom(5);
    const run = (r: Random): RoundedSamples => {
      const samples: number[] = [];
      const rounds: number[] = [];
      let drift = 0.05 * r.normal();
      for (let round = 0; round < 60; round++) {
        drift = 0.95 * drift + 0.05 * Math.sqrt(1 - 0.95 ** 2) * r.normal();
        for (let i = 0; i < 5; i++) {
          samples.push(Math.exp(drift + 0.25 * r.normal()));
          rounds.push(round);
        }
      }
      return { samples, rounds };
    };
    const trials = 200;
    let batched = 0;
    let single = 0;
    for (let t = 0; t < trials; t++) {
      const after = run(random);
      const before = run(random);
      const b = batchedLogRatioInterval([{ group: after, sign: 1, run: 'after' }, { group: before, sign: -1, run: 'before' }], 50);
      const s = bootstrapRatioCi(after.samples, before.samples, 50, { iterations: 200, seed: t });
      if (b.ci[0] <= 1 && 1 <= b.ci[1]) batched++;
      if (s.ci[0] <= 1 && 1 <= s.ci[1]) single++;
    }
    // Nominal 95%; bench:coverage measures the rates (600 trials), this only their order.
    expect(batched).toBeGreaterThan(single + 10);
    expect(batched / trials).toBeGreaterThan(0.8);
  });
});

describe('the sparsity of a log percentile', () => {
  it('uses the bandwidth of Hall and Sheather', () => {
    // n^(-1/3) z^(2/3) (1.5 phi(0)^2 / 1)^(1/3) for p50 at 0.95, n = 300.
    const expected = 300 ** (-1 / 3) * 1.959963984540054 ** (2 / 3) * (1.5 * 0.3989422804014327 ** 2) ** (1 / 3);
    expect(hallSheatherBandwidth(300, 50, 0.95)).toBeCloseTo(expected, 12);
    expect(hallSheatherBandwidth(300, 50, 0.95)).toBeCloseTo(0.14513, 5);
  });

  it('is 1 / phi(z_p) for log-normal samples (2000 quantiles of a standard log-normal)', () => {
    const n = 2000;
    const sorted = sortSamples(Array.from({ length: n }, (_, i) => Math.exp(normalQuantile((i + 0.5) / n))));
    expect(logQuantileSparsity(sorted, 50, 0.95)).toBeCloseTo(Math.sqrt(2 * Math.PI), 1);
    const z95 = normalQuantile(0.95);
    expect(logQuantileSparsity(sorted, 95, 0.95) / (Math.sqrt(2 * Math.PI) * Math.exp((z95 * z95) / 2))).toBeCloseTo(1, 1);
  });
});
