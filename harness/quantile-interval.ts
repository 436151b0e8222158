// Interim: replaced by the tested implementation from the statistics branch.
import type { QuantileEstimate } from './result.js';
import { percentile, sortSamples } from './statistics.js';

export function quantileInterval(samples: ArrayLike<number>, p: number, confidence = 0.95): QuantileEstimate {
  const sorted = sortSamples(samples);
  const n = sorted.length;
  const q = p / 100;
  const z = 1.96;
  const lo = Math.floor(n * q - z * Math.sqrt(n * q * (1 - q)));
  const hi = Math.ceil(n * q + z * Math.sqrt(n * q * (1 - q)));
  const ci: [number, number] | null = lo < 0 || hi >= n ? null : [sorted[lo]!, sorted[hi]!];
  return { p, value: percentile(sorted, p), ci, confidence, n };
}
