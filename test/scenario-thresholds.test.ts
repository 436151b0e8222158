import { describe, expect, it } from 'vitest';
import { applyGates } from '../harness/judge/gates.js';
import { judgeRun, rejudge } from '../harness/judge/judge-run.js';
import { mergeResults } from '../harness/judge/merge-results.js';
import type { RunResult, ScenarioResult } from '../harness/core/result.js';
import type { Scenario } from '../scenarios/scenario.js';
import { DEFAULT_THRESHOLDS, thresholdsFor } from '../scenarios/thresholds.js';
import { makeRun, makeScenarioResult } from './fixtures/sample-result.js';

/** Two scenarios alike but for their thresholds: `strict` allows 2 statements, `plain` the run's 5. */
const strict: Scenario = { name: 'strict', description: '', requests: [], gates: ['queries-at-most-max'], thresholds: { maxQueries: 2 } };
const plain: Scenario = { name: 'plain', description: '', requests: [], gates: ['queries-at-most-max'] };

/** fixed ran 4 statements per request in `scenario`. */
const fourStatements = (scenario: string, dialect: ScenarioResult['dialect'] = 'sqlite'): ScenarioResult =>
  makeScenarioResult({
    scenario, dialect, impl: 'fixed', rawSamples: [3, 3, 3], latencyMs: { p50: 3, p95: 3, p99: 3, mean: 3, min: 3, max: 3, p95Ci: [3, 3], count: 3 },
    queries: { perRequest: 4, perRequestMin: 4, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: { one: 4 } },
  });

const gate = (run: Pick<RunResult, 'results'>, scenario: string) => run.results.find((r) => r.scenario === scenario)?.gates.find((g) => g.id === 'queries-at-most-max');

describe("a scenario's own thresholds", () => {
  it('win over the run thresholds for what they set, and leave the rest to the run', () => {
    const run = { ...DEFAULT_THRESHOLDS, maxQueries: 9, p95Ms: 50 };
    expect(thresholdsFor(strict, run)).toEqual({ ...run, maxQueries: 2 });
    expect(thresholdsFor(plain, run)).toEqual(run);
    expect(thresholdsFor(undefined, run)).toEqual(run);
  });

  it('change the gate: 4 statements fail a scenario that allows 2 and pass one under the run default of 5', () => {
    const results = [fourStatements('strict'), fourStatements('plain')];
    expect(applyGates(results, [], [strict, plain], 'fixed', DEFAULT_THRESHOLDS)).toBe('fail');
    expect(gate({ results }, 'strict')).toMatchObject({ pass: false, actual: '4', threshold: '<= 2' });
    expect(gate({ results }, 'plain')).toMatchObject({ pass: true, actual: '4', threshold: '<= 5' });
  });

  it('judge the same when a stored run is judged again (report, compare): from the thresholds the run recorded', () => {
    const measured = makeRun([fourStatements('strict'), fourStatements('plain')], {
      options: { thresholds: DEFAULT_THRESHOLDS, scenarioThresholds: { strict: { maxQueries: 2 } } },
    });
    const judged = judgeRun(measured, [strict, plain], DEFAULT_THRESHOLDS);
    // Stored and read back by a command whose scenarios/ no longer say so: the file decides.
    const stored: RunResult = JSON.parse(JSON.stringify(judged)) as RunResult;
    const again = rejudge(stored, [{ ...strict, thresholds: { maxQueries: 50 } }, plain]);
    expect(again.stored).toBe('fail');
    expect(again.result.verdict).toBe('fail');
    expect(gate(again.result, 'strict')).toEqual(gate(judged, 'strict'));
    expect(gate(again.result, 'plain')).toMatchObject({ pass: true, threshold: '<= 5' });
    // A run that recorded no scenario thresholds was judged with the run's alone, and still is.
    const older = rejudge({ ...stored, options: { thresholds: DEFAULT_THRESHOLDS } }, [strict, plain]);
    expect(gate(older.result, 'strict')).toMatchObject({ pass: true, threshold: '<= 5' });
  });

  it('are carried through merge, and two parts that judged one scenario differently are refused', () => {
    const part = (dialect: 'sqlite' | 'postgres', maxQueries: number): RunResult =>
      makeRun([fourStatements('list-50', dialect)], {
        options: { dialects: [dialect], scenarios: ['list-50'], impls: ['fixed'], thresholds: DEFAULT_THRESHOLDS, scenarioThresholds: { 'list-50': { maxQueries } } },
      });
    const merged = mergeResults([{ label: 'a', result: part('sqlite', 3) }, { label: 'b', result: part('postgres', 3) }]).result;
    expect(merged.options['scenarioThresholds']).toEqual({ 'list-50': { maxQueries: 3 } });
    expect(merged.results.map((r) => gate({ results: [r] }, 'list-50')?.threshold)).toEqual(['<= 3', '<= 3']);
    expect(() => mergeResults([{ label: 'a', result: part('sqlite', 3) }, { label: 'b', result: part('postgres', 4) }])).toThrow(
      'cannot merge: thresholds of scenario list-50 differ: a has {"maxQueries":3}, b has {"maxQueries":4}',
    );
  });
});
