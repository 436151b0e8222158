/**
 * How one percentile moved between two runs (harness/judge/latency-change.ts), pinned case by
 * case: which interval it rests on (over rounds when every side knows them, else the bootstrap),
 * the drift probe's correction and that the verdict is judged on it, each boundary of the verdict
 * at, below and above 1 + threshold, and the detectable ratio. The expected intervals come from the
 * statistics module called directly, so a case fails when the judge picks another estimator, feeds
 * it other groups, or drops the confidence. Milliseconds each: the mutation bench runs them per mutant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROBE_IMPL, type ScenarioResult } from '../harness/core/result.js';
import type { CompareOptions } from '../harness/judge/compare.js';
import { latencyChange, PROBE_PRECISION_FACTOR, type LatencyChange, type Probes } from '../harness/judge/latency-change.js';
import { batchedLogRatioInterval } from '../harness/stats/batched-log-ratio-interval.js';
import { normalQuantile } from '../harness/stats/normal-distribution.js';
import { bootstrapCorrectedRatioCi, bootstrapRatioCi } from '../harness/stats/statistics.js';
import { makeScenarioResult, syntheticLatencies } from './fixtures/sample-result.js';

/** Not the defaults: a confidence the statistics would not fall back to, few resamples (fast). */
const OPTIONS: CompareOptions = { thresholdPct: 10, confidence: 0.9, iterations: 400, seed: 1 };
/** The seed passed per pair, unlike OPTIONS.seed: the bootstrap must use this one. */
const SEED = 77;

const PER_ROUND = 6;
const ROUNDS = 20;

/** A result of `impl` with the given samples, p50 2 and p95 3 as its stored summary, and rounds when `rounded`. */
function result(impl: string, samples: number[], rounded: boolean | number[]): ScenarioResult {
  const sampleRounds = rounded === true ? samples.map((_, i) => Math.floor(i / PER_ROUND)) : rounded === false ? undefined : rounded;
  return makeScenarioResult({
    scenario: 'list-50',
    dialect: 'sqlite',
    impl,
    rawSamples: samples,
    latencyMs: { p50: 2, p95: 3, p99: 4, mean: 2.2, min: 1, max: 5, p95Ci: [2.8, 3.2], count: samples.length },
    ...(sampleRounds === undefined ? {} : { sampleRounds }),
  });
}

const samples = (seed: number, medianMs: number) => syntheticLatencies(seed, medianMs, PER_ROUND * ROUNDS);
const before = (rounded: boolean | number[] = false) => result('fixed', samples(1, 2), rounded);
const after = (rounded: boolean | number[] = false, medianMs = 2.4) => {
  const r = result('fixed', samples(2, medianMs), rounded);
  r.latencyMs = { ...r.latencyMs, p50: 2.5, p95: 3.5 };
  return r;
};
const probes = (roundedBefore = false, roundedAfter = false, afterMs = 1): Probes => ({
  before: result(PROBE_IMPL, samples(3, 1), roundedBefore),
  after: result(PROBE_IMPL, samples(4, afterMs), roundedAfter),
});

/** The documented rule: regressed above 1 + threshold, improved below its inverse. */
const judged = (ci: [number, number], thresholdPct: number) =>
  ci[0] > 1 + thresholdPct / 100 ? 'regressed' : ci[1] < 1 / (1 + thresholdPct / 100) ? 'improved' : 'no-change';

/** (1 + threshold) * exp(d * (1 + z_0.95 / z)), d = log(ratio / lower end), z of the two-sided level. */
const detectableOf = (estimate: { ratio: number; ci: [number, number] }, o: CompareOptions) =>
  (1 + o.thresholdPct / 100) * Math.exp(Math.max(0, Math.log(estimate.ratio / estimate.ci[0])) * (1 + normalQuantile(0.95) / normalQuantile(1 - (1 - o.confidence) / 2)));

describe('without raw samples on a side: a point ratio from the stored summaries, never a verdict', () => {
  const empty = (r: ScenarioResult) => ({ ...r, rawSamples: [], sampleRounds: [] });
  it.each<[string, ScenarioResult, ScenarioResult]>([
    ['before has none', empty(before()), after()],
    ['after has none', before(), empty(after())],
    ['neither has any', empty(before()), empty(after())],
  ])('%s', (_, b, a) => {
    for (const probe of [undefined, probes(true, true)]) {
      expect(latencyChange(b, a, 50, OPTIONS, SEED, probe)).toEqual({ before: 2, after: 2.5, ratio: 1.25, ci: null, verdict: 'no-interval', detectable: null });
      expect(latencyChange(b, a, 95, OPTIONS, SEED, probe)).toEqual({ before: 3, after: 3.5, ratio: 3.5 / 3, ci: null, verdict: 'no-interval', detectable: null });
    }
  });
});

