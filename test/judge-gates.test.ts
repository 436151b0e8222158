/**
 * Each gate of the judge pinned at its boundaries, in both directions, with the words it says:
 * the snapshot and full-scan gates for every snapshot status, the detail gate at 8 rounds and 59
 * samples, the --against gates per scenario and database. Milliseconds: bench:mutation runs them.
 */
import { describe, expect, it } from 'vitest';
import { applyAgainstGates, applyGates, DEFAULT_THRESHOLDS, MIN_PAIRED_ROUNDS, p95EstimateOf } from '../harness/judge/gates.js';
import { FINGERPRINT_VERSION } from '../harness/instrument/fingerprint.js';
import { quantileInterval } from '../harness/stats/quantile-interval.js';
import type { GateResult, MeasuredRun, PairedComparison, QueryPlan, RatioResult, ScenarioResult, SnapshotCheck } from '../harness/core/result.js';
import type { GateId, Scenario } from '../scenarios/scenario.js';
import { makeRun, makeScenarioResult, samplesWithP95 } from './fixtures/sample-result.js';

const scenarioWith = (...gates: GateId[]): Scenario[] => [{ name: 'detail', description: '', requests: [], gates }];

function result(impl: string, fields: Partial<ScenarioResult> = {}, perRequest = 4): ScenarioResult {
  return makeScenarioResult({
    scenario: 'detail', dialect: 'sqlite', impl, rawSamples: samplesWithP95(60, 3),
    queries: { perRequest, perRequestMin: perRequest, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: { 'random id': perRequest } },
    ...fields,
  });
}

/** The gates of fixed in a run of the given results, one scenario with the given gates. */
function gatesOf(results: ScenarioResult[], gates: GateId[], extra: { ratios?: RatioResult[]; pairs?: PairedComparison[] } = {}): GateResult[] {
  applyGates(results, extra.ratios ?? [], scenarioWith(...gates), 'fixed', DEFAULT_THRESHOLDS, extra.pairs ?? []);
  return results.find((r) => r.impl === 'fixed')?.gates ?? [];
}

const snapshot = (status: SnapshotCheck['status'], fields: Partial<SnapshotCheck> = {}): SnapshotCheck => ({ file: 'scenarios/snapshots/detail.sqlite.default-42.txt', status, acceptedScans: [], ...fields });
const plan = (fingerprint: string, fullScans: string[]): QueryPlan => ({ fingerprint, plan: null, fullScans });

