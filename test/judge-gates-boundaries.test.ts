/**
 * The gates (harness/judge/gates.ts) where test/judge-gates.test.ts leaves a failing gate able to
 * pass: the baseline, its p95 ratio and its paired rounds taken only from the same scenario and
 * database, an errored subject under --against, exact cost judged only when both sides have plans;
 * and the exact words of each gate's cell and message. Milliseconds: bench:mutation runs them.
 */
import { describe, expect, it } from 'vitest';
import { applyAgainstGates, applyGates, DEFAULT_THRESHOLDS } from '../harness/judge/gates.js';
import type { GateResult, MeasuredRun, PairedComparison, QueryPlan, RatioResult, ScenarioResult, SnapshotCheck } from '../harness/core/result.js';
import type { GateId, Scenario } from '../scenarios/scenario.js';
import { makeRun, makeScenarioResult, samplesWithP95 } from './fixtures/sample-result.js';

const scenarioWith = (...gates: GateId[]): Scenario[] => [{ name: 'detail', description: '', requests: [], gates }];

function result(impl: string, fields: Partial<ScenarioResult> = {}, perRequest = 4): ScenarioResult {
  return makeScenarioResult({
    scenario: 'detail', dialect: 'sqlite', impl, rawSamples: samplesWithP95(60, 3), samples: 60,
    queries: { perRequest, perRequestMin: perRequest, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: { 'random id': perRequest } },
    ...fields,
  });
}

function gateOf(results: ScenarioResult[], id: GateId, extra: { ratios?: RatioResult[]; pairs?: PairedComparison[] } = {}): GateResult | undefined {
  applyGates(results, extra.ratios ?? [], scenarioWith(id), 'fixed', DEFAULT_THRESHOLDS, extra.pairs ?? []);
  return results.find((r) => r.impl === 'fixed' && r.dialect === 'sqlite' && r.scenario === 'detail')?.gates[0];
}

const pair = (lower: number, fields: Partial<PairedComparison> = {}): PairedComparison => ({
  scenario: 'detail', dialect: 'sqlite', subject: 'fixed', reference: 'baseline', kind: 'baseline', rounds: 40, roundRatios: [],
  ratio: lower + 0.05, ci: [lower, lower + 0.1], confidence: 0.99, pValue: 0.5, minEffect: 0.1, mde: 0.05, verdict: 'same', ...fields,
});
const ratio = (lower: number, fields: Partial<RatioResult> = {}): RatioResult => ({
  scenario: 'detail', dialect: 'sqlite', numerator: 'fixed', denominator: 'baseline', p50: 1, p50Ci: [0.9, 1.1], p95: lower + 0.05, p95Ci: [lower, lower + 0.1], ...fields,
});

describe('not-slower-than-baseline reads only its own scenario and database', () => {
  it('fails without a baseline on this database, though one ran on another', () => {
    const gate = gateOf([result('fixed'), result('baseline', { dialect: 'postgres' }, 1)], 'not-slower-than-baseline', { pairs: [pair(0.5)] });
    expect(gate).toMatchObject({ pass: false, message: 'baseline did not run on this scenario' });
  });

  it('compares the statements with the baseline, not with another implementation of the unit', () => {
    const gate = gateOf([result('fixed', {}, 5), result('floor', {}, 5), result('baseline', {}, 4)], 'not-slower-than-baseline', { pairs: [pair(0.5)] });
    expect(gate).toMatchObject({ pass: false, actual: 'median 0.55x [0.50, 0.60], 5 vs 4 queries' });
  });

  it('a p95 ratio over another denominator is no p95 ratio against the baseline', () => {
    const gate = gateOf([result('fixed'), result('baseline')], 'not-slower-than-baseline', { ratios: [ratio(0.5, { denominator: 'floor' })] });
    expect(gate).toMatchObject({ pass: false, actual: 'not judged, 4 vs 4 queries' });
  });

  it('a paired comparison of another scenario is no pair of this one', () => {
    const gate = gateOf([result('fixed'), result('baseline')], 'not-slower-than-baseline', { pairs: [pair(0.5, { scenario: 'list-50' })] });
    expect(gate).toMatchObject({ pass: false, actual: 'not judged, 4 vs 4 queries' });
  });

  it('shows in its cell only the figures it judged', () => {
    const few = gateOf([result('fixed'), result('baseline')], 'not-slower-than-baseline', { pairs: [pair(0.5, { rounds: 7 })], ratios: [ratio(0.5)] });
    expect(few).toMatchObject({ pass: true, actual: 'p95 0.55x [0.50, 0.60], 4 vs 4 queries' });
    const fewSamples = gateOf([result('fixed', { samples: 58 }), result('baseline')], 'not-slower-than-baseline', { pairs: [pair(0.5)], ratios: [ratio(0.5)] });
    expect(fewSamples).toMatchObject({ pass: true, actual: 'median 0.55x [0.50, 0.60], 4 vs 4 queries' });
  });
});