describe('the interval: over rounds when both runs know them, else the bootstrap', () => {
  const overRounds = (a: ScenarioResult, b: ScenarioResult, p: 50 | 95) =>
    batchedLogRatioInterval(
      [{ group: { samples: a.rawSamples, rounds: a.sampleRounds! }, sign: 1, run: 'after' }, { group: { samples: b.rawSamples, rounds: b.sampleRounds! }, sign: -1, run: 'before' }],
      p,
      { confidence: OPTIONS.confidence },
    );
  const bootstrap = (a: ScenarioResult, b: ScenarioResult, p: 50 | 95) => bootstrapRatioCi(a.rawSamples, b.rawSamples, p, { iterations: OPTIONS.iterations, confidence: OPTIONS.confidence, seed: SEED });
  const someRounds = Array.from({ length: 10 }, (_, i) => i);

  it.each<[string, ScenarioResult, ScenarioResult, 'rounds' | 'bootstrap']>([
    ['both know their rounds', before(true), after(true), 'rounds'],
    ['only before knows them', before(true), after(false), 'bootstrap'],
    ['only after knows them', before(false), after(true), 'bootstrap'],
    ['neither knows them', before(false), after(false), 'bootstrap'],
    ['after has rounds for only some samples', before(true), after(someRounds), 'bootstrap'],
    ['before has rounds for only some samples', before(someRounds), after(true), 'bootstrap'],
  ])('%s: %s', (_, b, a, expected) => {
    for (const p of [50, 95] as const) {
      const estimate = expected === 'rounds' ? overRounds(a, b, p) : bootstrap(a, b, p);
      const change = latencyChange(b, a, p, OPTIONS, SEED, undefined);
      expect(change).toEqual({
        before: p === 50 ? 2 : 3,
        after: p === 50 ? 2.5 : 3.5,
        ratio: estimate.ratio,
        ci: estimate.ci,
        verdict: judged(estimate.ci, OPTIONS.thresholdPct),
        detectable: detectableOf(estimate, OPTIONS),
      });
    }
  });

  it('a 20% slower after is flagged, an unchanged one is not (the estimators differ, the verdicts agree)', () => {
    for (const rounded of [true, false]) {
      expect(latencyChange(before(rounded), after(rounded, 2.4), 50, OPTIONS, SEED, undefined).verdict).toBe('regressed');
      expect(latencyChange(before(rounded), after(rounded, 2), 50, OPTIONS, SEED, undefined).verdict).toBe('no-change');
      expect(latencyChange(before(rounded), after(rounded, 1.6), 50, OPTIONS, SEED, undefined).verdict).toBe('improved');
    }
  });
});

