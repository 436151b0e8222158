import { describe, expect, it } from 'vitest';
import { batchedLogRatioInterval, type RatioTerm } from '../harness/stats/batched-log-ratio-interval.js';
import { batchedQuantileInterval } from '../harness/stats/batched-quantile-interval.js';
import { orderStatisticRanks } from '../harness/stats/quantile-interval.js';
import { hallSheatherBandwidth, logQuantileSparsity } from '../harness/stats/quantile-sparsity.js';
import { createRandom } from '../harness/stats/random.js';
import type { RoundedSamples } from '../harness/stats/rounded-samples.js';
import { sortSamples } from '../harness/stats/statistics.js';
import { studentTQuantile } from '../harness/stats/student-t-distribution.js';

// ---- plain references, written from the files' comments ----

/** R-7 percentile of an ascending array. */
function refPercentile(sorted: readonly number[], p: number): number {
  const h = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(h);
  const f = h - lo;
  return f === 0 ? (sorted[lo] as number) : (sorted[lo] as number) + f * ((sorted[lo + 1] as number) - (sorted[lo] as number));
}

const ascending = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

/** round(R^(1/4)), at least 3, at most R/2; none below 4 rounds. */
const refDefaultBatches = (rounds: number): number | null => (rounds < 4 ? null : Math.min(Math.floor(rounds / 2), Math.max(3, Math.round(rounds ** 0.25))));

/** b / (b - 1) * sum_k (T_k - N_k m)^2 / N^2 over contiguous batches k of [floor(kR/b), floor((k+1)R/b)). */
function refBatchVariance(totals: readonly number[], counts: readonly number[], b: number): number {
  const R = totals.length;
  const N = counts.reduce((s, c) => s + c, 0);
  const m = totals.reduce((s, t) => s + t, 0) / N;
  let squares = 0;
  for (let k = 0; k < b; k++) {
    let t = 0;
    let c = 0;
    for (let i = Math.floor((k * R) / b); i < Math.floor(((k + 1) * R) / b); i++) {
      t += totals[i] as number;
      c += counts[i] as number;
    }
    squares += (t - c * m) ** 2;
  }
  return ((b / (b - 1)) * squares) / (N * N);
}

/** Per-round sums of `values` (rounds ascending) and the number of values of each round. */
function perRound(parts: readonly { rounds: readonly number[]; values: readonly number[] }[]): { totals: number[]; counts: number[] } {
  const ids = ascending([...new Set(parts.flatMap((p) => [...p.rounds]))]);
  const totals = ids.map(() => 0);
  const counts = ids.map(() => 0);
  for (const part of parts) {
    part.rounds.forEach((r, i) => {
      const at = ids.indexOf(r);
      totals[at] = (totals[at] as number) + (part.values[i] as number);
      counts[at] = (counts[at] as number) + 1;
    });
  }
  return { totals, counts };
}

function refQuantileInterval(group: RoundedSamples, p: number, options: { confidence?: number; batches?: number } = {}) {
  const confidence = options.confidence ?? 0.95;
  const sorted = ascending(group.samples);
  const n = sorted.length;
  const value = refPercentile(sorted, p);
  const exact = orderStatisticRanks(n, p, confidence);
  if (exact === null) return { p, value, ci: null, confidence, n };
  let { lower, upper } = exact;
  const { totals, counts } = perRound([{ rounds: group.rounds, values: group.samples.map((x) => (x <= value ? 1 : 0)) }]);
  const b = options.batches ?? refDefaultBatches(totals.length);
  if (b !== null && b >= 2 && b <= totals.length) {
    const s = n * Math.sqrt(refBatchVariance(totals, counts, b)) * studentTQuantile(1 - (1 - confidence) / 2, b - 1);
    lower = Math.min(lower, Math.max(1, Math.floor((n * p) / 100 - s)));
    upper = Math.max(upper, Math.min(n, Math.ceil((n * p) / 100 + s) + 1));
  }
  return { p, value, ci: [sorted[lower - 1], sorted[upper - 1]], confidence, n };
}