describe('p95-under-budget, queries-at-most-max and same-response-as-baseline say exactly what they judged', () => {
  it('p95 of too few samples for an interval', () => {
    const gate = gateOf([result('fixed', { rawSamples: samplesWithP95(58, 3) })], 'p95-under-budget');
    expect(gate).toEqual({ id: 'p95-under-budget', pass: false, actual: expect.stringMatching(/^\d+\.\d+ ms, n 58$/), threshold: '< 200 ms', message: 'p95 of 58 samples has no 95% interval (it needs 59): too few samples to judge the budget' });
  });

  it('p95 under and over the budget', () => {
    const under = gateOf([result('fixed')], 'p95-under-budget');
    expect(under).toMatchObject({ pass: true, message: expect.stringMatching(/^p95 3\.00 ms \[95% CI [\d.]+-[\d.]+, n 60\] under 200 ms$/) });
    const over = gateOf([result('fixed', { rawSamples: samplesWithP95(60, 300) })], 'p95-under-budget');
    expect(over).toMatchObject({ pass: false, message: expect.stringMatching(/^p95 300\.0 ms \[95% CI [\d.]+-[\d.]+, n 60\] not under 200 ms$/) });
  });

  it('queries: the worst request kind, none when there is none, and the suspect cut at 80 characters', () => {
    const none = result('fixed', { queries: { ...result('fixed').queries, byRequest: {} } });
    expect(gateOf([none], 'queries-at-most-max')?.message).toBe('4 queries per request at most ()');
    const fingerprint = `select * from t where c = ? ${'and d = ? '.repeat(10)}`;
    const n1 = result('fixed', { queries: { ...result('fixed').queries, byRequest: { a: 2, b: 4 }, n1Suspects: [{ fingerprint, count: 9, example: '', callSite: null }] } });
    expect(gateOf([n1], 'queries-at-most-max')?.message).toBe(`4 queries per request at most (b); N+1 suspect: 9x ${fingerprint.slice(0, 80)}`);
  });

  it.each<[string, Partial<ScenarioResult>, Omit<GateResult, 'id' | 'threshold'>]>([
    ['not compared', { sameResponse: null }, { pass: false, actual: 'not compared', message: 'baseline did not run, so responses could not be compared' }],
    ['identical', { sameResponse: true }, { pass: true, actual: 'identical', message: "every response byte-identical to baseline's" }],
    ['different, with the difference', { sameResponse: false, responseDiff: 'body differs at $.items[0]' }, { pass: false, actual: 'different', message: 'responses differ: body differs at $.items[0]' }],
    ['different, without it', { sameResponse: false }, { pass: false, actual: 'different', message: 'responses differ: ' }],
  ])('same response: %s', (_, fields, expected) => {
    expect(gateOf([result('fixed', fields)], 'same-response-as-baseline')).toEqual({ id: 'same-response-as-baseline', threshold: 'identical to baseline', ...expected });
  });
});

describe('no-new-full-scan and same-queries-as-snapshot, word for word', () => {
  const file = 'scenarios/snapshots/detail.sqlite.default-42.txt';
  const snapshot = (status: SnapshotCheck['status'], fields: Partial<SnapshotCheck> = {}): SnapshotCheck => ({ file, status, acceptedScans: [], ...fields });
  const plan = (fingerprint: string, fullScans: string[]): QueryPlan => ({ fingerprint, plan: null, fullScans });
  const withPlans = (plans: QueryPlan[], s?: SnapshotCheck) => result('fixed', { queries: { ...result('fixed').queries, plans, ...(s === undefined ? {} : { snapshot: s }) } });

  it('no scan and no snapshot: none, judged', () => {
    expect(gateOf([withPlans([plan('select 1', [])])], 'no-new-full-scan')).toEqual({
      id: 'no-new-full-scan', pass: true, actual: 'none', threshold: 'no table over 1000 rows read in full unless accepted', message: 'no table over 1000 rows read in full',
    });
  });

  it('names the first new scan in sorted order, and the tables to accept', () => {
    const plans = [plan('select * from tags', ['tags']), plan('select * from artifacts', ['artifacts'])];
    const pendingScans = ['tags <- select * from tags', 'artifacts <- select * from artifacts', 'tags <- select * from tags t2'];
    expect(gateOf([withPlans(plans, snapshot('differs', { pendingScans }))], 'no-new-full-scan')?.message).toBe(
      `reads artifacts in full: select * from artifacts (+1 more); not accepted in ${file}; after review, accept with --update-snapshots --accept-full-scan tags --accept-full-scan artifacts`,
    );
  });

  it('names every table of the scans it cannot judge', () => {
    const plans = [plan('select * from tags', ['tags']), plan('select * from artifacts', ['artifacts'])];
    expect(gateOf([withPlans(plans)], 'no-new-full-scan')?.message).toBe('2 full scans (artifacts, tags) and no snapshot of this profile to accept or refuse them: not judged');
  });

  it('a snapshot that differs without a diff names no line', () => {
    expect(gateOf([result('fixed', { queries: { ...result('fixed').queries, snapshot: snapshot('differs') } })], 'same-queries-as-snapshot')?.message).toBe(`differs from ${file} (- snapshot, + this run): `);
  });
});

