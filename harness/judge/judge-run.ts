import { SCENARIOS } from '../../scenarios/index.js';
import type { Scenario } from '../../scenarios/scenario.js';
import { DEFAULT_THRESHOLDS, type Thresholds } from '../../scenarios/thresholds.js';
import { pairedRatio } from '../stats/paired-statistics.js';
import { isNewSinceRef } from '../core/new-since-ref.js';
import type { MeasuredRun, PairedComparison, RunResult, ScenarioResult } from '../core/result.js';
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

/** Each scenario's own thresholds as a stored run recorded them, by name. */
export function scenarioThresholdsOf(run: Pick<RunResult, 'options'>): Record<string, Partial<Thresholds>> {
  return (run.options['scenarioThresholds'] ?? {}) as Record<string, Partial<Thresholds>>;
}

/**
 * The scenarios as a stored run was judged: each with the thresholds the run recorded for it,
 * never the ones its file says today (a run that recorded none was judged with the run's alone).
 */
export function scenariosAsJudged(run: Pick<RunResult, 'options'>, scenarios: readonly Scenario[]): Scenario[] {
  const recorded = scenarioThresholdsOf(run);
  return scenarios.map(({ thresholds: _today, ...scenario }) => {
    const own = recorded[scenario.name];
    return own === undefined ? scenario : { ...scenario, thresholds: own };
  });
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
  const judged = judgeRun(measured, scenariosAsJudged(result, scenarios), thresholdsOf(result));
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
 * missing or errored (but for a scenario new since REF, which REF cannot serve).
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
    reasons.push(...againstReasons(run, r));
  }
  for (const error of run.errors) reasons.push({ kind: 'run-error', message: error });
  return verdictOf(reasons);
}

/**
 * Under `--against`, what is missing of a measured result of the implementation under test: its
 * pair against REF, or REF's side. A scenario new since REF has neither, by design (REF cannot
 * serve it), and is judged by its own gates alone; a file that calls a scenario new while holding
 * REF's side of it is not believed.
 */
function againstReasons(run: MeasuredRun, r: ScenarioResult): Reason[] {
  if (run.against === undefined) return [];
  const where = `${r.scenario}, ${r.dialect}`;
  const ref = run.against.ref;
  const pair = (run.pairs ?? []).find((p) => p.kind === 'against' && p.scenario === r.scenario && p.dialect === r.dialect && p.subject === r.impl);
  const refSide = pair?.reference ?? `${r.impl}@${ref}`;
  const reference = run.results.find((x) => x.scenario === r.scenario && x.dialect === r.dialect && x.impl === refSide);
  if (pair === undefined && reference === undefined && isNewSinceRef(run, r)) return [];
  if (reference?.state === 'errored') return [{ kind: 'missing-evidence', where, message: `${refSide} (${ref}'s side) could not be measured: ${reference.error ?? 'no error message'}` }];
  if (pair === undefined) return [{ kind: 'missing-evidence', where, message: `no pair against ${ref}: ${r.impl} was not judged against it` }];
  if (reference === undefined) return [{ kind: 'missing-evidence', where, message: `${refSide} (${ref}'s side) was not measured` }];
  return [];
}
