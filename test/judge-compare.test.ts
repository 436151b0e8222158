/**
 * How two runs are compared (harness/judge/compare.ts), pinned case by case on small runs built in
 * memory: which results pair up and in which role, which probe corrects them, the per-check
 * confidence, resamples and seed each latency interval gets (taken from latencyChange called
 * directly), every line a pair or a lost result adds to the regressions with its words, the missing
 * evidence, and the verdict that combines them with AFTER's own. The scenarios are not in
 * scenarios/, so judging AFTER again adds no gates, and most results know their rounds (an interval
 * over rounds costs no resampling): milliseconds each, so bench:mutation runs them per mutant.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROBE_IMPL, type Dialect, type QueryPlan, type RunResult, type ScenarioResult } from '../harness/core/result.js';
import { formatInterval, formatRatio } from '../harness/core/format.js';
import { compareRuns, comparisonVerdict, defaultCompareOptions, resolveCompareOptions, type Comparison, type CompareOptions, type ComparedPair } from '../harness/judge/compare.js';
import { rejudge } from '../harness/judge/judge-run.js';
import { latencyChange, type Probes } from '../harness/judge/latency-change.js';
import type { Reason, Verdict } from '../harness/judge/verdict.js';
import { makeRun, makeScenarioResult, syntheticLatencies } from './fixtures/sample-result.js';

/** Not the defaults: a confidence and resample count the judge would not fall back to. */
const OPTIONS: CompareOptions = { thresholdPct: 10, confidence: 0.9, iterations: 300, seed: 5 };
const PER_ROUND = 4;
const ROUNDS = 12;

type Queries = ScenarioResult['queries'];
const noQueries = (): Queries => ({ perRequest: 4, perRequestMin: 4, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: {} });

interface Spec {
  scenario?: string;
  dialect?: Dialect;
  /** The median latency of the samples, ms. @default 2 */
  ms?: number;
  /** Samples drawn from this seed; by default one from the result's identity, so no two results share samples. */
  seed?: number;
  /** Whether the result knows its rounds (an interval over rounds, no bootstrap). @default true */
  rounded?: boolean;
  queries?: Partial<Queries>;
  fields?: Partial<ScenarioResult>;
}

const seedOf = (text: string) => [...text].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 100_003, 7);

/** A completed result of `impl` with 48 samples of the given median (p50 and p95 of the summary from it). */
function res(impl: string, spec: Spec = {}): ScenarioResult {
  const { scenario = 's1', dialect = 'sqlite', ms = 2, rounded = true } = spec;
  const rawSamples = syntheticLatencies(spec.seed ?? seedOf(`${impl}/${scenario}/${dialect}/${ms}`), ms, PER_ROUND * ROUNDS);
  return makeScenarioResult({
    scenario,
    dialect,
    impl,
    rawSamples,
    latencyMs: { p50: ms, p95: ms * 1.5, p99: ms * 2, mean: ms, min: ms / 2, max: ms * 3, p95Ci: [ms * 1.4, ms * 1.6], count: rawSamples.length },
    ...(rounded ? { sampleRounds: rawSamples.map((_, i) => Math.floor(i / PER_ROUND)) } : {}),
    queries: { ...noQueries(), ...spec.queries },
    ...spec.fields,
  });
}

const errored = (impl: string, error: string | undefined, spec: Spec = {}): ScenarioResult => ({ ...res(impl, spec), state: 'errored', ...(error === undefined ? {} : { error }) });
const run = (results: ScenarioResult[], implUnderTest = 'fixed', fields: Partial<RunResult> = {}): RunResult => makeRun(results, { implUnderTest, ...fields });

/** The pairs in one line each: "s1 sqlite fixed->fixed under-test". */
const pairsOf = (c: Comparison) => c.pairs.map((p) => `${p.scenario} ${p.dialect} ${p.beforeImpl}->${p.afterImpl} ${p.role}`);
const unpairedOf = (c: Comparison) => c.unpaired.map((u) => `${u.run} ${u.scenario} ${u.dialect} ${u.impl}`);
const pairAt = (c: Comparison, afterImpl: string, scenario = 's1', dialect: Dialect = 'sqlite'): ComparedPair => {
  const found = c.pairs.find((p) => p.afterImpl === afterImpl && p.scenario === scenario && p.dialect === dialect);
  if (found === undefined) throw new Error(`no pair ${afterImpl} ${scenario} ${dialect}`);
  return found;
};

/** The options of each latency check under test: Bonferroni over 2 checks per pair under test, 20 resamples per tail at least. */
function perCheck(options: CompareOptions, underTest: number): CompareOptions {
  const tail = (1 - options.confidence) / (2 * Math.max(1, underTest)) / 2;
  return { ...options, confidence: 1 - 2 * tail, iterations: Math.max(options.iterations, Math.ceil(20 / tail)) };
}

