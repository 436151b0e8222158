/**
 * `npm run bench:coverage`: how often the intervals the reports show contain the truth, on
 * simulated rounds whose machine is (1) steady, (2) disturbed round by round alike for both sides,
 * or (3) drifting slowly (AR(1) across rounds on the log scale, phi 0.95, shared by both sides of
 * a round), with independent per-sample noise on top. For each interval: the coverage it claims
 * and the coverage it achieves, before (the interval as it was) and after (batch means over
 * rounds in time order, harness/stats/); and whether the stated smallest detectable slowdown is
 * found as often as it claims.
 *
 *   npm run bench:coverage -- [--quick] [--trials 600] [--seed 1] [--rounds 60] [--per-round 5]
 *     [--iterations 1000] [--power-rounds 30] [--batches N]
 *
 * Deterministic for a seed. Default: 300 trials (about 3 minutes on a 2-core machine);
 * --quick: 100 trials and 500 bootstrap resamples (under a minute). The sampler's usual runs
 * (one request per side per round, some 400 rounds): --rounds 400 --per-round 1.
 */
import { pairedRatio, pairRounds } from '../stats/paired-statistics.js';
import { PAIRED_DEFAULTS } from '../core/defaults.js';
import { normalQuantile } from '../stats/normal-distribution.js';
import { quantileInterval } from '../stats/quantile-interval.js';
import { createRandom, type Random } from '../stats/random.js';
import { blockBootstrapRatioCi } from '../stats/round-bootstrap.js';
import { bootstrapCorrectedRatioCi, bootstrapRatioCi } from '../stats/statistics.js';
import { batchedLogRatioInterval } from '../stats/batched-log-ratio-interval.js';
import { batchedQuantileInterval } from '../stats/batched-quantile-interval.js';
import type { RoundedSamples } from '../stats/rounded-samples.js';
import { flag, median } from './bench-args.js';

/** How the machine moves across rounds, on the log scale. */
export interface Condition {
  name: string;
  /** What the table says about it. */
  describe: string;
  /** The machine's log factor for each round. */
  drift(rounds: number, random: Random): Float64Array;
  /** Standard deviation of one round's log factor (the stationary one for AR(1)). */
  sd: number;
}

/** Log-normal noise of one sample around its round's machine: a per-request CV of about 25%. */
export const SAMPLE_SD = 0.25;
/** Round-to-round disturbance shared by both sides of a round. */
export const SHARED_SD = 0.05;
/** Stationary spread of the slow drift, and its memory. */
export const DRIFT_SD = 0.05;
export const DRIFT_PHI = 0.95;

export const CONDITIONS: readonly Condition[] = [
  { name: 'iid', describe: 'independent samples', sd: 0, drift: (rounds) => new Float64Array(rounds) },
  {
    name: 'shared',
    describe: `a machine factor per round shared by both sides (sd ${SHARED_SD}, independent across rounds)`,
    sd: SHARED_SD,
    drift: (rounds, random) => Float64Array.from({ length: rounds }, () => SHARED_SD * random.normal()),
  },
  {
    name: 'ar1',
    describe: `AR(1) drift across rounds shared by both sides (phi ${DRIFT_PHI}, stationary sd ${DRIFT_SD})`,
    sd: DRIFT_SD,
    drift: (rounds, random) => {
      const out = new Float64Array(rounds);
      const innovation = DRIFT_SD * Math.sqrt(1 - DRIFT_PHI * DRIFT_PHI);
      let level = DRIFT_SD * random.normal();
      for (let r = 0; r < rounds; r++) {
        if (r > 0) level = DRIFT_PHI * level + innovation * random.normal();
        out[r] = level;
      }
      return out;
    },
  },
];

/** Two sides measured in the same rounds: `perRound` samples each per round, side a scaled by `factor`. */
export function simulateRun(condition: Condition, rounds: number, perRound: number, random: Random, factor = 1): { a: RoundedSamples; b: RoundedSamples } {
  const drift = condition.drift(rounds, random);
  const side = (scale: number): RoundedSamples => {
    const samples: number[] = [];
    const ids: number[] = [];
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < perRound; i++) {
        samples.push(scale * Math.exp(drift[r]! + SAMPLE_SD * random.normal()));
        ids.push(r);
      }
    }
    return { samples, rounds: ids };
  };
  return { a: side(factor), b: side(1) };
}

/** The true p-th percentile of one side: log-normal with the round factor's and the noise's variances. */
export const truePercentile = (condition: Condition, p: number): number =>
  Math.exp(normalQuantile(p / 100) * Math.sqrt(SAMPLE_SD ** 2 + condition.sd ** 2));

export interface BenchSettings {
  trials: number;
  seed: number;
  rounds: number;
  perRound: number;
  iterations: number;
  powerRounds: number;
  batches: number | undefined;
}

const CONFIDENCES = [0.95, 0.99] as const;