describe('same-queries-as-snapshot', () => {
  const judged = (s: SnapshotCheck | undefined) => gatesOf([result('fixed', { queries: { ...result('fixed').queries, ...(s === undefined ? {} : { snapshot: s }) } })], ['same-queries-as-snapshot'])[0];
  const file = 'scenarios/snapshots/detail.sqlite.default-42.txt';
  const threshold = `identical to ${file}`;

  it.each([
    ['matched', true, 'identical', `statements, plan shapes and exact costs identical to ${file}`],
    ['written', true, 'written', `no snapshot yet: wrote ${file} (review and commit it)`],
    ['updated', true, 'updated', `rewrote ${file} (--update-snapshots): review its diff`],
    ['missing', false, 'missing', `no snapshot ${file} and CI is set: run \`npx querygate run --update-snapshots\` and commit it`],
  ] as const)('%s: pass %s', (status, pass, actual, message) => {
    expect(judged(snapshot(status))).toEqual({ id: 'same-queries-as-snapshot', pass, actual, threshold, message });
  });

  it('is not judged without a snapshot for the profile, or without one checked at all', () => {
    expect(judged(snapshot('not-judged'))).toEqual({
      id: 'same-queries-as-snapshot', pass: true, actual: 'not judged', threshold, judged: false,
      message: `no snapshot for this fixture profile and seed (${file}): not judged; \`--update-snapshots\` writes one`,
    });
    expect(judged(undefined)).toEqual({ id: 'same-queries-as-snapshot', pass: true, actual: 'not judged', threshold: 'identical to the snapshot', judged: false, message: 'no snapshot was checked (plans off, or not asked for)' });
  });

  it('fails a difference, naming the first changed line and how many more', () => {
    const diff = '  same\n- select a\n+ select b\n+ select c\n  same';
    expect(judged(snapshot('differs', { diff }))).toEqual({
      id: 'same-queries-as-snapshot', pass: false, actual: '3 lines differ', threshold,
      message: `differs from ${file} (- snapshot, + this run): - select a (+2 more changed lines)`,
    });
    expect(judged(snapshot('differs', { diff: '+ only' }))?.message).toBe(`differs from ${file} (- snapshot, + this run): + only`);
    expect(judged(snapshot('differs'))).toMatchObject({ pass: false, actual: '0 lines differ' });
  });

  it('cuts a long first line at 160 characters, and says when the normalization changed', () => {
    const long = `- ${'x'.repeat(200)}`;
    expect(judged(snapshot('differs', { diff: long }))?.message).toBe(`differs from ${file} (- snapshot, + this run): ${long.slice(0, 157)}...`);
    const exact = `- ${'y'.repeat(158)}`;
    expect(exact).toHaveLength(160);
    expect(judged(snapshot('differs', { diff: exact }))?.message).toBe(`differs from ${file} (- snapshot, + this run): ${exact}`);
    expect(judged(snapshot('differs', { diff: '- a', normalizationVersion: FINGERPRINT_VERSION - 1 }))?.message).toBe(
      `fingerprint normalization changed from v${FINGERPRINT_VERSION - 1} to v${FINGERPRINT_VERSION}, so fingerprints may differ; differs from ${file} (- snapshot, + this run): - a`,
    );
    expect(judged(snapshot('differs', { diff: '- a', normalizationVersion: FINGERPRINT_VERSION }))?.message).toBe(`differs from ${file} (- snapshot, + this run): - a`);
  });
});

describe('no-new-full-scan', () => {
  const threshold = 'no table over 1000 rows read in full unless accepted';
  const judged = (plans: QueryPlan[] | undefined, s?: SnapshotCheck) =>
    gatesOf([result('fixed', { queries: { ...result('fixed').queries, ...(plans === undefined ? {} : { plans }), ...(s === undefined ? {} : { snapshot: s }) } })], ['no-new-full-scan'])[0];
  const file = 'scenarios/snapshots/detail.sqlite.default-42.txt';

  it('is not judged without plans', () => {
    expect(judged(undefined)).toEqual({ id: 'no-new-full-scan', pass: true, actual: 'not judged', threshold, judged: false, message: 'plans were not gathered (--no-plans)' });
  });

  it('passes no scan, and scans the snapshot accepts, naming them', () => {
    expect(judged([plan('select 1', [])], snapshot('matched'))).toEqual({ id: 'no-new-full-scan', pass: true, actual: 'none', threshold, message: 'no table over 1000 rows read in full' });
    const one = judged([plan('select * from artifacts', ['artifacts'])], snapshot('matched', { acceptedScans: ['artifacts <- select * from artifacts'] }));
    expect(one).toEqual({ id: 'no-new-full-scan', pass: true, actual: '1 accepted', threshold, message: `1 full scan, each accepted in ${file}: artifacts` });
    const two = judged([plan('select * from artifacts', ['artifacts']), plan('select * from tags', ['tags'])], snapshot('matched', { acceptedScans: ['artifacts <- select * from artifacts', 'tags <- select * from tags'] }));
    expect(two).toMatchObject({ pass: true, actual: '2 accepted', message: `2 full scans, each accepted in ${file}: artifacts, tags` });
  });

  it('fails a scan the snapshot does not accept, naming the first and how many more', () => {
    const scans = [plan('select * from artifacts', ['artifacts']), plan('select * from tags', ['tags'])];
    expect(judged(scans, snapshot('matched', { acceptedScans: ['tags <- select * from tags'] }))).toEqual({
      id: 'no-new-full-scan', pass: false, actual: '1 new', threshold, message: `reads artifacts in full: select * from artifacts; not accepted in ${file}`,
    });
    expect(judged(scans, snapshot('differs'))).toMatchObject({ pass: false, actual: '2 new', message: `reads artifacts in full: select * from artifacts (+1 more); not accepted in ${file}` });
    const long = `select ${'c, '.repeat(120)}d from artifacts`;
    expect(judged([plan(long, ['artifacts'])], snapshot('matched'))?.message).toBe(`reads ${`artifacts in full: ${long}`.slice(0, 220)}; not accepted in ${file}`);
  });

  it.each([['no snapshot', undefined], ['a snapshot of another profile', snapshot('not-judged')], ['a missing snapshot', snapshot('missing')]] as const)(
    'does not judge a scan with %s: only a snapshot of this profile can accept it',
    (_, s) => {
      expect(judged([plan('select * from artifacts', ['artifacts'])], s)).toEqual({
        id: 'no-new-full-scan', pass: true, actual: 'not judged', threshold, judged: false,
        message: '1 full scan (artifacts) and no snapshot of this profile to accept or refuse them: not judged',
      });
      expect(judged([plan('select * from artifacts', ['artifacts']), plan('select * from artifacts a join tags t', ['artifacts'])], s)?.message).toBe(
        '2 full scans (artifacts) and no snapshot of this profile to accept or refuse them: not judged',
      );
    },
  );
});