describe('resolveCompareOptions: the defaults under what was given, and a threshold of 0 or more', () => {
  it('fills what was not given (or given as undefined) from the defaults', () => {
    expect(defaultCompareOptions).toEqual({ thresholdPct: 10, confidence: 0.95, iterations: 2000, seed: 20240601 });
    expect(resolveCompareOptions({})).toEqual(defaultCompareOptions);
    expect(resolveCompareOptions({ thresholdPct: 0, seed: undefined, iterations: 7 } as unknown as Partial<CompareOptions>)).toEqual({ thresholdPct: 0, confidence: 0.95, iterations: 7, seed: 20240601 });
    expect(resolveCompareOptions(OPTIONS)).toEqual(OPTIONS);
    // A fresh object: resolving never writes into the defaults.
    expect(resolveCompareOptions({ seed: 1 })).not.toBe(defaultCompareOptions);
    expect(defaultCompareOptions.seed).toBe(20240601);
  });

  it.each([-1, -0.001, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('refuses thresholdPct %s, naming it', (thresholdPct) => {
    expect(() => resolveCompareOptions({ thresholdPct })).toThrow(new RangeError(`thresholdPct must be a percentage of 0 or more (e.g. 10), got ${thresholdPct}`));
    expect(() => compareRuns(run([res('fixed')]), run([res('fixed')]), { thresholdPct })).toThrow(RangeError);
  });

  it('a comparison records the options it resolved', () => {
    const c = compareRuns(run([res('fixed')]), run([res('fixed')]), { seed: 9 });
    expect(c.options).toEqual({ ...defaultCompareOptions, seed: 9 });
  });
});

describe('comparisonVerdict: regressions fail, missing evidence is never a pass, and AFTER must pass as a run of its own', () => {
  const verdict = (outcome: Verdict['outcome'], reasons: Reason[]): Verdict => ({ outcome, reasons });
  const comparison = (regressions: string[], missingEvidence: string[], afterVerdict: Verdict): Comparison => ({ regressions, missingEvidence, afterVerdict }) as unknown as Comparison;
  const pass = verdict('pass', []);
  const gate: Reason = { kind: 'gate', where: 's1, sqlite', message: 'queries-at-most-max: 6 statements' };
  const missing: Reason = { kind: 'missing-evidence', where: 's1, sqlite', message: 'fixed kept no raw samples' };

  it.each<[string, Comparison, Verdict]>([
    ['nothing found', comparison([], [], pass), pass],
    ['a regression', comparison(['queries per request grew 4 -> 5 (s1, sqlite)'], [], pass), verdict('fail', [{ kind: 'regression', message: 'queries per request grew 4 -> 5 (s1, sqlite)' }])],
    ['missing evidence only', comparison([], ['no raw samples on one side (s1, sqlite)'], pass), verdict('missing-evidence', [{ kind: 'missing-evidence', message: 'no raw samples on one side (s1, sqlite)' }])],
    [
      'a regression beside missing evidence: the failing reason first',
      comparison(['r1', 'r2'], ['m1'], pass),
      verdict('fail', [{ kind: 'regression', message: 'r1' }, { kind: 'regression', message: 'r2' }, { kind: 'missing-evidence', message: 'm1' }]),
    ],
    ['AFTER fails a gate of its own', comparison([], [], verdict('fail', [gate])), verdict('fail', [{ ...gate, message: `after: ${gate.message}` }])],
    ['AFTER has a run error', comparison([], [], verdict('fail', [{ kind: 'run-error', message: 'boom' }])), verdict('fail', [{ kind: 'run-error', message: 'after: boom' }])],
    ['AFTER lacks evidence of its own', comparison([], [], verdict('missing-evidence', [missing])), verdict('missing-evidence', [{ ...missing, message: `after: ${missing.message}` }])],
    [
      "AFTER's errored result is not counted twice: it is already the comparison's regression",
      comparison(['could not be measured after: E (s1, sqlite)'], [], verdict('fail', [{ kind: 'errored', where: 's1, sqlite', message: 'fixed could not be measured: E' }])),
      verdict('fail', [{ kind: 'regression', message: 'could not be measured after: E (s1, sqlite)' }]),
    ],
    [
      'all of them, failing reasons first in their order, then the missing evidence',
      comparison(['r1'], ['m1'], verdict('fail', [gate, missing])),
      verdict('fail', [{ kind: 'regression', message: 'r1' }, { ...gate, message: `after: ${gate.message}` }, { kind: 'missing-evidence', message: 'm1' }, { ...missing, message: `after: ${missing.message}` }]),
    ],
  ])('%s', (_, c, expected) => {
    expect(comparisonVerdict(c)).toEqual(expected);
  });

  it("takes AFTER's verdict from judging AFTER again, whatever BEFORE and AFTER's stored verdict say", () => {
    const after = run([res('fixed')], 'fixed', { errors: ['the fixture checksums differ'], verdict: 'pass' });
    const c = compareRuns(run([res('fixed')]), after, OPTIONS);
    expect(c.afterVerdict).toEqual(rejudge(after).verdict);
    expect(c.afterVerdict).toEqual({ outcome: 'fail', reasons: [{ kind: 'run-error', message: 'the fixture checksums differ' }] });
    expect(c.regressed).toBe(false);
    expect(comparisonVerdict(c)).toEqual({ outcome: 'fail', reasons: [{ kind: 'run-error', message: 'after: the fixture checksums differ' }] });
  });
});

describe('which results pair up, in which role, and what is left unpaired', () => {
  interface Case {
    before: RunResult;
    after: RunResult;
    pairs: string[];
    unpaired: string[];
    regressions: string[];
    missingEvidence: string[];
  }
  const cases: [string, Case][] = [
    ['the same implementation under test, with the others by name in AFTER\'s order', {
      before: run([res('baseline'), res('fixed'), res('floor'), res(PROBE_IMPL)]),
      after: run([res('floor'), res(PROBE_IMPL), res('fixed'), res('baseline')]),
      pairs: ['s1 sqlite fixed->fixed under-test', 's1 sqlite floor->floor same-name', `s1 sqlite ${PROBE_IMPL}->${PROBE_IMPL} same-name`, 's1 sqlite baseline->baseline same-name'],
      unpaired: [], regressions: [], missingEvidence: [],
    }],
    ['implementations under test of other names pair with each other, never by name', {
      before: run([res('fixed'), res('baseline')], 'fixed'),
      after: run([res('fixed'), res('baseline')], 'baseline'),
      pairs: ['s1 sqlite fixed->baseline under-test'],
      unpaired: ['before s1 sqlite baseline', 'after s1 sqlite fixed'], regressions: [], missingEvidence: [],
    }],
    ['scenarios in AFTER\'s order, databases in their fixed order', {
      before: run([res('fixed', { scenario: 's1', dialect: 'postgres' }), res('fixed', { scenario: 's1' }), res('fixed', { scenario: 's2' })]),
      after: run([res('fixed', { scenario: 's2' }), res('fixed', { scenario: 's1', dialect: 'postgres' }), res('fixed', { scenario: 's1' })]),
      pairs: ['s2 sqlite fixed->fixed under-test', 's1 sqlite fixed->fixed under-test', 's1 postgres fixed->fixed under-test'],
      unpaired: [], regressions: [], missingEvidence: [],
    }],
    ['a scenario on another database, or another scenario on the database, is no partner', {
      before: run([res('fixed', { dialect: 'postgres' }), res('baseline', { scenario: 's2' })]),
      after: run([res('fixed'), res('baseline', { scenario: 's3' })]),
      pairs: [],
      unpaired: ['before s1 postgres fixed', 'before s2 sqlite baseline', 'after s1 sqlite fixed', 'after s3 sqlite baseline'],
      regressions: ['measured before, missing after: the whole scenario (s1, postgres)', 'measured before, missing after: the whole scenario (s2, sqlite)'],
      missingEvidence: ['no scenario and database has both fixed (before) and fixed (after): nothing under test was compared'],
    }],
    ['BEFORE without its implementation under test in a scenario: the others pair, nothing is lost', {
      before: run([res('baseline'), res('fixed', { scenario: 's2' })]),
      after: run([res('fixed'), res('baseline'), res('fixed', { scenario: 's2' })]),
      pairs: ['s1 sqlite baseline->baseline same-name', 's2 sqlite fixed->fixed under-test'],
      unpaired: ['after s1 sqlite fixed'], regressions: [], missingEvidence: [],
    }],
    ['AFTER without its implementation under test in a scenario BEFORE tested: lost, named by AFTER\'s name', {
      before: run([res('fixed'), res('baseline'), res('fixed', { scenario: 's2' })], 'fixed'),
      after: run([res('baseline', { scenario: 's2' }), res('fixed'), res('baseline')], 'baseline'),
      pairs: ['s2 sqlite fixed->baseline under-test', 's1 sqlite fixed->baseline under-test'],
      unpaired: ['before s1 sqlite baseline', 'after s1 sqlite fixed'], regressions: [], missingEvidence: [],
    }],
    ['AFTER lost the implementation under test on one database of a scenario it still ran', {
      before: run([res('fixed'), res('fixed', { dialect: 'postgres' }), res('baseline', { dialect: 'postgres' })]),
      after: run([res('fixed'), res('baseline', { dialect: 'postgres' })]),
      pairs: ['s1 sqlite fixed->fixed under-test', 's1 postgres baseline->baseline same-name'],
      unpaired: ['before s1 postgres fixed'],
      regressions: ['measured before, missing after: fixed, the implementation under test (s1, postgres)'],
      missingEvidence: [],
    }],
    ['AFTER lost it in one scenario of a database it still ran', {
      before: run([res('fixed'), res('fixed', { scenario: 's2' }), res('baseline', { scenario: 's2' })]),
      after: run([res('fixed'), res('baseline', { scenario: 's2' })]),
      pairs: ['s1 sqlite fixed->fixed under-test', 's2 sqlite baseline->baseline same-name'],
      unpaired: ['before s2 sqlite fixed'],
      regressions: ['measured before, missing after: fixed, the implementation under test (s2, sqlite)'],
      missingEvidence: [],
    }],
    ['a lost scenario that held only the probe is no loss; one that held the probe and more is', {
      before: run([res('fixed'), res(PROBE_IMPL, { scenario: 'p' }), res(PROBE_IMPL, { scenario: 's2' }), res('floor', { scenario: 's2' })]),
      after: run([res('fixed')]),
      pairs: ['s1 sqlite fixed->fixed under-test'],
      unpaired: [`before p sqlite ${PROBE_IMPL}`, `before s2 sqlite ${PROBE_IMPL}`, 'before s2 sqlite floor'],
      regressions: ['measured before, missing after: the whole scenario (s2, sqlite)'],
      missingEvidence: [],
    }],
    ['lost results come first, then the pairs\' regressions', {
      before: run([res('fixed', { queries: { perRequest: 4 } }), res('fixed', { scenario: 's2' })]),
      after: run([res('fixed', { queries: { perRequest: 5 } })]),
      pairs: ['s1 sqlite fixed->fixed under-test'],
      unpaired: ['before s2 sqlite fixed'],
      regressions: ['measured before, missing after: the whole scenario (s2, sqlite)', 'queries per request grew 4 -> 5 (s1, sqlite)'],
      missingEvidence: [],
    }],
    ['nothing under test in common: names both implementations; BEFORE\'s lost ones still fail', {
      before: run([res('fixed'), res('baseline')], 'fixed'),
      after: run([res('baseline')], 'denormalized'),
      pairs: ['s1 sqlite baseline->baseline same-name'],
      unpaired: ['before s1 sqlite fixed'],
      regressions: ['measured before, missing after: denormalized, the implementation under test (s1, sqlite)'],
      missingEvidence: ['no scenario and database has both fixed (before) and denormalized (after): nothing under test was compared'],
    }],
  ];

  it.each(cases)('%s', (_, k) => {
    const c = compareRuns(k.before, k.after, OPTIONS);
    expect(pairsOf(c)).toEqual(k.pairs);
    expect(unpairedOf(c)).toEqual(k.unpaired);
    expect(c.regressions).toEqual(k.regressions);
    expect(c.regressed).toBe(k.regressions.length > 0);
    expect(c.missingEvidence).toEqual(k.missingEvidence);
    const outcome = comparisonVerdict(c).outcome;
    expect(outcome).toBe(k.regressions.length > 0 ? 'fail' : k.missingEvidence.length > 0 ? 'missing-evidence' : 'pass');
  });

  it('names each run by its start, implementation under test, commit and fixture', () => {
    const before = run([res('fixed')], 'fixed', { startedAt: '2026-01-01T00:00:00.000Z' });
    const after = run([res('fixed')], 'fixed', { startedAt: '2026-01-02T00:00:00.000Z' });
    after.environment = { ...after.environment, gitCommit: null, gitDirty: true };
    after.fixture = { ...after.fixture, profile: 'small', seed: 3, checksum: 'sha256:x' };
    const c = compareRuns(before, after, OPTIONS);
    expect(c.before).toEqual({
      startedAt: '2026-01-01T00:00:00.000Z', implUnderTest: 'fixed', gitCommit: before.environment.gitCommit, gitDirty: false,
      fixture: { profile: before.fixture.profile, seed: before.fixture.seed, checksum: before.fixture.checksum },
    });
    expect(c.after).toEqual({ startedAt: '2026-01-02T00:00:00.000Z', implUnderTest: 'fixed', gitCommit: null, gitDirty: true, fixture: { profile: 'small', seed: 3, checksum: 'sha256:x' } });
  });
});

describe('the latency checks: Bonferroni over the pairs under test, a seed per pair and percentile, the probe as yardstick', () => {
  // Bootstrap (no rounds): the confidence, the resamples and the seed all show in the interval.
  const boot = (impl: string, spec: Spec = {}) => res(impl, { rounded: false, ...spec });

  it.each<[string, Partial<CompareOptions>]>([
    ['more resamples than asked for, so that each tail rests on 20', { iterations: 300 }],
    ['as many resamples as asked for when that is more', { iterations: 3000 }],
    ['another confidence and seed', { confidence: 0.8, seed: 11 }],
  ])('%s', (_, given) => {
    const options = { ...OPTIONS, ...given };
    const before = run([boot('fixed'), boot('baseline'), boot('fixed', { dialect: 'postgres' })]);
    const after = run([boot('fixed', { ms: 2.2 }), boot('baseline', { ms: 2.1 }), boot('fixed', { dialect: 'postgres', ms: 1.9 })]);
    const c = compareRuns(before, after, options);
    expect(pairsOf(c)).toEqual(['s1 sqlite fixed->fixed under-test', 's1 sqlite baseline->baseline same-name', 's1 postgres fixed->fixed under-test']);
    const checks = perCheck(options, 2);
    const [b, a] = [before.results, after.results];
    // Index i of the pair in the comparison: seeds seed + 2i (p50) and seed + 2i + 1 (p95).
    expect(c.pairs[0]!.p50).toEqual(latencyChange(b[0]!, a[0]!, 50, checks, options.seed, undefined));
    expect(c.pairs[0]!.p95).toEqual(latencyChange(b[0]!, a[0]!, 95, checks, options.seed + 1, undefined));
    expect(c.pairs[1]!.p50).toEqual(latencyChange(b[1]!, a[1]!, 50, options, options.seed + 2, undefined));
    expect(c.pairs[1]!.p95).toEqual(latencyChange(b[1]!, a[1]!, 95, options, options.seed + 3, undefined));
    expect(c.pairs[2]!.p50).toEqual(latencyChange(b[2]!, a[2]!, 50, checks, options.seed + 4, undefined));
    expect(c.pairs[2]!.p95).toEqual(latencyChange(b[2]!, a[2]!, 95, checks, options.seed + 5, undefined));
  });

  it('one pair under test is two checks', () => {
    const before = run([boot('fixed')]);
    const after = run([boot('fixed', { ms: 2.1 })]);
    const c = compareRuns(before, after, OPTIONS);
    expect(c.pairs[0]!.p50).toEqual(latencyChange(before.results[0]!, after.results[0]!, 50, perCheck(OPTIONS, 1), OPTIONS.seed, undefined));
  });

  it('the other pairs keep the options as given when none is under test', () => {
    const before = run([boot('baseline')]);
    const after = run([boot('baseline', { ms: 2.1 })]);
    const c = compareRuns(before, after, OPTIONS);
    expect(c.pairs[0]!.p50).toEqual(latencyChange(before.results[0]!, after.results[0]!, 50, OPTIONS, OPTIONS.seed, undefined));
  });

  describe("the drift probe: the one beside the scenario, else the database's first usable one, in both runs", () => {
    const probe = (spec: Spec) => res(PROBE_IMPL, spec);
    const probeNoSamples = (spec: Spec) => ({ ...probe(spec), rawSamples: [], sampleRounds: [] });
    const erroredProbe = (spec: Spec) => ({ ...probe(spec), state: 'errored' as const, error: 'probe failed' });

    interface ProbeCase {
      before: ScenarioResult[];
      after: ScenarioResult[];
      /** Indexes of the chosen probes in `before` and `after`, or none. */
      chosen: [number, number] | null;
    }
    const cases: [string, ProbeCase][] = [
      ['beside the scenario in both', { before: [probe({ ms: 1 })], after: [probe({ ms: 1.1 })], chosen: [0, 0] }],
      ["only in another scenario: the database's first", { before: [probe({ scenario: 'p1', ms: 1 }), probe({ scenario: 'p2', ms: 1.3 })], after: [probe({ scenario: 'p2', ms: 0.9 }), probe({ scenario: 'p1', ms: 1.2 })], chosen: [0, 0] }],
      ['the one beside the scenario before the first', { before: [probe({ scenario: 'p1', ms: 1.3 }), probe({ ms: 1 })], after: [probe({ scenario: 'p1', ms: 0.8 }), probe({ ms: 1.1 })], chosen: [1, 1] }],
      ['not an errored one beside the scenario', { before: [erroredProbe({ ms: 1.4 }), probe({ scenario: 'p1', ms: 1 })], after: [probe({ ms: 1.1 })], chosen: [1, 0] }],
      ['not one without samples beside the scenario', { before: [probe({ ms: 1 })], after: [probeNoSamples({ ms: 1.2 }), probe({ scenario: 'p1', ms: 0.9 })], chosen: [0, 1] }],
      ['not one on another database', { before: [probe({ dialect: 'postgres', ms: 1 })], after: [probe({ dialect: 'postgres', ms: 1.2 })], chosen: null }],
      ['none when AFTER has none on the database', { before: [probe({ ms: 1 })], after: [probe({ scenario: 'p1', dialect: 'postgres', ms: 1.2 })], chosen: null }],
      ['none when BEFORE has none on the database', { before: [probe({ dialect: 'postgres', ms: 1 })], after: [probe({ ms: 1.2 })], chosen: null }],
      ['none when the only ones errored or kept no samples', { before: [erroredProbe({ ms: 1 })], after: [probeNoSamples({ ms: 1.2 })], chosen: null }],
    ];

    it.each(cases)('%s', (_, k) => {
      const [b, a] = [res('fixed', { queries: { perRequest: 4 } }), res('fixed', { ms: 2.3 })];
      const c = compareRuns(run([b, ...k.before]), run([a, ...k.after]), OPTIONS);
      const probes: Probes | undefined = k.chosen === null ? undefined : { before: k.before[k.chosen[0]]!, after: k.after[k.chosen[1]]! };
      const underTest = pairAt(c, 'fixed');
      expect(underTest.p50).toEqual(latencyChange(b, a, 50, perCheck(OPTIONS, 1), OPTIONS.seed, probes));
      expect(underTest.p95).toEqual(latencyChange(b, a, 95, perCheck(OPTIONS, 1), OPTIONS.seed + 1, probes));
      expect('corrected' in underTest.p50!).toBe(k.chosen !== null);
    });

    it('corrects the other implementations too, but never the probe by itself', () => {
      const before = run([res('fixed'), res('floor'), res(PROBE_IMPL, { ms: 1 })]);
      const after = run([res('fixed'), res('floor', { ms: 2.2 }), res(PROBE_IMPL, { ms: 1.1 })]);
      const c = compareRuns(before, after, OPTIONS);
      const probes = { before: before.results[2]!, after: after.results[2]! };
      expect(pairAt(c, 'floor').p50).toEqual(latencyChange(before.results[1]!, after.results[1]!, 50, OPTIONS, OPTIONS.seed + 2, probes));
      expect(pairAt(c, PROBE_IMPL).p50).toEqual(latencyChange(probes.before, probes.after, 50, OPTIONS, OPTIONS.seed + 4, undefined));
      expect(pairAt(c, PROBE_IMPL).p50).not.toHaveProperty('corrected');
    });
  });
});

describe('a pair that errored on a side is not measured; after, it is a regression', () => {
  const unmeasured = (fields: Partial<ComparedPair>): ComparedPair => ({
    scenario: 's1', dialect: 'sqlite', beforeImpl: 'fixed', afterImpl: 'fixed', role: 'under-test', problems: [],
    p50: null, p95: null, queriesPerRequest: null, grownRequestKinds: [], rowsPerRequest: null, newFingerprints: [], grownFingerprints: [], newFullScans: [], regressions: [],
    ...fields,
  });

  it.each<[string, ScenarioResult, ScenarioResult, Partial<ComparedPair>, string[], string[]]>([
    ['errored before', errored('fixed', 'E1'), res('fixed'), { problems: ['before: errored: E1'] }, [],
      ['fixed errored before (s1, sqlite): no base to judge after against (errored: E1)']],
    ['errored before, with no message', errored('fixed', undefined), res('fixed'), { problems: ['before: errored: no error message'] }, [],
      ['fixed errored before (s1, sqlite): no base to judge after against (errored: no error message)']],
    ['errored after', res('fixed'), errored('fixed', 'E2'), { problems: ['after: errored: E2'], regressions: ['could not be measured after: E2 (s1, sqlite)'] },
      ['could not be measured after: E2 (s1, sqlite)'], []],
    ['errored after, with no message', res('fixed'), errored('fixed', undefined),
      { problems: ['after: errored: no error message'], regressions: ['could not be measured after: no error message (s1, sqlite)'] },
      ['could not be measured after: no error message (s1, sqlite)'], []],
    ['errored on both sides', errored('fixed', 'E1'), errored('fixed', 'E2'),
      { problems: ['before: errored: E1', 'after: errored: E2'], regressions: ['could not be measured after: E2 (s1, sqlite)'] },
      ['could not be measured after: E2 (s1, sqlite)'], ['fixed errored before (s1, sqlite): no base to judge after against (errored: E1)']],
  ])('%s', (_, b, a, pair, regressions, missingEvidence) => {
    const c = compareRuns(run([b]), run([a]), OPTIONS);
    expect(c.pairs).toEqual([unmeasured(pair)]);
    expect(c.regressions).toEqual(regressions);
    expect(c.missingEvidence).toEqual(missingEvidence);
    expect(comparisonVerdict(c).outcome).not.toBe('pass');
  });

  it('names both implementations when they differ, and an errored other implementation does not gate', () => {
    const c = compareRuns(run([res('fixed'), res('floor')], 'fixed'), run([errored('baseline', 'E3'), errored('floor', 'E4')], 'baseline'), OPTIONS);
    expect(pairAt(c, 'baseline').regressions).toEqual(['could not be measured after: E3 (s1, sqlite, fixed -> baseline)']);
    expect(pairAt(c, 'floor')).toEqual(unmeasured({ beforeImpl: 'floor', afterImpl: 'floor', role: 'same-name', problems: ['after: errored: E4'], regressions: ['could not be measured after: E4 (s1, sqlite, floor)'] }));
    expect(c.regressions).toEqual(['could not be measured after: E3 (s1, sqlite, fixed -> baseline)']);
  });

  it('an errored other implementation before is no missing evidence', () => {
    const c = compareRuns(run([res('fixed'), errored('floor', 'E5')]), run([res('fixed'), res('floor')]), OPTIONS);
    expect(pairAt(c, 'floor').problems).toEqual(['before: errored: E5']);
    expect(c.missingEvidence).toEqual([]);
    expect(c.regressions).toEqual([]);
  });
});

describe('statements per request: the maximum and each request kind, exact', () => {
  interface CountCase {
    before: Partial<Queries>;
    after: Partial<Queries>;
    grownRequestKinds: ComparedPair['grownRequestKinds'];
    regressions: string[];
  }
  const cases: [string, CountCase][] = [
    ['unchanged', { before: { perRequest: 4, byRequest: { a: 4 } }, after: { perRequest: 4, byRequest: { a: 4 } }, grownRequestKinds: [], regressions: [] }],
    ['fewer', { before: { perRequest: 5, byRequest: { a: 5 } }, after: { perRequest: 4, byRequest: { a: 4 } }, grownRequestKinds: [], regressions: [] }],
    ['the maximum grew by one; the kind at the maximum on both sides says no more', {
      before: { perRequest: 4, byRequest: { a: 4, b: 2 } }, after: { perRequest: 5, byRequest: { a: 5, b: 2 } },
      grownRequestKinds: [{ label: 'a', before: 4, after: 5 }], regressions: ['queries per request grew 4 -> 5 (s1, sqlite)'],
    }],
    ['a kind below the maximum grew', {
      before: { perRequest: 5, byRequest: { a: 5, b: 2 } }, after: { perRequest: 5, byRequest: { a: 5, b: 3 } },
      grownRequestKinds: [{ label: 'b', before: 2, after: 3 }], regressions: ['queries per request of b grew 2 -> 3 (s1, sqlite)'],
    }],
    ['a kind grew to the maximum from below the old one', {
      before: { perRequest: 5, byRequest: { a: 5, b: 4 } }, after: { perRequest: 6, byRequest: { a: 5, b: 6 } },
      grownRequestKinds: [{ label: 'b', before: 4, after: 6 }], regressions: ['queries per request grew 5 -> 6 (s1, sqlite)', 'queries per request of b grew 4 -> 6 (s1, sqlite)'],
    }],
    ['the kind at the old maximum grew, but not to the new one', {
      before: { perRequest: 5, byRequest: { a: 5, b: 1 } }, after: { perRequest: 7, byRequest: { a: 6, b: 7 } },
      grownRequestKinds: [{ label: 'a', before: 5, after: 6 }, { label: 'b', before: 1, after: 7 }],
      regressions: ['queries per request grew 5 -> 7 (s1, sqlite)', 'queries per request of a grew 5 -> 6 (s1, sqlite)', 'queries per request of b grew 1 -> 7 (s1, sqlite)'],
    }],
    ['kinds in AFTER\'s order; a kind new in AFTER or gone from it is not compared', {
      before: { perRequest: 9, byRequest: { gone: 9, x: 1, y: 1 } }, after: { perRequest: 9, byRequest: { y: 2, fresh: 9, x: 3 } },
      grownRequestKinds: [{ label: 'y', before: 1, after: 2 }, { label: 'x', before: 1, after: 3 }],
      regressions: ['queries per request of y grew 1 -> 2 (s1, sqlite)', 'queries per request of x grew 1 -> 3 (s1, sqlite)'],
    }],
    ['no kinds recorded before (an older result)', {
      before: { perRequest: 4, byRequest: undefined as unknown as Record<string, number> }, after: { perRequest: 4, byRequest: { a: 9 } }, grownRequestKinds: [], regressions: [],
    }],
    ['no kinds recorded after', {
      before: { perRequest: 4, byRequest: { a: 1 } }, after: { perRequest: 4, byRequest: undefined as unknown as Record<string, number> }, grownRequestKinds: [], regressions: [],
    }],
  ];

  it.each(cases)('%s', (_, k) => {
    const c = compareRuns(run([res('fixed', { queries: k.before })]), run([res('fixed', { queries: k.after })]), OPTIONS);
    const pair = pairAt(c, 'fixed');
    expect(pair.queriesPerRequest).toEqual({ before: k.before.perRequest, after: k.after.perRequest });
    expect(pair.grownRequestKinds).toEqual(k.grownRequestKinds);
    expect(pair.regressions).toEqual(k.regressions);
    expect(c.regressions).toEqual(k.regressions);
  });

  it('names the implementations when they differ, and only by name for the others', () => {
    const c = compareRuns(
      run([res('fixed', { queries: { perRequest: 4 } }), res('floor', { queries: { perRequest: 1 } })], 'fixed'),
      run([res('baseline', { queries: { perRequest: 106 } }), res('floor', { queries: { perRequest: 2, byRequest: {} } })], 'baseline'),
      OPTIONS,
    );
    expect(pairAt(c, 'baseline').regressions).toEqual(['queries per request grew 4 -> 106 (s1, sqlite, fixed -> baseline)']);
    expect(pairAt(c, 'floor').regressions).toEqual(['queries per request grew 1 -> 2 (s1, sqlite, floor)']);
    // Only the pair under test gates.
    expect(c.regressions).toEqual(['queries per request grew 4 -> 106 (s1, sqlite, fixed -> baseline)']);
  });

  it('records rows per request on both sides', () => {
    const c = compareRuns(run([res('fixed', { fields: { rowsPerRequest: 50 } })]), run([res('fixed', { fields: { rowsPerRequest: 60 } })]), OPTIONS);
    expect(pairAt(c, 'fixed').rowsPerRequest).toEqual({ before: 50, after: 60 });
  });

  it('property: the comparison regresses exactly when some pair under test runs more statements per request', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(8), fc.nat(8)), { minLength: 1, maxLength: 3 }), (counts) => {
        const scenarios = counts.map((_, i) => `s${i}`);
        const c = compareRuns(
          run(counts.map(([b], i) => res('fixed', { scenario: `s${i}`, queries: { perRequest: b } }))),
          run(counts.map(([, a], i) => res('fixed', { scenario: `s${i}`, queries: { perRequest: a } }))),
          { ...OPTIONS, thresholdPct: 1000 },
        );
        const grown = counts.flatMap(([b, a], i) => (a > b ? [`queries per request grew ${b} -> ${a} (${scenarios[i]}, sqlite)`] : []));
        expect(c.regressions).toEqual(grown);
        expect(comparisonVerdict(c).outcome).toBe(grown.length > 0 ? 'fail' : 'pass');
      }),
      { numRuns: 40, seed: 24 },
    );
  });
});

