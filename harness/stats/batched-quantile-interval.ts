/**
 * An interval of one group's p-th percentile that holds when the machine drifts across rounds.
 * The order-statistic interval (quantile-interval.ts) counts samples below the percentile as
 * Binomial(n, p): true for independent samples, too narrow when neighbouring rounds share a
 * slow or fast machine. Here the share of samples below the estimated percentile gets its
 * spread from batch means over rounds in time order (batch-means.ts), with t on batches - 1
 * degrees of freedom, and is turned back into order statistics (Woodruff's interval). The
 * result is never narrower than the order-statistic interval, so independent samples keep its
 * exact coverage.
 */
import type { QuantileEstimate } from './quantile-interval.js';
import { orderStatisticRanks } from './quantile-interval.js';
import { percentile, sortSamples } from './statistics.js';
import { batchMeansVariance, defaultBatchCount } from './batch-means.js';
import { roundSeriesOf } from './round-series.js';
import { checkRoundedSamples, type RoundedSamples } from './rounded-samples.js';
import { studentTQuantile } from './student-t-distribution.js';

/** Options of {@link batchedQuantileInterval}. */
export interface BatchedIntervalOptions {
  /** Two-sided confidence. @default 0.95 */
  confidence?: number;
  /** Batches of consecutive rounds. @default defaultBatchCount(rounds) */
  batches?: number;
}

/**
 * The p-th percentile (R-7) of `group.samples` with an interval at `confidence` that respects
 * the rounds' time order: the hull of the order-statistic interval and
 * [X_(l), X_(u)], l = floor(n q - t s), u = ceil(n q + t s) + 1 (clamped to [1, n]), where
 * q = p / 100, s = n sqrt(V), V the batch-means variance of the share of samples at or below
 * the estimate, t the t quantile on batches - 1 degrees of freedom. `ci` is null where the
 * order-statistic interval is (too few samples for any interval at that confidence).
 */
export function batchedQuantileInterval(group: RoundedSamples, p: number, options: BatchedIntervalOptions = {}): QuantileEstimate {
  const confidence = options.confidence ?? 0.95;
  checkRoundedSamples(group, 'samples');
  const sorted = sortSamples(group.samples);
  const n = sorted.length;
  const value = percentile(sorted, p);
  const exact = orderStatisticRanks(n, p, confidence);
  if (exact === null) return { p, value, ci: null, confidence, n };
  let lower = exact.lower;
  let upper = exact.upper;
  const series = roundSeriesOf([{ rounds: group.rounds, values: group.samples.map((x) => (x <= value ? 1 : 0)) }]);
  const batches = options.batches ?? defaultBatchCount(series.rounds.length);
  if (batches !== null && batches >= 2 && batches <= series.rounds.length) {
    const { variance, df } = batchMeansVariance(series.totals, series.counts, batches);
    const spread = n * Math.sqrt(variance) * studentTQuantile(1 - (1 - confidence) / 2, df);
    const q = p / 100;
    lower = Math.min(lower, Math.max(1, Math.floor(n * q - spread)));
    upper = Math.max(upper, Math.min(n, Math.ceil(n * q + spread) + 1));
  }
  return { p, value, ci: [sorted[lower - 1]!, sorted[upper - 1]!], confidence, n };
}