describe('the drift probe: the ratio divided by the probe\'s, and the verdict judged on that', () => {
  const fourOverRounds = (a: ScenarioResult, b: ScenarioResult, pr: Probes, p: 50 | 95) => {
    const g = (r: ScenarioResult) => ({ samples: r.rawSamples, rounds: r.sampleRounds! });
    const { ratio, ci } = batchedLogRatioInterval(
      [{ group: g(a), sign: 1, run: 'after' }, { group: g(pr.after), sign: -1, run: 'after' }, { group: g(b), sign: -1, run: 'before' }, { group: g(pr.before), sign: 1, run: 'before' }],
      p,
      { confidence: OPTIONS.confidence },
    );
    return { ratio, ci };
  };
  const fourBootstrap = (a: ScenarioResult, b: ScenarioResult, pr: Probes, p: 50 | 95) =>
    bootstrapCorrectedRatioCi(a.rawSamples, b.rawSamples, pr.after.rawSamples, pr.before.rawSamples, p, { iterations: OPTIONS.iterations, confidence: OPTIONS.confidence, seed: SEED });

  // Every combination of which of the four groups know their rounds: only all four are judged over rounds.
  const combinations = Array.from({ length: 16 }, (_, bits) => [0, 1, 2, 3].map((k) => (bits & (1 << k)) !== 0) as [boolean, boolean, boolean, boolean]);
  it.each(combinations)('rounds known: before %s, after %s, probe before %s, probe after %s', (rb, ra, rpb, rpa) => {
    const [b, a, pr] = [before(rb), after(ra), probes(rpb, rpa)];
    for (const p of [50, 95] as const) {
      const change = latencyChange(b, a, p, OPTIONS, SEED, pr);
      const corrected = rb && ra && rpb && rpa ? fourOverRounds(a, b, pr, p) : fourBootstrap(a, b, pr, p);
      const raw = latencyChange(b, a, p, OPTIONS, SEED, undefined);
      expect(change).toEqual({
        before: raw.before,
        after: raw.after,
        ratio: raw.ratio,
        ci: raw.ci,
        corrected,
        verdict: judged(corrected.ci, OPTIONS.thresholdPct),
        detectable: detectableOf(corrected, OPTIONS),
      });
    }
  });

  it('a machine 20% slower in the after run is divided out: the raw ratio regresses, the judged one does not', () => {
    for (const rounded of [true, false]) {
      const change = latencyChange(before(rounded), after(rounded, 2.4), 50, OPTIONS, SEED, probes(rounded, rounded, 1.2));
      expect(judged(change.ci!, OPTIONS.thresholdPct)).toBe('regressed');
      expect(change.corrected!.ratio).toBeGreaterThan(0.9);
      expect(change.corrected!.ratio).toBeLessThan(1.1);
      expect(change.verdict).toBe('no-change');
    }
  });

  it('a machine 30% faster in the after run hides nothing: an unchanged raw ratio is a regression once corrected', () => {
    for (const rounded of [true, false]) {
      const change = latencyChange(before(rounded), after(rounded, 2), 50, OPTIONS, SEED, probes(rounded, rounded, 0.7));
      expect(judged(change.ci!, OPTIONS.thresholdPct)).toBe('no-change');
      expect(change.corrected!.ratio).toBeGreaterThan(1.3);
      expect(change.verdict).toBe('regressed');
    }
  });
});

describe('the verdict\'s boundaries: constant samples give an exact ratio and a zero-width interval', () => {
  const constant = (impl: string, ms: number) => result(impl, Array.from({ length: 5 }, () => ms), false);
  const change = (afterMs: number, thresholdPct: number, probe?: { before: number; after: number }): LatencyChange =>
    latencyChange(
      constant('fixed', 1),
      constant('fixed', afterMs),
      50,
      { ...OPTIONS, thresholdPct },
      SEED,
      probe === undefined ? undefined : { before: constant(PROBE_IMPL, probe.before), after: constant(PROBE_IMPL, probe.after) },
    );
  const up = 1 + 1e-9;
  const down = 1 - 1e-9;

  it.each<[number, number, string]>([
    // threshold 100%: limit 2, its inverse 0.5 (both exact in binary)
    [2 * up, 100, 'regressed'],
    [2, 100, 'no-change'],
    [2 * down, 100, 'no-change'],
    [1, 100, 'no-change'],
    [0.5 * up, 100, 'no-change'],
    [0.5, 100, 'no-change'],
    [0.5 * down, 100, 'improved'],
    // threshold 0%: any change out of [1, 1] is flagged
    [up, 0, 'regressed'],
    [1, 0, 'no-change'],
    [down, 0, 'improved'],
  ])('after %d x before, threshold %d%% -> %s', (ratio, thresholdPct, verdict) => {
    const c = change(ratio, thresholdPct);
    expect(c.ci).toEqual([ratio, ratio]);
    expect(c.verdict).toBe(verdict);
    // No spread: the smallest flaggable ratio is the limit itself.
    expect(c.detectable).toBe(1 + thresholdPct / 100);
  });

  it.each<[number, { before: number; after: number }, string]>([
    [2.5, { before: 1, after: 1.25 }, 'no-change'], // corrected exactly 2: at the limit
    [2.5, { before: 1, after: 1.25 * down }, 'regressed'],
    [2.5, { before: 1, after: 1.25 * up }, 'no-change'],
    [1, { before: 1, after: 2 }, 'no-change'], // corrected exactly 0.5
    [1, { before: 1, after: 2 * up }, 'improved'],
    [2, { before: 2, after: 1 }, 'regressed'], // raw 2 is not flagged, corrected 4 is
    [4, { before: 1, after: 4 }, 'no-change'], // raw 4 would be, corrected 1 is not
  ])('after %d x before, probe %j -> %s (judged on the corrected interval)', (ratio, probe, verdict) => {
    const c = change(ratio, 100, probe);
    expect(c.ratio).toBe(ratio);
    expect(c.verdict).toBe(verdict);
    expect(c.corrected!.ci[0]).toBe(c.corrected!.ratio);
    expect(c.detectable).toBe(2);
  });

  it('property: the verdict is regressed exactly above 1 + threshold and improved exactly below its inverse', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.2, max: 5, noNaN: true }), fc.integer({ min: 0, max: 100 }), (ratio, thresholdPct) => {
        const c = change(ratio, thresholdPct);
        const limit = 1 + thresholdPct / 100;
        const r = c.ci![0];
        expect(c.verdict).toBe(r > limit ? 'regressed' : r < 1 / limit ? 'improved' : 'no-change');
        expect(c.detectable).toBe(limit);
      }),
      { numRuns: 200 },
    );
  });
});