describe('statement shapes and plans', () => {
  const fp = (sql: string, count: number) => ({ sql, count });
  const plan = (fingerprint: string, fullScans: string[]): QueryPlan => ({ fingerprint, plan: null, fullScans });

  it('new shapes, and shapes run more often (not as often or less)', () => {
    const c = compareRuns(
      run([res('fixed', { queries: { fingerprints: [fp('A', 1), fp('B', 2), fp('C', 3), fp('D', 4)] } })]),
      run([res('fixed', { queries: { fingerprints: [fp('E', 1), fp('D', 5), fp('C', 3), fp('B', 1), fp('F', 2)] } })]),
      OPTIONS,
    );
    const pair = pairAt(c, 'fixed');
    expect(pair.newFingerprints).toEqual([fp('E', 1), fp('F', 2)]);
    expect(pair.grownFingerprints).toEqual([{ sql: 'D', before: 4, after: 5 }]);
    // Reported, not judged: the statement count is.
    expect(pair.regressions).toEqual([]);
  });

  it.each<[string, QueryPlan[] | undefined, QueryPlan[] | undefined, ComparedPair['newFullScans'], string[]]>([
    ['tables read in full after and not before, per statement', [plan('q1', ['t1']), plan('q2', [])], [plan('q1', ['t1', 't2']), plan('q2', []), plan('q3', ['t3'])],
      [{ fingerprint: 'q1', tables: ['t2'] }, { fingerprint: 'q3', tables: ['t3'] }],
      ['new full scan of t2 in q1 (s1, sqlite)', 'new full scan of t3 in q3 (s1, sqlite)']],
    ['a scan that moved to another statement is new there', [plan('q1', ['t1'])], [plan('q2', ['t1'])], [{ fingerprint: 'q2', tables: ['t1'] }], ['new full scan of t1 in q2 (s1, sqlite)']],
    ['the same scans', [plan('q1', ['t1'])], [plan('q1', ['t1'])], [], []],
    ['no plans before', undefined, [plan('q1', ['t1'])], [], []],
    ['no plans after', [plan('q1', [])], undefined, [], []],
  ])('%s', (_, beforePlans, afterPlans, newFullScans, regressions) => {
    const queries = (plans: QueryPlan[] | undefined): Partial<Queries> => (plans === undefined ? {} : { plans });
    const c = compareRuns(run([res('fixed', { queries: queries(beforePlans) })]), run([res('fixed', { queries: queries(afterPlans) })]), OPTIONS);
    expect(pairAt(c, 'fixed').newFullScans).toEqual(newFullScans);
    // The exact cost checks (exact-cost-growth.ts) add their lines to the pair's regressions.
    expect(pairAt(c, 'fixed').regressions).toEqual(regressions);
    expect(c.regressions).toEqual(regressions);
  });
});

