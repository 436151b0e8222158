/**
 * The judge, case by case: how reasons combine into an outcome, how an outcome becomes an exit
 * code, and runVerdict for every combination of gate outcome, pair verdict, run error and errored
 * side. Milliseconds each, so the mutation bench (npm run bench:mutation) runs them per mutant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeOf, exitCodeOfError, reportVerdict } from '../harness/cli/exit-codes.js';
import { ResultFileError } from '../harness/core/result-file-error.js';
import { FixtureRefusedError } from '../harness/db/fixture-refused-error.js';
import { EnvironmentError, UsageError } from '../harness/core/errors.js';
import { historyVerdict } from '../harness/judge/history.js';
import { judgePair, judgeRun, rejudge, runVerdict, thresholdsOf } from '../harness/judge/judge-run.js';
import { DEFAULT_THRESHOLDS, MIN_PAIRED_ROUNDS } from '../harness/judge/gates.js';
import { describeReason, verdictOf, type Reason, type ReasonKind } from '../harness/judge/verdict.js';
import type { GateResult, MeasuredRun, PairedComparison, ScenarioResult } from '../harness/core/result.js';
import type { Scenario } from '../scenarios/scenario.js';
import { makeRun, makeScenarioResult, samplesWithP95 } from './fixtures/sample-result.js';

const reason = (kind: ReasonKind, message: string = kind): Reason => ({ kind, message });

describe('verdictOf: one rule for every command', () => {
  it.each([
    [[], 'pass'],
    [['gate'], 'fail'],
    [['errored'], 'fail'],
    [['run-error'], 'fail'],
    [['regression'], 'fail'],
    [['missing-evidence'], 'missing-evidence'],
    [['missing-evidence', 'gate'], 'fail'],
    [['run-error', 'missing-evidence'], 'fail'],
    [['missing-evidence', 'missing-evidence'], 'missing-evidence'],
  ] as [ReasonKind[], string][])('%j -> %s', (kinds, outcome) => {
    const verdict = verdictOf(kinds.map((k) => reason(k)));
    expect(verdict.outcome).toBe(outcome);
    expect(verdict.reasons).toHaveLength(kinds.length);
  });

  it('lists the failing reasons first, each kind in its given order, then the missing evidence', () => {
    const verdict = verdictOf([reason('missing-evidence', 'm1'), reason('gate', 'g1'), reason('missing-evidence', 'm2'), reason('run-error', 'r1')]);
    expect(verdict.reasons.map((r) => r.message)).toEqual(['g1', 'r1', 'm1', 'm2']);
  });

  it('property: the outcome is pass exactly when there is no reason, and fail exactly when some reason fails', () => {
    const kinds: ReasonKind[] = ['gate', 'errored', 'run-error', 'regression', 'missing-evidence'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...kinds), { maxLength: 8 }), (picked) => {
        const { outcome, reasons } = verdictOf(picked.map((k) => reason(k)));
        expect(reasons).toHaveLength(picked.length);
        expect(outcome === 'pass').toBe(picked.length === 0);
        expect(outcome === 'fail').toBe(picked.some((k) => k !== 'missing-evidence'));
        expect(exitCodeOf({ outcome, reasons })).toBe(outcome === 'pass' ? 0 : outcome === 'fail' ? 1 : 2);
      }),
    );
  });

  it('describes a reason in one line, with where it happened when known', () => {
    expect(describeReason({ kind: 'gate', where: 'list-50, sqlite', message: 'queries-at-most-max: 6' })).toBe('gate (list-50, sqlite): queries-at-most-max: 6');
    expect(describeReason({ kind: 'missing-evidence', message: 'no samples' })).toBe('missing evidence: no samples');
    expect(describeReason({ kind: 'run-error', message: 'boom' })).toBe('run error: boom');
    expect(describeReason({ kind: 'regression', message: 'grew' })).toBe('regression: grew');
  });
});

describe('exit codes: one place', () => {
  it('maps outcomes to 0, 1, 2', () => {
    expect(EXIT).toEqual({ pass: 0, fail: 1, usage: 2, environment: 3 });
    expect(exitCodeOf({ outcome: 'pass', reasons: [] })).toBe(0);
    expect(exitCodeOf({ outcome: 'fail', reasons: [] })).toBe(1);
    expect(exitCodeOf({ outcome: 'missing-evidence', reasons: [] })).toBe(2);
  });

  it('takes an error\'s exit code from its class: bad usage and bad input 2, the environment 3, anything else 3', () => {
    expect(exitCodeOfError(new UsageError('x'))).toBe(2);
    expect(exitCodeOfError(new ResultFileError('a.json', 'x'))).toBe(2);
    expect(exitCodeOfError(new FixtureRefusedError('x'))).toBe(2);
    expect(exitCodeOfError(new EnvironmentError('x'))).toBe(3);
    expect(exitCodeOfError(new Error('x'))).toBe(3);
    expect(exitCodeOfError(null)).toBe(3);
    expect(exitCodeOfError({ exitCode: 0 })).toBe(3);
    expect(exitCodeOfError({ exitCode: 1 })).toBe(3);
  });

  it('prints the reasons of a verdict that is not a pass, three at most, and nothing for a pass', () => {
    const lines: string[] = [];
    const write = (line: string): void => void lines.push(line);
    expect(reportVerdict({ outcome: 'pass', reasons: [] }, 'run', write)).toBe(0);
    expect(lines).toEqual([]);
    const four = ['a', 'b', 'c', 'd'].map((m) => reason('gate', m));
    expect(reportVerdict(verdictOf(four), 'run', write)).toBe(1);
    expect(lines).toEqual(['querygate: run: FAIL: gate: a | gate: b | gate: c (+1 more)\n']);
    expect(reportVerdict(verdictOf([reason('missing-evidence', 'x')]), 'compare', write)).toBe(2);
    expect(lines[1]).toBe('querygate: compare: MISSING EVIDENCE, not a pass: missing evidence: x\n');
    expect(reportVerdict(verdictOf(four.slice(0, 3)), 'run', write)).toBe(1);
    expect(lines[2]).toBe('querygate: run: FAIL: gate: a | gate: b | gate: c\n');
  });
});

/** One scenario whose only gate is the query limit: the runs below vary everything else. */
const ONLY_QUERIES: Scenario[] = [{ name: 'list-50', description: '', requests: [], gates: ['queries-at-most-max'] }];

