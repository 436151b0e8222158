import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  DEFAULT_CHANGE_POINT_OPTIONS,
  eDivisive,
  eDivisiveMultivariate,
  exactSteps,
  type ChangePointOptions,
} from '../harness/stats/change-points.js';
import { createRandom } from '../harness/stats/random.js';

// A plain reference of E-Divisive means: every split's Q from the three sums taken afresh (no
// running update), the permutation test run to the end (no giving up: it only ever gives up on
// splits that cannot be significant), segments and their splits searched afresh every time.
// Series of integers (or points whose distances are integers) keep every sum exact, so the
// reference's Q is bit-for-bit the code's and p-values compare with toBe.
type Point = readonly number[];

const dist = (a: Point, b: Point): number => Math.sqrt(a.reduce((s, x, c) => s + (x - (b[c] as number)) ** 2, 0));

function refBestSplit(points: readonly Point[], minSize: number): { tau: number; q: number } {
  const n = points.length;
  let best = { tau: -1, q: -Infinity };
  for (let tau = Math.max(1, minSize); tau <= n - minSize; tau++) {
    let xx = 0;
    let yy = 0;
    let xy = 0;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const d = dist(points[i] as Point, points[j] as Point);
        if (j < tau) xx += d;
        else if (i >= tau) yy += d;
        else xy += d;
      }
    }
    const m = tau;
    const r = n - tau;
    const e = (2 * xy) / (m * r) - (m > 1 ? xx / ((m * (m - 1)) / 2) : 0) - (r > 1 ? yy / ((r * (r - 1)) / 2) : 0);
    const q = ((m * r) / n) * e;
    if (q > best.q) best = { tau, q };
  }
  return best;
}

function refMedian(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 === 1 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

function refEDivisive(series: readonly Point[], options: Partial<ChangePointOptions> = {}) {
  const o = { significance: 0.005, permutations: 399, minSize: 5, seed: 12, known: [] as readonly number[], ...options };
  const random = createRandom(o.seed);
  const known: number[] = [];
  for (const k of o.known) if (k > 0 && k < series.length && !known.includes(k)) known.push(k);
  known.sort((a, b) => a - b);
  let segments: [number, number][] = [];
  let start = 0;
  for (const end of [...known, series.length]) {
    segments.push([start, end]);
    start = end;
  }
  const found: { index: number; pValue: number }[] = [];
  for (;;) {
    let chosen: { s: [number, number]; tau: number; q: number } | undefined;
    for (const s of segments) {
      if (s[1] - s[0] < 2 * o.minSize) continue;
      const split = refBestSplit(series.slice(s[0], s[1]), o.minSize);
      if (chosen === undefined || split.q > chosen.q) chosen = { s, ...split };
    }
    if (chosen === undefined || !(chosen.q > 0)) break;
    const points = series.slice(chosen.s[0], chosen.s[1]);
    const order = points.map((_, i) => i);
    let reached = 0;
    for (let k = 0; k < o.permutations; k++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = random.int(i + 1);
        [order[i], order[j]] = [order[j] as number, order[i] as number];
      }
      if (refBestSplit(order.map((i) => points[i] as Point), o.minSize).q >= chosen.q) reached++;
    }
    const pValue = (reached + 1) / (o.permutations + 1);
    if (pValue > o.significance) break;
    const at = chosen.s[0] + chosen.tau;
    found.push({ index: at, pValue });
    const c = chosen.s;
    segments = segments.flatMap((s) => (s === c ? [[s[0], at] as [number, number], [at, s[1]] as [number, number]] : [s]));
  }
  const bounds = [0, ...known, ...found.map((f) => f.index), series.length].sort((a, b) => a - b);
  return [...found]
    .sort((a, b) => a.index - b.index)
    .map((f) => {
      const i = bounds.indexOf(f.index);
      const before = series.slice(bounds[i - 1], f.index);
      const after = series.slice(f.index, bounds[i + 1]);
      const dims = (series[0] as Point).length;
      return {
        index: f.index,
        pValue: f.pValue,
        before: Array.from({ length: dims }, (_, d) => refMedian(before.map((p) => p[d] as number))),
        after: Array.from({ length: dims }, (_, d) => refMedian(after.map((p) => p[d] as number))),
      };
    });
}

