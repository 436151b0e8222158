import { SCENARIOS } from '../../scenarios/index.js';
import type { Scenario } from '../../scenarios/scenario.js';
import { DEFAULT_THRESHOLDS, type Thresholds } from '../../scenarios/thresholds.js';
import { pairedRatio } from '../stats/paired-statistics.js';
import type { MeasuredRun, PairedComparison, RunResult } from '../core/result.js';
import { applyAgainstGates, applyGates } from './gates.js';
import { verdictOf, type Reason, type Verdict } from './verdict.js';

/**
 * Judges a measured run, the one way every command does it: each pair judged again from its
 * per-round ratios (a stored interval or verdict is never read), the gates of the implementation
 * under test from its measurements, the `--against` gates, then {@link runVerdict}. Fills `gates`
 * of the implementation under test's results.
 */
export function judgeRun(measured: MeasuredRun, scenarios: readonly Scenario[], thresholds: Thresholds): RunResult {
  const pairs = measured.pairs?.map(judgePair);
  const run: MeasuredRun = pairs === undefined ? measured : { ...measured, pairs };
  applyGates(run.results, run.ratios, scenarios, run.implUnderTest, thresholds, pairs ?? []);
  applyAgainstGates(run);
  return { ...run, verdict: runVerdict(run).outcome === 'pass' ? 'pass' : 'fail' };
}

/** The thresholds a stored run was judged with: its own, over the defaults for what it did not record. */
export function thresholdsOf(run: Pick<RunResult, 'options'>): Thresholds {
  const own = (run.options['thresholds'] ?? {}) as Partial<Thresholds>;
  return { ...DEFAULT_THRESHOLDS, ...own };
}

/** A stored run judged again from its measurements; `stored` is the verdict the file claimed. */
export interface Rejudged {
  result: RunResult;
  verdict: Verdict;
  stored: RunResult['verdict'];
}

/** `report` and `merge`: never trust a stored verdict; judge the measurements with the run's own thresholds. */
export function rejudge(result: RunResult, scenarios: readonly Scenario[] = SCENARIOS): Rejudged {
  const { verdict: stored, ...measured } = structuredClone(result);
  const judged = judgeRun(measured, scenarios, thresholdsOf(result));
  return { result: judged, verdict: runVerdict(judged), stored };
}

/**
 * A pair's ratio, interval, p-value, smallest detectable effect and verdict, computed again from
 * its per-round ratios at its own confidence and minimum effect. A pair of no rounds judges nothing.
 */
export function judgePair(pair: PairedComparison): PairedComparison {
  if (pair.roundRatios.length === 0) return { ...pair, rounds: 0, verdict: 'same' };
  const { ratio, ci, pValue, mde, verdict } = pairedRatio(pair.roundRatios, { confidence: pair.confidence, minEffect: pair.minEffect });
  return { ...pair, rounds: pair.roundRatios.length, ratio, ci, pValue, mde, verdict };
}

/**
 * The verdict of a judged run: every failed gate of the implementation under test, every result
 * of it that errored, every run-level error; and as missing evidence: nothing of it measured, a
 * result without raw samples, and under `--against` a scenario without its pair or with REF's side
 * missing or errored.
 */
export function runVerdict(run: MeasuredRun): Verdict {
  const reasons: Reason[] = [];
  const tested = run.results.filter((r) => r.impl === run.implUnderTest);
  if (tested.length === 0) {
    reasons.push({ kind: 'missing-evidence', message: `nothing of ${run.implUnderTest}, the implementation under test, was measured` });
  }
  for (const r of tested) {
    const where = `${r.scenario}, ${r.dialect}`;
    if (r.state === 'errored') {
      reasons.push({ kind: 'errored', where, message: `${r.impl} could not be measured: ${r.error ?? 'no error message'}` });
      continue;
    }
    for (const g of r.gates) if (!g.pass) reasons.push({ kind: 'gate', where, message: `${g.id}: ${g.message}` });
    if (r.rawSamples.length === 0) reasons.push({ kind: 'missing-evidence', where, message: `${r.impl} kept no raw samples: its latency cannot be judged` });
    if (run.against === undefined) continue;
    const pair = (run.pairs ?? []).find((p) => p.kind === 'against' && p.scenario === r.scenario && p.dialect === r.dialect && p.subject === r.impl);
    if (pair === undefined) {
      reasons.push({ kind: 'missing-evidence', where, message: `no pair against ${run.against.ref}: ${r.impl} was not judged against it` });
      continue;
    }
    const reference = run.results.find((x) => x.scenario === r.scenario && x.dialect === r.dialect && x.impl === pair.reference);
    if (reference === undefined) reasons.push({ kind: 'missing-evidence', where, message: `${pair.reference} (${run.against.ref}'s side) was not measured` });
    else if (reference.state === 'errored') reasons.push({ kind: 'missing-evidence', where, message: `${pair.reference} (${run.against.ref}'s side) could not be measured: ${reference.error ?? 'no error message'}` });
  }
  for (const error of run.errors) reasons.push({ kind: 'run-error', message: error });
  return verdictOf(reasons);
}