function tested(impl: string, fields: Partial<ScenarioResult> = {}): ScenarioResult {
  return makeScenarioResult({ scenario: 'list-50', dialect: 'sqlite', impl, rawSamples: samplesWithP95(60, 3), queries: { perRequest: 4, perRequestMin: 4, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: { 'page 1': 4 } }, ...fields });
}

function pairOf(kind: PairedComparison['kind'], roundRatios: number[], fields: Partial<PairedComparison> = {}): PairedComparison {
  const reference = kind === 'against' ? 'fixed@main' : kind === 'aa' ? 'fixed (A/A)' : 'baseline';
  return {
    scenario: 'list-50', dialect: 'sqlite', subject: 'fixed', reference, kind, rounds: roundRatios.length, roundRatios,
    ratio: 1, ci: [0.9, 1.1], confidence: 0.99, pValue: 0.5, minEffect: 0.02, mde: 0.05, verdict: 'same', ...fields,
  };
}

const SAME = Array.from({ length: 30 }, (_, i) => 1 + ((i % 5) - 2) * 0.002);
const SLOWER = SAME.map((r) => r * 1.5);

describe('runVerdict: every combination of gate outcome, pair verdict, run error and errored side', () => {
  type Gate = 'pass' | 'fail';
  type Pair = 'none' | 'same' | 'slower' | 'missing' | 'few';
  type Side = 'none' | 'subject errored' | 'reference errored' | 'reference missing';
  const gates: Gate[] = ['pass', 'fail'];
  const pairs: Pair[] = ['none', 'same', 'slower', 'missing', 'few'];
  const errors = [false, true];
  const sides: Side[] = ['none', 'subject errored', 'reference errored', 'reference missing'];
  const combos = gates.flatMap((g) => pairs.flatMap((p) => errors.flatMap((e) => sides.map((s) => [g, p, e, s] as const))));

  it.each(combos)('gate %s, pair %s, run error %s, side %s', (gate, pair, runError, side) => {
    const against = pair !== 'none';
    const subject = tested('fixed', side === 'subject errored' ? { state: 'errored', error: 'boom' } : gate === 'fail' ? { queries: { perRequest: 9, perRequestMin: 9, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: { 'page 1': 9 } } } : {});
    const results = [subject];
    if (against && side !== 'reference missing') results.push(tested('fixed@main', side === 'reference errored' ? { state: 'errored', error: 'a request answered 404' } : {}));
    const pairList = pair === 'same' ? [pairOf('against', SAME)] : pair === 'slower' ? [pairOf('against', SLOWER)] : pair === 'few' ? [pairOf('against', SAME.slice(0, MIN_PAIRED_ROUNDS - 1))] : [];
    const measured: MeasuredRun = {
      ...withoutVerdict(makeRun(results)),
      pairs: pairList,
      errors: runError ? ['fixture checksums differ'] : [],
      ...(against ? { against: { ref: 'main', sha: 'a'.repeat(40), mergeBase: null, schemaDiffers: false } } : {}),
    };
    const judged = judgeRun(measured, ONLY_QUERIES, DEFAULT_THRESHOLDS);
    const verdict = runVerdict(judged);
    const kinds = new Set(verdict.reasons.map((r) => r.kind));

    // What must fail: a failed gate of a measured subject, the subject errored, a run error, a
    // slower pair, a pair of too few rounds (its gate fails), when REF's side is there to judge.
    const subjectMeasured = side !== 'subject errored';
    const refThere = against && side !== 'reference errored' && side !== 'reference missing';
    const pairJudged = subjectMeasured && refThere && pair !== 'missing';
    const fails = (subjectMeasured && gate === 'fail') || side === 'subject errored' || runError || (pairJudged && (pair === 'slower' || pair === 'few'));
    const missing = subjectMeasured && against && (pair === 'missing' || !refThere);
    expect(verdict.outcome).toBe(fails ? 'fail' : missing ? 'missing-evidence' : 'pass');
    expect(judged.verdict).toBe(verdict.outcome === 'pass' ? 'pass' : 'fail');
    expect(kinds.has('run-error')).toBe(runError);
    expect(kinds.has('errored')).toBe(side === 'subject errored');
    expect(kinds.has('missing-evidence')).toBe(missing);
    expect(kinds.has('gate')).toBe((subjectMeasured && gate === 'fail') || (pairJudged && (pair === 'slower' || pair === 'few')));
  });

  it('is missing evidence when nothing of the implementation under test was measured', () => {
    const verdict = runVerdict(withoutVerdict(makeRun([tested('baseline')])));
    expect(verdict).toEqual({ outcome: 'missing-evidence', reasons: [{ kind: 'missing-evidence', message: 'nothing of fixed, the implementation under test, was measured' }] });
  });

  it('is missing evidence when the implementation under test kept no raw samples, and names it', () => {
    const verdict = runVerdict(withoutVerdict(makeRun([tested('fixed', { rawSamples: [], latencyMs: { p50: 3, p95: 3, p99: 3, mean: 3, min: 3, max: 3, p95Ci: [3, 3], count: 0 } })])));
    expect(verdict.outcome).toBe('missing-evidence');
    expect(verdict.reasons).toEqual([{ kind: 'missing-evidence', where: 'list-50, sqlite', message: 'fixed kept no raw samples: its latency cannot be judged' }]);
  });

  it('ignores other implementations: a baseline that fails or errors does not fail the run', () => {
    const bad: GateResult = { id: 'x', pass: false, actual: '', threshold: '', message: '' };
    const run = withoutVerdict(makeRun([tested('fixed'), tested('baseline', { gates: [bad] }), tested('floor', { state: 'errored' })]));
    expect(runVerdict(run).outcome).toBe('pass');
  });

  it('names errored sides and run errors in its reasons', () => {
    const run = withoutVerdict(makeRun([tested('fixed', { state: 'errored', error: 'a request answered 500' })], { errors: ['sqlite list-50: boom'] }));
    expect(runVerdict(run).reasons).toEqual([
      { kind: 'errored', where: 'list-50, sqlite', message: 'fixed could not be measured: a request answered 500' },
      { kind: 'run-error', message: 'sqlite list-50: boom' },
    ]);
  });
});

