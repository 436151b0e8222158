/**
 * `querygate history`'s analysis (harness/judge/history.ts) on histories built in memory: which
 * results make a series and its points, when the drift probe is divided out (only when every point
 * has one), which latency steps are reported (found, at/below/above minChange, their levels between
 * the neighbouring steps), that every query-count change is reported exactly, the order of the
 * steps, and the verdict. No git and no CLI: milliseconds each, so the mutation bench runs them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROBE_IMPL, type Dialect, type RunResult, type ScenarioResult } from '../harness/core/result.js';
import { DEFAULT_HISTORY_OPTIONS, analyzeHistory, historyVerdict, noiseScale, type HistoryEntry, type HistoryStep } from '../harness/judge/history.js';
import { createRandom } from '../harness/stats/random.js';
import { syntheticHistory } from '../harness/bench/synthetic-history.js';
import { makeRun, makeScenarioResult } from './fixtures/sample-result.js';

/** One result with the given figures (no raw samples: history reads only the summaries and the counts). */
function scenarioResult(impl: string, p50: number, p95: number, queries = 5, where: { scenario?: string; dialect?: Dialect } = {}): ScenarioResult {
  return makeScenarioResult({
    scenario: where.scenario ?? 'list-50',
    dialect: where.dialect ?? 'sqlite',
    impl,
    rawSamples: [],
    latencyMs: { p50, p95, p99: p95, mean: p50, min: p50, max: p95, p95Ci: [p95, p95], count: 0 },
    queries: { perRequest: queries, perRequestMin: queries, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: {} },
  });
}

const commitOf = (i: number) => `c${String(i).padStart(3, '0')}`;
const dateOf = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString();

function entriesOf(results: ScenarioResult[][], edit: (run: RunResult, i: number) => void = () => {}): HistoryEntry[] {
  return results.map((r, i) => {
    const result = makeRun(r);
    edit(result, i);
    return { commit: commitOf(i), date: dateOf(i), subject: `commit ${i}`, result };
  });
}

/** Deterministic run-to-run noise of about 1%: a factor per commit. */
function noise(seed: number, n: number, sigma = 0.01): number[] {
  const random = createRandom(seed);
  return Array.from({ length: n }, () => Math.exp(sigma * random.normal()));
}

/** A level per commit: `from` before `at`, `to` from `at` on (no step when `at` is undefined). */
const levels = (n: number, from: number, to: number, at?: number) => Array.from({ length: n }, (_, i) => (at !== undefined && i >= at ? to : from));

interface SeriesSpec {
  p50: number[];
  p95?: number[];
  queries?: number[];
  /** The probe's p50 and p95 per commit; a commit without one is `null`. */
  probe?: ([number, number] | null)[];
}

/** One series of fixed on list-50 / sqlite, with the probe beside it where given. */
function history(spec: SeriesSpec): HistoryEntry[] {
  return entriesOf(
    spec.p50.map((p50, i) => {
      const probe = spec.probe?.[i];
      return [
        scenarioResult('fixed', p50, spec.p95?.[i] ?? p50 * 1.5, spec.queries?.[i] ?? 5),
        ...(probe === undefined || probe === null ? [] : [scenarioResult(PROBE_IMPL, probe[0], probe[1], 1)]),
      ];
    }),
  );
}

const N = 30;
/** fixed with p50 `p50At` times 1% noise, p95 1.5 x p50 with noise of its own. */
function noisy(p50At: (i: number) => number, p95At: (i: number) => number = (i) => 1.5 * p50At(i), seed = 1): { p50: number[]; p95: number[] } {
  const [a, b] = [noise(seed, N), noise(seed + 100, N)];
  return { p50: a.map((f, i) => p50At(i) * f), p95: b.map((f, i) => p95At(i) * f) };
}

