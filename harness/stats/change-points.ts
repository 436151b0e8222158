import { createRandom } from './random.js';

/** Options of {@link eDivisive}. */
export interface ChangePointOptions {
  /** A split is kept when its permutation p-value is at most this. @default 0.005 */
  significance: number;
  /** Permutations per significance test. @default 399 */
  permutations: number;
  /** Fewest points on each side of a split. @default 5 */
  minSize: number;
  /** Seed of the permutations: the same series gives the same answer. @default 12 */
  seed: number;
  /** Change points known beforehand (e.g. exact query-count steps): the series is split there first, and they are not returned. @default [] */
  known: readonly number[];
}

export const DEFAULT_CHANGE_POINT_OPTIONS: Readonly<ChangePointOptions> = { significance: 0.005, permutations: 399, minSize: 5, seed: 12, known: [] };

/** A change point: the series differs in distribution from `index` on. */
export interface ChangePoint {
  /** First index of the new segment. */
  index: number;
  /** Permutation p-value of the split when it was found. */
  pValue: number;
  /** Medians of the segments just before and from `index` (between the neighbouring change points). */
  before: number;
  after: number;
}

/**
 * E-Divisive means (Matteson & James 2014, "A nonparametric approach for multiple change point
 * analysis of multivariate data", JASA; the method of MongoDB's and Apache Otava's change-point
 * detection) with alpha = 1: the split that maximises the scaled energy distance between the two
 * sides is found, bisecting segments one at a time, and kept only if a permutation test of the
 * segment rejects "no change" at `significance`. Under a series of exchangeable points (no change)
 * each test falsely reports one with probability at most `significance`.
 */
export function eDivisive(series: readonly number[], options: Partial<ChangePointOptions> = {}): ChangePoint[] {
  return eDivisiveMultivariate(series.map((v) => [v]), options).map((cp) => ({ ...cp, before: cp.before[0] as number, after: cp.after[0] as number }));
}

/** A change point of a multivariate series: the medians of each coordinate on either side. */
export interface MultivariateChangePoint {
  index: number;
  pValue: number;
  before: number[];
  after: number[];
}

/**
 * {@link eDivisive} on points of several coordinates (Euclidean distance), e.g. (p50, p95) of each
 * commit scaled to comparable noise: one change point for a step that moves both.
 */
export function eDivisiveMultivariate(series: readonly (readonly number[])[], options: Partial<ChangePointOptions> = {}): MultivariateChangePoint[] {
  const o = { ...DEFAULT_CHANGE_POINT_OPTIONS, ...options };
  if (!(o.significance > 0 && o.significance <= 1)) throw new RangeError(`change points: significance must be in (0, 1], got ${o.significance}`);
  if (!Number.isInteger(o.permutations) || o.permutations < 1) throw new RangeError(`change points: permutations must be a positive integer, got ${o.permutations}`);
  if (!Number.isInteger(o.minSize) || o.minSize < 1) throw new RangeError(`change points: minSize must be a positive integer, got ${o.minSize}`);
  const random = createRandom(o.seed);
  const found: { index: number; pValue: number }[] = [];
  const known = [...new Set(o.known)].filter((i) => i > 0 && i < series.length).sort((a, b) => a - b);
  const cuts = [0, ...known, series.length];
  let segments: [number, number][] = cuts.slice(1).map((end, i) => [cuts[i] as number, end]);
  const best = new Map<string, { tau: number; q: number }>();
  const keyOf = ([a, b]: [number, number]) => `${a}:${b}`;
  for (;;) {
    let chosen: { segment: [number, number]; tau: number; q: number } | undefined;
    for (const segment of segments) {
      if (segment[1] - segment[0] < 2 * o.minSize) continue;
      const key = keyOf(segment);
      let split = best.get(key);
      if (split === undefined) {
        split = bestSplit(distances(series.slice(segment[0], segment[1])), identity(segment[1] - segment[0]), o.minSize);
        best.set(key, split);
      }
      if (chosen === undefined || split.q > chosen.q) chosen = { segment, ...split };
    }
    if (chosen === undefined || !(chosen.q > 0)) break;
    const pValue = permutationPValue(distances(series.slice(chosen.segment[0], chosen.segment[1])), chosen.q, o, random);
    if (pValue > o.significance) break;
    const at = chosen.segment[0] + chosen.tau;
    found.push({ index: at, pValue });
    segments = segments.flatMap((s) => (s === chosen.segment ? [[s[0], at] as [number, number], [at, s[1]] as [number, number]] : [s]));
  }
  const bounds = [0, ...[...known, ...found.map((f) => f.index)].sort((a, b) => a - b), series.length];
  return found
    .sort((a, b) => a.index - b.index)
    .map((f) => {
      const i = bounds.indexOf(f.index);
      const medians = (points: readonly (readonly number[])[]) => (points[0] ?? []).map((_, d) => median(points.map((p) => p[d] as number)));
      return { ...f, before: medians(series.slice(bounds[i - 1], f.index)), after: medians(series.slice(f.index, bounds[i + 1])) };
    });
}