function refLogRatio(terms: readonly RatioTerm[], p: number, options: { confidence?: number; batches?: number } = {}) {
  const confidence = options.confidence ?? 0.95;
  const q = p / 100;
  let logRatio = 0;
  const runs = new Map<string, { rounds: readonly number[]; values: number[] }[]>();
  for (const term of terms) {
    const sorted = ascending(term.group.samples);
    const value = refPercentile(sorted, p);
    logRatio += term.sign * Math.log(value);
    const s = logQuantileSparsity(sortSamples(sorted), p, confidence);
    const values = term.group.samples.map((x) => (term.sign * s * (q - (x <= value ? 1 : 0))) / sorted.length);
    runs.set(term.run, [...(runs.get(term.run) ?? []), { rounds: term.group.rounds, values }]);
  }
  let variance = 0;
  let dfDenominator = 0;
  for (const parts of runs.values()) {
    const { totals } = perRound(parts);
    const R = totals.length;
    const b = Math.min(options.batches ?? refDefaultBatches(R) ?? R, R);
    if (b < 2) return { ratio: Math.exp(logRatio), ci: [0, Infinity], logStandardError: Infinity, df: 0 };
    // Each round weighs one: the variance of the mean of the round totals, times R^2.
    const v = refBatchVariance(totals, totals.map(() => 1), b) * R * R;
    variance += v;
    dfDenominator += (v * v) / (b - 1);
  }
  const se = Math.sqrt(variance);
  const df = dfDenominator > 0 ? (variance * variance) / dfDenominator : 1;
  const half = studentTQuantile(1 - (1 - confidence) / 2, Math.max(df, 1)) * se;
  return { ratio: Math.exp(logRatio), ci: [Math.exp(logRatio - half), Math.exp(logRatio + half)], logStandardError: se, df };
}

function expectEstimate(actual: { ratio: number; ci: readonly number[]; logStandardError: number; df: number }, expected: typeof actual, digits = 12): void {
  const rel = (a: number, e: number) => (e === 0 || !Number.isFinite(e) ? expect(a).toBe(e) : expect(a / e).toBeCloseTo(1, digits));
  rel(actual.ratio, expected.ratio);
  rel(actual.ci[0] as number, expected.ci[0] as number);
  rel(actual.ci[1] as number, expected.ci[1] as number);
  rel(actual.logStandardError, expected.logStandardError);
  rel(actual.df, expected.df);
}

// ---- data ----

const oneTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);
/** n samples, `perRound` per round, rising with the round: the strongest drift. */
const risingGroup = (n: number, perRound = 1): RoundedSamples => ({ samples: oneTo(n), rounds: oneTo(n).map((i) => Math.floor((i - 1) / perRound)) });

/** Seeded drifting samples: AR(1) drift per round, `perRound` log-normal samples per round, optionally rounded to integers (ties). */
function drifting(seed: number, rounds: number, perRound: number, integers = false, firstRound = 0): RoundedSamples {
  const random = createRandom(seed);
  const samples: number[] = [];
  const roundsOf: number[] = [];
  let drift = 0;
  for (let r = 0; r < rounds; r++) {
    drift = 0.8 * drift + 0.15 * random.normal();
    for (let i = 0; i < perRound; i++) {
      const x = 10 * Math.exp(drift + 0.3 * random.normal());
      samples.push(integers ? Math.max(1, Math.round(x)) : x);
      roundsOf.push(firstRound + 3 * r);
    }
  }
  return { samples, rounds: roundsOf };
}

// ---- quantile sparsity ----

describe('hallSheatherBandwidth', () => {
  it('matches scipy (norm.ppf, norm.pdf) at several n, p and confidences', () => {
    expect(hallSheatherBandwidth(300, 50, 0.95)).toBeCloseTo(0.14513164105321147, 9);
    expect(hallSheatherBandwidth(100, 90, 0.9)).toBeCloseTo(0.06632167150813412, 9);
    expect(hallSheatherBandwidth(50, 5, 0.99)).toBeCloseTo(0.06912159688417364, 9);
    expect(hallSheatherBandwidth(2, 30, 0.999)).toBeCloseTo(0.858785191587159, 9);
    expect(hallSheatherBandwidth(2, 50, 0.95)).toBeCloseTo(0.77112691012365, 9);
    expect(hallSheatherBandwidth(20, 0.5, 0.95)).toBeCloseTo(0.016161697432566968, 9);
  });
});

