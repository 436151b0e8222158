/**
 * Pure statistics over latency samples: percentiles, summaries and bootstrap intervals.
 * Nothing here measures or reads files.
 */
import { createRandom, type Random } from './random.js';

/** @default 2000 */
export const defaultBootstrapIterations = 2000;
/** @default 0.95 */
export const defaultConfidence = 0.95;
/** A fixed default seed, so that an interval is a function of its input alone. @default 20240601 */
export const defaultSeed = 20240601;

declare const sortedBrand: unique symbol;

/**
 * Samples sorted ascending, never empty, and only obtainable from {@link sortSamples}: percentile
 * code cannot be fed unsorted data by mistake. A copy; the raw samples keep their order.
 */
export type SortedSamples = Float64Array & { readonly [sortedBrand]: true };

/** Options of the bootstrap intervals. */
export interface BootstrapOptions {
  /** Number of resamples. @default 2000 */
  iterations?: number;
  /** Coverage of the interval, in (0, 1). @default 0.95 */
  confidence?: number;
  /** Seed of the resampling; the same samples and seed give the same interval. @default 20240601 */
  seed?: number;
}

/** {@link BootstrapOptions} with every default applied. */
export type ResolvedBootstrapOptions = Required<BootstrapOptions>;

/** A statistic with its bootstrap confidence interval. */
export interface Estimate {
  value: number;
  ci: [number, number];
}

/** A ratio of two groups' percentiles (numerator / denominator) with its bootstrap interval. */
export interface RatioEstimate {
  ratio: number;
  ci: [number, number];
}

/** One side's latency distribution in milliseconds. */
export interface LatencyStats {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
  /** Bootstrap 95% confidence interval of p95. */
  p95Ci: [number, number];
  count: number;
}

/** {@link LatencyStats} without the bootstrap interval of p95 (what summarize gives without `ci`). */
export type LatencySummary = Omit<LatencyStats, 'p95Ci'>;

/** Options of {@link summarize}. */
export interface SummarizeOptions {
  /** Compute the bootstrap interval of p95 with these options. */
  ci: BootstrapOptions;
}

export function resolveBootstrapOptions(options: BootstrapOptions = {}): ResolvedBootstrapOptions {
  const resolved: ResolvedBootstrapOptions = {
    iterations: options.iterations ?? defaultBootstrapIterations,
    confidence: options.confidence ?? defaultConfidence,
    seed: options.seed ?? defaultSeed,
  };
  if (!Number.isInteger(resolved.iterations) || resolved.iterations < 1) {
    throw new RangeError(`bootstrap iterations must be a positive integer, got ${resolved.iterations}`);
  }
  if (!(resolved.confidence > 0 && resolved.confidence < 1)) {
    throw new RangeError(`bootstrap confidence must lie in (0, 1), e.g. 0.95; got ${resolved.confidence}`);
  }
  if (!Number.isFinite(resolved.seed)) {
    throw new RangeError(`bootstrap seed must be a finite number, got ${resolved.seed}`);
  }
  return resolved;
}

/** Sorted copy of the samples. Throws on no samples or on a sample that is not a finite number. */
export function sortSamples(samples: ArrayLike<number>, what = 'samples'): SortedSamples {
  if (samples.length === 0) {
    throw new RangeError(`${what}: no samples; statistics need at least one`);
  }
  const sorted = Float64Array.from(samples);
  for (let i = 0; i < sorted.length; i++) {
    if (!Number.isFinite(sorted[i])) {
      throw new RangeError(`${what}: sample ${i} is ${String(samples[i])}; samples must be finite numbers`);
    }
  }
  // A typed array sorts numerically (Array#sort would compare strings).
  sorted.sort();
  return sorted as SortedSamples;
}

function checkPercentile(p: number): void {
  if (!(p >= 0 && p <= 100)) {
    throw new RangeError(`percentile must lie in [0, 100] (e.g. 95 for p95), got ${p}`);
  }
}

/**
 * The p-th percentile (p in [0, 100]) by linear interpolation between closest ranks:
 * R's type 7, numpy's default. p75 of [1, 2, 3, 4, 5, 6] is 4.75.
 */
export function percentile(sorted: SortedSamples, p: number): number {
  checkPercentile(p);
  const h = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(h);
  const below = sorted[lo]!;
  const fraction = h - lo;
  if (fraction === 0) return below;
  return below + fraction * (sorted[lo + 1]! - below);
}

/** p50, p95, p99, mean, min, max and count; with `options.ci` also the bootstrap interval of p95. */
export function summarize(samples: ArrayLike<number>): LatencySummary;
export function summarize(samples: ArrayLike<number>, options: SummarizeOptions): LatencyStats;
export function summarize(samples: ArrayLike<number>, options?: SummarizeOptions): LatencySummary | LatencyStats {
  const sorted = sortSamples(samples);
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) sum += sorted[i]!;
  const summary: LatencySummary = {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    mean: sum / sorted.length,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    count: sorted.length,
  };
  if (options === undefined) return summary;
  const { ci } = resampledPercentileCi(sorted, 95, resolveBootstrapOptions(options.ci));
  return { ...summary, p95Ci: ci };
}

