import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeasuredRun } from '../harness/core/result.js';
import { DEFAULT_THRESHOLDS } from '../harness/judge/gates.js';
import { run } from '../harness/runner/run.js';
import { QUICK_SAMPLING, type SamplingOptions } from '../harness/runner/sampling-options.js';
import type { Scenario } from '../scenarios/scenario.js';
import { testFolder } from './support/databases.js';

const TINY: SamplingOptions = { ...QUICK_SAMPLING, budgetMs: 300, sliceMs: 5, referenceSamples: 5, minSamples: 5, minRounds: 5, maxSamples: 60 };

/** The noise floor (A/A) and the overhead copy are measured in the scenarios that ask for them, whatever their names. */
describe('the scenarios that ask for the noise floor get it, and only they (SQLite, small profile)', () => {
  const savedCacheDir = process.env.QUERYGATE_CACHE_DIR;
  const asks: Scenario = { name: 'asks', description: '', requests: [{ label: 'three', path: '/api/v1/artifacts?limit=3' }], gates: ['queries-at-most-max'], noiseFloor: true };
  const plain: Scenario = { name: 'plain', description: '', requests: [{ label: 'four', path: '/api/v1/artifacts?limit=4' }], gates: ['queries-at-most-max'] };
  let measured: MeasuredRun;

  beforeAll(async () => {
    process.env.QUERYGATE_CACHE_DIR = testFolder('cache');
    measured = await run({
      dialects: ['sqlite'], impls: ['baseline', 'fixed'], implUnderTest: 'fixed', scenarios: [asks, plain], profile: 'small', seed: 42,
      target: { sqliteFile: join(testFolder('run'), 'small.sqlite') }, sampling: TINY, thresholds: DEFAULT_THRESHOLDS, measureOverhead: true, plans: false,
      onProgress: () => {}, onSeedProgress: undefined,
    });
  }, 120_000);
  afterAll(() => {
    if (savedCacheDir === undefined) delete process.env.QUERYGATE_CACHE_DIR;
    else process.env.QUERYGATE_CACHE_DIR = savedCacheDir;
  });

  it('measures an A/A pair and the uninstrumented p50 in the scenario that asks, none in the other', () => {
    const aa = (measured.pairs ?? []).filter((p) => p.kind === 'aa').map((p) => p.scenario);
    expect(aa).toEqual(['asks']);
    const fixed = (name: string) => measured.results.find((r) => r.scenario === name && r.impl === 'fixed');
    expect(fixed('asks')?.uninstrumentedP50Ms).toBeGreaterThan(0);
    expect(fixed('plain')?.uninstrumentedP50Ms).toBeUndefined();
  });
});
