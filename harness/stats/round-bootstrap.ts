/**
 * Bootstrap over whole rounds: samples of one interleaved round arrive in a block and share
 * that moment's machine, so they are not independent; resampling single samples understates
 * the spread. Resampling rounds keeps each block whole, and resampling the same rounds for two
 * groups measured in those rounds keeps their pairing: drift that moves both alike cancels in
 * their ratio, as it does in the measurement. Rounds are drawn as if independent; slow drift
 * shared by both groups still cancels (npm run bench:coverage: AR(1) drift, phi 0.95, 60 rounds:
 * 94% and 98% for p50 and p95 at 95%), but a group of one run against a group of another does not:
 * see stats/batched-log-ratio-interval.ts.
 */
import type { RatioEstimate, BootstrapOptions } from './statistics.js';
import { percentile, resolveBootstrapOptions, sortSamples } from './statistics.js';
import { createRandom, type Random } from './random.js';
import type { RoundedSamples } from './rounded-samples.js';

export type { RoundedSamples } from './rounded-samples.js';

/**
 * Ratio of the p-th percentiles, numerator / denominator, of two groups measured in the
 * same interleaved rounds, with a percentile bootstrap interval that resamples rounds: each
 * resample draws as many rounds as there are (with replacement) from the rounds either group
 * has samples in, and takes every sample of both groups in the drawn rounds. Deterministic for
 * a seed. For the report's ratios between implementations of one run (p50 and p95).
 */
export function blockBootstrapRatioCi(
  numerator: RoundedSamples,
  denominator: RoundedSamples,
  p: number,
  options: BootstrapOptions = {},
): RatioEstimate {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must lie in [0, 100] (e.g. 95 for p95), got ${p}`);
  const { iterations, confidence, seed } = resolveBootstrapOptions(options);
  const roundIds = [...new Set([...checked(numerator, 'numerator').rounds, ...checked(denominator, 'denominator').rounds])].sort((a, b) => a - b);
  const slotOf = new Map(roundIds.map((round, slot) => [round, slot]));
  const top = new WeightedPercentile(numerator, slotOf, p);
  const bottom = new WeightedPercentile(denominator, slotOf, p);
  const random = createRandom(seed);
  const counts = new Uint32Array(roundIds.length);
  const ratios = Float64Array.from({ length: iterations }, () => {
    // A resample without any round of one group has no percentile for it: draw again. Each group
    // has a sample (checked), and a draw of n rounds misses a given round with probability
    // (1 - 1/n)^n <= 1/e, so a draw holds both groups with probability at least 1 - 2/e > 1/4.
    do drawRounds(random, counts);
    while (!(top.weight(counts) > 0 && bottom.weight(counts) > 0));
    return top.value(counts) / bottom.value(counts);
  });
  const sorted = sortSamples(ratios, 'bootstrap ratios');
  const tail = ((1 - confidence) / 2) * 100;
  return {
    ratio: percentile(sortSamples(numerator.samples), p) / percentile(sortSamples(denominator.samples), p),
    ci: [percentile(sorted, tail), percentile(sorted, 100 - tail)],
  };
}

function checked(group: RoundedSamples, what: string): RoundedSamples {
  if (group.samples.length !== group.rounds.length) {
    throw new RangeError(`${what}: ${group.samples.length} samples but ${group.rounds.length} round indices; each sample needs its round`);
  }
  sortSamples(group.samples, `${what} samples`);
  return group;
}

function drawRounds(random: Random, counts: Uint32Array): void {
  counts.fill(0);
  const n = counts.length;
  for (let i = 0; i < n; i++) {
    const slot = random.int(n);
    counts[slot] = counts[slot]! + 1;
  }
}

/**
 * The p-th percentile of a resample of rounds without building it: the group's samples sorted
 * once, each weighted by how often its round was drawn, walked to the rank (O(n) per draw).
 */
class WeightedPercentile {
  private readonly values: Float64Array;
  private readonly slots: Uint32Array;
  private readonly sizes: Float64Array;

  constructor(
    group: RoundedSamples,
    slotOf: ReadonlyMap<number, number>,
    private readonly p: number,
  ) {
    const order = Array.from(group.samples.keys()).sort((a, b) => group.samples[a]! - group.samples[b]!);
    this.values = Float64Array.from(order, (i) => group.samples[i]!);
    this.slots = Uint32Array.from(order, (i) => slotOf.get(group.rounds[i]!)!);
    this.sizes = new Float64Array(slotOf.size);
    for (const slot of this.slots) this.sizes[slot] = this.sizes[slot]! + 1;
  }

  weight(counts: Uint32Array): number {
    let total = 0;
    for (let slot = 0; slot < counts.length; slot++) total += counts[slot]! * this.sizes[slot]!;
    return total;
  }

  value(counts: Uint32Array): number {
    const { values, slots } = this;
    const h = (this.p / 100) * (this.weight(counts) - 1);
    const rank = Math.floor(h);
    const fraction = h - rank;
    let seen = 0;
    let at = 0;
    while (seen + counts[slots[at]!]! <= rank) {
      seen += counts[slots[at]!]!;
      at++;
    }
    const below = values[at]!;
    if (fraction === 0 || seen + counts[slots[at]!]! > rank + 1) return below;
    at++;
    while (counts[slots[at]!] === 0) at++;
    return below + fraction * (values[at]! - below);
  }
}