describe('pairs: judged again from their rounds, each kind in isolation and mixed', () => {
  it('never reads a stored interval or verdict', () => {
    const forged = pairOf('against', SLOWER, { ratio: 1, ci: [0.9, 1.1], pValue: 0.9, mde: 0, verdict: 'same' });
    const judged = judgePair(forged);
    expect(judged.verdict).toBe('slower');
    expect(judged.ratio).toBeCloseTo(1.5, 2);
    expect(judged.ci[0]).toBeGreaterThan(1.02);
    expect(judged.pValue).toBeLessThan(0.01);
    expect(judged.mde).toBeGreaterThan(0.02);
  });

  it('judges a pair of no rounds as nothing: "same", rounds 0', () => {
    expect(judgePair(pairOf('against', [], { rounds: 3, verdict: 'slower' }))).toMatchObject({ rounds: 0, verdict: 'same' });
  });

  it('uses the pair\'s own confidence and minimum effect', () => {
    const slightly = SAME.map((r) => r * 1.04);
    expect(judgePair(pairOf('against', slightly, { minEffect: 0.02 })).verdict).toBe('slower');
    expect(judgePair(pairOf('against', slightly, { minEffect: 0.1 })).verdict).toBe('same');
    expect(judgePair(pairOf('against', slightly, { confidence: 0.5 })).confidence).toBe(0.5);
  });

  it('at 8 rounds judges, at 7 the against gate fails for too few', () => {
    const at = (rounds: number) => {
      const run: MeasuredRun = {
        ...withoutVerdict(makeRun([tested('fixed'), tested('fixed@main')])),
        pairs: [pairOf('against', SAME.slice(0, rounds))],
        against: { ref: 'main', sha: 'a'.repeat(40), mergeBase: null, schemaDiffers: false },
      };
      return judgeRun(run, ONLY_QUERIES, DEFAULT_THRESHOLDS).results[0]?.gates.find((g) => g.id === 'no-slowdown-vs-ref');
    };
    expect(MIN_PAIRED_ROUNDS).toBe(8);
    expect(at(8)?.pass).toBe(true);
    expect(at(9)?.pass).toBe(true);
    expect(at(7)).toMatchObject({ pass: false, message: 'too few paired rounds (7) to judge against fixed@main' });
  });

  it.each([
    ['against slower alone', [['against', SLOWER]], 'fail'],
    ['baseline slower alone: no detail gate in this scenario, so no verdict from it', [['baseline', SLOWER]], 'pass'],
    ['A/A slower alone: a warning, never a verdict', [['aa', SLOWER]], 'pass'],
    ['A/A slower beside an against that is the same', [['aa', SLOWER], ['against', SAME]], 'pass'],
    ['baseline slower beside an against that is the same', [['baseline', SLOWER], ['against', SAME]], 'pass'],
    ['against slower beside a baseline and an A/A that are the same', [['baseline', SAME], ['aa', SAME], ['against', SLOWER]], 'fail'],
  ] as [string, [PairedComparison['kind'], number[]][], string][])('%s -> %s', (_, kinds, outcome) => {
    const withAgainst = kinds.some(([k]) => k === 'against');
    const run: MeasuredRun = {
      ...withoutVerdict(makeRun([tested('fixed'), tested('fixed@main'), tested('baseline'), tested('fixed (A/A)')])),
      pairs: kinds.map(([k, ratios]) => pairOf(k, ratios)),
      ...(withAgainst ? { against: { ref: 'main', sha: 'a'.repeat(40), mergeBase: null, schemaDiffers: false } } : {}),
    };
    expect(runVerdict(judgeRun(run, ONLY_QUERIES, DEFAULT_THRESHOLDS)).outcome).toBe(outcome);
  });
});

