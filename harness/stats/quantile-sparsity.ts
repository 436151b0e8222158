/**
 * The sparsity 1 / f(q_p) of the log of a sample at its p-th percentile: how far log q_p moves per
 * unit of probability. What turns the spread of "the share of samples below the percentile"
 * into the spread of the log percentile (the Bahadur representation).
 */
import { normalQuantile } from './normal-distribution.js';
import { percentile, type SortedSamples } from './statistics.js';

/**
 * Hall and Sheather's bandwidth for the difference quotient of the quantile function at p
 * (in probability, for n samples, interval level `confidence`):
 * n^(-1/3) z^(2/3) (1.5 phi(z_p)^2 / (2 z_p^2 + 1))^(1/3), z = z_{1-(1-confidence)/2}.
 * hallSheatherBandwidth(300, 50, 0.95) is about 0.145.
 */
export function hallSheatherBandwidth(n: number, p: number, confidence: number): number {
  const zp = normalQuantile(p / 100);
  const density = Math.exp((-zp * zp) / 2) / Math.sqrt(2 * Math.PI);
  const z = normalQuantile(1 - (1 - confidence) / 2);
  return n ** (-1 / 3) * z ** (2 / 3) * ((1.5 * density * density) / (2 * zp * zp + 1)) ** (1 / 3);
}

/**
 * d log Q(u) / du at u = p / 100, by the difference quotient of the sample's log percentiles
 * over [u - h, u + h] (h from {@link hallSheatherBandwidth}, the window kept inside [0, 1]).
 * Samples must be positive. 0 when the window holds one value only (ties).
 */
export function logQuantileSparsity(sorted: SortedSamples, p: number, confidence: number): number {
  const n = sorted.length;
  if (!(sorted[0]! > 0)) throw new RangeError(`logQuantileSparsity: samples must be positive (latencies), got ${sorted[0]}`);
  if (n < 2) return 0;
  const u = p / 100;
  const h = Math.min(hallSheatherBandwidth(n, Math.min(Math.max(p, 0.5), 99.5), confidence), 0.5);
  const low = Math.max(0, u - h);
  const high = Math.min(1, u + h);
  return (Math.log(percentile(sorted, 100 * high)) - Math.log(percentile(sorted, 100 * low))) / (high - low);
}