describe('not-slower-than-baseline at its boundaries', () => {
  const limit = 1 + DEFAULT_THRESHOLDS.detailTolerancePct / 100;
  const threshold = 'lower ends of the paired and p95 ratio intervals not above 1.10, queries <= baseline\'s';
  const pair = (lower: number, rounds = 40, fields: Partial<PairedComparison> = {}): PairedComparison => ({
    scenario: 'detail', dialect: 'sqlite', subject: 'fixed', reference: 'baseline', kind: 'baseline', rounds, roundRatios: [],
    ratio: lower + 0.05, ci: [lower, lower + 0.1], confidence: 0.99, pValue: 0.5, minEffect: 0.1, mde: 0.05, verdict: 'same', ...fields,
  });
  const ratio = (lower: number): RatioResult => ({ scenario: 'detail', dialect: 'sqlite', numerator: 'fixed', denominator: 'baseline', p50: 1, p50Ci: [0.9, 1.1], p95: lower + 0.05, p95Ci: [lower, lower + 0.1] });
  const judged = (fixed: Partial<ScenarioResult>, baseline: Partial<ScenarioResult> | null, extra: { ratios?: RatioResult[]; pairs?: PairedComparison[] } = {}, queries: [number, number] = [4, 7]) =>
    gatesOf([result('fixed', fixed, queries[0]), ...(baseline === null ? [] : [result('baseline', baseline, queries[1])])], ['not-slower-than-baseline'], extra)[0];

  it('fails without a baseline, or with one that errored, saying which', () => {
    expect(judged({}, null)).toEqual({ id: 'not-slower-than-baseline', pass: false, actual: 'not compared', threshold: 'vs baseline', message: 'baseline did not run on this scenario' });
    expect(judged({}, { state: 'errored', error: 'a request answered 500' })?.message).toBe('baseline could not be measured: a request answered 500');
    expect(judged({}, { state: 'errored' })?.message).toBe('baseline could not be measured: errored');
  });

  it('judges the paired ratio from 8 rounds: at the limit it passes, above it fails', () => {
    expect(MIN_PAIRED_ROUNDS).toBe(8);
    expect(judged({}, {}, { pairs: [pair(limit, 8)] })).toMatchObject({ pass: true, actual: `median ${(limit + 0.05).toFixed(2)}x [${limit.toFixed(2)}, ${(limit + 0.1).toFixed(2)}], 4 vs 7 queries` });
    expect(judged({}, {}, { pairs: [pair(limit + 0.001, 8)] })).toMatchObject({ pass: false, message: expect.stringMatching(/^significantly slower than baseline \(per-round median\); per-round median ratio 1\.15 \[1\.10-1\.20\] \(99%, 8 rounds\); no p95 ratio$/) });
    expect(judged({}, {}, { pairs: [pair(limit + 0.5, 7)] })).toEqual({
      id: 'not-slower-than-baseline', pass: false, actual: 'not judged, 4 vs 7 queries', threshold,
      message: 'too few samples to judge the latency against baseline: per-round median ratio 1.65 [1.60-1.70] (99%, 7 rounds, too few to judge: it needs 8); no p95 ratio',
    });
  });

  it('judges the p95 ratio from 59 samples on each side: 58 on one side judges nothing', () => {
    const at = (n: number, m: number, lower: number) => judged({ samples: n }, { samples: m }, { ratios: [ratio(lower)] });
    expect(at(59, 59, limit)).toMatchObject({ pass: true, actual: `p95 ${(limit + 0.05).toFixed(2)}x [${limit.toFixed(2)}, ${(limit + 0.1).toFixed(2)}], 4 vs 7 queries` });
    expect(at(59, 59, limit + 0.01)).toMatchObject({ pass: false, message: 'significantly slower than baseline (p95); no paired rounds; p95 ratio 1.16 [1.11-1.21] (n 59 / 59)' });
    expect(at(58, 59, limit + 0.5)).toMatchObject({ pass: false, actual: 'not judged, 4 vs 7 queries', message: expect.stringContaining('(n 58 / 59, too few to judge: a p95 interval needs 59 on each side)') });
    expect(at(59, 58, limit + 0.5)).toMatchObject({ pass: false, actual: 'not judged, 4 vs 7 queries' });
  });

  it('fails more statements than the baseline even when faster, and both latency figures slower, naming both', () => {
    expect(judged({}, {}, { pairs: [pair(0.2)] }, [8, 7])).toMatchObject({ pass: false, message: expect.stringMatching(/^more queries than baseline; per-round median ratio/) });
    expect(judged({}, {}, { pairs: [pair(0.2)] }, [7, 7])).toMatchObject({ pass: true });
    expect(judged({ samples: 60 }, { samples: 60 }, { pairs: [pair(2)], ratios: [ratio(2)] })).toMatchObject({
      pass: false, actual: 'median 2.05x [2.00, 2.10], p95 2.05x [2.00, 2.10], 4 vs 7 queries', message: expect.stringMatching(/^significantly slower than baseline \(per-round median and p95\); /),
    });
  });

  it('uses the pair and the ratio of its own scenario, database and subject only', () => {
    const other = { ...pair(2), dialect: 'postgres' as const };
    expect(judged({}, {}, { pairs: [other] })).toMatchObject({ pass: false, actual: 'not judged, 4 vs 7 queries' });
    expect(judged({}, {}, { pairs: [{ ...pair(2), kind: 'against' }] })).toMatchObject({ actual: 'not judged, 4 vs 7 queries' });
    expect(judged({}, {}, { pairs: [{ ...pair(2), subject: 'floor' }] })).toMatchObject({ actual: 'not judged, 4 vs 7 queries' });
    expect(judged({ samples: 60 }, { samples: 60 }, { ratios: [{ ...ratio(2), numerator: 'floor' }] })).toMatchObject({ actual: 'not judged, 4 vs 7 queries' });
    expect(judged({ samples: 60 }, { samples: 60 }, { ratios: [{ ...ratio(2), scenario: 'list-50' }] })).toMatchObject({ actual: 'not judged, 4 vs 7 queries' });
    expect(judged({ samples: 60 }, { samples: 60 }, { ratios: [{ ...ratio(2), dialect: 'postgres' }] })).toMatchObject({ actual: 'not judged, 4 vs 7 queries' });
  });

  it('passes the baseline judged against itself', () => {
    const results = [result('baseline', {}, 7)];
    applyGates(results, [], scenarioWith('not-slower-than-baseline'), 'baseline', DEFAULT_THRESHOLDS);
    expect(results[0]?.gates[0]).toEqual({ id: 'not-slower-than-baseline', pass: true, actual: 'same impl, 7 vs 7 queries', threshold, message: 'the implementation under test is baseline itself' });
  });
});