const refUnivariate = (series: readonly number[], options: Partial<ChangePointOptions> = {}) =>
  refEDivisive(
    series.map((v) => [v]),
    options,
  ).map((cp) => ({ ...cp, before: cp.before[0], after: cp.after[0] }));

/** `length` integers around `level`, a fixed wiggle of 0..2 (no randomness). */
const flat = (length: number, level: number, phase = 0): number[] => Array.from({ length }, (_, i) => level + ((i * 7 + phase) % 3));

describe('eDivisive against a plain reference (integer series: exact p-values)', () => {
  const cases: [string, number[], Partial<ChangePointOptions>][] = [
    ['one step', [...flat(15, 10), ...flat(15, 20)], {}],
    ['two steps, the second found first', [...flat(8, 10), ...flat(22, 30), ...flat(10, 31)], { minSize: 4, significance: 0.05, permutations: 99 }],
    ['three levels', [...flat(12, 0), ...flat(12, 9), ...flat(12, 3)], { significance: 0.01 }],
    ['a symmetric pulse (tied splits: the first is kept)', [...Array(10).fill(0), ...Array(10).fill(1), ...Array(10).fill(0)], { permutations: 199, significance: 0.02 }],
    ['two equal steps in separate known segments (tied segments)', [...Array(10).fill(0), ...Array(10).fill(5), ...Array(10).fill(0), ...Array(10).fill(5)], { known: [20], significance: 0.02, permutations: 99 }],
    ['minSize 1', [1, 1, 1, 9, 9, 9, 9, 2, 2], { minSize: 1, significance: 0.2, permutations: 49 }],
    ['minSize 2', [1, 1, 1, 9, 9, 9, 9, 2, 2, 2], { minSize: 2, significance: 0.5, permutations: 49 }],
    ['noise only', [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4], { significance: 0.5, permutations: 39 }],
    ['another seed', [...flat(9, 0), ...flat(9, 2)], { seed: 7, minSize: 3, significance: 0.1, permutations: 59 }],
    ['significance 1 splits down to minSize', [5, 2, 8, 1, 9, 3, 7, 4, 6, 0, 2, 5], { significance: 1, minSize: 3, permutations: 9 }],
    ['known points, unsorted and repeated and out of range', [...flat(12, 0), ...flat(6, 6), ...flat(6, 12), ...flat(12, 0)], { known: [24, 12, 24, 0, -3, 36, 40], significance: 0.05, permutations: 99, minSize: 3 }],
    ['tied segments of different noise: the first segment is tested first', [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 103, 101, 104, 101, 105, 109, 102, 106, 105, 103], { known: [10], minSize: 3, significance: 1, permutations: 9 }],
    ['a known point at 1 bounds the first median', [50, 0, 1, 0, 2, 1, 0, 9, 10, 9, 11, 10, 9], { known: [1], minSize: 3, significance: 0.1, permutations: 99 }],
    ['known points below 0 and beyond the end are ignored', [...flat(10, 0), ...flat(10, 7), ...flat(10, 20)], { known: [-10, 45], minSize: 3, significance: 0.05, permutations: 99 }],
    ['known points sorting differently as strings', [...flat(9, 0), ...flat(6, 6), ...flat(6, 12), ...flat(12, 0)], { known: [21, 9], significance: 0.05, permutations: 99, minSize: 3 }],
  ];
  for (const [name, series, options] of cases) {
    it(name, () => {
      expect(eDivisive(series, options)).toEqual(refUnivariate(series, options));
    });
  }

  it('finds what the reference finds on arbitrary short integer series', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 0, maxLength: 16 }),
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom(0.05, 0.2, 0.5, 1),
        fc.integer({ min: 0, max: 5 }),
        (series, minSize, significance, seed) => {
          const options = { minSize, significance, seed, permutations: 19 };
          expect(eDivisive(series, options)).toEqual(refUnivariate(series, options));
        },
      ),
      { seed: 42, numRuns: 120 },
    );
  });
});

