/**
 * Student's t distribution: what an interval whose spread is estimated from few independent
 * pieces (batches of rounds, a handful of rounds) needs instead of the normal quantile.
 */
import { normalQuantile } from './normal-distribution.js';

/** P(T <= t), T ~ Student t with `df` degrees of freedom (df > 0, not necessarily an integer). */
export function studentTCdf(t: number, df: number): number {
  checkDf(df);
  // A NaN t gives NaN through the arithmetic below.
  // P(|T| > |t|) = I_x(df/2, 1/2), x = df / (df + t^2): 0 for an infinite t, 1 for t = 0.
  const tail = regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5) / 2;
  return t > 0 ? 1 - tail : tail;
}

/**
 * The t with P(T <= t) = p: bisection on {@link studentTCdf} down to adjacent doubles, so the
 * answer is as exact as the CDF (about 1e-14 relative) and no step can leave the bracket.
 * studentTQuantile(0.975, 4) is 2.7764451051977987. 55 to 75 CDF evaluations a call.
 */
export function studentTQuantile(p: number, df: number): number {
  checkDf(df);
  if (!(p > 0 && p < 1)) throw new RangeError(`studentTQuantile needs a probability in (0, 1), got ${p}`);
  if (p === 0.5) return 0;
  if (p < 0.5) return -studentTQuantile(1 - p, df);
  // Beyond 1e7 degrees of freedom t differs from normal by under 1e-6, less than log Gamma's rounding there.
  if (df > 1e7) return normalQuantile(p);
  // Upper half: 0 < t; double an upper end until it holds p (heavy tails: 4e5 at df 0.5, p 0.9995).
  let high = 1;
  while (studentTCdf(high, df) < p) high *= 2;
  let low = 0;
  for (;;) {
    const mid = low + (high - low) / 2;
    // No double between the ends: high is the smallest t found with P(T <= t) >= p.
    if (mid <= low || mid >= high) return high;
    if (studentTCdf(mid, df) < p) low = mid;
    else high = mid;
  }
}

function checkDf(df: number): void {
  if (!(df > 0) || !Number.isFinite(df)) throw new RangeError(`degrees of freedom must be a positive finite number, got ${df}`);
}

/** I_x(a, b) by the continued fraction (modified Lentz), on the side where it converges fast. */
function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  // At x = 0 and x = 1 the front factor is exp(-Infinity) = 0 and the fraction 1: I is 0 and 1 exactly.
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

function betaContinuedFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 1000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return h;
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012,
  9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Gamma(x), x > 0 (Lanczos, g = 7): about 15 significant digits. */
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}
