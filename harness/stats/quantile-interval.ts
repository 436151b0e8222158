/**
 * Distribution-free intervals of percentiles from order statistics. Whatever the shape of the
 * latency distribution, the k-th smallest of n independent samples lies below the true p-th
 * percentile q_p exactly when at least k samples do, and the number of samples below q_p is
 * Binomial(n, p/100). So P(X_(l) <= q_p <= X_(u)) = P(l <= B <= u - 1), B ~ Binomial(n, p/100),
 * and no bootstrap (which is unreliable in the tails of small samples) is needed.
 *
 * Minimum n (p95, confidence 0.95): the upper end misses with probability P(B >= u) >= P(B = n)
 * = 0.95^n. An equal-tailed interval (2.5% per side) needs 0.95^n <= 0.025, n >= 72; below that
 * the upper end is the largest sample and the lower end takes the rest of the 5%, which works
 * while 0.95^n <= 0.05, n >= 59 (a one-sided 95% upper bound of p95 needs the same 59). p99 at
 * 0.95 needs n >= 299 (368 equal-tailed); p50 at 0.95 needs n >= 6 (ranks 1 and 6: 96.9%).
 * {@link minSamplesForQuantileInterval} computes these for any percentile and confidence.
 *
 * Independent samples only: when the machine drifts slowly across rounds, samples of
 * neighbouring rounds are alike and this interval is too narrow (AR(1) drift, phi 0.95, 60
 * rounds: 69% for a nominal 95% of p50, npm run bench:coverage). With the samples' rounds,
 * stats/batched-quantile-interval.ts widens it from batch means over rounds in time order.
 */
import { percentile, sortSamples, type SortedSamples } from './statistics.js';

/** @default 0.95 */
export const defaultQuantileConfidence = 0.95;

/** A percentile of samples with its distribution-free interval. */
export interface QuantileEstimate {
  /** Percentile, 0-100. */
  p: number;
  value: number;
  /** Two-sided interval at `confidence`, null when no pair of order statistics reaches it (p95 at 95% needs n >= 59). */
  ci: [number, number] | null;
  confidence: number;
  n: number;
}

/** 1-based ranks of the order statistics that bound a percentile, and their exact coverage. */
export interface OrderStatisticRanks {
  /** 1-based rank of the lower end, in [1, n]. */
  lower: number;
  /** 1-based rank of the upper end, in [lower + 1, n]. */
  upper: number;
  /** P(X_(lower) <= q_p <= X_(upper)) for continuous data: at least the confidence asked for. */
  coverage: number;
}

/**
 * The p-th percentile (R-7, as {@link percentile}) with its distribution-free interval at
 * `confidence` (two-sided): the order statistics X_(l) and X_(u) with
 * P(X_(l) <= q_p <= X_(u)) >= confidence, each side missing at most (1 - confidence) / 2 when n
 * allows; otherwise one end is the extreme sample and the other side takes what is left. `ci` is
 * null when no pair of order statistics reaches the confidence (p95 at 0.95: n < 59).
 */
export function quantileInterval(samples: ArrayLike<number>, p: number, confidence = defaultQuantileConfidence): QuantileEstimate {
  const sorted = sortSamples(samples);
  return quantileIntervalOfSorted(sorted, p, confidence);
}

/** {@link quantileInterval} of samples already sorted by {@link sortSamples}. */
export function quantileIntervalOfSorted(sorted: SortedSamples, p: number, confidence = defaultQuantileConfidence): QuantileEstimate {
  const value = percentile(sorted, p);
  const n = sorted.length;
  const ranks = orderStatisticRanks(n, p, confidence);
  const ci: [number, number] | null = ranks === null ? null : [sorted[ranks.lower - 1]!, sorted[ranks.upper - 1]!];
  return { p, value, ci, confidence, n };
}

/**
 * The ranks {@link quantileInterval} uses for n samples, or null when none reach the confidence.
 * n = 100, p = 50, 0.95: ranks 40 and 61 (coverage 0.9648).
 */
