/**
 * Batch means over rounds in time order. Under slow drift of the machine neighbouring rounds are
 * alike, so the spread between rounds understates how far a mean over the run can be from the
 * machine's long-run mean. Cutting the run into a few long batches of consecutive rounds and
 * treating the batches as the independent units (a cluster-robust variance with the batches as
 * clusters, judged with t on batches - 1 degrees of freedom; Bester, Conley and Hansen 2011,
 * "Inference with dependent data using cluster covariance estimators") holds as long as a batch
 * is long against the drift's memory.
 */

/**
 * Start index of each of `batches` contiguous batches of `length` items, sizes differing by at
 * most one, the longer ones last: batchStarts(10, 3) is [0, 3, 6] (sizes 3, 3, 4).
 */
export function batchStarts(length: number, batches: number): number[] {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`batchStarts: length must be a positive integer, got ${length}`);
  if (!Number.isInteger(batches) || batches < 1 || batches > length) {
    throw new RangeError(`batchStarts: batches must be an integer in [1, ${length}], got ${batches}`);
  }
  return Array.from({ length: batches }, (_, k) => Math.floor((k * length) / batches));
}

/** The variance of a weighted mean estimated from batches, with its degrees of freedom. */
export interface BatchMeansVariance {
  /** Estimated variance of sum(totals) / sum(counts). */
  variance: number;
  /** batches - 1: the t distribution to judge mean / sqrt(variance) with. */
  df: number;
  batches: number;
}

/**
 * Variance of the mean m = sum(totals) / sum(counts) of a series in time order (one entry per
 * round: the sum and count of its values), from `batches` contiguous batches:
 * b / (b - 1) * sum_k (T_k - N_k m)^2 / N^2, T_k and N_k the batch's total and count. For
 * equal counts it is the sample variance of the batch means over b.
 */
export function batchMeansVariance(totals: ArrayLike<number>, counts: ArrayLike<number>, batches: number): BatchMeansVariance {
  const length = totals.length;
  if (counts.length !== length) throw new RangeError(`batchMeansVariance: ${length} totals but ${counts.length} counts`);
  if (!Number.isInteger(batches) || batches < 2) throw new RangeError(`batchMeansVariance: needs at least 2 batches, got ${batches}`);
  const starts = batchStarts(length, batches);
  let sum = 0;
  let n = 0;
  for (let i = 0; i < length; i++) {
    sum += totals[i]!;
    n += counts[i]!;
  }
  if (!(n > 0)) throw new RangeError('batchMeansVariance: no values');
  const mean = sum / n;
  let squares = 0;
  for (let k = 0; k < batches; k++) {
    const end = k + 1 < batches ? starts[k + 1]! : length;
    let t = 0;
    let c = 0;
    for (let i = starts[k]!; i < end; i++) {
      t += totals[i]!;
      c += counts[i]!;
    }
    squares += (t - c * mean) ** 2;
  }
  return { variance: ((batches / (batches - 1)) * squares) / (n * n), df: batches - 1, batches };
}

/**
 * How many batches {@link batchMeansVariance} cuts `rounds` rounds into: round(rounds^(1/4)), at
 * least 3 and at most rounds / 2: 3 for 60 rounds, 4 for 400, 8 for 4000. Batches of
 * rounds^(3/4) rounds grow faster than the usual rounds^(2/3) (the variance's best mean squared
 * error), because coverage, not the variance, is the aim: a batch must be long against the
 * drift's memory, and too many short batches understate the spread (AR(1) drift, phi 0.95:
 * round(rounds^(1/3)) batches covered 83% and 92% for 95% ratios of two runs at 60 and 400
 * rounds, these 89% and 93%; npm run bench:coverage). The price is width: t on 2 or 3 degrees of
 * freedom. Below 4 rounds there is nothing to batch: null.
 */
export function defaultBatchCount(rounds: number): number | null {
  if (rounds < 4) return null;
  return Math.min(Math.floor(rounds / 2), Math.max(3, Math.round(rounds ** 0.25)));
}