describe('the detectable ratio: the limit widened by the spread of the judged interval', () => {
  it('grows with the spread of the runs and with the confidence asked for', () => {
    const narrow = latencyChange(before(), after(), 50, OPTIONS, SEED, undefined);
    const wide = latencyChange(result('fixed', syntheticLatencies(1, 2, 120, 0.4), false), result('fixed', syntheticLatencies(2, 2.4, 120, 0.4), false), 50, OPTIONS, SEED, undefined);
    const stricter = latencyChange(before(), after(), 50, { ...OPTIONS, confidence: 0.99 }, SEED, undefined);
    expect(narrow.detectable!).toBeGreaterThan(1.1);
    expect(wide.detectable!).toBeGreaterThan(narrow.detectable!);
    expect(stricter.detectable!).toBeGreaterThan(narrow.detectable!);
  });

  it('a higher threshold moves it up by the same factor', () => {
    const at10 = latencyChange(before(), after(), 50, OPTIONS, SEED, undefined);
    const at30 = latencyChange(before(), after(), 50, { ...OPTIONS, thresholdPct: 30 }, SEED, undefined);
    expect(at30.detectable! / at10.detectable!).toBeCloseTo(1.3 / 1.1, 12);
  });
});

describe("the correction is bounded by the probe's precision", () => {
  /** A probe of few, widely spread samples: its own change between the runs is known only roughly. */
  const vagueProbes = (afterMs = 1): Probes => ({
    before: result(PROBE_IMPL, syntheticLatencies(3, 1, 12, 0.9), false),
    after: result(PROBE_IMPL, syntheticLatencies(4, afterMs, 12, 0.9), false),
  });
  const width = (ci: [number, number]) => Math.log(ci[1] / ci[0]);

  it('judges the figure uncorrected when the probe is over twice as imprecise, and says what the probe measured', () => {
    for (const p of [50, 95] as const) {
      const raw = latencyChange(before(), after(), p, OPTIONS, SEED, undefined);
      const change = latencyChange(before(), after(), p, OPTIONS, SEED, vagueProbes(0.5));
      expect(change.corrected).toBeUndefined();
      expect(change.ci).toEqual(raw.ci);
      expect(change.verdict).toBe(raw.verdict);
      expect(change.detectable).toBe(raw.detectable);
      const probe = bootstrapRatioCi(vagueProbes(0.5).after.rawSamples, vagueProbes(0.5).before.rawSamples, p, { iterations: OPTIONS.iterations, confidence: OPTIONS.confidence, seed: SEED });
      expect(change.driftNotCorrected).toEqual({ probe: { ratio: probe.ratio, ci: probe.ci } });
      expect(width(probe.ci)).toBeGreaterThan(PROBE_PRECISION_FACTOR * width(raw.ci!));
    }
  });

  it('corrects with a probe as precise as the figure, never adding more than its own spread', () => {
    const raw = latencyChange(before(), after(), 50, OPTIONS, SEED, undefined);
    const change = latencyChange(before(), after(), 50, OPTIONS, SEED, probes());
    expect(change.driftNotCorrected).toBeUndefined();
    expect(change.corrected).toBeDefined();
    expect(width(change.corrected!.ci)).toBeLessThan(Math.sqrt(1 + PROBE_PRECISION_FACTOR ** 2) * width(raw.ci!) * 1.2);
  });
});