describe('eDivisive', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_CHANGE_POINT_OPTIONS).toEqual({ significance: 0.005, permutations: 399, minSize: 5, seed: 12, known: [] });
  });

  it('finds a clean step with p = 1/400 under the defaults, the medians either side', () => {
    const series = [...flat(15, 10), ...flat(15, 20)];
    expect(eDivisive(series)).toEqual([{ index: 15, pValue: 1 / 400, before: 11, after: 21 }]);
  });

  it('keeps a split whose p-value equals the significance, not one just above it', () => {
    const series = [...flat(10, 0), ...flat(10, 50)];
    // 19 permutations: no permutation reaches a clean step, p = 1/20.
    expect(eDivisive(series, { permutations: 19, significance: 0.05 })).toEqual([{ index: 10, pValue: 0.05, before: 1, after: 51 }]);
    expect(eDivisive(series, { permutations: 19, significance: 0.0499 })).toEqual([]);
    expect(eDivisive(series, { permutations: 19, significance: 0.05 - 1e-12 })).toEqual([]);
  });

  it('splits a segment of exactly 2 minSize points, not one of 2 minSize - 1', () => {
    const ten = [0, 0, 0, 0, 0, 9, 9, 9, 9, 9];
    const options = { permutations: 99, significance: 0.05 };
    const [cp, ...rest] = eDivisive(ten, { ...options, minSize: 5 });
    expect(rest).toEqual([]);
    expect(cp).toMatchObject({ index: 5, before: 0, after: 9 });
    expect(cp?.pValue).toBeLessThanOrEqual(0.05);
    expect(eDivisive(ten.slice(1), { ...options, minSize: 5 })).toEqual([]);
    expect(eDivisive(ten.slice(1), { ...options, minSize: 4 })).toMatchObject([{ index: 4, before: 0, after: 9 }]);
    // A step closer to the edge than minSize is reported at the nearest allowed split.
    expect(eDivisive([0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9], { ...options, minSize: 3, significance: 0.5 })).toEqual([{ index: 3, pValue: 0.06, before: 0, after: 9 }]);
  });

  it('reports nothing for a constant series, even at significance 1 (Q is 0: no test is run)', () => {
    expect(eDivisive(Array(20).fill(4), { significance: 1 })).toEqual([]);
    expect(eDivisive(Array(20).fill(4))).toEqual([]);
    expect(eDivisive([])).toEqual([]);
    expect(eDivisive([1, 2, 3])).toEqual([]);
  });

  it('reports nothing for exchangeable noise at the default significance', () => {
    const random = createRandom(3);
    const noise = Array.from({ length: 60 }, () => Math.round(100 * random.normal()));
    expect(eDivisive(noise)).toEqual([]);
  });

  it('gives up early on a split that cannot be significant (a billion permutations return at once)', () => {
    // giveUpAt = floor(1e-9 * (1e9 + 1)) = 1: the first permutation reaching the observed Q ends the
    // test. Run to the end, this would not finish.
    const started = Date.now();
    expect(eDivisive([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8], { permutations: 1e9, significance: 1e-9, minSize: 3 })).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('pins the known-point cases exactly', () => {
    expect(eDivisive([...flat(12, 0), ...flat(6, 6), ...flat(6, 12), ...flat(12, 0)], { known: [24, 12, 24, 0, -3, 36, 40], significance: 0.05, permutations: 99, minSize: 3 })).toEqual([
      { index: 18, pValue: 0.01, before: 7, after: 13 },
    ]);
    expect(eDivisive([...flat(9, 0), ...flat(6, 6), ...flat(6, 12), ...flat(12, 0)], { known: [21, 9], significance: 0.05, permutations: 99, minSize: 3 })).toEqual([
      { index: 15, pValue: 0.01, before: 7, after: 13 },
    ]);
    expect(eDivisive([1, 1, 1, 9, 9, 9, 9, 2, 2, 2], { minSize: 2, significance: 0.5, permutations: 49 })).toEqual([
      { index: 3, pValue: 0.1, before: 1, after: 9 },
      { index: 7, pValue: 0.08, before: 9, after: 2 },
    ]);
  });

  it('gives up only once the split cannot be significant, counting the permutation that reached it', () => {
    // Seed 1: of 9 permutations only the 9th reaches the observed Q (8 give p = 1/9, 9 give 2/10).
    const series = [0, 1, 0, 1, 1, 2, 1, 2];
    const options = { minSize: 4, seed: 1 };
    expect(eDivisive(series, { ...options, significance: 1, permutations: 8 })).toEqual([{ index: 4, pValue: 1 / 9, before: 0.5, after: 1.5 }]);
    expect(eDivisive(series, { ...options, significance: 1, permutations: 9 })).toEqual([{ index: 4, pValue: 0.2, before: 0.5, after: 1.5 }]);
    // At 0.1 (give up at the first reach) the test stops at the 9th with p = 2/10: not kept.
    expect(eDivisive(series, { ...options, significance: 0.1, permutations: 9 })).toEqual([]);
    expect(eDivisive(series, { ...options, significance: 0.2, permutations: 9 })).toEqual([{ index: 4, pValue: 0.2, before: 0.5, after: 1.5 }]);
    // Seed 5: one of the first 7 permutations reaches it, none after. At 0.2 (give up at the second
    // reach, floor(0.2 * 10) = 2) it runs to the end, p = 2/10, kept; at 0.1 it gives up.
    expect(eDivisive(series, { minSize: 4, seed: 5, significance: 1, permutations: 7 })).toEqual([{ index: 4, pValue: 0.25, before: 0.5, after: 1.5 }]);
    expect(eDivisive(series, { minSize: 4, seed: 5, significance: 0.2, permutations: 9 })).toEqual([{ index: 4, pValue: 0.2, before: 0.5, after: 1.5 }]);
    expect(eDivisive(series, { minSize: 4, seed: 5, significance: 0.1, permutations: 9 })).toEqual([]);
  });

  it('answers the same for the same seed, and the seed changes the p-values', () => {
    const series = [...flat(9, 0), ...flat(9, 2)];
    const options = { minSize: 3, significance: 0.5, permutations: 59 };
    const a = eDivisive(series, { ...options, seed: 1 });
    expect(eDivisive(series, { ...options, seed: 1 })).toEqual(a);
    const pValues = [1, 2, 3, 4, 5].map((seed) => eDivisive(series, { ...options, seed }).map((cp) => cp.pValue).join());
    expect(new Set(pValues).size).toBeGreaterThan(1);
  });

  it('takes medians between the neighbouring change points, known ones included, even and odd counts', () => {
    // Levels 0 (7 points), 10 (6), 20 (8); a known step at 7.
    const series = [0, 1, 0, 2, 0, 1, 3, 10, 14, 10, 11, 12, 13, 20, 21, 29, 20, 22, 20, 23, 24];
    const found = eDivisive(series, { known: [7], minSize: 3, significance: 0.05, permutations: 99 });
    expect(found).toEqual([{ index: 13, pValue: expect.any(Number), before: 11.5, after: 21.5 }]);
    // Without the known step the before side starts at 0.
    const free = eDivisive(series, { minSize: 3, significance: 0.05, permutations: 99 });
    expect(free.map((cp) => cp.index)).toEqual([7, 13]);
    expect(free[0]).toMatchObject({ before: 1, after: 11.5 });
    expect(free[1]).toMatchObject({ before: 11.5, after: 21.5 });
  });

  it('does not return known change points and splits nothing beyond them when the rest is flat', () => {
    const series = [...Array(10).fill(1), ...Array(10).fill(8)];
    expect(eDivisive(series, { known: [10] })).toEqual([]);
    expect(eDivisive(series, { known: [10], significance: 1 })).toEqual([]);
  });
});

