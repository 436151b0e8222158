/**
 * An interval of a product of percentile ratios (q_a / q_b, or (q_a / q_b) / (q_c / q_d)) that
 * holds when the machine drifts across rounds. Each log percentile is linearized (Bahadur:
 * log q^ - log q ~ s (p - share of samples at or below q), s its sparsity); the terms of groups
 * measured in the same run add per round, so drift they share cancels where it does in the
 * estimate; each run's variance comes from batch means over its rounds in time order, runs are
 * independent, and the interval is log ratio +- t sqrt(V) with Welch-Satterthwaite degrees of
 * freedom. Resampling single samples (bootstrapRatioCi) or whole rounds as if independent
 * (blockBootstrapRatioCi) misses the drift's memory.
 */
import { percentile, sortSamples, type RatioEstimate } from './statistics.js';
import { batchMeansVariance, defaultBatchCount } from './batch-means.js';
import { logQuantileSparsity } from './quantile-sparsity.js';
import { roundSeriesOf } from './round-series.js';
import { checkRoundedSamples, type RoundedSamples } from './rounded-samples.js';
import { studentTQuantile } from './student-t-distribution.js';

/** One factor of the ratio: a group's p-th percentile, to the power `sign`, measured in run `run`. */
export interface RatioTerm {
  group: RoundedSamples;
  /** +1: in the numerator; -1: in the denominator. */
  sign: 1 | -1;
  /** Groups with the same run were measured in the same rounds (their round numbers name the same moments). */
  run: string;
}

/** Options of {@link batchedLogRatioInterval}. */
export interface BatchedRatioOptions {
  /** Two-sided confidence. @default 0.95 */
  confidence?: number;
  /** Batches of consecutive rounds per run. @default defaultBatchCount(rounds of the run) */
  batches?: number;
}

/** The ratio, its interval, and what the interval rests on. */
export interface BatchedRatioEstimate extends RatioEstimate {
  /** Standard error of the log ratio. */
  logStandardError: number;
  /** Welch-Satterthwaite degrees of freedom of the t quantile used. */
  df: number;
}

/**
 * prod_k q_k^sign_k of the terms' p-th percentiles (R-7) with an interval at `confidence` (see
 * the file's comment). Samples must be positive. A run with fewer than 4 rounds has no batches:
 * its rounds then count as independent (one batch per round).
 */
export function batchedLogRatioInterval(terms: readonly RatioTerm[], p: number, options: BatchedRatioOptions = {}): BatchedRatioEstimate {
  if (!(p > 0 && p < 100)) throw new RangeError(`percentile must lie in (0, 100) (e.g. 95 for p95), got ${p}`);
  if (terms.length === 0) throw new RangeError('batchedLogRatioInterval: no terms');
  const confidence = options.confidence ?? 0.95;
  let logRatio = 0;
  const runs = new Map<string, { rounds: readonly number[]; values: Float64Array }[]>();
  for (const [i, term] of terms.entries()) {
    checkRoundedSamples(term.group, `term ${i + 1}`);
    const sorted = sortSamples(term.group.samples, `term ${i + 1} samples`);
    const value = percentile(sorted, p);
    logRatio += term.sign * Math.log(value);
    const sparsity = logQuantileSparsity(sorted, p, confidence);
    const q = p / 100;
    const n = sorted.length;
    // Scaled by 1/n: a run's statistic is the plain sum of these over all its samples.
    const values = Float64Array.from(term.group.samples, (x) => (term.sign * sparsity * (q - (x <= value ? 1 : 0))) / n);
    const parts = runs.get(term.run) ?? [];
    parts.push({ rounds: term.group.rounds, values });
    runs.set(term.run, parts);
  }
  let variance = 0;
  let dfDenominator = 0;
  for (const parts of runs.values()) {
    const series = roundSeriesOf(parts);
    // The statistic is a sum over rounds, not a mean over samples: each round weighs one, and the
    // variance of the mean of the rounds' totals is scaled back to their sum below.
    const rounds = series.rounds.length;
    series.counts.fill(1);
    const batches = Math.min(options.batches ?? defaultBatchCount(rounds) ?? rounds, rounds);
    if (batches < 2) return { ratio: Math.exp(logRatio), ci: [0, Number.POSITIVE_INFINITY], logStandardError: Number.POSITIVE_INFINITY, df: 0 };
    const run = batchMeansVariance(series.totals, series.counts, batches);
    const v = run.variance * rounds * rounds;
    variance += v;
    dfDenominator += (v * v) / run.df;
  }
  const se = Math.sqrt(variance);
  const df = dfDenominator > 0 ? (variance * variance) / dfDenominator : 1;
  const half = studentTQuantile(1 - (1 - confidence) / 2, Math.max(df, 1)) * se;
  return { ratio: Math.exp(logRatio), ci: [Math.exp(logRatio - half), Math.exp(logRatio + half)], logStandardError: se, df };
}
