/**
 * merge (harness/judge/merge-results.ts), what test/judge-merge.test.ts leaves open: the earliest
 * start whatever the parts' order, the plan from the parts' own dialects and scenarios (or the
 * expected units), results of one unit kept in their order, --against and its scenarios new since
 * REF carried over (dropping it would judge the merged run without its pairs), each part's
 * scenario thresholds, and the exact warnings. Milliseconds: bench:mutation runs them per mutant.
 */
import { describe, expect, it } from 'vitest';
import type { AgainstInfo, RunResult } from '../harness/core/result.js';
import { DEFAULT_THRESHOLDS } from '../harness/judge/gates.js';
import { mergeResults, type MergeInput } from '../harness/judge/merge-results.js';
import { runVerdict } from '../harness/judge/judge-run.js';
import { makeRun, makeScenarioResult, samplesWithP95 } from './fixtures/sample-result.js';

type Unit = ['sqlite' | 'postgres', string];

function part(units: Unit[], fields: Partial<RunResult> = {}, impls = ['fixed', 'baseline']): RunResult {
  const results = units.flatMap(([dialect, scenario]) =>
    impls.map((impl) =>
      makeScenarioResult({
        scenario, dialect, impl, rawSamples: samplesWithP95(60, 3), sameResponse: true,
        queries: { perRequest: 4, perRequestMin: 4, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: { 'page 1': 4 } },
      }),
    ),
  );
  return makeRun(results, {
    options: { dialects: [...new Set(units.map(([d]) => d))], scenarios: [...new Set(units.map(([, s]) => s))], impls: [...impls].sort(), thresholds: DEFAULT_THRESHOLDS },
    ...fields,
  });
}

const merge = (results: RunResult[], options: { expectedUnits?: readonly string[] } = {}) =>
  mergeResults(results.map((result, i): MergeInput => ({ label: `p${i + 1}`, result })), options);
const units = (r: RunResult) => r.results.map((x) => `${x.dialect}/${x.scenario}/${x.impl}`);

