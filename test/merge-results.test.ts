import { describe, expect, it } from 'vitest';
import type { RunResult } from '../harness/core/result.js';
import { planUnits, shardUnits, parseShard } from '../harness/runner/shard.js';
import { applyGates, DEFAULT_THRESHOLDS } from '../harness/judge/gates.js';
import { mergeResults } from '../harness/judge/merge-results.js';
import { renderJunit } from '../reports/junit-report.js';
import { SCENARIOS } from '../scenarios/index.js';
import { sampleResult } from './fixtures/sample-result.js';

/** The sample run, judged by today's gates, as one run would have written it. */
function wholeRun(): RunResult {
  const run = sampleResult();
  run.options = { ...run.options, dialects: ['sqlite', 'postgres'], scenarios: ['list-50', 'detail'], impls: ['baseline', 'fixed', 'floor'], thresholds: DEFAULT_THRESHOLDS };
  run.verdict = applyGates(run.results, run.ratios, SCENARIOS, run.implUnderTest, DEFAULT_THRESHOLDS);
  return run;
}

/** Part of the run: only the given "dialect/scenario" units, gates blanked so that merge must judge them again. */
function part(units: string[]): RunResult {
  const run = wholeRun();
  run.results = run.results.filter((r) => units.includes(`${r.dialect}/${r.scenario}`)).map((r) => ({ ...r, gates: [] }));
  run.ratios = run.ratios.filter((r) => units.includes(`${r.dialect}/${r.scenario}`));
  run.verdict = 'fail';
  return run;
}

const gatesOf = (run: RunResult) => run.results.map((r) => [r.dialect, r.scenario, r.impl, r.gates.map((g) => [g.id, g.pass, g.actual])]);

describe('merge', () => {
  it('joins two parts into the result, gates, verdict and JUnit of the whole run', () => {
    const whole = wholeRun();
    const { result, warnings } = mergeResults([
      { label: 'b.json', result: part(['postgres/list-50', 'sqlite/detail']) },
      { label: 'a.json', result: part(['sqlite/list-50', 'postgres/detail']) },
    ]);
    expect(warnings).toEqual([]);
    expect(gatesOf(result)).toEqual(gatesOf(whole));
    expect(result.verdict).toBe(whole.verdict);
    expect(result.verdict).toBe('fail'); // the sample's Postgres list runs 6 statements
    expect(renderJunit({ ...result, durationMs: whole.durationMs })).toBe(renderJunit(whole));
  });

  it('refuses overlapping and missing units, other fixtures and other implementations under test', () => {
    const a = part(['sqlite/list-50', 'sqlite/detail']);
    const b = part(['postgres/list-50', 'postgres/detail']);
    expect(() => mergeResults([{ label: 'a', result: a }, { label: 'a2', result: part(['sqlite/detail', 'postgres/list-50', 'postgres/detail']) }])).toThrow(
      /sqlite\/detail was measured by both a and a2/,
    );
    expect(() => mergeResults([{ label: 'a', result: a }, { label: 'b', result: part(['postgres/list-50']) }])).toThrow(/postgres\/detail is in the run's plan but in no part/);
    expect(() => mergeResults([{ label: 'a', result: a }, { label: 'b', result: { ...b, fixture: { ...b.fixture, checksum: 'other' } } }])).toThrow(/fixture checksums differ/);
    expect(() => mergeResults([{ label: 'a', result: a }, { label: 'b', result: { ...b, fixture: { ...b.fixture, seed: 7 } } }])).toThrow(/fixtures/);
    expect(() => mergeResults([{ label: 'a', result: a }, { label: 'b', result: { ...b, implUnderTest: 'denormalized' } }])).toThrow(/implementations under test differ/);
    expect(() => mergeResults([{ label: 'a', result: a }, { label: 'b', result: { ...b, options: { ...b.options, thresholds: { ...DEFAULT_THRESHOLDS, maxQueries: 9 } } } }])).toThrow(/thresholds/);
  });

  it('warns when the parts ran on other machines or database versions', () => {
    const a = part(['sqlite/list-50', 'sqlite/detail']);
    const b = part(['postgres/list-50', 'postgres/detail']);
    b.environment = { ...b.environment, cpu: 'Another CPU', databases: { postgres: '16.1' } };
    a.environment = { ...a.environment, databases: { postgres: '17.10' } };
    const { warnings } = mergeResults([{ label: 'a', result: a }, { label: 'b', result: b }]);
    expect(warnings.join('\n')).toMatch(/machines .* differ/);
    expect(warnings.join('\n')).toMatch(/postgres versions differ .*17\.10, 16\.1/);
  });

  it('splits the (database x scenario) list into disjoint shards that cover it, the same way every time', () => {
    const scenarios = SCENARIOS.filter((s) => s.runByDefault !== false);
    const units = planUnits(['sqlite', 'postgres'], scenarios);
    const shards = [1, 2, 3].map((k) => shardUnits(units, k, 3));
    expect(shards.flat().sort()).toEqual([...units].sort());
    expect(new Set(shards.flat()).size).toBe(units.length);
    expect(shardUnits(units, 2, 3)).toEqual(shards[1]);
    expect(shards[0]?.[0]).toBe('sqlite/list-50');
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    expect([parseShard('0/2'), parseShard('3/2'), parseShard('x')]).toEqual([null, null, null]);
  });
});