/** One row of the table: an interval, at a confidence, in a condition: how often it held. */
export interface CoverageRow {
  interval: string;
  /** before: the interval as it was; after: over rounds in time order (harness/stats/); as is: unchanged. */
  method: 'before' | 'after' | 'as is';
  condition: string;
  confidence: number;
  covered: number;
  /** Trials whose lower end lay above the truth (a false 'slower' for ratios). */
  lowAbove: number;
  trials: number;
  /** Half-width of each trial's interval on the log scale, log(upper / lower) / 2 (Infinity without one). */
  halfWidths: number[];
}

type Interval = readonly [number, number] | null;

/** Counts coverage for every (interval, method, confidence) of one condition over the trials. */
export function coverageOf(condition: Condition, settings: BenchSettings, conditionIndex: number): CoverageRow[] {
  const rows = new Map<string, CoverageRow>();
  const count = (interval: string, method: CoverageRow['method'], confidence: number, ci: Interval, truth: number) => {
    const key = `${interval}|${method}|${confidence}`;
    const row = rows.get(key) ?? { interval, method, condition: condition.name, confidence, covered: 0, lowAbove: 0, trials: 0, halfWidths: [] };
    row.trials += 1;
    row.halfWidths.push(ci === null ? Number.POSITIVE_INFINITY : Math.log(ci[1] / ci[0]) / 2);
    if (ci !== null && ci[0] <= truth && truth <= ci[1]) row.covered += 1;
    if (ci !== null && ci[0] > truth) row.lowAbove += 1;
    rows.set(key, row);
  };
  const batches = settings.batches === undefined ? {} : { batches: settings.batches };
  for (let t = 0; t < settings.trials; t++) {
    const random = createRandom(settings.seed * 1_000_003 + conditionIndex * 100_000 + t);
    const run = simulateRun(condition, settings.rounds, settings.perRound, random);
    const other = simulateRun(condition, settings.rounds, settings.perRound, random);
    const bootstrapSeed = settings.seed + t;
    for (const confidence of CONFIDENCES) {
      const bootstrap = { iterations: settings.iterations, confidence, seed: bootstrapSeed };
      for (const p of [50, 95] as const) {
        const truth = truePercentile(condition, p);
        count(`p${p} of one side`, 'before', confidence, quantileInterval(run.a.samples, p, confidence).ci, truth);
        count(`p${p} of one side`, 'after', confidence, batchedQuantileInterval(run.a, p, { confidence, ...batches }).ci, truth);
        // computeRatios: two sides of one run.
        count(`p${p} ratio, one run`, 'before', confidence, blockBootstrapRatioCi(run.a, run.b, p, bootstrap).ci, 1);
        const sameRun = [{ group: run.a, sign: 1, run: 'run' }, { group: run.b, sign: -1, run: 'run' }] as const;
        count(`p${p} ratio, one run`, 'after', confidence, batchedLogRatioInterval(sameRun, p, { confidence, ...batches }).ci, 1);
        // compare: the same side in two runs; and over the drift probe (side b of each run).
        count(`p${p} ratio, two runs`, 'before', confidence, bootstrapRatioCi(other.a.samples, run.a.samples, p, bootstrap).ci, 1);
        const twoRuns = [{ group: other.a, sign: 1, run: 'after' }, { group: run.a, sign: -1, run: 'before' }] as const;
        count(`p${p} ratio, two runs`, 'after', confidence, batchedLogRatioInterval(twoRuns, p, { confidence, ...batches }).ci, 1);
        const corrected = bootstrapCorrectedRatioCi(other.a.samples, run.a.samples, other.b.samples, run.b.samples, p, bootstrap);
        count(`p${p} ratio over probe, two runs`, 'before', confidence, corrected.ci, 1);
        const overProbe = [...twoRuns, { group: other.b, sign: -1, run: 'after' }, { group: run.b, sign: 1, run: 'before' }] as const;
        count(`p${p} ratio over probe, two runs`, 'after', confidence, batchedLogRatioInterval(overProbe, p, { confidence, ...batches }).ci, 1);
      }
      const ratios = pairRounds(run.a.samples, run.a.rounds, run.b.samples, run.b.rounds).map((r) => r.ratio);
      count('paired signed-rank', 'as is', confidence, pairedRatio(ratios, { ...PAIRED_DEFAULTS, confidence }).ci, 1);
    }
  }
  return [...rows.values()];
}

/** Stated power of the paired verdict's smallest detectable slowdown, and how often it is found. */
export interface PowerRow {
  condition: string;
  rounds: number;
  /** before: the MAD formula mde had; after: minimumDetectableEffect from the interval's half-width. */
  method: 'before' | 'after';
  claimed: number;
  found: number;
  trials: number;
  medianMde: number;
}

/**
 * The mde pairedRatio stated before issue 18: (z_{1-a/2} + z_{0.95}) sqrt(pi/3) s / sqrt(n) above
 * the minimum effect, s = 1.4826 MAD of the log ratios. Kept here to measure it against.
 */
export function madFormulaMde(logRatioSpread: number, n: number, confidence = 0.99, minEffect = 0.02): number {
  const zSum = normalQuantile(1 - (1 - confidence) / 2) + normalQuantile(0.95);
  return Math.exp(Math.log1p(minEffect) + (zSum * Math.sqrt(Math.PI / 3) * logRatioSpread) / Math.sqrt(n)) - 1;
}

