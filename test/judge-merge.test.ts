/**
 * merge, refusal by refusal and field by field: what it refuses (exit 2), what it only warns
 * about, and the one run it writes (order, time, options, pairs, errors, sweep), judged again.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../harness/core/errors.js';
import { DEFAULT_THRESHOLDS } from '../harness/judge/gates.js';
import { mergeResults, type MergeInput } from '../harness/judge/merge-results.js';
import type { PairedComparison, RunResult, ScalingResult } from '../harness/core/result.js';
import { makeRun, makeScenarioResult, samplesWithP95 } from './fixtures/sample-result.js';

/** One unit's result of fixed (passing) and the baseline. */
function unit(dialect: 'sqlite' | 'postgres', scenario: string, impls = ['fixed', 'baseline']) {
  return impls.map((impl) =>
    makeScenarioResult({
      scenario, dialect, impl, rawSamples: samplesWithP95(60, 3), sameResponse: true,
      queries: { perRequest: 4, perRequestMin: 4, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: { 'page 1': 4 } },
    }),
  );
}

function part(units: [('sqlite' | 'postgres'), string][], fields: Partial<RunResult> = {}): RunResult {
  return makeRun(units.flatMap(([d, s]) => unit(d, s)), {
    options: { dialects: ['sqlite', 'postgres'], scenarios: ['list-filtered', 'page-sizes'], impls: ['baseline', 'fixed'], thresholds: DEFAULT_THRESHOLDS },
    ...fields,
  });
}

const A = (): RunResult => part([['sqlite', 'list-filtered'], ['sqlite', 'page-sizes']], { startedAt: '2026-01-02T00:00:00.000Z', durationMs: 100 });
const B = (): RunResult => part([['postgres', 'list-filtered'], ['postgres', 'page-sizes']], { startedAt: '2026-01-01T00:00:00.000Z', durationMs: 50 });
const merge = (...results: RunResult[]) => mergeResults(results.map((result, i): MergeInput => ({ label: `p${i + 1}`, result })));

describe('merge writes the one run', () => {
  it('in the plan\'s order, from the earliest start, with the summed time and the union of what ran', () => {
    const { result, warnings } = merge(B(), A());
    expect(warnings).toEqual([]);
    expect(result.results.map((r) => `${r.dialect}/${r.scenario}/${r.impl}`)).toEqual([
      'sqlite/list-filtered/fixed', 'sqlite/list-filtered/baseline', 'sqlite/page-sizes/fixed', 'sqlite/page-sizes/baseline',
      'postgres/list-filtered/fixed', 'postgres/list-filtered/baseline', 'postgres/page-sizes/fixed', 'postgres/page-sizes/baseline',
    ]);
    expect(result.startedAt).toBe('2026-01-01T00:00:00.000Z');
    expect(result.durationMs).toBe(150);
    expect(result.options).toMatchObject({ dialects: ['sqlite', 'postgres'], scenarios: ['list-filtered', 'page-sizes'], impls: ['baseline', 'fixed'] });
    expect(result.verdict).toBe('pass');
    expect('pairs' in result).toBe(false);
    expect('shard' in result).toBe(false);
    expect(result.results.find((r) => r.impl === 'fixed')?.gates.map((g) => g.id)).toEqual(['queries-at-most-max', 'same-response-as-baseline', 'no-new-full-scan', 'same-queries-as-snapshot']);
  });

  it('keeps the database versions of every part, every part\'s errors and pairs, and the sweep of the one that has it', () => {
    const a = A();
    const b = B();
    a.environment = { ...a.environment, databases: { sqlite: '3.53' } };
    b.environment = { ...b.environment, databases: { postgres: '17.10' } };
    const pair: PairedComparison = {
      scenario: 'page-sizes', dialect: 'postgres', subject: 'fixed', reference: 'fixed (A/A)', kind: 'aa', rounds: 0, roundRatios: [], ratio: 1, ci: [0, 1e9],
      confidence: 0.99, pValue: 1, minEffect: 0.02, mde: 1e9, verdict: 'same',
    };
    b.pairs = [pair];
    b.errors = ['postgres page-sizes: a warning of the run'];
    const scaling = { kind: 'querygate-scaling', schemaVersion: 1, startedAt: '', durationMs: 1, environment: a.environment, profiles: [], limits: [], points: [], fits: [] } as ScalingResult;
    b.scaling = scaling;
    const { result } = merge(a, b);
    expect(result.environment.databases).toEqual({ sqlite: '3.53', postgres: '17.10' });
    expect(result.pairs).toEqual([pair]);
    expect(result.errors).toEqual(['postgres page-sizes: a warning of the run']);
    expect(result.verdict).toBe('fail');
    expect(result.scaling).toEqual(scaling);
  });

  it('takes the plan from a shard when the parts are shards, and drops the shard from the merged run', () => {
    const units = ['sqlite/list-filtered', 'postgres/list-filtered', 'sqlite/page-sizes', 'postgres/page-sizes'];
    const { result } = merge({ ...A(), shard: { index: 1, count: 2, units } }, { ...B(), shard: { index: 2, count: 2, units } });
    expect(result.results.map((r) => `${r.dialect}/${r.scenario}`).filter((_, i) => i % 2 === 0)).toEqual(units);
    expect('shard' in result).toBe(false);
  });

  it('is judged with the parts\' own thresholds', () => {
    const strict = (r: RunResult): RunResult => ({ ...r, options: { ...r.options, thresholds: { ...DEFAULT_THRESHOLDS, maxQueries: 3 } } });
    expect(merge(strict(A()), strict(B())).result.verdict).toBe('fail');
  });
});