describe('logQuantileSparsity', () => {
  const sq = sortSamples(oneTo(40).map((i) => i * i));
  const geo = sortSamples(Array.from({ length: 40 }, (_, i) => 1.1 ** i));

  it('is the difference quotient of the log percentiles over [u - h, u + h] (values from an independent Python reference)', () => {
    expect(logQuantileSparsity(sq, 50, 0.95)).toBeCloseTo(4.253467153056579, 8);
    expect(logQuantileSparsity(sq, 30, 0.8)).toBeCloseTo(6.7947161210944405, 8);
    expect(logQuantileSparsity(sq, 97, 0.99)).toBeCloseTo(2.031160650380965, 8);
    expect(logQuantileSparsity(geo, 50, 0.95)).toBeCloseTo(3.7170773872145864, 9);
    expect(logQuantileSparsity(geo, 50, 0.8)).toBeCloseTo(3.717036317064535, 9);
    expect(logQuantileSparsity(geo, 90, 0.95)).toBeCloseTo(3.71408413828122, 9);
  });

  it('takes the bandwidth at p clamped to [0.5, 99.5], the window cut at 0 and 1', () => {
    // p = 0.2: the bandwidth of p = 0.5, the window [0, 0.002 + h].
    expect(logQuantileSparsity(sq, 0.2, 0.95)).toBeCloseTo(67.85118926952937, 7);
    expect(logQuantileSparsity(sq, 0, 0.95)).toBeCloseTo(71.45714287547186, 7);
    expect(logQuantileSparsity(sq, 0.5, 0.95)).toBeCloseTo(63.206585691608694, 7);
    expect(logQuantileSparsity(sq, 99.5, 0.95)).toBeCloseTo(1.9594540268711667, 8);
    expect(logQuantileSparsity(sq, 99.8, 0.95)).toBeCloseTo(1.953650253998322, 8);
    expect(logQuantileSparsity(sq, 100, 0.95)).toBeCloseTo(1.9498065129039963, 8);
    expect(logQuantileSparsity(geo, 0.2, 0.95)).toBeCloseTo(3.7914034959582725, 9);
    expect(logQuantileSparsity(geo, 0, 0.95)).toBeCloseTo(3.8055826816840526, 9);
    expect(logQuantileSparsity(geo, 100, 0.95)).toBeCloseTo(3.628608259488688, 9);
    expect(logQuantileSparsity(geo, 99.8, 0.95)).toBeCloseTo(3.6420480895510305, 9);
    // Written out: p = 0 uses h of p = 0.5 over [0, h].
    const h = hallSheatherBandwidth(40, 0.5, 0.95);
    expect(logQuantileSparsity(sq, 0, 0.95)).toBeCloseTo(Math.log(refPercentile([...sq], 100 * h)) / h, 9);
    const hTop = hallSheatherBandwidth(40, 99.5, 0.95);
    expect(logQuantileSparsity(sq, 100, 0.95)).toBeCloseTo((Math.log(1600) - Math.log(refPercentile([...sq], 100 * (1 - hTop)))) / hTop, 9);
  });

  it('caps h at 0.5', () => {
    // n = 3, p30 at 0.99: Hall-Sheather gives 0.637; capped, the window is [0, 0.8].
    expect(hallSheatherBandwidth(3, 30, 0.99)).toBeCloseTo(0.6372187773436093, 9);
    expect(logQuantileSparsity(sortSamples([1, 4, 9]), 30, 0.99)).toBeCloseTo(2.4323876863191414, 10);
    expect(logQuantileSparsity(sortSamples([1, 4, 9]), 30, 0.99)).toBeCloseTo(Math.log(refPercentile([1, 4, 9], 80)) / 0.8, 12);
    // n = 2, p50: h 0.771 capped at 0.5: the whole of [0, 1].
    expect(logQuantileSparsity(sortSamples([1, 2]), 50, 0.95)).toBeCloseTo(Math.LN2, 14);
  });

  it('is 0 below two samples and where the window holds ties only', () => {
    expect(logQuantileSparsity(sortSamples([3]), 50, 0.95)).toBe(0);
    expect(logQuantileSparsity(sortSamples([5, 5, 5, 5]), 50, 0.95)).toBe(0);
    expect(logQuantileSparsity(sortSamples([1, 1, 1, 1, 1, 1, 1, 1, 1, 50]), 20, 0.95)).toBe(0);
    expect(logQuantileSparsity(sortSamples([1, 1, 1, 1, 1, 1, 1, 1, 1, 50]), 50, 0.95)).toBeGreaterThan(0);
  });

  it('refuses samples that are not positive, even a single one', () => {
    expect(() => logQuantileSparsity(sortSamples([0, 1, 2]), 50, 0.95)).toThrow(/logQuantileSparsity: samples must be positive \(latencies\), got 0$/);
    expect(() => logQuantileSparsity(sortSamples([-2, 1, 2]), 50, 0.95)).toThrow(/samples must be positive \(latencies\), got -2$/);
    expect(() => logQuantileSparsity(sortSamples([-1]), 50, 0.95)).toThrow(RangeError);
    expect(() => logQuantileSparsity(sortSamples([0]), 50, 0.95)).toThrow(/must be positive/);
    expect(logQuantileSparsity(sortSamples([1e-300, 1e-300]), 50, 0.95)).toBe(0);
  });
});