describe('eDivisiveMultivariate', () => {
  // (3k, 4k): Euclidean distances 5|k - k'|, exact.
  const line = (ks: number[]): number[][] => ks.map((k) => [3 * k, 4 * k]);

  it('matches the reference on points whose distances are integers', () => {
    const cases: [number[][], Partial<ChangePointOptions>][] = [
      [line([...flat(12, 0), ...flat(12, 5)]), { significance: 0.01 }],
      [line([...flat(8, 0), ...flat(8, 4), ...flat(8, 1)]), { minSize: 3, significance: 0.05, permutations: 99 }],
      [[...flat(10, 0), ...flat(10, 3)].map((k) => [2 * k, 3 * k, 6 * k]), { minSize: 4, significance: 0.05, permutations: 99 }],
    ];
    for (const [series, options] of cases) expect(eDivisiveMultivariate(series, options)).toEqual(refEDivisive(series, options));
  });

  it('gives the medians of each coordinate, and measures distance over every coordinate', () => {
    const series = line([...flat(10, 0), ...flat(10, 5)]);
    expect(eDivisiveMultivariate(series, { significance: 0.05, permutations: 99 })).toEqual([{ index: 10, pValue: 0.01, before: [3, 4], after: [18, 24] }]);
    // A step in the second coordinate only is found; one coordinate alone (the first) is flat.
    const second = Array.from({ length: 20 }, (_, i) => [(i * 7) % 3, i < 10 ? 0 : 30]);
    expect(eDivisiveMultivariate(second, { significance: 0.05, permutations: 99 })).toMatchObject([{ index: 10, before: [1, 0], after: [1, 30] }]);
    expect(eDivisiveMultivariate(second.map(([a]) => [a as number]), { significance: 0.05, permutations: 99 })).toEqual([]);
  });

  it('returns nothing for an empty series', () => {
    expect(eDivisiveMultivariate([])).toEqual([]);
  });
});