describe('applyGates', () => {
  it('gives an errored result no gates and fails, leaves other implementations alone, and judges unknown scenarios by no gate', () => {
    const errored = result('fixed', { state: 'errored', error: 'boom', gates: [{ id: 'old', pass: true, actual: '', threshold: '', message: '' }] });
    expect(applyGates([errored], [], scenarioWith('queries-at-most-max'), 'fixed', DEFAULT_THRESHOLDS)).toBe('fail');
    expect(errored.gates.map((g) => g.id)).toEqual(['old']);
    const other = result('baseline', {}, 99);
    const unknown = { ...result('fixed'), scenario: 'no-such-scenario' };
    expect(applyGates([other, unknown], [], scenarioWith('queries-at-most-max'), 'fixed', DEFAULT_THRESHOLDS)).toBe('pass');
    expect(other.gates).toEqual([]);
    expect(unknown.gates).toEqual([]);
  });

  it('judges the gates in the scenario\'s order', () => {
    expect(gatesOf([result('fixed')], ['same-queries-as-snapshot', 'queries-at-most-max']).map((g) => g.id)).toEqual(['same-queries-as-snapshot', 'queries-at-most-max']);
  });

  it('fails p95-under-budget without raw samples, and names the N+1 suspect beside too many queries', () => {
    const bare = result('fixed', { rawSamples: [], latencyMs: { p50: 1, p95: 2, p99: 3, mean: 1, min: 1, max: 3, p95Ci: [1, 3], count: 0 } });
    expect(gatesOf([bare], ['p95-under-budget'])[0]).toEqual({ id: 'p95-under-budget', pass: false, actual: '2.00 ms, no raw samples', threshold: '< 200 ms', message: 'no raw samples: the p95 cannot be judged against the budget' });
    const n1 = result('fixed', { queries: { ...result('fixed', {}, 9).queries, n1Suspects: [{ fingerprint: 'select count(*) from collection_artifacts where collection_id = ?', count: 8, example: '', callSite: null }] } }, 9);
    expect(gatesOf([n1], ['queries-at-most-max'])[0]?.message).toBe('9 queries per request at most (random id); N+1 suspect: 8x select count(*) from collection_artifacts where collection_id = ?');
    expect(gatesOf([result('fixed', {}, 9)], ['queries-at-most-max'])[0]?.message).toBe('9 queries per request at most (random id)');
  });

  it('judges queries constant in page size on every request kind', () => {
    const kinds = (byRequest: Record<string, number>) => result('fixed', { queries: { ...result('fixed').queries, byRequest } });
    expect(gatesOf([kinds({ 'limit=10': 4, 'limit=50': 4 })], ['queries-constant-in-page-size'])[0]).toMatchObject({ pass: true, actual: 'limit=10: 4, limit=50: 4', message: 'the same query count at every page size (limit=10: 4, limit=50: 4)' });
    expect(gatesOf([kinds({ 'limit=10': 4, 'limit=50': 5 })], ['queries-constant-in-page-size'])[0]).toMatchObject({ pass: false, message: 'query count grows with the page size (limit=10: 4, limit=50: 5)' });
  });
});

