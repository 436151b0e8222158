/**
 * `npm run bench:history`: how often `querygate history` finds the right steps, and how often it
 * finds one where there is none, on synthetic histories of 100 commits (issue 12's goals).
 */
import { analyzeHistory, type HistoryOptions, type HistoryReport } from '../judge/history.js';
import { syntheticHistory, type SyntheticHistoryOptions } from './synthetic-history.js';

/** What a trial varies: the simulated runs, and how history analyses them. */
export interface TrialSettings {
  synthetic?: Partial<SyntheticHistoryOptions>;
  history?: Partial<HistoryOptions>;
}

export const LATENCY_STEP_AT = 40;
export const QUERY_STEP_AT = 70;

/** A history with a 15% latency step at commit 40 and a query-count step at 70: are exactly those found? */
export function stepTrial(seed: number, settings: TrialSettings = {}): { ok: boolean; report: HistoryReport } {
  const entries = syntheticHistory({ ...settings.synthetic, seed, latencyStepAt: LATENCY_STEP_AT, queryStepAt: QUERY_STEP_AT });
  const report = analyzeHistory(entries, 'synthetic', entries.length, settings.history);
  const at = (i: number) => entries[i]?.commit;
  const latencyFound = report.steps.some((s) => s.metric === 'p50' && s.commit === at(LATENCY_STEP_AT));
  const queriesFound = report.steps.some((s) => s.metric === 'queries' && s.commit === at(QUERY_STEP_AT));
  // A latency step at the query step's commit is right too: one more statement costs time.
  const nothingElse = report.steps.every((s) => s.commit === at(LATENCY_STEP_AT) || s.commit === at(QUERY_STEP_AT));
  return { ok: latencyFound && queriesFound && nothingElse, report };
}

/** 100 commits of unchanged code: is no step reported? */
export function nullTrial(seed: number, settings: TrialSettings = {}): { ok: boolean; report: HistoryReport } {
  const entries = syntheticHistory({ ...settings.synthetic, seed });
  const report = analyzeHistory(entries, 'synthetic', entries.length, settings.history);
  return { ok: report.steps.length === 0, report };
}

export function detectionRates(trials: number, settings: TrialSettings = {}, firstSeed = 1): { found: number; quiet: number; p95AtStep: number; trials: number } {
  let found = 0;
  let quiet = 0;
  let p95AtStep = 0;
  for (let t = 0; t < trials; t++) {
    const step = stepTrial(firstSeed + t, settings);
    if (step.ok) found += 1;
    if (step.report.steps.some((s) => s.metric === 'p95' && s.commit === step.report.series[0]?.points[LATENCY_STEP_AT]?.commit)) p95AtStep += 1;
    if (nullTrial(100_000 + firstSeed + t, settings).ok) quiet += 1;
  }
  return { found, quiet, p95AtStep, trials };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const trials = Number(process.argv[2] ?? 100);
  process.stdout.write(
    `${trials} synthetic histories of 100 commits each (per-request CV ~15% with 3% outliers, run-to-run drift 3% AR(1));\n` +
      `found: the 15% latency step at commit ${LATENCY_STEP_AT} and the query step at ${QUERY_STEP_AT} at exactly those commits, nothing else; quiet: unchanged code, no step\n`,
  );
  for (const samplesPerRun of [60, 300]) {
    for (const relativeToProbe of [true, false]) {
      const r = detectionRates(trials, { synthetic: { samplesPerRun }, history: { relativeToProbe } });
      process.stdout.write(
        `  ${samplesPerRun} samples per run, latency ${relativeToProbe ? 'over the drift probe' : 'absolute'}: found ${r.found}/${trials} (p95 too: ${r.p95AtStep}), quiet ${r.quiet}/${trials}\n`,
      );
    }
  }
}