describe('the merged run', () => {
  it('starts at the earliest start whichever part comes first', () => {
    const early = part([['postgres', 'list-filtered']], { startedAt: '2026-01-01T00:00:00.000Z' });
    const late = part([['sqlite', 'list-filtered']], { startedAt: '2026-01-02T00:00:00.000Z' });
    expect(merge([late, early]).result.startedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(merge([early, late]).result.startedAt).toBe('2026-01-01T00:00:00.000Z');
  });

  it('plans only the databases and scenarios the parts ran, in the fixed order', () => {
    const { result } = merge([part([['sqlite', 'page-sizes']]), part([['sqlite', 'list-filtered']])]);
    expect(result.options).toMatchObject({ dialects: ['sqlite'], scenarios: ['list-filtered', 'page-sizes'] });
    expect(units(result)).toEqual(['sqlite/list-filtered/fixed', 'sqlite/list-filtered/baseline', 'sqlite/page-sizes/fixed', 'sqlite/page-sizes/baseline']);
    expect(result.verdict).toBe('pass');
  });

  it('keeps the results of one unit in their order', () => {
    const impls = ['fixed', 'baseline', 'floor', 'denormalized', 'probe'];
    const { result } = merge([part([['sqlite', 'list-filtered']], {}, impls), part([['postgres', 'list-filtered']], {}, impls)]);
    expect(units(result)).toEqual([...impls.map((i) => `sqlite/list-filtered/${i}`), ...impls.map((i) => `postgres/list-filtered/${i}`)]);
  });

  it('keeps the results of one unit in their order in a run of forty results', () => {
    const impls = ['fixed', 'baseline', 'floor', 'denormalized', 'probe'];
    const scenarios = ['list-50', 'list-filtered', 'page-sizes', 'detail'];
    const of = (dialect: 'sqlite' | 'postgres') => part(scenarios.map((s): Unit => [dialect, s]), {}, impls);
    const { result } = merge([of('postgres'), of('sqlite')]);
    const expected = (['sqlite', 'postgres'] as const).flatMap((d) => ['list-50', 'list-filtered', 'detail', 'page-sizes'].flatMap((s) => impls.map((i) => `${d}/${s}/${i}`)));
    expect(units(result)).toEqual(expected);
  });

  it('takes the plan from the expected units when given, whatever the options say', () => {
    const bare = (r: RunResult): RunResult => ({ ...r, options: { impls: ['baseline', 'fixed'], thresholds: DEFAULT_THRESHOLDS } });
    const { result } = merge([bare(part([['postgres', 'detail']])), bare(part([['sqlite', 'detail']]))], { expectedUnits: ['sqlite/detail', 'postgres/detail'] });
    expect(units(result)).toEqual(['sqlite/detail/fixed', 'sqlite/detail/baseline', 'postgres/detail/fixed', 'postgres/detail/baseline']);
    expect(result.options).toMatchObject({ dialects: [], scenarios: [] });
  });

  it('refuses two units outside the plan, naming both', () => {
    expect(() => merge([part([['sqlite', 'detail'], ['sqlite', 'list-50']])], { expectedUnits: [] })).toThrow("cannot merge: sqlite/detail, sqlite/list-50 measured but not in the run's plan");
  });

  it('the same implementations listed in another order are the same', () => {
    const a = part([['sqlite', 'list-filtered']]);
    const b = part([['postgres', 'list-filtered']]);
    b.options = { ...b.options, impls: ['fixed', 'baseline', 'fixed'] };
    expect(merge([a, b]).result.verdict).toBe('pass');
  });

  it('has no sweep and no scenario thresholds when no part has them', () => {
    const { result } = merge([part([['sqlite', 'list-filtered']]), part([['postgres', 'list-filtered']])]);
    expect('scaling' in result).toBe(false);
    expect('scenarioThresholds' in result.options).toBe(false);
    expect('against' in result).toBe(false);
  });

  it('joins the scenario thresholds each part recorded, and judges with them', () => {
    const a = part([['sqlite', 'list-filtered']], {});
    const b = part([['postgres', 'list-filtered']], {});
    a.options = { ...a.options, scenarioThresholds: { 'list-filtered': { maxQueries: 3 } } };
    // Recorded by the second part only: not inherited from the first part's options.
    const { result } = merge([b, a]);
    expect(result.options['scenarioThresholds']).toEqual({ 'list-filtered': { maxQueries: 3 } });
    // 4 statements per request against a limit of 3 of the scenario's own, on both databases.
    expect(result.verdict).toBe('fail');
    b.options = { ...b.options, scenarioThresholds: { 'list-filtered': { maxQueries: 5 } } };
    expect(() => merge([a, b])).toThrow('cannot merge: thresholds of scenario list-filtered differ: p1 has {"maxQueries":3}, p2 has {"maxQueries":5}');
  });

  it('says exactly which sampling options differ, a part without any as null', () => {
    const b = part([['postgres', 'list-filtered']]);
    b.options = { ...b.options, sampling: { budgetMs: 1 } };
    expect(merge([part([['sqlite', 'list-filtered']]), b]).warnings).toEqual(['sampling options differ between the parts: p1: null; p2: {"budgetMs":1}']);
  });
});

describe('--against: carried over, so that the merged run is judged against REF too', () => {
  const AGAINST: AgainstInfo = { ref: 'main', sha: 'a'.repeat(40), mergeBase: null, schemaDiffers: false };

  it('keeps REF, and its verdict asks for each scenario\'s pair', () => {
    const { result } = merge([part([['sqlite', 'list-filtered']], { against: AGAINST }), part([['postgres', 'list-filtered']], { against: AGAINST })]);
    expect(result.against).toEqual(AGAINST);
    // No pairs against REF in the parts: the merged run proves nothing against it.
    expect(runVerdict(result).outcome).toBe('missing-evidence');
    expect(result.verdict).toBe('fail');
  });

  it('joins the scenarios new since REF of every part, and has none when no part has any', () => {
    const newIn = (dialect: 'sqlite' | 'postgres') => ({ ...AGAINST, newScenarios: [{ scenario: 'list-filtered', dialect }] });
    const both = merge([part([['sqlite', 'list-filtered']], { against: newIn('sqlite') }), part([['postgres', 'list-filtered']], { against: newIn('postgres') })]).result;
    expect(both.against).toEqual({ ...AGAINST, newScenarios: [{ scenario: 'list-filtered', dialect: 'sqlite' }, { scenario: 'list-filtered', dialect: 'postgres' }] });
    // New since REF on both databases: judged by their own gates alone.
    expect(runVerdict(both).outcome).toBe('pass');
    const second = merge([part([['sqlite', 'list-filtered']], { against: AGAINST }), part([['postgres', 'list-filtered']], { against: newIn('postgres') })]).result;
    expect(second.against).toEqual({ ...AGAINST, newScenarios: [{ scenario: 'list-filtered', dialect: 'postgres' }] });
    const none = merge([part([['sqlite', 'list-filtered']], { against: AGAINST }), part([['postgres', 'list-filtered']], { against: AGAINST })]).result;
    expect(none.against).not.toHaveProperty('newScenarios');
  });
});