describe('stored results: judged again with their own thresholds', () => {
  it('reads the run\'s thresholds over the defaults', () => {
    expect(thresholdsOf({ options: {} })).toEqual(DEFAULT_THRESHOLDS);
    expect(thresholdsOf({ options: { thresholds: { maxQueries: 2 } } })).toEqual({ ...DEFAULT_THRESHOLDS, maxQueries: 2 });
  });

  it('says what the file claimed beside what its measurements give', () => {
    const run = makeRun([tested('fixed')], { options: { thresholds: { maxQueries: 3 } } });
    run.verdict = 'pass';
    const { stored, verdict, result } = rejudge(run, ONLY_QUERIES);
    expect(stored).toBe('pass');
    expect(verdict.outcome).toBe('fail');
    expect(result.verdict).toBe('fail');
    expect(result.results[0]?.gates[0]).toMatchObject({ id: 'queries-at-most-max', pass: false, threshold: '<= 3' });
    // The input is not touched.
    expect(run.results[0]?.gates).toEqual([]);
  });
});

describe('history', () => {
  it('asks only for evidence: one readable note passes, none is missing evidence', () => {
    expect(historyVerdict('HEAD', 5, 1)).toEqual({ outcome: 'pass', reasons: [] });
    expect(historyVerdict('HEAD', 5, 0)).toEqual({ outcome: 'missing-evidence', reasons: [{ kind: 'missing-evidence', message: 'none of the 5 first-parent commits of HEAD has a readable result note' }] });
  });
});

