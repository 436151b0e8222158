/**
 * The normal and Student t distributions and the seeded generator, pinned to reference values:
 * scipy.stats 1.17 (norm.cdf, norm.ppf, t.cdf, t.ppf) for every branch of the approximations,
 * and sfc32's published algorithm for the generator. Every interval of the harness rests on these.
 */
import { describe, expect, it } from 'vitest';
import { normalCdf, normalQuantile } from '../harness/stats/normal-distribution.js';
import { createRandom } from '../harness/stats/random.js';
import { studentTCdf, studentTQuantile } from '../harness/stats/student-t-distribution.js';

/** |actual - expected| within `rel` of |expected| (or of 1 for values below 1 in size). */
function close(actual: number, expected: number, rel: number): void {
  const scale = Math.max(1e-300, Math.abs(expected));
  expect(Math.abs(actual - expected) / scale, `${actual} vs ${expected}`).toBeLessThanOrEqual(rel);
}

describe('normalCdf against scipy.stats.norm.cdf', () => {
  // Each branch of Hart's approximation: |x| < 7.07 (the rational one), 7.07..37 (the continued
  // fraction), beyond 37 (0 or 1); and both signs of x.
  const cases: [number, number][] = [
    [-8, 6.22096057427174e-16],
    [-7.5, 3.1908916729108844e-14],
    [-7.0, 1.279812543885835e-12],
    [-3, 0.0013498980316300933],
    [-1.5, 0.06680720126885807],
    [-0.3, 0.3820885778110474],
    [0, 0.5],
    [0.3, 0.6179114221889526],
    [1.5, 0.9331927987311419],
    [3, 0.9986501019683699],
    [7.0, 0.9999999999987201],
    [7.5, 0.9999999999999681],
  ];
  // Hart's approximation is exact to double precision in absolute terms: below 1e-11 its tail is
  // good to about 1e-8 relative.
  it.each(cases)('normalCdf(%d) = %d', (x, expected) => {
    close(normalCdf(x), expected, Math.abs(x) >= 7 ? 1e-8 : 1e-13);
  });

  it('is 0 and 1 beyond |x| = 37, and NaN for NaN', () => {
    expect(normalCdf(-38)).toBe(0);
    expect(normalCdf(-40)).toBe(0);
    expect(normalCdf(38)).toBe(1);
    expect(normalCdf(Number.NEGATIVE_INFINITY)).toBe(0);
    expect(normalCdf(Number.POSITIVE_INFINITY)).toBe(1);
    expect(normalCdf(Number.NaN)).toBeNaN();
    // Just inside 37 the tail is below double precision's 1e-16 next to 1, but not 0 below.
    expect(normalCdf(-36)).toBeGreaterThan(0);
    expect(normalCdf(-36)).toBeLessThan(1e-280);
  });

  it('is symmetric: cdf(-x) = 1 - cdf(x)', () => {
    for (const x of [0.01, 0.5, 1, 2, 4, 6.9, 7.1, 9]) expect(Math.abs(normalCdf(-x) - (1 - normalCdf(x)))).toBeLessThan(2e-16);
  });
});

describe('normalQuantile against scipy.stats.norm.ppf', () => {
  // Acklam's central region is [0.02425, 0.97575]; outside, the tail formula. Both sides of each edge.
  const cases: [number, number][] = [
    [1e-10, -6.361340902404056],
    [0.001, -3.090232306167813],
    [0.02, -2.053748910631823],
    [0.024, -1.977368428181947],
    [0.025, -1.9599639845400545],
    [0.3, -0.5244005127080409],
    [0.7, 0.5244005127080407],
    [0.975, 1.959963984540054],
    [0.976, 1.9773684281819461],
    [0.999, 3.090232306167813],
    [1 - 1e-10, 6.361340889697422],
  ];
  it.each(cases)('normalQuantile(%d) = %d', (p, expected) => {
    // 1 - 1e-10 is not exact in double precision: its quantile is good to the input's own rounding.
    close(normalQuantile(p), expected, p < 1e-9 || p > 1 - 1e-9 ? 1e-9 : 1e-12);
  });

  it('is 0 at one half and inverts normalCdf', () => {
    expect(Math.abs(normalQuantile(0.5))).toBeLessThan(1e-16);
    for (const p of [0.0001, 0.01, 0.0242, 0.0243, 0.2, 0.5001, 0.9, 0.9757, 0.9999]) close(normalCdf(normalQuantile(p)), p, 1e-13);
  });

  it('refuses probabilities outside (0, 1)', () => {
    for (const p of [0, 1, -0.1, 1.5, Number.NaN]) expect(() => normalQuantile(p)).toThrow(/probability in \(0, 1\)/);
  });
});