describe('latency: a line for each percentile whose whole interval lies above 1 + threshold', () => {
  const lineOf = (name: 'p50' | 'p95', change: NonNullable<ComparedPair['p50']>, thresholdPct: number, where: string) => {
    const judged = change.corrected ?? { ratio: change.ratio, ci: change.ci! };
    return `${name} latency ${formatRatio(judged.ratio)} ${formatInterval(judged.ci, formatRatio)} of before${change.corrected === undefined ? '' : ' (corrected for drift by the probe)'}, whole interval above ${formatRatio(1 + thresholdPct / 100)} (${where})`;
  };

  it.each<[string, number, number]>([
    ['three times slower, threshold 10%', 6, 10],
    ['three times slower, threshold 25%', 6, 25],
  ])('%s', (_, afterMs, thresholdPct) => {
    const c = compareRuns(run([res('fixed')]), run([res('fixed', { ms: afterMs })]), { ...OPTIONS, thresholdPct });
    const pair = pairAt(c, 'fixed');
    expect([pair.p50!.verdict, pair.p95!.verdict]).toEqual(['regressed', 'regressed']);
    const lines = [lineOf('p50', pair.p50!, thresholdPct, 's1, sqlite'), lineOf('p95', pair.p95!, thresholdPct, 's1, sqlite')];
    expect(pair.regressions).toEqual(lines);
    expect(c.regressions).toEqual(lines);
    expect(lines[0]).toMatch(new RegExp(`^p50 latency \\d\\.\\d+x \\[\\d\\.\\d+x, \\d\\.\\d+x\\] of before, whole interval above ${thresholdPct === 10 ? '1\\.10x' : '1\\.25x'} \\(s1, sqlite\\)$`));
  });

  it('judged and said on the corrected ratio when the probe corrected it', () => {
    // The machine itself got 1.5x slower: the raw ratio is ~4.5x, the corrected one ~3x.
    const c = compareRuns(run([res('fixed'), res(PROBE_IMPL, { ms: 1 })]), run([res('fixed', { ms: 9 }), res(PROBE_IMPL, { ms: 1.5 })]), OPTIONS);
    const pair = pairAt(c, 'fixed');
    expect(pair.p50!.corrected).toBeDefined();
    const lines = [lineOf('p50', pair.p50!, 10, 's1, sqlite'), lineOf('p95', pair.p95!, 10, 's1, sqlite')];
    expect(pair.regressions).toEqual(lines);
    expect(lines[0]).toContain(`p50 latency ${formatRatio(pair.p50!.corrected!.ratio)} ${formatInterval(pair.p50!.corrected!.ci, formatRatio)} of before (corrected for drift by the probe), whole interval above 1.10x (s1, sqlite)`);
    expect(formatRatio(pair.p50!.corrected!.ratio)).not.toBe(formatRatio(pair.p50!.ratio));
  });

  it('says nothing of a latency that improved, did not move, or moved only as much as the machine', () => {
    for (const [afterMs, probeAfterMs] of [[0.7, 1], [2, 1], [3, 1.5]] as const) {
      const c = compareRuns(run([res('fixed'), res(PROBE_IMPL, { ms: 1 })]), run([res('fixed', { ms: afterMs }), res(PROBE_IMPL, { ms: probeAfterMs })]), OPTIONS);
      expect(pairAt(c, 'fixed').p50!.verdict).not.toBe('regressed');
      expect(c.regressions).toEqual([]);
    }
  });

  it('a slower other implementation is reported on its pair and does not gate', () => {
    const c = compareRuns(run([res('fixed'), res('floor')]), run([res('fixed'), res('floor', { ms: 6 })]), OPTIONS);
    expect(pairAt(c, 'floor').regressions).toEqual([lineOf('p50', pairAt(c, 'floor').p50!, 10, 's1, sqlite, floor'), lineOf('p95', pairAt(c, 'floor').p95!, 10, 's1, sqlite, floor')]);
    expect(c.regressions).toEqual([]);
  });

  it('without raw samples on a side of the pair under test: no interval, no line, and missing evidence', () => {
    const bare = (r: ScenarioResult): ScenarioResult => ({ ...r, rawSamples: [], sampleRounds: [] });
    for (const [b, a] of [[bare(res('fixed')), res('fixed', { ms: 6 })], [res('fixed'), bare(res('fixed', { ms: 6 }))]]) {
      const c = compareRuns(run([b!, res('floor')]), run([a!, bare(res('floor'))]), OPTIONS);
      expect(pairAt(c, 'fixed').p50).toMatchObject({ verdict: 'no-interval', ci: null, ratio: 3 });
      expect(c.regressions).toEqual([]);
      // The floor without samples is no missing evidence: it is not under test.
      expect(c.missingEvidence).toEqual(['no raw samples on one side (s1, sqlite): its latency cannot be judged; run both with a querygate that keeps rawSamples']);
    }
  });
});
