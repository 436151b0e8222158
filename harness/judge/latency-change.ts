import { normalQuantile } from '../stats/normal-distribution.js';
import type { PROBE_IMPL, ScenarioResult } from '../core/result.js';
import { bootstrapCorrectedRatioCi, bootstrapRatioCi } from '../stats/statistics.js';
import { batchedLogRatioInterval } from '../stats/batched-log-ratio-interval.js';
import { roundedSamplesOf } from '../stats/rounded-samples.js';
import type { CompareOptions } from './compare.js';

/**
 * How a latency moved: `regressed` when the whole interval of after/before lies above
 * 1 + threshold, `improved` when it lies below 1 / (1 + threshold), `no-interval` when a side
 * kept no raw samples (a point ratio only, never a regression).
 */
export type LatencyVerdict = 'regressed' | 'improved' | 'no-change' | 'no-interval';

/** One latency percentile before and after, in ms, and its ratio after / before. */
export interface LatencyChange {
  before: number;
  after: number;
  ratio: number;
  ci: [number, number] | null;
  verdict: LatencyVerdict;
  /**
   * The ratio divided by the drift probe's ratio between the same runs (the harness-owned
   * {@link PROBE_IMPL}, a trivial statement outside the code under test), when both runs
   * measured it: what is left of the change once the machine's drift is taken out. When
   * present, the verdict is judged on it.
   */
  corrected?: { ratio: number; ci: [number, number] };
  /**
   * The probe's own change between the runs, when it was far less precise than this figure's (its
   * interval over {@link PROBE_PRECISION_FACTOR} times as wide in log terms): dividing by it would
   * add far more noise than drift it removes (a detail p95 of 0.97x [0.82, 1.18] read 2.18x
   * [1.03, 18.6] once corrected), so the figure is judged uncorrected and this says why.
   */
  driftNotCorrected?: { probe: { ratio: number; ci: [number, number] } };
  /**
   * The smallest ratio this check flags with 95% power, given the spread of these two runs:
   * (1 + threshold) * exp(d * (1 + z_0.95 / z)), d = log(ratio / lower end) of the judged
   * interval and z the normal quantile of its one-sided level. Null without an interval.
   */
  detectable: number | null;
}

export /** The drift probe's results on one database in both runs: the yardstick of the machine's drift. */
interface Probes {
  before: ScenarioResult;
  after: ScenarioResult;
}

/**
 * How one percentile moved between two runs: the ratio after / before with its interval (over
 * rounds in time order when both runs know them, else a bootstrap), corrected by the drift probe
 * when both runs measured it, judged against 1 + threshold.
 */
export function latencyChange(
  before: ScenarioResult,
  after: ScenarioResult,
  p: 50 | 95,
  options: CompareOptions,
  seed: number,
  probes: Probes | undefined,
): LatencyChange {
  const key = p === 50 ? 'p50' : 'p95';
  const change = { before: before.latencyMs[key], after: after.latencyMs[key] };
  if (before.rawSamples.length === 0 || after.rawSamples.length === 0) {
    return { ...change, ratio: change.after / change.before, ci: null, verdict: 'no-interval', detectable: null };
  }
  const bootstrap = { iterations: options.iterations, confidence: options.confidence, seed };
  // Over rounds in time order when both runs know them: each run's slow drift widens its side
  // (a bootstrap of single samples ignores it: npm run bench:coverage); else the bootstrap.
  const [a, b] = [roundedSamplesOf(after), roundedSamplesOf(before)];
  const { ratio, ci } =
    a !== null && b !== null
      ? batchedLogRatioInterval([{ group: a, sign: 1, run: 'after' }, { group: b, sign: -1, run: 'before' }], p, { confidence: options.confidence })
      : bootstrapRatioCi(after.rawSamples, before.rawSamples, p, bootstrap);
  const limit = 1 + options.thresholdPct / 100;
  const judge = (interval: [number, number]): LatencyVerdict => (interval[0] > limit ? 'regressed' : interval[1] < 1 / limit ? 'improved' : 'no-change');
  const detectable = (judged: { ratio: number; ci: [number, number] }): number => {
    const z = normalQuantile(1 - (1 - options.confidence) / 2);
    const down = Math.max(0, Math.log(judged.ratio / judged.ci[0]));
    return limit * Math.exp(down * (1 + normalQuantile(0.95) / z));
  };
  if (probes === undefined) return { ...change, ratio, ci, verdict: judge(ci), detectable: detectable({ ratio, ci }) };
  const [pa, pb] = [roundedSamplesOf(probes.after), roundedSamplesOf(probes.before)];
  // The correction is bounded by the probe's precision: never divide by a yardstick vaguer than the figure.
  // Its interval by the figure's own method (over rounds only when all four groups know them), so the two widths compare.
  const probe =
    a !== null && b !== null && pa !== null && pb !== null
      ? batchedLogRatioInterval([{ group: pa, sign: 1, run: 'after' }, { group: pb, sign: -1, run: 'before' }], p, { confidence: options.confidence })
      : bootstrapRatioCi(probes.after.rawSamples, probes.before.rawSamples, p, bootstrap);
  if (logWidth(probe.ci) > PROBE_PRECISION_FACTOR * logWidth(ci)) {
    return { ...change, ratio, ci, verdict: judge(ci), detectable: detectable({ ratio, ci }), driftNotCorrected: { probe: { ratio: probe.ratio, ci: probe.ci } } };
  }
  const batched = a !== null && b !== null && pa !== null && pb !== null
    ? batchedLogRatioInterval(
      [{ group: a, sign: 1, run: 'after' }, { group: pa, sign: -1, run: 'after' }, { group: b, sign: -1, run: 'before' }, { group: pb, sign: 1, run: 'before' }],
      p,
      { confidence: options.confidence },
    )
    : null;
  const corrected = batched === null
    ? bootstrapCorrectedRatioCi(after.rawSamples, before.rawSamples, probes.after.rawSamples, probes.before.rawSamples, p, bootstrap)
    : { ratio: batched.ratio, ci: batched.ci };
  return { ...change, ratio, ci, verdict: judge(corrected.ci), corrected, detectable: detectable(corrected) };
}

/**
 * How much less precise than a figure the probe may be for its drift to be divided out: the
 * probe takes fewer samples than the implementation under test (a twentieth of the time, at a
 * third of the cost per request), so its interval is often about twice as wide; the corrected
 * interval is then at most about sqrt(1 + 2^2) = 2.2 times the raw one.
 */
export const PROBE_PRECISION_FACTOR = 2;

/** An interval's width on the log scale: how imprecise a ratio is, whatever its size. */
function logWidth(ci: readonly [number, number]): number {
  return Math.log(ci[1] / ci[0]);
}
