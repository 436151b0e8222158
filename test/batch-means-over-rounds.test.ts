import { describe, expect, it } from 'vitest';
import { batchMeansVariance, batchStarts, defaultBatchCount } from '../harness/stats/batch-means.js';
import { roundSeriesOf } from '../harness/stats/round-series.js';
import { studentTCdf, studentTQuantile } from '../harness/stats/student-t-distribution.js';

describe('batches of consecutive rounds', () => {
  it('cut a run into near-equal contiguous batches, the longer ones last', () => {
    expect(batchStarts(10, 3)).toEqual([0, 3, 6]);
    expect(batchStarts(60, 4)).toEqual([0, 15, 30, 45]);
    expect(batchStarts(7, 7)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(() => batchStarts(3, 4)).toThrow(/batches must be an integer in \[1, 3\]/);
  });

  it('number round(rounds^(1/4)), at least 3 and at most half the rounds; none below 4 rounds', () => {
    expect(defaultBatchCount(3)).toBeNull();
    expect(defaultBatchCount(4)).toBe(2);
    expect(defaultBatchCount(60)).toBe(3);
    expect(defaultBatchCount(400)).toBe(4);
    expect(defaultBatchCount(1000)).toBe(6);
    expect(defaultBatchCount(4000)).toBe(8);
  });

  it('give the variance of the mean from the spread of the batch means, on batches - 1 degrees of freedom', () => {
    // Batch means 1.5, 3.5, 5.5: sample variance 4, over 3 batches 4/3.
    const result = batchMeansVariance([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 1, 1], 3);
    expect(result.variance).toBeCloseTo(4 / 3, 14);
    expect(result).toMatchObject({ df: 2, batches: 3 });
    // Counts weigh: batches (5 of 3 samples, 7 of 2) around the mean 12 / 5.
    expect(batchMeansVariance([1, 4, 3, 4], [1, 2, 1, 1], 2).variance).toBeCloseTo(
      ((2 / 1) * ((5 - 3 * 2.4) ** 2 + (7 - 2 * 2.4) ** 2)) / 25,
      14,
    );
    expect(batchMeansVariance([2, 2, 2, 2], [1, 1, 1, 1], 2).variance).toBe(0);
  });

  it('sum values per round, rounds ascending, parts of one run added together', () => {
    expect(roundSeriesOf([{ rounds: [0, 2, 2], values: [1, 2, 3] }])).toEqual({ rounds: [0, 2], totals: Float64Array.from([1, 5]), counts: Float64Array.from([1, 2]) });
    const both = roundSeriesOf([
      { rounds: [3, 1], values: [1, 1] },
      { rounds: [1, 2], values: [-1, 4] },
    ]);
    expect(both).toEqual({ rounds: [1, 2, 3], totals: Float64Array.from([0, 4, 1]), counts: Float64Array.from([2, 1, 1]) });
  });
});

describe('Student t distribution (against scipy.stats.t)', () => {
  it('gives quantiles to about 1e-9', () => {
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.7764451051977987, 10);
    expect(studentTQuantile(0.975, 9)).toBeCloseTo(2.2621571627409915, 9);
    expect(studentTQuantile(0.995, 4)).toBeCloseTo(4.604094871415897, 9);
    expect(studentTQuantile(0.995, 29)).toBeCloseTo(2.7563859036706, 10);
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706204736174698, 9);
    expect(studentTQuantile(0.025, 2)).toBeCloseTo(-4.302652729749464, 10);
    expect(studentTQuantile(0.5, 3)).toBe(0);
  });

  it('gives probabilities', () => {
    expect(studentTCdf(2, 5)).toBeCloseTo(0.9490302605850709, 13);
    expect(studentTCdf(-1, 3)).toBeCloseTo(0.19550110947788527, 13);
    expect(() => studentTQuantile(0.5, 0)).toThrow(/degrees of freedom/);
  });
});