/**
 * Percentile bootstrap interval of the p-th percentile. Deterministic: the same samples,
 * percentile and options give the same interval.
 */
export function bootstrapPercentileCi(samples: ArrayLike<number>, p: number, options: BootstrapOptions = {}): Estimate {
  checkPercentile(p);
  return resampledPercentileCi(sortSamples(samples), p, resolveBootstrapOptions(options));
}

/**
 * Ratio of the p-th percentiles, numerator / denominator, with a percentile bootstrap interval;
 * each group is resampled independently (they are separate runs, not paired observations).
 * Single samples are resampled as if independent: under slow drift of the machine within a run
 * the interval is too narrow (AR(1) drift, phi 0.95, 60 rounds: 69% for a nominal 95% of p50,
 * npm run bench:coverage). With the samples' rounds, stats/batched-log-ratio-interval.ts holds.
 */
export function bootstrapRatioCi(
  numeratorSamples: ArrayLike<number>,
  denominatorSamples: ArrayLike<number>,
  p: number,
  options: BootstrapOptions = {},
): RatioEstimate {
  checkPercentile(p);
  const numerator = new Resampler(sortSamples(numeratorSamples, 'numerator samples'), p);
  const denominator = new Resampler(sortSamples(denominatorSamples, 'denominator samples'), p);
  const { iterations, confidence, seed } = resolveBootstrapOptions(options);
  const random = createRandom(seed);
  const ratios = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    ratios[i] = numerator.draw(random) / denominator.draw(random);
  }
  return {
    ratio: numerator.observed() / denominator.observed(),
    ci: interval(ratios, confidence),
  };
}

/**
 * The drift-corrected change of an implementation between two runs: (after / before) of the
 * implementation divided by (after / before) of a reference measured in the same runs (the
 * database floor). A machine that got slower between the runs moves both alike and cancels
 * out; a slower implementation does not. All four groups are resampled independently.
 */
export function bootstrapCorrectedRatioCi(
  after: ArrayLike<number>,
  before: ArrayLike<number>,
  referenceAfter: ArrayLike<number>,
  referenceBefore: ArrayLike<number>,
  p: number,
  options: BootstrapOptions = {},
): RatioEstimate {
  checkPercentile(p);
  const groups = [after, before, referenceAfter, referenceBefore].map((g, i) => new Resampler(sortSamples(g, `group ${i + 1}`), p)) as [
    Resampler,
    Resampler,
    Resampler,
    Resampler,
  ];
  const { iterations, confidence, seed } = resolveBootstrapOptions(options);
  const random = createRandom(seed);
  const ratios = new Float64Array(iterations);
  const [a, b, ra, rb] = groups;
  for (let i = 0; i < iterations; i++) ratios[i] = (a.draw(random) / b.draw(random)) / (ra.draw(random) / rb.draw(random));
  return { ratio: a.observed() / b.observed() / (ra.observed() / rb.observed()), ci: interval(ratios, confidence) };
}

function resampledPercentileCi(sorted: SortedSamples, p: number, options: ResolvedBootstrapOptions): Estimate {
  const resampler = new Resampler(sorted, p);
  const random = createRandom(options.seed);
  const estimates = new Float64Array(options.iterations);
  for (let i = 0; i < options.iterations; i++) estimates[i] = resampler.draw(random);
  return { value: resampler.observed(), ci: interval(estimates, options.confidence) };
}

function interval(estimates: Float64Array, confidence: number): [number, number] {
  // Same percentile rule as everywhere else, on the bootstrap distribution.
  const sorted = sortSamples(estimates, 'bootstrap estimates');
  const tail = ((1 - confidence) / 2) * 100;
  return [percentile(sorted, tail), percentile(sorted, 100 - tail)];
}

/**
 * Draws the p-th percentile of a resample of sorted data without building or sorting the
 * resample: drawing indices into sorted data and counting them gives the resample in sorted
 * order, so a percentile is one linear scan (O(n), no comparisons, no allocation per draw).
 */
class Resampler {
  private readonly counts: Uint32Array;
  private readonly rank: number;
  private readonly fraction: number;

  constructor(
    private readonly sorted: SortedSamples,
    private readonly p: number,
  ) {
    this.counts = new Uint32Array(sorted.length);
    const h = (p / 100) * (sorted.length - 1);
    this.rank = Math.floor(h);
    this.fraction = h - this.rank;
  }

  observed(): number {
    return percentile(this.sorted, this.p);
  }

  draw(random: Random): number {
    const { counts, sorted, rank, fraction } = this;
    const n = sorted.length;
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const index = Math.floor(random.next() * n);
      counts[index] = counts[index]! + 1;
    }
    // Walk to the value at 0-based position `rank` of the (implicitly) sorted resample.
    let seen = 0;
    let at = 0;
    while (seen + counts[at]! <= rank) {
      seen += counts[at]!;
      at++;
    }
    const below = sorted[at]!;
    if (fraction === 0) return below;
    // The next position holds the same value unless `rank` was its last copy.
    if (seen + counts[at]! > rank + 1) return below;
    at++;
    while (counts[at] === 0) at++;
    return below + fraction * (sorted[at]! - below);
  }
}