function withoutVerdict(run: ReturnType<typeof makeRun>): MeasuredRun {
  const { verdict: _verdict, ...measured } = run;
  return measured;
}

describe('runVerdict under --against: each scenario and database needs its own pair and REF side', () => {
  const AGAINST = { ref: 'main', sha: 'a'.repeat(40), mergeBase: null, schemaDiffers: false };
  const TWO: Scenario[] = [...ONLY_QUERIES, { name: 'detail', description: '', requests: [], gates: ['queries-at-most-max'] }];
  const at = (impl: string, scenario: string, dialect: 'sqlite' | 'postgres', fields: Partial<ScenarioResult> = {}) => tested(impl, { scenario, dialect, ...fields });
  const pairAt = (scenario: string, dialect: 'sqlite' | 'postgres', kind: PairedComparison['kind'] = 'against') => ({ ...pairOf(kind, SAME), scenario, dialect });
  const verdictOfRun = (results: ScenarioResult[], pairs: PairedComparison[]) =>
    runVerdict(judgeRun({ ...withoutVerdict(makeRun(results)), pairs, against: AGAINST }, TWO, DEFAULT_THRESHOLDS));

  it('passes with a pair and a measured REF side in every scenario and database', () => {
    const results = [at('fixed', 'list-50', 'sqlite'), at('fixed@main', 'list-50', 'sqlite'), at('fixed', 'list-50', 'postgres'), at('fixed@main', 'list-50', 'postgres')];
    expect(verdictOfRun(results, [pairAt('list-50', 'sqlite'), pairAt('list-50', 'postgres')]).outcome).toBe('pass');
  });

  it.each([
    ['another database', pairAt('list-50', 'postgres')],
    ['another scenario', pairAt('detail', 'sqlite')],
    ['another kind', pairAt('list-50', 'sqlite', 'baseline')],
    ['another subject', { ...pairAt('list-50', 'sqlite'), subject: 'denormalized' }],
  ])('a pair of %s is no pair of this one', (_, pair) => {
    const verdict = verdictOfRun([at('fixed', 'list-50', 'sqlite'), at('fixed@main', 'list-50', 'sqlite')], [pair]);
    expect(verdict.reasons).toContainEqual({ kind: 'missing-evidence', where: 'list-50, sqlite', message: 'no pair against main: fixed was not judged against it' });
  });

  it.each([
    ['another database', at('fixed@main', 'list-50', 'postgres')],
    ['another scenario', at('fixed@main', 'detail', 'sqlite')],
  ])('a REF side of %s is not this one\'s', (_, reference) => {
    const verdict = verdictOfRun([at('fixed', 'list-50', 'sqlite'), reference], [pairAt('list-50', 'sqlite')]);
    expect(verdict.reasons).toContainEqual({ kind: 'missing-evidence', where: 'list-50, sqlite', message: "fixed@main (main's side) was not measured" });
  });

  it('names why REF\'s side could not be measured, or says there was no message', () => {
    const errored = (error?: string) =>
      verdictOfRun([at('fixed', 'list-50', 'sqlite'), at('fixed@main', 'list-50', 'sqlite', { state: 'errored', ...(error === undefined ? {} : { error }) })], [pairAt('list-50', 'sqlite')]).reasons;
    expect(errored('a request answered 404')).toEqual([{ kind: 'missing-evidence', where: 'list-50, sqlite', message: "fixed@main (main's side) could not be measured: a request answered 404" }]);
    expect(errored()).toEqual([{ kind: 'missing-evidence', where: 'list-50, sqlite', message: "fixed@main (main's side) could not be measured: no error message" }]);
  });

  it('says so when the implementation under test errored without a message', () => {
    const verdict = runVerdict(withoutVerdict(makeRun([tested('fixed', { state: 'errored' })])));
    expect(verdict.reasons).toEqual([{ kind: 'errored', where: 'list-50, sqlite', message: 'fixed could not be measured: no error message' }]);
  });
});