describe('merge refuses what is not one run, naming both parts', () => {
  it.each([
    ['no part at all', () => [] as RunResult[], /merge needs at least one result file/],
    ['other measured implementations', () => [A(), { ...B(), options: { ...B().options, impls: ['fixed'] } }], /measured implementations differ: p1 has "\[\\"baseline\\",\\"fixed\\"\]", p2 has "\[\\"fixed\\"\]"/],
    ['other --against revisions', () => [{ ...A(), against: { ref: 'main', sha: 'a', mergeBase: null, schemaDiffers: false } }, B()], /--against revisions differ: p1 has "a", p2 has null/],
    ['other shard plans', () => [{ ...A(), shard: { index: 1, count: 2, units: ['sqlite/list-filtered'] } }, { ...B(), shard: { index: 2, count: 3, units: ['sqlite/list-filtered'] } }], /shard plans \(--shard K\/N of different runs\) differ/],
    ['a shard beside a part without one', () => [{ ...A(), shard: { index: 1, count: 2, units: [] } }, B()], /shard plans .* differ: p1 has \[2,\[\]\], p2 has null/],
    ['a unit outside the plan', () => [A(), part([['postgres', 'list-filtered'], ['postgres', 'page-sizes'], ['postgres', 'detail']])], /postgres\/detail measured but not in the run's plan/],
    ['a unit in the plan and in no part', () => [A(), part([['postgres', 'list-filtered']])], /postgres\/page-sizes is in the run's plan but in no part/],
    ['two units in the plan and in no part', () => [part([['sqlite', 'list-filtered']]), part([['postgres', 'list-filtered']])], /sqlite\/page-sizes, postgres\/page-sizes are in the run's plan but in no part/],
  ] as [string, () => RunResult[], RegExp][])('%s', (_, parts, message) => {
    expect(() => merge(...parts())).toThrow(UsageError);
    expect(() => merge(...parts())).toThrow(message);
  });

  it('takes implementations from the results when the options do not name them', () => {
    const bare = (r: RunResult): RunResult => ({ ...r, options: { ...r.options, impls: undefined } });
    expect(merge(bare(A()), bare(B())).result.verdict).toBe('pass');
    const fewer = bare(B());
    fewer.results = fewer.results.filter((r) => r.impl === 'fixed');
    expect(() => merge(bare(A()), fewer)).toThrow(/measured implementations differ/);
  });
});

describe('merge warns, and goes on, when the parts ran on other machines or versions', () => {
  it.each([
    ['machines (cpu, cores, os)', (r: RunResult) => ({ ...r, environment: { ...r.environment, cpus: 64 } })],
    ['Node versions', (r: RunResult) => ({ ...r, environment: { ...r.environment, node: 'v22.0.0' } })],
    ['commits', (r: RunResult) => ({ ...r, environment: { ...r.environment, gitCommit: 'b'.repeat(40) } })],
    ['sampling options', (r: RunResult) => ({ ...r, options: { ...r.options, sampling: { budgetMs: 1 } } })],
  ] as [string, (r: RunResult) => RunResult][])('%s', (what, change) => {
    const { warnings, result } = merge(A(), change(B()));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^${what.replace(/[()]/g, '\\$&')} differ between the parts: p1: .*; p2: `));
    expect(result.verdict).toBe('pass');
  });

  it('names differing database versions, and none when each part ran another database', () => {
    const a = A();
    const b = B();
    a.environment = { ...a.environment, databases: { postgres: '17.10' } };
    b.environment = { ...b.environment, databases: { postgres: '16.1' } };
    expect(merge(a, b).warnings).toEqual(['postgres versions differ between the parts: 17.10, 16.1']);
    a.environment = { ...a.environment, databases: { sqlite: '3.53' } };
    expect(merge(a, b).warnings).toEqual([]);
  });
});