describe('the --against gates', () => {
  const AGAINST = { ref: 'main', sha: 'a'.repeat(40), mergeBase: null, schemaDiffers: false };
  const against = (ci: [number, number], fields: Partial<PairedComparison> = {}): PairedComparison => ({
    scenario: 'detail', dialect: 'sqlite', subject: 'fixed', reference: 'fixed@main', kind: 'against', rounds: 40, roundRatios: [], ratio: (ci[0] + ci[1]) / 2, ci,
    confidence: 0.99, pValue: 0.01, minEffect: 0.02, mde: 0.035, verdict: 'same', ...fields,
  });
  const run = (results: ScenarioResult[], pairs: PairedComparison[]): MeasuredRun => {
    const { verdict: _v, ...measured } = makeRun(results);
    return { ...measured, pairs, against: AGAINST };
  };
  const ref = (fields: Partial<ScenarioResult> = {}, perRequest = 4) => result('fixed@main', fields, perRequest);
  const plans = (...scans: string[][]): QueryPlan[] => scans.map((s, i) => ({ fingerprint: `select ${i}`, plan: null, fullScans: s }));
  const planned = (impl: string, p: QueryPlan[]) => result(impl, { queries: { ...result(impl).queries, plans: p } });

  it('fails, adding no gate, when the subject errored', () => {
    const results = [result('fixed', { state: 'errored', error: 'E' }), ref()];
    expect(applyAgainstGates(run(results, [against([0.99, 1.01])]))).toBe('fail');
    expect(results[0]?.gates).toEqual([]);
  });

  it('at exactly 8 rounds judges, and says so', () => {
    const results = [result('fixed'), ref()];
    applyAgainstGates(run(results, [against([0.99, 1.01], { rounds: 8 })]));
    expect(results[0]?.gates[0]).toMatchObject({ pass: true, message: expect.stringMatching(/^fixed \/ fixed@main per-round median ratio/) });
  });

  it('names every request kind that grew', () => {
    const results = [result('fixed', { queries: { ...result('fixed').queries, byRequest: { a: 2, b: 3 } } }), result('fixed@main', { queries: { ...result('fixed').queries, byRequest: { a: 1, b: 1 } } })];
    applyAgainstGates(run(results, [against([0.99, 1.01])]));
    expect(results[0]?.gates[1]).toMatchObject({ pass: false, actual: 'a: 1 -> 2, b: 1 -> 3', message: 'more statements than fixed@main: a: 1 -> 2, b: 1 -> 3' });
  });

  it('judges exact cost only when both sides have plans', () => {
    const results = [result('fixed'), planned('fixed@main', plans(['artifacts']))];
    expect(applyAgainstGates(run(results, [against([0.99, 1.01])]))).toBe('pass');
    expect(results[0]?.gates.map((g) => g.id)).toEqual(['no-slowdown-vs-ref', 'queries-not-above-ref']);
  });

  it.each<[string, QueryPlan[], string]>([
    ['one grown', plans(['artifacts']), 'new full scan of artifacts in select 0 (detail, sqlite)'],
    ['three grown', plans(['artifacts', 'tags'], ['groups']), 'new full scan of artifacts in select 0 (detail, sqlite) (+2 more)'],
  ])('exact cost: %s, the first named and how many more', (_, subjectPlans, message) => {
    const results = [planned('fixed', subjectPlans), planned('fixed@main', plans([]))];
    expect(applyAgainstGates(run(results, [against([0.99, 1.01])]))).toBe('fail');
    expect(results[0]?.gates[2]).toMatchObject({ id: 'exact-cost-not-above-ref', pass: false, message });
  });
});
