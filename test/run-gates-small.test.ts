import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '../harness/db/open-adapter.js';
import type { Dialect, RunResult } from '../harness/core/result.js';
import { run, type RunOptions } from '../harness/runner/run.js';
import { QUICK_SAMPLING, type SamplingOptions } from '../harness/runner/sampling-options.js';
import { DEFAULT_THRESHOLDS } from '../harness/judge/gates.js';
import { judgeRun } from '../harness/judge/judge-run.js';
import { DEFAULT_SCENARIOS } from '../scenarios/index.js';
import { createTestDatabase, TEST_DIALECTS, testFolder } from './support/databases.js';

/** Enough to judge the exact gates; the latency figures of so few samples mean little, and no test reads them. */
const TINY: SamplingOptions = { ...QUICK_SAMPLING, budgetMs: 300, sliceMs: 5, referenceSamples: 5, minSamples: 5, minRounds: 5, maxSamples: 50 };

async function targetFor(dialect: Dialect): Promise<DatabaseTarget> {
  return dialect === 'postgres' ? { pgUrl: await createTestDatabase() } : { sqliteFile: join(testFolder('run'), 'small.sqlite') };
}

function options(dialect: Dialect, target: DatabaseTarget, implUnderTest: string): RunOptions {
  return {
    dialects: [dialect],
    impls: ['baseline', 'fixed'],
    implUnderTest,
    scenarios: [...DEFAULT_SCENARIOS],
    profile: 'small',
    seed: 42,
    target,
    sampling: TINY,
    thresholds: DEFAULT_THRESHOLDS,
    measureOverhead: true,
    plans: true,
    onProgress: () => {},
    onSeedProgress: undefined,
  };
}

const failedGates = (result: RunResult) =>
  [...new Set(result.results.filter((r) => r.impl === result.implUnderTest).flatMap((r) => r.gates.filter((g) => !g.pass).map((g) => g.id)))].sort();

