/**
 * `npm run bench:history`: how often `querygate history` finds the right steps, and how often it
 * finds one where there is none, on synthetic histories of 100 commits (issue 12's goals).
 */
import { analyzeHistory, type HistoryReport } from '../../reports/history.js';
import { syntheticHistory } from './synthetic-history.js';

export const LATENCY_STEP_AT = 40;
export const QUERY_STEP_AT = 70;

/** A history with a 15% latency step at commit 40 and a query-count step at 70: are exactly those found? */
export function stepTrial(seed: number): { ok: boolean; report: HistoryReport } {
  const entries = syntheticHistory({ seed, latencyStepAt: LATENCY_STEP_AT, queryStepAt: QUERY_STEP_AT });
  const report = analyzeHistory(entries, 'synthetic', entries.length);
  const at = (i: number) => entries[i]?.commit;
  const latencyFound = report.steps.some((s) => s.metric === 'p50' && s.commit === at(LATENCY_STEP_AT));
  const queriesFound = report.steps.some((s) => s.metric === 'queries' && s.commit === at(QUERY_STEP_AT));
  // A latency step at the query step's commit is right too: one more statement costs time.
  const nothingElse = report.steps.every((s) => s.commit === at(LATENCY_STEP_AT) || s.commit === at(QUERY_STEP_AT));
  return { ok: latencyFound && queriesFound && nothingElse, report };
}

/** 100 commits of unchanged code: is no step reported? */
export function nullTrial(seed: number): { ok: boolean; report: HistoryReport } {
  const entries = syntheticHistory({ seed });
  const report = analyzeHistory(entries, 'synthetic', entries.length);
  return { ok: report.steps.length === 0, report };
}

export function detectionRates(trials: number, firstSeed = 1): { found: number; quiet: number; p95AtStep: number; trials: number } {
  let found = 0;
  let quiet = 0;
  let p95AtStep = 0;
  for (let t = 0; t < trials; t++) {
    const step = stepTrial(firstSeed + t);
    if (step.ok) found += 1;
    if (step.report.steps.some((s) => s.metric === 'p95' && s.commit === step.report.series[0]?.points[LATENCY_STEP_AT]?.commit)) p95AtStep += 1;
    if (nullTrial(100_000 + firstSeed + t).ok) quiet += 1;
  }
  return { found, quiet, p95AtStep, trials };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const trials = Number(process.argv[2] ?? 100);
  const r = detectionRates(trials);
  process.stdout.write(
    `${trials} histories of 100 commits (60 samples per run, per-request CV ~15% with 3% outliers, run-to-run drift 3% AR(1)):\n` +
      `  15% latency step at commit ${LATENCY_STEP_AT} and query step at ${QUERY_STEP_AT}, found at the right commits and nothing else: ${r.found}/${trials}` +
      ` (p95 step found at ${LATENCY_STEP_AT} too: ${r.p95AtStep}/${trials})\n` +
      `  unchanged code, no step reported: ${r.quiet}/${trials}\n`,
  );
}