describe('studentTCdf against scipy.stats.t.cdf', () => {
  const cases: [number, number, number][] = [
    [0.5, -3, 0.1836540779929717],
    [0.5, 0.5, 0.6213409635352818],
    [0.5, 10, 0.8986613236143344],
    [1, -0.5, 0.35241638234956674],
    [1, 1, 0.75],
    [1, 10, 0.9682744825694465],
    [2, -3, 0.04773298313335456],
    [2, 0.5, 0.6666666666666666],
    [2.5, 1, 0.7979694863608632],
    [2.5, 2.5, 0.9477150184609223],
    [3, -3, 0.02883444281121865],
    [3, 10, 0.9989358004707929],
    [4, -0.5, 0.32166498159093165],
    [4, 2.5, 0.966616727594006],
    [7, -3, 0.009971063065996268],
    [7, 10, 0.9999893028985546],
    [30, 1, 0.8373456922869849],
    [30, 2.5, 0.9909421754659666],
    [1e6, -3, 0.0013499312707109],
    [1e6, 0.5, 0.6914624062638143],
    // Small |t|: x = df / (df + t^2) is next to 1, where only the swapped continued fraction converges.
    [0.5, 0.001, 0.5002696761657562],
    [1, 0.001, 0.5003183097800921],
    [10, 0.001, 0.5003891083126295],
    [1e4, 0.001, 0.5003989322404737],
    [1e6, 0.1, 0.5398278272539784],
    [1e6, -0.1, 0.4601721727460216],
  ];
  // At a million degrees of freedom log Gamma's rounding (about 1e-15 of 1e7) shows: 1e-9.
  it.each(cases)('df %d: studentTCdf(%d) = %d', (df, t, expected) => {
    close(studentTCdf(t, df), expected, df > 1000 ? 1e-9 : 1e-10);
  });

  it('is one half at 0, 0 and 1 at the infinities, NaN for NaN', () => {
    expect(studentTCdf(0, 3)).toBeCloseTo(0.5, 15);
    expect(studentTCdf(Number.NEGATIVE_INFINITY, 3)).toBe(0);
    expect(studentTCdf(Number.POSITIVE_INFINITY, 3)).toBe(1);
    expect(studentTCdf(Number.NaN, 3)).toBeNaN();
  });

  it('refuses degrees of freedom that are not positive and finite', () => {
    for (const df of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => studentTCdf(1, df)).toThrow(/degrees of freedom must be a positive finite number/);
      expect(() => studentTQuantile(0.9, df)).toThrow(/degrees of freedom must be a positive finite number/);
    }
  });
});