describe.each(TEST_DIALECTS)('querygate run on the small profile, %s', (dialect) => {
  const savedCacheDir = process.env.QUERYGATE_CACHE_DIR;
  let fixed: RunResult;
  let baseline: RunResult;

  beforeAll(async () => {
    // Nothing of this run may land in the user's cache.
    process.env.QUERYGATE_CACHE_DIR = testFolder('cache');
    const target = await targetFor(dialect);
    const judged = async (o: RunOptions) => judgeRun(await run(o), o.scenarios, o.thresholds);
    fixed = await judged(options(dialect, target, 'fixed'));
    // The same database again: the fixture is reused, not seeded twice.
    baseline = await judged(options(dialect, target, 'baseline'));
  });
  afterAll(() => {
    if (savedCacheDir === undefined) delete process.env.QUERYGATE_CACHE_DIR;
    else process.env.QUERYGATE_CACHE_DIR = savedCacheDir;
  });

  it('passes every gate with the fixed implementation under test', () => {
    expect(fixed.errors).toEqual([]);
    expect(fixed.results.every((r) => r.state === 'completed')).toBe(true);
    const judged = fixed.results.filter((r) => r.impl === 'fixed');
    expect(judged.map((r) => r.scenario).sort()).toEqual(DEFAULT_SCENARIOS.map((s) => s.name).sort());
    for (const r of judged) {
      expect(r.gates.length, r.scenario).toBeGreaterThan(0);
      for (const g of r.gates) expect(g.pass, `${r.scenario} ${g.id}: ${g.message}`).toBe(true);
    }
    expect(fixed.verdict).toBe('pass');
  });

  it('judges the detail endpoint against the baseline measured side by side, each with samples enough for its p95', () => {
    const pair = fixed.pairs?.find((p) => p.scenario === 'detail' && p.kind === 'baseline');
    expect(pair).toMatchObject({ subject: 'fixed', reference: 'baseline', minEffect: DEFAULT_THRESHOLDS.detailTolerancePct / 100 });
    expect(pair?.rounds).toBeGreaterThanOrEqual(8);
    const detail = (impl: string) => fixed.results.find((r) => r.scenario === 'detail' && r.impl === impl);
    // In the list scenarios the baseline stays a reference with its few samples (TINY: 5).
    expect(detail('baseline')?.samples).toBeGreaterThanOrEqual(59);
    expect(detail('fixed')?.samples).toBeGreaterThanOrEqual(59);
    expect(fixed.results.find((r) => r.scenario === 'list-50' && r.impl === 'baseline')?.samples).toBeLessThan(59);
    expect(detail('fixed')?.gates.find((g) => g.id === 'not-slower-than-baseline')?.message).toMatch(/per-round median ratio .*; p95 ratio .* \(n \d+ \/ \d+\)/);
    // The baseline under test has no pair against itself.
    expect(baseline.pairs?.some((p) => p.kind === 'baseline') ?? false).toBe(false);
  });

  it('fails the query gates with the baseline under test, and no other gate but latency can fail', () => {
    expect(baseline.verdict).toBe('fail');
    expect(baseline.errors).toEqual([]);
    // The N+1 is caught by the exact gates whatever the machine. Whether the baseline's p95 also
    // crosses 200 ms is a matter of load: about 100 ms on an idle two-core machine, 260 ms seen
    // while other test files ran beside it; asserting either way would be a timing assertion.
    const failed = failedGates(baseline);
    expect(failed).toEqual(expect.arrayContaining(['queries-at-most-max', 'queries-constant-in-page-size']));
    expect(failed.filter((id) => id !== 'p95-under-budget')).toEqual(['queries-at-most-max', 'queries-constant-in-page-size']);
    const list = baseline.results.find((r) => r.impl === 'baseline' && r.scenario === 'list-50');
    const latency = list?.gates.find((g) => g.id === 'p95-under-budget');
    expect(latency?.pass).toBe((list?.latencyMs.p95 ?? Infinity) < DEFAULT_THRESHOLDS.p95Ms);
    expect(latency?.message).toMatch(/95% CI/);
  });

  it('counts the N+1 exactly: constant for fixed, growing with the page for baseline', () => {
    const pageSizes = (result: RunResult, impl: string) => result.results.find((r) => r.impl === impl && r.scenario === 'page-sizes')?.queries.byRequest;
    const fixedCounts = Object.values(pageSizes(fixed, 'fixed') ?? {});
    expect(fixedCounts).toHaveLength(3);
    expect(new Set(fixedCounts).size).toBe(1);
    expect(fixedCounts[0]).toBeLessThanOrEqual(5);
    const baselineCounts = pageSizes(fixed, 'baseline') ?? {};
    expect(baselineCounts['limit=10']).toBeLessThan(baselineCounts['limit=50'] ?? 0);
    expect(baselineCounts['limit=50']).toBeLessThan(baselineCounts['limit=100'] ?? 0);
  });

  it('reports the N+1 suspect of the baseline with its call site in src/', () => {
    const list = fixed.results.find((r) => r.impl === 'baseline' && r.scenario === 'list-50');
    const suspect = list?.queries.n1Suspects[0];
    expect(suspect?.fingerprint).toMatch(/count\(\*\).*collection_id = \?/);
    expect(suspect?.count).toBeGreaterThanOrEqual(50);
    expect(suspect?.callSite).toMatch(/^src\/impl\/baseline\.ts:\d+$/);
    expect(fixed.results.find((r) => r.impl === 'fixed' && r.scenario === 'list-50')?.queries.n1Suspects).toEqual([]);
  });

  it('writes the result fields the issue names', () => {
    const json = JSON.parse(JSON.stringify(fixed)) as Record<string, unknown> & RunResult;
    expect(json.schemaVersion).toBe(1);
    expect(json.verdict).toBe('pass');
    expect(Object.keys(json.environment)).toEqual(expect.arrayContaining(['node', 'os', 'cpu', 'databases', 'gitCommit']));
    expect(json.environment.databases[dialect]).toEqual(expect.any(String));
    expect(json.fixture).toMatchObject({ profile: 'small', seed: 42, checksum: expect.stringMatching(/^[0-9a-f]{16,}$/) });
    // baseline, fixed and the harness's drift probe in every scenario.
    expect(json.results.length).toBe(DEFAULT_SCENARIOS.length * 3);
    expect(json.results.filter((r) => r.impl === 'probe')).toHaveLength(DEFAULT_SCENARIOS.length);
    for (const r of json.results) {
      expect(Object.keys(r)).toEqual(
        expect.arrayContaining(['scenario', 'dialect', 'impl', 'samples', 'latencyMs', 'queries', 'rowsPerRequest', 'gates', 'rawSamples']),
      );
      expect(r.dialect).toBe(dialect);
      expect(r.samples).toBe(r.rawSamples.length);
      expect(r.samples).toBeGreaterThanOrEqual(TINY.minSamples);
      expect(Object.keys(r.latencyMs)).toEqual(expect.arrayContaining(['p50', 'p95', 'p99', 'mean', 'min', 'max', 'p95Ci']));
      expect(r.latencyMs.p95Ci).toHaveLength(2);
      expect(r.queries.perRequest).toEqual(expect.any(Number));
      for (const f of r.queries.fingerprints) expect(f).toEqual({ sql: expect.any(String), count: expect.any(Number) });
      expect(Array.isArray(r.queries.n1Suspects)).toBe(true);
      if (r.impl !== 'probe') expect(r.rowsPerRequest).toBeGreaterThan(0);
      for (const g of r.gates) expect(Object.keys(g)).toEqual(expect.arrayContaining(['id', 'pass', 'actual', 'threshold']));
    }
  });
});