function median(values: readonly number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** The step the analysis must report for a metric, from the series' own values. */
function expectedStep(metric: 'p50' | 'p95' | 'queries', values: readonly number[], at: number, from: number, to: number, pValue: number | null): HistoryStep {
  const before = metric === 'queries' ? (values[at - 1] as number) : median(values.slice(from, at));
  const after = metric === 'queries' ? (values[at] as number) : median(values.slice(at, to));
  return { scenario: 'list-50', dialect: 'sqlite', impl: 'fixed', metric, commit: commitOf(at), date: dateOf(at), before, after, change: after / before - 1, pValue };
}

/** A clear step (20% against 1% noise) is always found with no permutation reaching it: p = 1 / (399 + 1). */
const P_CLEAR = 1 / 400;

describe('the report', () => {
  it('names what was read, how many commits had results, and the options it used', () => {
    const entries = history({ p50: levels(6, 1, 1) });
    const report = analyzeHistory(entries, 'HEAD (last 10 first-parent commits)', 10);
    expect(report.kind).toBe('querygate-history');
    expect(report.range).toBe('HEAD (last 10 first-parent commits)');
    expect(report.commits).toBe(10);
    expect(report.withResults).toBe(6);
    expect(report.options).toEqual({ ...DEFAULT_HISTORY_OPTIONS });
    expect(report.steps).toEqual([]);
  });

  it('says how it searched, with the probe where asked for, the permutations, the significance and minChange', () => {
    expect(analyzeHistory([], 'HEAD', 0).method).toBe(
      'E-Divisive means (Matteson & James 2014, alpha 1) on (log p50, log p95) over the drift probe of the same run where every commit has it, ' +
        'scaled by their run-to-run noise, each split kept when a 399-permutation test gives p <= 0.005; latency steps under 5% not reported; query counts: every change, exact',
    );
    const report = analyzeHistory([], 'HEAD', 0, { relativeToProbe: false, permutations: 99, significance: 0.01, minChange: 0.125 });
    expect(report.method).toBe(
      'E-Divisive means (Matteson & James 2014, alpha 1) on (log p50, log p95) scaled by their run-to-run noise, ' +
        'each split kept when a 99-permutation test gives p <= 0.01; latency steps under 13% not reported; query counts: every change, exact',
    );
    expect(report.options).toEqual({ ...DEFAULT_HISTORY_OPTIONS, relativeToProbe: false, permutations: 99, significance: 0.01, minChange: 0.125 });
  });

  it('is empty for no entries', () => {
    const report = analyzeHistory([], 'HEAD', 3);
    expect([report.withResults, report.series, report.steps]).toEqual([0, [], []]);
  });
});

describe('series and points', () => {
  it('one series per scenario and database of the implementation under test, points oldest first with each commit\'s figures', () => {
    const entries = entriesOf([
      [scenarioResult('fixed', 2, 3, 5), scenarioResult('baseline', 20, 30, 100), scenarioResult('fixed', 4, 6, 2, { scenario: 'detail' }), scenarioResult('fixed', 5, 7, 6, { dialect: 'postgres' })],
      [scenarioResult('fixed', 2.1, 3.1, 6), scenarioResult('floor', 0.1, 0.2, 1), scenarioResult('fixed', 4.1, 6.1, 2, { scenario: 'detail' })],
    ]);
    const report = analyzeHistory(entries, 'HEAD', 2);
    expect(report.series).toEqual([
      {
        scenario: 'list-50',
        dialect: 'sqlite',
        impl: 'fixed',
        driftRemovedBy: null,
        points: [
          { commit: 'c000', date: dateOf(0), p50: 2, p95: 3, queries: 5 },
          { commit: 'c001', date: dateOf(1), p50: 2.1, p95: 3.1, queries: 6 },
        ],
      },
      {
        scenario: 'detail',
        dialect: 'sqlite',
        impl: 'fixed',
        driftRemovedBy: null,
        points: [
          { commit: 'c000', date: dateOf(0), p50: 4, p95: 6, queries: 2 },
          { commit: 'c001', date: dateOf(1), p50: 4.1, p95: 6.1, queries: 2 },
        ],
      },
      { scenario: 'list-50', dialect: 'postgres', impl: 'fixed', driftRemovedBy: null, points: [{ commit: 'c000', date: dateOf(0), p50: 5, p95: 7, queries: 6 }] },
    ]);
    expect(report.steps).toEqual([{ scenario: 'list-50', dialect: 'sqlite', impl: 'fixed', metric: 'queries', commit: 'c001', date: dateOf(1), before: 5, after: 6, change: 6 / 5 - 1, pValue: null }]);
  });

  it('skips a commit whose implementation under test errored: no point, no step', () => {
    const entries = entriesOf([[scenarioResult('fixed', 2, 3, 5)], [{ ...scenarioResult('fixed', 0, 0, 0), state: 'errored', error: 'boom' }], [scenarioResult('fixed', 2, 3, 5)]]);
    const report = analyzeHistory(entries, 'HEAD', 3);
    expect(report.series).toHaveLength(1);
    expect(report.series[0]?.points.map((p) => p.commit)).toEqual(['c000', 'c002']);
    expect(report.steps).toEqual([]);
  });

  it('follows each commit\'s own implementation under test', () => {
    const entries = entriesOf([[scenarioResult('fixed', 2, 3), scenarioResult('baseline', 20, 30)], [scenarioResult('fixed', 2, 3), scenarioResult('baseline', 20, 30)]], (run, i) => {
      if (i === 1) run.implUnderTest = 'baseline';
    });
    const series = analyzeHistory(entries, 'HEAD', 2).series;
    expect(series.map((s) => [s.impl, s.points.map((p) => p.commit)])).toEqual([['fixed', ['c000']], ['baseline', ['c001']]]);
  });

  it('puts the probe of the same scenario and database beside each point, and no other', () => {
    const probe = (p50: number, p95: number, where: { scenario?: string; dialect?: Dialect } = {}) => scenarioResult(PROBE_IMPL, p50, p95, 1, where);
    const entries = entriesOf([
      [scenarioResult('fixed', 2, 3), probe(0.5, 0.7)],
      [scenarioResult('fixed', 2, 3), probe(0.5, 0.7, { scenario: 'detail' })],
      [scenarioResult('fixed', 2, 3), probe(0.5, 0.7, { dialect: 'postgres' })],
      [scenarioResult('fixed', 2, 3), { ...probe(0.5, 0.7), state: 'errored', error: 'boom' }],
      [scenarioResult('fixed', 2, 3), probe(0.5, 0.7, { dialect: 'postgres' }), probe(0.6, 0.8)],
    ]);
    const [series] = analyzeHistory(entries, 'HEAD', 5).series;
    expect(series?.points.map((p) => [p.probeP50, p.probeP95])).toEqual([[0.5, 0.7], [undefined, undefined], [undefined, undefined], [undefined, undefined], [0.6, 0.8]]);
    expect(Object.keys(series?.points[1] ?? {})).toEqual(['commit', 'date', 'p50', 'p95', 'queries']);
    expect(series?.driftRemovedBy).toBeNull();
  });

  it('a probe under test is not divided by itself', () => {
    const entries = entriesOf([[scenarioResult(PROBE_IMPL, 0.5, 0.7, 1)], [scenarioResult(PROBE_IMPL, 0.5, 0.7, 1)]], (run) => {
      run.implUnderTest = PROBE_IMPL;
    });
    const [series] = analyzeHistory(entries, 'HEAD', 2).series;
    expect(series?.points).toEqual([
      { commit: 'c000', date: dateOf(0), p50: 0.5, p95: 0.7, queries: 1 },
      { commit: 'c001', date: dateOf(1), p50: 0.5, p95: 0.7, queries: 1 },
    ]);
    expect(series?.driftRemovedBy).toBeNull();
  });
});

describe('latency steps', () => {
  it('none in a quiet series', () => {
    const report = analyzeHistory(history(noisy(() => 2)), 'HEAD', N);
    expect(report.steps).toEqual([]);
  });

  it.each<[string, number, number]>([
    ['20% slower, even segments', 14, 1.2],
    ['20% slower, odd segments', 15, 1.2],
    ['20% faster', 15, 0.8],
    ['doubled, near the start', 5, 2],
    ['halved, near the end', 25, 0.5],
  ])('%s: one step of p50 and of p95 at the first commit of the new level, levels the medians on either side', (_, at, factor) => {
    const s = noisy((i) => (i >= at ? 2 * factor : 2));
    const report = analyzeHistory(history(s), 'HEAD', N);
    expect(report.steps).toEqual([expectedStep('p50', s.p50, at, 0, N, P_CLEAR), expectedStep('p95', s.p95, at, 0, N, P_CLEAR)]);
  });

  it('a step of p95 alone is reported for p95 alone (p50 moved less than minChange)', () => {
    const s = noisy(() => 2, (i) => (i >= 15 ? 4 : 3));
    const report = analyzeHistory(history(s), 'HEAD', N);
    expect(report.steps).toEqual([expectedStep('p95', s.p95, 15, 0, N, P_CLEAR)]);
  });

  it('a step in the quiet coordinate is found beside a noisy one: each is scaled by its own noise', () => {
    // p50 jumps about by 10% from run to run; p95's 8% step stands out only against p95's own 0.5% noise.
    const wild = noise(5, N, 0.1);
    const calm = noise(6, N, 0.005);
    const s = { p50: wild.map((f) => 2 * f), p95: calm.map((f, i) => (i >= 15 ? 3.24 : 3) * f) };
    const report = analyzeHistory(history(s), 'HEAD', N);
    expect(report.steps.map((st) => [st.metric, st.commit])).toContainEqual(['p95', 'c015']);
  });

  it('two steps: each level is the median between the neighbouring steps', () => {
    const s = noisy((i) => (i >= 20 ? 3 : i >= 10 ? 2.5 : 2));
    const report = analyzeHistory(history(s), 'HEAD', N);
    expect(report.steps).toEqual([
      expectedStep('p50', s.p50, 10, 0, 20, report.steps[0]!.pValue),
      expectedStep('p95', s.p95, 10, 0, 20, report.steps[0]!.pValue),
      expectedStep('p50', s.p50, 20, 10, N, report.steps[2]!.pValue),
      expectedStep('p95', s.p95, 20, 10, N, report.steps[2]!.pValue),
    ]);
    for (const step of report.steps) expect(step.pValue).toBeLessThanOrEqual(DEFAULT_HISTORY_OPTIONS.significance);
  });

  it('the options reach the search: fewer permutations give a coarser p-value, a smaller minSize finds an early step', () => {
    const s = noisy((i) => (i >= 15 ? 2.4 : 2));
    expect(analyzeHistory(history(s), 'HEAD', N, { permutations: 99, significance: 0.01 }).steps.map((st) => st.pValue)).toEqual([0.01, 0.01]);
    const early = noisy((i) => (i >= 3 ? 2.4 : 2));
    expect(analyzeHistory(history(early), 'HEAD', N).steps.some((st) => st.commit === 'c003')).toBe(false);
    expect(analyzeHistory(history(early), 'HEAD', N, { minSize: 3 }).steps.map((st) => [st.metric, st.commit])).toEqual([['p50', 'c003'], ['p95', 'c003']]);
  });

  it('a simulated history: a 15% step at commit 20 of 40 is found there and nowhere else', () => {
    const entries = syntheticHistory({ seed: 3, commits: 40, latencyStepAt: 20 });
    const report = analyzeHistory(entries, 'synthetic', 40);
    expect(report.series[0]?.driftRemovedBy).toBe('probe');
    expect(report.steps.map((st) => [st.metric, st.commit])).toEqual([['p50', entries[20]!.commit], ['p95', entries[20]!.commit]]);
    expect(report.steps[0]!.change).toBeGreaterThan(0.05);
  });
});

describe('minChange: latency steps smaller than it are not reported, however significant', () => {
  // Exact levels (no noise): p50 1 -> 1.5 and p95 2 -> 3 at commit 15 are changes of exactly 0.5; 2 -> 1 of exactly -0.5.
  const up = history({ p50: levels(N, 1, 1.5, 15), p95: levels(N, 2, 3, 15) });
  const down = history({ p50: levels(N, 2, 1, 15), p95: levels(N, 4, 2, 15) });
  it.each<[string, HistoryEntry[], number, boolean]>([
    ['a rise of exactly minChange', up, 0.5, true],
    ['a rise just under minChange', up, 0.5 + 1e-9, false],
    ['a rise over minChange', up, 0.49, true],
    ['a fall of exactly minChange', down, 0.5, true],
    ['a fall just under minChange', down, 0.5 + 1e-9, false],
    ['a fall over minChange', down, 0.49, true],
  ])('%s: reported %s', (_, entries, minChange, reported) => {
    const steps = analyzeHistory(entries, 'HEAD', N, { minChange }).steps;
    expect(steps.map((st) => [st.metric, st.commit, st.change])).toEqual(reported ? [['p50', 'c015', entries === up ? 0.5 : -0.5], ['p95', 'c015', entries === up ? 0.5 : -0.5]] : []);
  });
});

describe('query counts: every change, exactly, whatever its size', () => {
  it.each<[string, number[], [number, number, number][]]>([
    ['one more statement', levels(N, 5, 6, 12), [[12, 5, 6]]],
    ['one fewer', levels(N, 6, 5, 3), [[3, 6, 5]]],
    ['there and back', [...levels(10, 5, 5), ...levels(10, 6, 6), ...levels(10, 5, 5)], [[10, 5, 6], [20, 6, 5]]],
    ['1% more (no minChange for counts)', levels(N, 100, 101, 1), [[1, 100, 101]]],
    ['the last commit alone', levels(N, 5, 7, N - 1), [[N - 1, 5, 7]]],
  ])('%s', (_, queries, expected) => {
    const report = analyzeHistory(history({ p50: levels(N, 2, 2), queries }), 'HEAD', N);
    expect(report.steps).toEqual(expected.map(([at]) => expectedStep('queries', queries, at, 0, N, null)));
  });

  it('a latency change at a query-count step is that step, not a latency step of its own', () => {
    const s = noisy((i) => (i >= 15 ? 2.4 : 2));
    const queries = levels(N, 5, 6, 15);
    expect(analyzeHistory(history({ ...s, queries }), 'HEAD', N).steps).toEqual([expectedStep('queries', queries, 15, 0, N, null)]);
  });

  it('the latency series is split at a query-count step before it is searched: a run that was fast on the step\'s commit adds no latency step a commit later', () => {
    // The rise comes with the query step at 15 but shows from 16 on: too close to the step for a split of its own (minSize).
    const s = noisy((i) => (i >= 16 ? 2.4 : 2));
    const queries = levels(N, 5, 6, 15);
    expect(analyzeHistory(history({ ...s, queries }), 'HEAD', N).steps).toEqual([expectedStep('queries', queries, 15, 0, N, null)]);
    // Without the query step the same latencies have a step at 16.
    expect(analyzeHistory(history(s), 'HEAD', N).steps.map((st) => [st.metric, st.commit])).toEqual([['p50', 'c016'], ['p95', 'c016']]);
  });

  it('a latency step after a query-count step: its earlier level starts at the query-count step', () => {
    const s = noisy((i) => (i >= 20 ? 3 : i >= 10 ? 2.5 : 2));
    const queries = levels(N, 5, 6, 10);
    const report = analyzeHistory(history({ ...s, queries }), 'HEAD', N);
    expect(report.steps).toEqual([expectedStep('queries', queries, 10, 0, N, null), expectedStep('p50', s.p50, 20, 10, N, P_CLEAR), expectedStep('p95', s.p95, 20, 10, N, P_CLEAR)]);
  });

  it('a latency step before a query-count step: its later level ends at the query-count step', () => {
    const s = noisy((i) => (i >= 20 ? 3 : i >= 10 ? 2.5 : 2));
    const queries = levels(N, 5, 6, 20);
    const report = analyzeHistory(history({ ...s, queries }), 'HEAD', N);
    expect(report.steps).toEqual([expectedStep('p50', s.p50, 10, 0, 20, P_CLEAR), expectedStep('p95', s.p95, 10, 0, 20, P_CLEAR), expectedStep('queries', queries, 20, 0, N, null)]);
  });
});

describe('the drift probe: divided out only when every point has it', () => {
  // The machine gets 30% slower at commit 15: the implementation and the probe beside it alike.
  const machine = noisy((i) => (i >= 15 ? 2.6 : 2));
  const probe = noisy((i) => (i >= 15 ? 0.65 : 0.5), (i) => (i >= 15 ? 0.91 : 0.7), 7);
  const probes = probe.p50.map((p50, i) => [p50, probe.p95[i]] as [number, number]);

  it('a machine that slowed down is no step when every commit has the probe', () => {
    const report = analyzeHistory(history({ ...machine, probe: probes }), 'HEAD', N);
    expect(report.series[0]?.driftRemovedBy).toBe('probe');
    expect(report.steps).toEqual([]);
  });

  it('is a step when asked not to use the probe', () => {
    const report = analyzeHistory(history({ ...machine, probe: probes }), 'HEAD', N, { relativeToProbe: false });
    expect(report.series[0]?.driftRemovedBy).toBeNull();
    expect(report.steps.map((st) => [st.metric, st.commit])).toEqual([['p50', 'c015'], ['p95', 'c015']]);
  });

  it.each([0, 14, N - 1])('is a step when commit %d has no probe: the series is searched as it is', (missing) => {
    const report = analyzeHistory(history({ ...machine, probe: probes.map((p, i) => (i === missing ? null : p)) }), 'HEAD', N);
    expect(report.series[0]?.driftRemovedBy).toBeNull();
    expect(report.steps.map((st) => [st.metric, st.commit])).toEqual([['p50', 'c015'], ['p95', 'c015']]);
  });

  it('a slower implementation under a steady probe is a step, with its levels in ms (not over the probe)', () => {
    const s = noisy((i) => (i >= 15 ? 2.4 : 2));
    const steady = noisy(() => 0.5, () => 0.7, 7);
    const report = analyzeHistory(history({ ...s, probe: steady.p50.map((p50, i) => [p50, steady.p95[i]!]) }), 'HEAD', N);
    expect(report.series[0]?.driftRemovedBy).toBe('probe');
    expect(report.steps).toEqual([expectedStep('p50', s.p50, 15, 0, N, P_CLEAR), expectedStep('p95', s.p95, 15, 0, N, P_CLEAR)]);
  });

  it.each<[string, 'p50' | 'p95']>([
    ['p50 is divided by the probe\'s p50', 'p50'],
    ['p95 is divided by the probe\'s p95', 'p95'],
  ])('%s: a machine step seen in that percentile alone cancels', (_, metric) => {
    const moved = (i: number) => (i >= 15 ? 1.3 : 1);
    const s = metric === 'p50' ? noisy((i) => 2 * moved(i), () => 3) : noisy(() => 2, (i) => 3 * moved(i));
    const p = metric === 'p50' ? noisy((i) => 0.5 * moved(i), () => 0.7, 7) : noisy(() => 0.5, (i) => 0.7 * moved(i), 7);
    const report = analyzeHistory(history({ ...s, probe: p.p50.map((p50, i) => [p50, p.p95[i]!]) }), 'HEAD', N);
    expect(report.steps).toEqual([]);
  });
});

describe('the order of the steps: the order of the commits', () => {
  it('across series and metrics, a query-count step before a later latency step', () => {
    const detail = noisy((i) => (i >= 8 ? 1.5 : 1), undefined, 11);
    const list = noisy((i) => (i >= 20 ? 3 : 2), undefined, 12);
    const queries = levels(N, 5, 6, 5);
    const entries = entriesOf(
      list.p50.map((p50, i) => [
        scenarioResult('fixed', p50, list.p95[i]!, queries[i]),
        scenarioResult('fixed', detail.p50[i]!, detail.p95[i]!, 2, { scenario: 'detail' }),
      ]),
    );
    const steps = analyzeHistory(entries, 'HEAD', N).steps;
    expect(steps.map((st) => `${st.scenario} ${st.metric} ${st.commit}`)).toEqual([
      'list-50 queries c005',
      'detail p50 c008',
      'detail p95 c008',
      'list-50 p50 c020',
      'list-50 p95 c020',
    ]);
  });
});

describe('noiseScale: run-to-run noise as a standard deviation, robust to steps', () => {
  const k = 1 / 0.6745 / Math.SQRT2;
  /** Successive differences whose scale is exactly 1e-12. */
  const AT_FLOOR = 1e-12 * 0.6745 * Math.SQRT2;
  it('(the floor case is exact)', () => {
    expect(AT_FLOOR / 0.6745 / Math.SQRT2).toBe(1e-12);
  });
  it.each<[string, number[], number]>([
    ['no point', [], 1],
    ['one point', [3], 1],
    ['no noise', [2, 2, 2, 2], 1],
    ['an even number of differences: the mean of the middle two', [0, 1, 3], 1.5 * k],
    ['an odd number: the middle one', [0, 1, 3, 6], 2 * k],
    ['differences taken unsigned and sorted', [0, 3, 4, 8], 3 * k],
    ['falling', [5, 2, 0], 2.5 * k],
    ['one step among quiet points barely counts', [1, 1.1, 1, 1.1, 5, 5.1, 5, 5.1], 0.1 * k],
    ['noise just over the floor', [0, 2e-12, 0, 2e-12], 2e-12 * k],
    ['noise under the floor (1e-12) counts as none', [0, 5e-13, 0, 5e-13], 1],
    ['noise exactly at the floor counts as none', [0, AT_FLOOR, 0, AT_FLOOR], 1],
  ])('%s', (_, series, expected) => {
    expect(noiseScale(series)).toBeCloseTo(expected, 15);
    if (expected !== 1) expect(noiseScale(series)).not.toBe(1);
  });

  it('property: unmoved by an offset, scaled by a factor', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -100, max: 100, noNaN: true }), { minLength: 2, maxLength: 20 }),
        fc.double({ min: -50, max: 50, noNaN: true }),
        fc.double({ min: 0.5, max: 20, noNaN: true }),
        (series, offset, factor) => {
          const s = noiseScale(series);
          fc.pre(s > 1e-6 && s !== 1);
          expect(noiseScale(series.map((v) => v + offset))).toBeCloseTo(s, 6);
          expect(noiseScale(series.map((v) => v * factor))).toBeCloseTo(s * factor, 6);
        },
      ),
    );
  });
});

describe('historyVerdict: history reports, it only asks for evidence', () => {
  it.each<[number, 'pass' | 'missing-evidence']>([
    [0, 'missing-evidence'],
    [1, 'pass'],
    [40, 'pass'],
  ])('%d readable result notes -> %s', (entries, outcome) => {
    const verdict = historyVerdict('main', 40, entries);
    expect(verdict).toEqual(
      outcome === 'pass'
        ? { outcome, reasons: [] }
        : { outcome, reasons: [{ kind: 'missing-evidence', message: 'none of the 40 first-parent commits of main has a readable result note' }] },
    );
  });
});