describe('judgeRun keeps the shape of what it judged', () => {
  it('adds no pairs to a run that had none, and judges the pairs it had', () => {
    const none = judgeRun(withoutVerdict(makeRun([tested('fixed')])), ONLY_QUERIES, DEFAULT_THRESHOLDS);
    expect('pairs' in none).toBe(false);
    const some = judgeRun({ ...withoutVerdict(makeRun([tested('fixed')])), pairs: [pairOf('aa', SLOWER, { verdict: 'same' })] }, ONLY_QUERIES, DEFAULT_THRESHOLDS);
    expect(some.pairs?.[0]?.verdict).toBe('slower');
  });

  it('hands the judged baseline pair to the detail gate', () => {
    const detail: Scenario[] = [{ name: 'list-50', description: '', requests: [], gates: ['not-slower-than-baseline'] }];
    const results = [tested('fixed'), tested('baseline')];
    const judge = (ratios: number[], stored: PairedComparison['verdict']) =>
      judgeRun({ ...withoutVerdict(makeRun(results.map((r) => ({ ...r, gates: [] })))), pairs: [pairOf('baseline', ratios, { minEffect: 0.1, verdict: stored, ci: [0.5, 0.6] })] }, detail, DEFAULT_THRESHOLDS);
    expect(judge(SLOWER, 'same').results[0]?.gates[0]).toMatchObject({ id: 'not-slower-than-baseline', pass: false });
    expect(judge(SAME, 'slower').results[0]?.gates[0]).toMatchObject({ id: 'not-slower-than-baseline', pass: true });
  });
});