describe('studentTQuantile against scipy.stats.t.ppf', () => {
  const cases: [number, number, number][] = [
    [0.5, 0.001, -102849.11563017554],
    [0.5, 0.6, 0.3979754267847907],
    [0.5, 0.975, 164.55767348048818],
    [0.5, 0.9995, 411396.462526262],
    [1, 0.001, -318.30883898555044],
    [1, 0.6, 0.32491969623290634],
    [1, 0.9995, 636.6192487687897],
    [2, 0.1, -1.8856180831641267],
    [2, 0.9995, 31.599054576445365],
    [3, 0.6, 0.2766706623326898],
    [3, 0.975, 3.1824463052837078],
    [4.5, 0.001, -6.421242884295792],
    [4.5, 0.975, 2.6589123472044034],
    [9, 0.9, 1.3830287383966329],
    [9, 0.9995, 4.780912585931217],
    [100, 0.1, -1.290074761346516],
    [100, 0.975, 1.9839715185235518],
    [1e6, 0.975, 1.959966356814107],
    [1e6, 0.9995, 3.2905364612487222],
  ];
  it.each(cases)('df %d: studentTQuantile(%d) = %d to 1e-9 relative', (df, p, expected) => {
    close(studentTQuantile(p, df), expected, 1e-9);
  });

  it('is the normal quantile beyond 1e7 degrees of freedom, and 0 at one half', () => {
    expect(studentTQuantile(0.975, 2e7)).toBe(normalQuantile(0.975));
    expect(studentTQuantile(0.001, 2e7)).toBe(-normalQuantile(0.999));
    close(studentTQuantile(0.975, 2e7), 1.959964103153622, 1e-6);
    expect(studentTQuantile(0.5, 0.5)).toBe(0);
  });

  it('inverts studentTCdf, tails and fractional degrees of freedom included', () => {
    for (const df of [0.7, 1.5, 2, 6.3, 50]) {
      for (const p of [0.0005, 0.05, 0.4, 0.55, 0.8, 0.99, 0.99999]) close(studentTCdf(studentTQuantile(p, df), df), p, 1e-11);
    }
  });

  it('refuses probabilities outside (0, 1)', () => {
    for (const p of [0, 1, -0.5, 2, Number.NaN]) expect(() => studentTQuantile(p, 4)).toThrow(new RangeError(`studentTQuantile needs a probability in (0, 1), got ${p}`));
  });

  it('returns the smallest t found whose CDF reaches p: exactly p where the CDF attains it (Cauchy, p 0.75, t = 1)', () => {
    const t = studentTQuantile(0.75, 1);
    expect(t).toBeCloseTo(1, 14);
    expect(studentTCdf(t, 1)).toBe(0.75);
  });
});

/** sfc32 seeded through splitmix32, written out plainly with BigInt-free 32-bit arithmetic: the reference. */
function referenceSfc32(seed: number): () => number {
  let s = Math.trunc(seed) >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let d = splitmix();
  const next = (): number => {
    const t = (((a + b) >>> 0) + d) >>> 0;
    d = (d + 1) >>> 0;
    a = (b ^ (b >>> 9)) >>> 0;
    b = (c + (c << 3)) >>> 0;
    c = (((c << 21) | (c >>> 11)) + t) >>> 0;
    return t / 4294967296;
  };
  for (let i = 0; i < 12; i++) next();
  return next;
}

describe('createRandom (sfc32 through splitmix32)', () => {
  it('gives the reference sequence for several seeds, negative and fractional ones as 32-bit integers', () => {
    for (const seed of [0, 1, 2, 12, 20240601, 0xffffffff, -1, 3.7]) {
      const random = createRandom(seed);
      const reference = referenceSfc32(seed);
      for (let i = 0; i < 64; i++) expect(random.next()).toBe(reference());
    }
    // -1 is 0xffffffff as a 32-bit integer, 3.7 is 3.
    const a = createRandom(-1);
    const b = createRandom(0xffffffff);
    const c = createRandom(3.7);
    const d = createRandom(3);
    for (let i = 0; i < 8; i++) {
      expect(a.next()).toBe(b.next());
      expect(c.next()).toBe(d.next());
    }
  });

  it('gives uniforms in [0, 1) with the mean and variance of a uniform', () => {
    const random = createRandom(7);
    let sum = 0;
    let squares = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const u = random.next();
      expect(u >= 0 && u < 1).toBe(true);
      sum += u;
      squares += u * u;
    }
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(squares / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 2);
  });

  it('gives integers in [0, bound) as floor(next() * bound), each value about equally often', () => {
    const random = createRandom(5);
    const reference = referenceSfc32(5);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 6000; i++) {
      const k = random.int(6);
      expect(k).toBe(Math.floor(reference() * 6));
      counts[k] = counts[k]! + 1;
    }
    for (const count of counts) expect(Math.abs(count - 1000)).toBeLessThan(120);
  });

  it('gives standard normals in pairs by Box-Muller: the second from the same two uniforms', () => {
    const random = createRandom(9);
    const reference = referenceSfc32(9);
    for (let i = 0; i < 50; i++) {
      const u1 = reference();
      const u2 = reference();
      const radius = Math.sqrt(-2 * Math.log(1 - u1));
      expect(random.normal()).toBeCloseTo(radius * Math.cos(2 * Math.PI * u2), 14);
      expect(random.normal()).toBeCloseTo(radius * Math.sin(2 * Math.PI * u2), 14);
    }
    // The spare is used once: the next draw takes new uniforms.
    expect(random.next()).toBe(reference());
  });
});
