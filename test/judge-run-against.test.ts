/**
 * runVerdict under `--against` (harness/judge/judge-run.ts) for a scenario new since REF: REF
 * cannot serve it, so it has neither a pair nor REF's side and is judged by its own gates alone;
 * but only when the run says so for that scenario and database, and a file that calls a scenario
 * new while holding REF's side or its pair of it is not believed. Milliseconds: bench:mutation runs them.
 */
import { describe, expect, it } from 'vitest';
import type { AgainstInfo, PairedComparison, ScenarioResult } from '../harness/core/result.js';
import { DEFAULT_THRESHOLDS } from '../harness/judge/gates.js';
import { judgeRun, runVerdict } from '../harness/judge/judge-run.js';
import type { Reason, Verdict } from '../harness/judge/verdict.js';
import type { Scenario } from '../scenarios/scenario.js';
import { makeRun, makeScenarioResult, samplesWithP95 } from './fixtures/sample-result.js';

const SCENARIOS: Scenario[] = [{ name: 'list-50', description: '', requests: [], gates: ['queries-at-most-max'] }];
const SAME = Array.from({ length: 30 }, (_, i) => 1 + ((i % 5) - 2) * 0.002);

function at(impl: string, fields: Partial<ScenarioResult> = {}): ScenarioResult {
  return makeScenarioResult({
    scenario: 'list-50', dialect: 'sqlite', impl, rawSamples: samplesWithP95(60, 3),
    queries: { perRequest: 4, perRequestMin: 4, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: { 'page 1': 4 } },
    ...fields,
  });
}

const pair = (fields: Partial<PairedComparison> = {}): PairedComparison => ({
  scenario: 'list-50', dialect: 'sqlite', subject: 'fixed', reference: 'fixed@main', kind: 'against', rounds: SAME.length, roundRatios: SAME,
  ratio: 1, ci: [0.9, 1.1], confidence: 0.99, pValue: 0.5, minEffect: 0.02, mde: 0.05, verdict: 'same', ...fields,
});

const NEW_HERE = [{ scenario: 'list-50', dialect: 'sqlite' as const }];
const against = (newScenarios?: AgainstInfo['newScenarios']): AgainstInfo => ({ ref: 'main', sha: 'a'.repeat(40), mergeBase: null, schemaDiffers: false, ...(newScenarios === undefined ? {} : { newScenarios }) });

function verdictOf(results: ScenarioResult[], pairs: PairedComparison[] | undefined, info: AgainstInfo): Verdict {
  const { verdict: _stored, ...measured } = makeRun(results);
  return runVerdict(judgeRun({ ...measured, ...(pairs === undefined ? {} : { pairs }), against: info }, SCENARIOS, DEFAULT_THRESHOLDS));
}

const missing = (message: string): Verdict => ({ outcome: 'missing-evidence', reasons: [{ kind: 'missing-evidence', where: 'list-50, sqlite', message } satisfies Reason] });
const PASS: Verdict = { outcome: 'pass', reasons: [] };
const NO_PAIR = missing('no pair against main: fixed was not judged against it');
const NO_REF = missing("fixed@main (main's side) was not measured");

describe('a scenario new since REF', () => {
  it.each<[string, ScenarioResult[], PairedComparison[] | undefined, AgainstInfo, Verdict]>([
    ['new here: judged by its own gates alone', [at('fixed')], [], against(NEW_HERE), PASS],
    ['new here, and the run has no pairs at all', [at('fixed')], undefined, against(NEW_HERE), PASS],
    ['not new: no pair is missing evidence', [at('fixed')], [], against(), NO_PAIR],
    ['not new, and the run has no pairs at all', [at('fixed')], undefined, against(), NO_PAIR],
    ['new on another database only', [at('fixed')], [], against([{ scenario: 'list-50', dialect: 'postgres' }]), NO_PAIR],
    ['another scenario new', [at('fixed')], [], against([{ scenario: 'detail', dialect: 'sqlite' }]), NO_PAIR],
    ['called new, yet REF\'s side is there: the missing pair counts', [at('fixed'), at('fixed@main')], [], against(NEW_HERE), NO_PAIR],
    ['called new, yet its pair is there: the missing REF side counts', [at('fixed')], [pair()], against(NEW_HERE), NO_REF],
    ['called new, with its pair and REF\'s side: judged as any other', [at('fixed'), at('fixed@main')], [pair()], against(NEW_HERE), PASS],
    ['called new, yet REF\'s side errored: named', [at('fixed'), at('fixed@main', { state: 'errored', error: 'E' })], [], against(NEW_HERE), missing("fixed@main (main's side) could not be measured: E")],
  ])('%s', (_, results, pairs, info, expected) => {
    expect(verdictOf(results, pairs, info)).toEqual(expected);
  });
});

describe("REF's side: the pair's reference, else the implementation at REF", () => {
  it.each<[string, ScenarioResult[], PairedComparison[], Verdict]>([
    ['the pair names its reference', [at('fixed'), at('fixed@v1')], [pair({ reference: 'fixed@v1' })], PASS],
    ['the pair names a reference that was not measured', [at('fixed'), at('fixed@main')], [pair({ reference: 'fixed@v1' })], missing("fixed@v1 (main's side) was not measured")],
    ['no pair: the implementation at REF, errored', [at('fixed'), at('fixed@main', { state: 'errored', error: 'E' })], [], missing("fixed@main (main's side) could not be measured: E")],
  ])('%s', (_, results, pairs, expected) => {
    expect(verdictOf(results, pairs, against())).toEqual(expected);
  });
});