describe('p95EstimateOf', () => {
  const samples = samplesWithP95(120, 10);
  it('reads the raw samples over their rounds when each sample has one, else as independent samples', () => {
    const rounds = samples.map((_, i) => Math.floor(i / 2));
    expect(p95EstimateOf({ rawSamples: samples })).toEqual(quantileInterval(samples, 95));
    expect(p95EstimateOf({ rawSamples: samples, sampleRounds: [] })).toEqual(quantileInterval(samples, 95));
    expect(p95EstimateOf({ rawSamples: samples, sampleRounds: rounds.slice(1) })).toEqual(quantileInterval(samples, 95));
    const over = p95EstimateOf({ rawSamples: samples, sampleRounds: rounds });
    expect(over.n).toBe(120);
    expect(over.value).toBe(10);
    // Never narrower than the order-statistic interval.
    const plain = quantileInterval(samples, 95).ci ?? [0, 0];
    expect(over.ci?.[0]).toBeLessThanOrEqual(plain[0]);
    expect(over.ci?.[1]).toBeGreaterThanOrEqual(plain[1]);
  });
});

describe('the --against gates, pair by pair', () => {
  const AGAINST = { ref: 'main', sha: 'a'.repeat(40), mergeBase: null, schemaDiffers: false };
  const pair = (scenario: string, dialect: 'sqlite' | 'postgres', ci: [number, number], fields: Partial<PairedComparison> = {}): PairedComparison => ({
    scenario, dialect, subject: 'fixed', reference: 'fixed@main', kind: 'against', rounds: 40, roundRatios: [], ratio: (ci[0] + ci[1]) / 2, ci,
    confidence: 0.99, pValue: 0.01, minEffect: 0.02, mde: 0.035, verdict: ci[0] > 1.02 ? 'slower' : 'same', ...fields,
  });
  const at = (scenario: string, dialect: 'sqlite' | 'postgres', impl: string, perRequest = 4, plans?: QueryPlan[]) =>
    ({ ...result(impl, plans === undefined ? {} : { queries: { ...result(impl, {}, perRequest).queries, plans } }, perRequest), scenario, dialect });
  const run = (results: ScenarioResult[], pairs: PairedComparison[]): MeasuredRun => {
    const { verdict: _v, ...measured } = makeRun(results);
    return { ...measured, pairs, against: AGAINST };
  };

  it('adds its gates to the subject of each pair only, judged on that pair', () => {
    const results = [at('detail', 'sqlite', 'fixed'), at('detail', 'sqlite', 'fixed@main'), at('detail', 'postgres', 'fixed'), at('detail', 'postgres', 'fixed@main', 3)];
    const verdict = applyAgainstGates(run(results, [pair('detail', 'sqlite', [0.99, 1.01]), pair('detail', 'postgres', [1.05, 1.09])]));
    expect(verdict).toBe('fail');
    const [sqlite, , postgres, ref] = results;
    expect(sqlite?.gates.map((g) => [g.id, g.pass])).toEqual([['no-slowdown-vs-ref', true], ['queries-not-above-ref', true]]);
    expect(postgres?.gates.map((g) => [g.id, g.pass])).toEqual([['no-slowdown-vs-ref', false], ['queries-not-above-ref', false]]);
    expect(ref?.gates).toEqual([]);
    expect(sqlite?.gates[0]).toEqual({
      id: 'no-slowdown-vs-ref', pass: true, actual: '1.000x [0.990, 1.010], 40 rounds', threshold: '99% interval not above 1.02x',
      message: 'fixed / fixed@main per-round median ratio 1.000x [0.990, 1.010] (99% interval); not slower than 1.02x; smallest detectable slowdown in this run 3.5%',
    });
    expect(sqlite?.gates[1]).toEqual({ id: 'queries-not-above-ref', pass: true, actual: '4 vs 4', threshold: '<= fixed@main per request kind', message: 'no request kind runs more statements than at fixed@main' });
    expect(postgres?.gates[0]?.message).toMatch(/; slower than 1\.02x;/);
    expect(postgres?.gates[1]).toMatchObject({ actual: 'random id: 3 -> 4', message: 'more statements than fixed@main: random id: 3 -> 4' });
  });

  it('reads the limit from the pair\'s own minimum effect and its stored verdict from the judge', () => {
    const results = [at('detail', 'sqlite', 'fixed'), at('detail', 'sqlite', 'fixed@main')];
    applyAgainstGates(run(results, [pair('detail', 'sqlite', [1.03, 1.06], { minEffect: 0.1, verdict: 'same', confidence: 0.95 })]));
    expect(results[0]?.gates[0]).toMatchObject({ pass: true, threshold: '95% interval not above 1.10x' });
  });

  it('judges exact cost only when both sides gathered plans', () => {
    const scan = [plan('select * from artifacts', ['artifacts'])];
    const none = [plan('select * from artifacts', [])];
    const both = [at('detail', 'sqlite', 'fixed', 4, scan), at('detail', 'sqlite', 'fixed@main', 4, none)];
    expect(applyAgainstGates(run(both, [pair('detail', 'sqlite', [0.99, 1.01])]))).toBe('fail');
    expect(both[0]?.gates[2]).toMatchObject({ id: 'exact-cost-not-above-ref', pass: false, actual: '1 grown', threshold: 'no new scan, plan change, or rows/buffers over +5% vs fixed@main' });
    const same = [at('detail', 'sqlite', 'fixed', 4, none), at('detail', 'sqlite', 'fixed@main', 4, none)];
    applyAgainstGates(run(same, [pair('detail', 'sqlite', [0.99, 1.01])]));
    expect(same[0]?.gates[2]).toEqual({ id: 'exact-cost-not-above-ref', pass: true, actual: 'same', threshold: 'no new scan, plan change, or rows/buffers over +5% vs fixed@main', message: 'plans, rows read and buffers per request as at fixed@main' });
    const one = [at('detail', 'sqlite', 'fixed', 4, scan), at('detail', 'sqlite', 'fixed@main')];
    applyAgainstGates(run(one, [pair('detail', 'sqlite', [0.99, 1.01])]));
    expect(one[0]?.gates.map((g) => g.id)).toEqual(['no-slowdown-vs-ref', 'queries-not-above-ref']);
  });

  it('adds no gate and fails when a side is missing or errored', () => {
    const errored = [at('detail', 'sqlite', 'fixed'), { ...at('detail', 'sqlite', 'fixed@main'), state: 'errored' as const }];
    expect(applyAgainstGates(run(errored, [pair('detail', 'sqlite', [0.99, 1.01])]))).toBe('fail');
    expect(errored[0]?.gates).toEqual([]);
    const elsewhere = [at('detail', 'sqlite', 'fixed'), at('detail', 'postgres', 'fixed@main')];
    expect(applyAgainstGates(run(elsewhere, [pair('detail', 'sqlite', [0.99, 1.01])]))).toBe('fail');
    expect(applyAgainstGates(run([at('detail', 'sqlite', 'fixed@main')], [pair('detail', 'sqlite', [0.99, 1.01])]))).toBe('fail');
    const other = [at('detail', 'sqlite', 'fixed'), at('list-50', 'sqlite', 'fixed@main')];
    expect(applyAgainstGates(run(other, [pair('detail', 'sqlite', [0.99, 1.01])]))).toBe('fail');
  });

  it('ignores pairs of other kinds', () => {
    const results = [at('detail', 'sqlite', 'fixed'), at('detail', 'sqlite', 'baseline')];
    expect(applyAgainstGates(run(results, [{ ...pair('detail', 'sqlite', [2, 3]), kind: 'baseline', reference: 'baseline' }]))).toBe('pass');
    expect(results[0]?.gates).toEqual([]);
  });
});