// ---- batchedQuantileInterval ----

describe('batchedQuantileInterval', () => {
  it('small example by hand: 12 rising samples in 6 rounds of 2', () => {
    const group = risingGroup(12, 2);
    // Exact p50 ranks for n = 12 at 0.95: 3 and 10.
    expect(orderStatisticRanks(12, 50, 0.95)).toMatchObject({ lower: 3, upper: 10 });
    // 2 batches: 6 and 0 of 6 at or below 6.5, V = 2 (3^2 + 3^2) / 144 = 1/4, t_1 12.71: every sample.
    expect(batchedQuantileInterval(group, 50, { batches: 2 })).toEqual({ p: 50, value: 6.5, ci: [1, 12], confidence: 0.95, n: 12 });
    // 6 rounds < 4? no: the default is min(3, max(3, 2)) = 3 batches: 4, 2, 0 of 4, V = 1.5 * 8 / 144, t_2 4.303: s = 14.9.
    expect(batchedQuantileInterval(group, 50)).toEqual({ p: 50, value: 6.5, ci: [1, 12], confidence: 0.95, n: 12 });
  });

  it('rising 100 samples: hand-computed ranks at p95 and p80', () => {
    const rising = risingGroup(100);
    // 5 batches of 20: shares 1, 1, 1, 1, 0.75 at or below 95.05: se 0.05, t_4 2.7764: floor(95 - 13.88) = 81, upper clamped at 100.
    expect(batchedQuantileInterval(rising, 95, { batches: 5 }).ci).toEqual([81, 100]);
    // p80, 10 batches of 10: 80.2 is the estimate, shares 1 x 8 then 0, 0: V = 10/9 * 160 / 100^2, s = 100 sqrt(V) t_9 = 30.2.
    const shares = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0];
    const mean = shares.reduce((a, b) => a + b) / 10;
    const V = (10 / 9) * shares.reduce((a, s) => a + (10 * s - 10 * mean) ** 2, 0) / 100 ** 2;
    const s = 100 * Math.sqrt(V) * studentTQuantile(0.975, 9);
    expect(s).toBeGreaterThan(20);
    expect(s).toBeCloseTo(30.16209550, 6);
    expect(batchedQuantileInterval(rising, 80, { batches: 10 }).ci).toEqual([Math.floor(80 - s), 100]);
    expect(batchedQuantileInterval(rising, 80, { batches: 10 }).ci).toEqual([49, 100]);
  });

  it('never narrower than the order-statistic interval (batches that agree keep it)', () => {
    const balanced: RoundedSamples = { samples: oneTo(50).flatMap((i) => [i, 101 - i]), rounds: oneTo(100).map((i) => i - 1) };
    expect(batchedQuantileInterval(balanced, 50)).toEqual({ p: 50, value: 50.5, ci: [40, 61], confidence: 0.95, n: 100 });
    expect(batchedQuantileInterval(balanced, 50, { batches: 2 }).ci).toEqual([40, 61]);
    expect(batchedQuantileInterval(balanced, 50, { batches: 100 }).ci).toEqual([40, 61]);
  });

  it('uses batches from 2 to the number of rounds, ignores others', () => {
    const rising = risingGroup(40, 2); // 20 rounds
    const exact = orderStatisticRanks(40, 50, 0.95)!;
    const exactCi = [exact.lower, exact.upper];
    for (const batches of [-1, 0, 1, 21, 40]) expect(batchedQuantileInterval(rising, 50, { batches }).ci).toEqual(exactCi);
    for (const batches of [2, 3, 7, 20]) {
      const got = batchedQuantileInterval(rising, 50, { batches });
      expect(got).toEqual(refQuantileInterval(rising, 50, { batches }));
      expect(got.ci![0]).toBeLessThan(exact.lower);
    }
    // 20 rounds: default round(20^0.25) = 2, raised to 3.
    expect(batchedQuantileInterval(rising, 50)).toEqual(batchedQuantileInterval(rising, 50, { batches: 3 }));
  });

  it('has no batches below 4 rounds unless asked', () => {
    const threeRounds = risingGroup(30, 10);
    const exact = orderStatisticRanks(30, 50, 0.95)!;
    expect(batchedQuantileInterval(threeRounds, 50).ci).toEqual([exact.lower, exact.upper]);
    expect(batchedQuantileInterval(threeRounds, 50, { batches: 3 }).ci).toEqual([1, 30]);
    const fourRounds = risingGroup(40, 10);
    expect(batchedQuantileInterval(fourRounds, 50)).toEqual(refQuantileInterval(fourRounds, 50));
    expect(batchedQuantileInterval(fourRounds, 50).ci).toEqual([1, 40]);
  });

  it('takes the confidence option for both intervals', () => {
    const group = drifting(3, 30, 4);
    const at80 = batchedQuantileInterval(group, 50, { confidence: 0.8 });
    expect(at80.confidence).toBe(0.8);
    expect(at80).toEqual(refQuantileInterval(group, 50, { confidence: 0.8 }));
    const at95 = batchedQuantileInterval(group, 50);
    expect(at95.confidence).toBe(0.95);
    expect(at95.ci![0]).toBeLessThan(at80.ci![0]);
    expect(at95.ci![1]).toBeGreaterThan(at80.ci![1]);
    // Independent rounds: at 0.8 the order-statistic ranks alone.
    const flatRounds: RoundedSamples = { samples: oneTo(50).flatMap((i) => [i, 101 - i]), rounds: oneTo(100).map((i) => i - 1) };
    const r = orderStatisticRanks(100, 50, 0.8)!;
    expect(batchedQuantileInterval(flatRounds, 50, { confidence: 0.8 }).ci).toEqual([r.lower, r.upper]);
  });

  it('matches the reference on drifting groups, with ties, gaps in round numbers and unordered input', () => {
    const groups = [drifting(1, 40, 5), drifting(2, 12, 10, true), drifting(4, 60, 3, true, 7), drifting(5, 9, 7)];
    const shuffled = drifting(6, 25, 4, true);
    const order = oneTo(shuffled.samples.length).map((i) => (i * 37) % shuffled.samples.length);
    groups.push({ samples: order.map((i) => shuffled.samples[i] as number), rounds: order.map((i) => shuffled.rounds[i] as number) });
    for (const group of groups) {
      for (const p of [10, 50, 90, 95]) {
        for (const options of [{}, { batches: 2 }, { batches: 5 }, { confidence: 0.9 }]) {
          expect(batchedQuantileInterval(group, p, options)).toEqual(refQuantileInterval(group, p, options));
        }
      }
    }
  });

  it('counts samples equal to the estimate as at or below it', () => {
    // Value 2 at p50 (a sample); rounds alternate 1s+2s then 3s: counting "< 2" instead changes the shares.
    const samples = [1, 2, 2, 3, 3, 3, 1, 2, 2, 3, 3, 3, 1, 2, 2, 3, 3, 3, 2, 2, 2, 2, 2, 2];
    const rounds = samples.map((_, i) => Math.floor(i / 3));
    const group = { samples, rounds };
    expect(batchedQuantileInterval(group, 50, { batches: 4 })).toEqual(refQuantileInterval(group, 50, { batches: 4 }));
    expect(batchedQuantileInterval(group, 50, { batches: 4 }).value).toBe(2);
    expect(batchedQuantileInterval(group, 50, { batches: 4 }).ci).toEqual([1, 3]);
  });

  it('has no interval with too few samples, and needs a round for every sample', () => {
    expect(batchedQuantileInterval(risingGroup(5), 50, { batches: 2 })).toEqual({ p: 50, value: 3, ci: null, confidence: 0.95, n: 5 });
    const r5 = orderStatisticRanks(5, 50, 0.5)!;
    expect(r5).toMatchObject({ lower: 2, upper: 4 });
    expect(batchedQuantileInterval(risingGroup(5), 50, { confidence: 0.5, batches: 1 })).toEqual({ p: 50, value: 3, ci: [2, 4], confidence: 0.5, n: 5 });
    // 5 rounds: the default 2 batches widen it to every sample.
    expect(batchedQuantileInterval(risingGroup(5), 50, { confidence: 0.5 })).toEqual({ p: 50, value: 3, ci: [1, 5], confidence: 0.5, n: 5 });
    expect(batchedQuantileInterval(risingGroup(6), 50).ci).toEqual([1, 6]);
    expect(() => batchedQuantileInterval({ samples: [1, 2], rounds: [0] }, 50)).toThrow(/^samples: 2 samples but 1 round indices; each sample needs its round$/);
  });
});