export function orderStatisticRanks(n: number, p: number, confidence = defaultQuantileConfidence): OrderStatisticRanks | null {
  checkArguments(n, p, confidence);
  const q = p / 100;
  // Binomial(n, 0) or (n, 1) puts every sample on one side: no interval bounds q_p.
  // Stryker disable next-line ConditionalExpression,LogicalOperator,EqualityOperator: equivalent, the search below finds no pair of ranks for these either (n 0 and 1, p0 and p100 are tested); the guard spares it log(0)
  if (n < 2 || q <= 0 || q >= 1) return null;
  const cdf = binomialCdf(n, q);
  // below(k) = P(B <= k - 1) = P(X_(k) > q_p): the lower end at rank k misses (k in 1..n).
  const below = (k: number): number => cdf[k - 1]!;
  // above(k) = P(B >= k) = P(X_(k) < q_p): the upper end at rank k misses (k in 1..n).
  const above = (k: number): number => 1 - cdf[k - 1]!;
  const alpha = 1 - confidence;
  // Rounding in the cumulative sum must not turn an exact tail of alpha/2 into a miss.
  const slack = 1e-12;
  const largestLower = (allowed: number): number => {
    let k = 0;
    while (
      // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: equivalent bound, below(n + 1) = P(B <= n) = 1 stops the walk at n as well
      k + 1 <= n &&
      below(k + 1) <= allowed + slack
    )
      k++;
    return k;
  };
  const smallestUpper = (allowed: number): number => {
    let k = n + 1;
    while (
      // Stryker disable next-line ConditionalExpression,EqualityOperator,ArithmeticOperator: equivalent bound, above(0) reads cdf[-1] (undefined, so NaN), which stops the walk at 1 as well
      k - 1 >= 1 &&
      above(k - 1) <= allowed + slack
    )
      k--;
    return k;
  };
  let lower = largestLower(alpha / 2);
  let upper = smallestUpper(alpha / 2);
  if (upper > n && lower >= 1) {
    // The upper tail cannot reach alpha/2: take the maximum and give the lower side the rest.
    upper = n;
    lower = largestLower(alpha - above(n));
  } else if (lower < 1 && upper <= n) {
    lower = 1;
    upper = smallestUpper(alpha - below(1));
  }
  if (lower < 1 || upper > n || lower >= upper) return null;
  return { lower, upper, coverage: 1 - below(lower) - above(upper) };
}

/**
 * The smallest n for which {@link quantileInterval} gives an interval of the p-th percentile at
 * `confidence`: 59 for p95 at 0.95, 299 for p99, 6 for p50. What a sampler must collect before a
 * gate may read the interval.
 */
export function minSamplesForQuantileInterval(p: number, confidence = defaultQuantileConfidence): number {
  checkArguments(2, p, confidence);
  const q = p / 100;
  if (q <= 0 || q >= 1) throw new RangeError(`percentile ${p} has no interval from order statistics; use one in (0, 100)`);
  // The extreme order statistic's miss, max(q, 1-q)^n, must fit in 1 - confidence: a lower bound to start from.
  // Stryker disable next-line MethodExpression,ArithmeticOperator: equivalent, a lower start only walks more n, each without an interval (the bound is a speed-up)
  let n = Math.max(2, Math.ceil(Math.log(1 - confidence) / Math.log(Math.max(q, 1 - q))));
  while (orderStatisticRanks(n, p, confidence) === null) n++;
  return n;
}

/** P(B <= k) for k = 0..n, B ~ Binomial(n, q), q in (0, 1); stable for large n (log-space terms). */
function binomialCdf(n: number, q: number): Float64Array {
  const logQ = Math.log(q);
  const logNotQ = Math.log1p(-q);
  const cdf = new Float64Array(n + 1);
  let logTerm = n * logNotQ;
  let sum = 0;
  for (let k = 0; k <= n; k++) {
    sum += Math.exp(logTerm);
    cdf[k] = Math.min(1, sum);
    logTerm += Math.log(n - k) - Math.log(k + 1) + logQ - logNotQ;
  }
  return cdf;
}

function checkArguments(n: number, p: number, confidence: number): void {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must lie in [0, 100] (e.g. 95 for p95), got ${p}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must lie in (0, 1), e.g. 0.95; got ${confidence}`);
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`sample count must be a non-negative integer, got ${n}`);
}