/**
 * The split of `values` (taken in `order`) with the largest Q = mn/(m+n) * E, where E is the energy
 * distance 2/(mn) sum|x-y| - 1/C(m,2) sum|x-x'| - 1/C(n,2) sum|y-y'|. O(n^2): moving the split by one
 * point updates the three sums with that point's distances to either side.
 */
function bestSplit(d: Distances, order: readonly number[], minSize: number): { tau: number; q: number } {
  const n = order.length;
  const dist = (i: number, j: number): number => d.values[(order[i] as number) * d.n + (order[j] as number)] as number;
  let sumXX = 0;
  let sumYY = 0;
  let sumXY = 0;
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) sumYY += dist(i, j);
  let bestTau = -1;
  let bestQ = -Infinity;
  for (let tau = 1; tau <= n - minSize; tau++) {
    // point tau-1 moves from Y to X
    const k = tau - 1;
    let toX = 0;
    let toY = 0;
    for (let i = 0; i < k; i++) toX += dist(k, i);
    for (let j = k + 1; j < n; j++) toY += dist(k, j);
    sumXX += toX;
    sumYY -= toY;
    sumXY += toY - toX;
    if (tau < minSize) continue;
    const m = tau;
    const r = n - tau;
    const e = (2 * sumXY) / (m * r) - (m > 1 ? sumXX / ((m * (m - 1)) / 2) : 0) - (r > 1 ? sumYY / ((r * (r - 1)) / 2) : 0);
    const q = ((m * r) / n) * e;
    if (q > bestQ) {
      bestQ = q;
      bestTau = tau;
    }
  }
  return { tau: bestTau, q: bestQ };
}

/** (1 + #permutations whose best Q reaches the observed) / (1 + permutations); stops once it cannot be significant. */
function permutationPValue(d: Distances, observed: number, o: ChangePointOptions, random: ReturnType<typeof createRandom>): number {
  const order = identity(d.n);
  const giveUpAt = Math.floor(o.significance * (o.permutations + 1));
  let reached = 0;
  let done = 0;
  for (; done < o.permutations; done++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = random.int(i + 1);
      [order[i], order[j]] = [order[j] as number, order[i] as number];
    }
    if (bestSplit(d, order, o.minSize).q >= observed) reached += 1;
    if (reached >= giveUpAt) return (reached + 1 + (o.permutations - done - 1)) / (o.permutations + 1);
  }
  return (reached + 1) / (o.permutations + 1);
}

interface Distances {
  n: number;
  /** Row-major n x n Euclidean distances. */
  values: Float64Array;
}

function distances(points: readonly (readonly number[])[]): Distances {
  const n = points.length;
  const values = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const a = points[i] as readonly number[];
      const b = points[j] as readonly number[];
      let sum = 0;
      for (let c = 0; c < a.length; c++) sum += ((a[c] as number) - (b[c] as number)) ** 2;
      values[i * n + j] = values[j * n + i] = Math.sqrt(sum);
    }
  }
  return { n, values };
}

const identity = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** Exact steps of a count series: every index whose value differs from the one before. */
export function exactSteps(series: readonly number[]): { index: number; before: number; after: number }[] {
  return series.flatMap((value, i) => (i > 0 && value !== series[i - 1] ? [{ index: i, before: series[i - 1] as number, after: value }] : []));
}