describe('exactSteps', () => {
  it('lists every index whose value differs from the one before, with both values', () => {
    expect(exactSteps([])).toEqual([]);
    expect(exactSteps([7])).toEqual([]);
    expect(exactSteps([7, 7, 7])).toEqual([]);
    expect(exactSteps([3, 3, 4, 4, 2, 2, 2, 5])).toEqual([
      { index: 2, before: 3, after: 4 },
      { index: 4, before: 4, after: 2 },
      { index: 7, before: 2, after: 5 },
    ]);
    expect(exactSteps([0, 1])).toEqual([{ index: 1, before: 0, after: 1 }]);
  });
});

describe('eDivisive option guards', () => {
  const series = [1, 1, 1, 1, 1, 1, 9, 9, 9, 9, 9, 9];
  it.each([
    [{ significance: 0 }, /significance/],
    [{ significance: 1.5 }, /significance/],
    [{ significance: Number.NaN }, /significance/],
    [{ permutations: 0 }, /permutations/],
    [{ permutations: 2.5 }, /permutations/],
    [{ minSize: 0 }, /minSize/],
    [{ minSize: 1.5 }, /minSize/],
  ])('refuses %o', (options, message) => {
    expect(() => eDivisive(series, options)).toThrow(RangeError);
    expect(() => eDivisive(series, options)).toThrow(message);
  });
  it.each([[{ significance: 1 }], [{ permutations: 1 }], [{ minSize: 1 }]])('accepts the smallest valid %o', (options) => {
    expect(() => eDivisive(series, options)).not.toThrow();
  });
});