// ---- batchedLogRatioInterval ----

const A1: RoundedSamples = { samples: [10, 12, 11, 15, 20, 22, 21, 30], rounds: [0, 0, 1, 1, 2, 2, 3, 3] };
const A2: RoundedSamples = { samples: [5, 6, 6, 7, 9, 11, 10, 14], rounds: [0, 0, 1, 1, 2, 2, 3, 3] };
const B1: RoundedSamples = { samples: [8, 9, 7, 10, 12, 13, 11, 15, 16, 18], rounds: [0, 0, 1, 1, 2, 2, 3, 3, 4, 4] };
const threeTerms: RatioTerm[] = [
  { group: A1, sign: 1, run: 'a' },
  { group: A2, sign: -1, run: 'a' },
  { group: B1, sign: -1, run: 'b' },
];

describe('batchedLogRatioInterval', () => {
  it('2 runs, 3 terms: the numbers of an independent Python reference', () => {
    // Run a: 4 rounds, default batches min(2, 3) = 2; run b: 5 rounds, 2 batches. df Welch-Satterthwaite.
    const expectNumbers = (got: ReturnType<typeof batchedLogRatioInterval>, ratio: number, lo: number, hi: number, se: number, df: number) => {
      expect(got.ratio).toBeCloseTo(ratio, 12);
      expect(got.ci[0] / lo).toBeCloseTo(1, 7);
      expect(got.ci[1] / hi).toBeCloseTo(1, 7);
      expect(got.logStandardError).toBeCloseTo(se, 9);
      expect(got.df).toBeCloseTo(df, 9);
    };
    expectNumbers(batchedLogRatioInterval(threeTerms, 50), 0.19021739130434792, 0.002121304272421741, 17.0567968136529, 0.3713783167980443, 1.0209392953586034);
    expectNumbers(batchedLogRatioInterval(threeTerms, 50, { confidence: 0.9 }), 0.19021739130434792, 0.022062731620641495, 1.6399898515186384, 0.36271893932891713, 1.0376375674631644);
    expectNumbers(batchedLogRatioInterval(threeTerms, 75, { batches: 3 }), 0.14297729184188393, 0.050149683632036667, 0.4076298094407149, 0.2435249021079138, 2.000257939809265);
    // batches 99 capped at the rounds of each run (4 and 5).
    expectNumbers(batchedLogRatioInterval(threeTerms, 50, { batches: 99 }), 0.19021739130434792, 0.10739190234288766, 0.3369216408803817, 0.20767848747271486, 4.089169633348978);
    expectNumbers(batchedLogRatioInterval(threeTerms, 50, { batches: 4 }), 0.19021739130434792, 0.09689729842757094, 0.37341243297590304, 0.21441537117454096, 3.0628178860758095);
  });

  it('2 runs, 3 terms, written out: per-round sums in run a, batch means per run, Welch-Satterthwaite', () => {
    const q = 0.5;
    const term = (g: RoundedSamples, sign: number) => {
      const sorted = ascending(g.samples);
      const value = refPercentile(sorted, 50);
      const s = logQuantileSparsity(sortSamples(sorted), 50, 0.95);
      return { value, contrib: g.samples.map((x) => (sign * s * (q - (x <= value ? 1 : 0))) / sorted.length) };
    };
    const t1 = term(A1, 1);
    const t2 = term(A2, -1);
    const t3 = term(B1, -1);
    const byRound = (c: number[], rounds: number) => Array.from({ length: rounds }, (_, r) => (c[2 * r] as number) + (c[2 * r + 1] as number));
    const a = byRound(t1.contrib, 4).map((x, r) => x + (byRound(t2.contrib, 4)[r] as number));
    const b = byRound(t3.contrib, 5);
    // Run a: 2 batches of 2 rounds; run b: rounds [0, 2) and [2, 5).
    const meanA = (a[0]! + a[1]! + a[2]! + a[3]!) / 4;
    const vA = 2 * ((a[0]! + a[1]! - 2 * meanA) ** 2 + (a[2]! + a[3]! - 2 * meanA) ** 2);
    const meanB = (b[0]! + b[1]! + b[2]! + b[3]! + b[4]!) / 5;
    const vB = 2 * ((b[0]! + b[1]! - 2 * meanB) ** 2 + (b[2]! + b[3]! + b[4]! - 3 * meanB) ** 2);
    const se = Math.sqrt(vA + vB);
    const df = (vA + vB) ** 2 / (vA ** 2 / 1 + vB ** 2 / 1);
    const logRatio = Math.log(t1.value) - Math.log(t2.value) - Math.log(t3.value);
    const half = studentTQuantile(0.975, df) * se;
    const got = batchedLogRatioInterval(threeTerms, 50);
    expect(got.ratio).toBeCloseTo(Math.exp(logRatio), 14);
    expect(got.logStandardError).toBeCloseTo(se, 13);
    expect(got.df).toBeCloseTo(df, 12);
    expect(got.ci[0] / Math.exp(logRatio - half)).toBeCloseTo(1, 12);
    expect(got.ci[1] / Math.exp(logRatio + half)).toBeCloseTo(1, 12);
    expect(got).toEqual(expect.objectContaining({ ratio: expect.any(Number) }));
  });

  it('adds the terms of one run per round, so drift they share cancels; separate runs do not cancel', () => {
    const half = (g: RoundedSamples): RoundedSamples => ({ samples: g.samples.map((x) => x / 2), rounds: g.rounds });
    const g = drifting(8, 40, 5);
    const same = batchedLogRatioInterval([{ group: g, sign: 1, run: 'r' }, { group: half(g), sign: -1, run: 'r' }], 50);
    expect(same.ratio).toBeCloseTo(2, 13);
    expect(same.logStandardError).toBe(0);
    expect(same.df).toBe(1);
    expect(same.ci).toEqual([same.ratio, same.ratio]);
    const apart = batchedLogRatioInterval([{ group: g, sign: 1, run: 'r' }, { group: half(g), sign: -1, run: 's' }], 50);
    expect(apart.logStandardError).toBeGreaterThan(0.01);
    expectEstimate(apart, refLogRatio([{ group: g, sign: 1, run: 'r' }, { group: half(g), sign: -1, run: 's' }], 50));
  });

  it('gives ci [0, Infinity] when a run has fewer than 2 batches', () => {
    const single: RoundedSamples = { samples: [4, 5, 6], rounds: [7, 7, 7] };
    const inf = { ci: [0, Number.POSITIVE_INFINITY], logStandardError: Number.POSITIVE_INFINITY, df: 0 };
    expect(batchedLogRatioInterval([{ group: single, sign: 1, run: 'x' }], 50)).toEqual({ ratio: 5, ...inf });
    // The other run is fine, this one has one round: the ratio of all terms, no interval.
    // A1's median is 17.5.
    expect(batchedLogRatioInterval([{ group: A1, sign: 1, run: 'a' }, { group: single, sign: -1, run: 'x' }], 50)).toEqual({ ratio: expect.closeTo(3.5, 13), ...inf });
    expect(batchedLogRatioInterval([{ group: single, sign: -1, run: 'x' }, { group: A1, sign: 1, run: 'a' }], 50)).toEqual({ ratio: expect.closeTo(3.5, 13), ...inf });
    // One batch asked for.
    expect(batchedLogRatioInterval(threeTerms, 50, { batches: 1 })).toEqual({ ratio: batchedLogRatioInterval(threeTerms, 50).ratio, ...inf });
    expect(batchedLogRatioInterval(threeTerms, 50, { batches: 0 }).df).toBe(0);
    // Two rounds (below 4: one batch per round) is enough.
    const two: RoundedSamples = { samples: [4, 5, 6, 9], rounds: [0, 0, 1, 1] };
    const r = batchedLogRatioInterval([{ group: two, sign: 1, run: 'x' }], 50);
    expect(r.df).toBe(1);
    expect(Number.isFinite(r.logStandardError)).toBe(true);
    expectEstimate(r, refLogRatio([{ group: two, sign: 1, run: 'x' }], 50));
    // Batches 2 of 2 rounds and 2 of 4 rounds in use.
    expectEstimate(batchedLogRatioInterval(threeTerms, 50, { batches: 2 }), refLogRatio(threeTerms, 50, { batches: 2 }));
    expectEstimate(batchedLogRatioInterval(threeTerms, 50, { batches: 2 }), batchedLogRatioInterval(threeTerms, 50));
  });

  it('matches the reference on drifting runs with several samples per round, options and signs', () => {
    const g1 = drifting(11, 30, 4);
    const g2 = drifting(12, 30, 6, true);
    const g3 = drifting(13, 17, 3, false, 5);
    const g4 = drifting(14, 8, 5, true);
    const sets: RatioTerm[][] = [
      [{ group: g1, sign: 1, run: 'a' }, { group: g3, sign: -1, run: 'b' }],
      [{ group: g1, sign: 1, run: 'a' }, { group: g2, sign: -1, run: 'a' }, { group: g3, sign: -1, run: 'b' }, { group: g4, sign: 1, run: 'b' }],
      [{ group: g2, sign: -1, run: 'c' }],
      [{ group: g4, sign: 1, run: 'a' }, { group: g3, sign: 1, run: 'b' }, { group: g1, sign: -1, run: 'c' }],
    ];
    for (const terms of sets) {
      for (const p of [5, 50, 90, 99.9999]) {
        for (const options of [{}, { batches: 2 }, { batches: 3 }, { batches: 8 }, { batches: 1000 }, { confidence: 0.8 }]) {
          expectEstimate(batchedLogRatioInterval(terms, p, options), refLogRatio(terms, p, options), 11);
        }
      }
    }
    // A lone term with sign -1 is the reciprocal of the same with sign +1, same se.
    const plus = batchedLogRatioInterval([{ group: g1, sign: 1, run: 'a' }], 90);
    const minus = batchedLogRatioInterval([{ group: g1, sign: -1, run: 'a' }], 90);
    expect(plus.ratio * minus.ratio).toBeCloseTo(1, 14);
    expect(minus.logStandardError).toBeCloseTo(plus.logStandardError, 14);
    expect(minus.ci[0] * plus.ci[1]).toBeCloseTo(1, 12);
  });

  it('weighs each round as one, whatever its number of samples', () => {
    const uneven: RoundedSamples = { samples: [3, 5, 4, 9, 8, 7, 6, 10, 12, 2, 11, 13, 15, 14], rounds: [0, 0, 0, 0, 0, 1, 1, 2, 3, 3, 3, 3, 4, 5] };
    for (const batches of [2, 3, 6]) expectEstimate(batchedLogRatioInterval([{ group: uneven, sign: 1, run: 'u' }], 50, { batches }), refLogRatio([{ group: uneven, sign: 1, run: 'u' }], 50, { batches }));
  });

  it('accepts p strictly inside (0, 100) only, and needs terms and rounds', () => {
    const one = [{ group: A1, sign: 1, run: 'a' }] as const;
    for (const p of [0, 100, -1, 100.5, Number.NaN]) expect(() => batchedLogRatioInterval(one, p)).toThrow(/^percentile must lie in \(0, 100\) \(e\.g\. 95 for p95\), got /);
    expect(() => batchedLogRatioInterval(one, 0)).toThrow(/got 0$/);
    expect(() => batchedLogRatioInterval(one, 100)).toThrow(/got 100$/);
    // R-7 of A1 (10, 11, 12, 15, 20, 21, 22, 30): h = 7e-6 and 6.999993.
    const low = batchedLogRatioInterval(one, 0.0001);
    expect(low.ratio).toBeCloseTo(10.000007, 12);
    expectEstimate(low, refLogRatio(one, 0.0001));
    expect(batchedLogRatioInterval(one, 99.9999).ratio).toBeCloseTo(29.999944, 11);
    expectEstimate(batchedLogRatioInterval(one, 99.9999), refLogRatio(one, 99.9999));
    expect(() => batchedLogRatioInterval([], 50)).toThrow(/^batchedLogRatioInterval: no terms$/);
    expect(() => batchedLogRatioInterval([], 0)).toThrow(/percentile must lie/);
    expect(() => batchedLogRatioInterval([one[0], { group: { samples: [1, 2], rounds: [0] }, sign: -1, run: 'a' }], 50)).toThrow(/^term 2: 2 samples but 1 round indices/);
    expect(() => batchedLogRatioInterval([{ group: { samples: [], rounds: [] }, sign: 1, run: 'a' }], 50)).toThrow(/^term 1 samples: no samples/);
  });
});