/**
 * A run of unchanged code states its mde; a second, independent run of the same length, with side
 * a slower by exactly that much, is judged: is it 'slower' (99% interval, 2% minimum effect, as
 * run --against)? Claimed: 95%.
 */
export function powerOf(condition: Condition, settings: BenchSettings, conditionIndex: number, rounds: number): PowerRow[] {
  const found = { before: 0, after: 0 };
  const mdes: { before: number[]; after: number[] } = { before: [], after: [] };
  const judge = (run: { a: RoundedSamples; b: RoundedSamples }) => pairedRatio(pairRounds(run.a.samples, run.a.rounds, run.b.samples, run.b.rounds).map((r) => r.ratio), PAIRED_DEFAULTS);
  for (let t = 0; t < settings.trials; t++) {
    const random = createRandom(settings.seed * 1_000_003 + conditionIndex * 100_000 + 50_000 + t);
    const quiet = judge(simulateRun(condition, rounds, settings.perRound, random));
    for (const method of ['before', 'after'] as const) {
      const mde = method === 'after' ? quiet.mde : madFormulaMde(quiet.logRatioSpread, quiet.rounds);
      mdes[method].push(mde);
      if (judge(simulateRun(condition, rounds, settings.perRound, random, 1 + mde)).verdict === 'slower') found[method] += 1;
    }
  }
  return (['before', 'after'] as const).map((method) => {
    const sorted = [...mdes[method]].sort((x, y) => x - y);
    return { condition: condition.name, rounds, method, claimed: 0.95, found: found[method], trials: settings.trials, medianMde: sorted[Math.floor(sorted.length / 2)]! };
  });
}

function settingsFromArgs(): BenchSettings {
  const quick = process.argv.includes('--quick');
  const batches = flag('batches');
  return {
    trials: Number(flag('trials') ?? (quick ? 100 : 300)),
    seed: Number(flag('seed') ?? 1),
    rounds: Number(flag('rounds') ?? 60),
    perRound: Number(flag('per-round') ?? 5),
    iterations: Number(flag('iterations') ?? (quick ? 500 : 1000)),
    powerRounds: Number(flag('power-rounds') ?? 30),
    batches: batches === undefined ? undefined : Number(batches),
  };
}

const pct = (x: number): string => `${(100 * x).toFixed(1)}`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const settings = settingsFromArgs();
  const started = performance.now();
  const command = `npm run bench:coverage -- ${process.argv.slice(2).join(' ')}`.trim();
  process.stdout.write(
    `${command}\n${settings.trials} trials per condition, seed ${settings.seed}; ${settings.rounds} rounds of ${settings.perRound} samples per side, ` +
      `log-normal noise sd ${SAMPLE_SD}; bootstraps ${settings.iterations} resamples\n`,
  );
  for (const c of CONDITIONS) process.stdout.write(`  ${c.name}: ${c.describe}\n`);
  const rows = CONDITIONS.flatMap((c, i) => {
    const out = coverageOf(c, settings, i);
    process.stderr.write(`${c.name}: ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
    return out;
  });
  const names = CONDITIONS.map((c) => c.name).join(' / ');
  process.stdout.write(`\nCoverage, % of trials whose interval holds the truth; lower end above the truth, %; median half-width of the interval, % (log scale)\n`);
  process.stdout.write(`\n| interval | method | nominal | ${CONDITIONS.map((c) => c.name).join(' | ')} | lower end above (${names}) | half-width (${names}) |\n`);
  process.stdout.write(`|---|---|---|${CONDITIONS.map(() => '---|').join('')}---|---|\n`);
  const keys = [...new Set(rows.map((r) => `${r.interval}|${r.method}|${r.confidence}`))];
  for (const key of keys) {
    const [interval, method, confidence] = key.split('|') as [string, string, string];
    const of = CONDITIONS.map((c) => rows.find((r) => `${r.interval}|${r.method}|${r.confidence}` === key && r.condition === c.name)!);
    process.stdout.write(
      `| ${interval} | ${method} | ${pct(Number(confidence))} | ${of.map((r) => pct(r.covered / r.trials)).join(' | ')} | ` +
        `${of.map((r) => pct(r.lowAbove / r.trials)).join(' / ')} | ${of.map((r) => pct(median(r.halfWidths))).join(' / ')} |\n`,
    );
  }
  process.stdout.write(`\nSmallest detectable slowdown (paired, 99% interval, min effect 2%), claimed power 95%: found in (before / after)\n`);
  for (const rounds of [...new Set([settings.powerRounds, settings.rounds])]) {
    for (const [i, c] of CONDITIONS.entries()) {
      const [before, after] = powerOf(c, settings, i, rounds) as [PowerRow, PowerRow];
      process.stdout.write(
        `  ${c.name}, ${rounds} rounds: ${pct(before.found / before.trials)}% / ${pct(after.found / after.trials)}% of ${after.trials} ` +
          `(median mde ${pct(before.medianMde)}% / ${pct(after.medianMde)}%)\n`,
      );
    }
  }
  process.stdout.write(`\n${((performance.now() - started) / 1000).toFixed(0)} s\n`);
}
