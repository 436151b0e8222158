import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseTarget } from '../harness/db/open-adapter.js';
import type { Dialect, GateResult, RunResult } from '../harness/core/result.js';
import { run, type RunOptions } from '../harness/runner/run.js';
import { QUICK_SAMPLING, type SamplingOptions } from '../harness/runner/sampling-options.js';
import { INJECTED_HANDLERS } from '../harness/bench/injected-regressions.js';
import { DEFAULT_THRESHOLDS } from '../harness/judge/gates.js';
import { judgeRun } from '../harness/judge/judge-run.js';
import { list50 } from '../scenarios/list-50.js';
import { createTestDatabase, openTestFixture, TEST_DIALECTS, testFolder, type TestFixture } from './support/databases.js';

/** The exact gates need the profiling pass only; no test here reads a latency. */
/** Exact gates only: as little timing as the sampler allows. */
const TINY: SamplingOptions = { ...QUICK_SAMPLING, budgetMs: 100, referenceSamples: 5, minSamples: 5, minRounds: 5, maxSamples: 59, warmupRounds: 0 };

function options(dialect: Dialect, target: DatabaseTarget, impl: string, snapshotDir: string, update = false): RunOptions {
  return {
    dialects: [dialect],
    impls: [impl],
    implUnderTest: impl,
    scenarios: [list50],
    profile: 'small',
    seed: 42,
    target,
    sampling: TINY,
    thresholds: DEFAULT_THRESHOLDS,
    measureOverhead: false,
    extra: INJECTED_HANDLERS,
    plans: true,
    // Recording accepts the scans fixed is known to make (reviewed in the committed snapshots).
    snapshots: { dir: snapshotDir, update, ci: false, acceptFullScans: update ? ['artifacts', 'artifact_tags'] : [] },
    onProgress: () => {},
    onSeedProgress: undefined,
  };
}

const gatesOf = (result: RunResult): Record<string, GateResult> =>
  Object.fromEntries((result.results.find((r) => r.impl === result.implUnderTest)?.gates ?? []).map((g) => [g.id, g]));

describe.each(TEST_DIALECTS)('plan regressions of fixed are caught exactly, %s', (dialect) => {
  const savedCacheDir = process.env.QUERYGATE_CACHE_DIR;
  const snapshots = testFolder('snapshots');
  let recorded: RunResult;
  let again: RunResult;
  let scan: RunResult;
  let added: RunResult;

  beforeAll(async () => {
    process.env.QUERYGATE_CACHE_DIR = testFolder('cache');
    const target: DatabaseTarget = dialect === 'postgres' ? { pgUrl: await createTestDatabase() } : { sqliteFile: join(testFolder('run'), 'small.sqlite') };
    // The small profile has no committed snapshot: record fixed's, as `run --update-snapshots` would.
    const judged = async (o: RunOptions) => judgeRun(await run(o), o.scenarios, o.thresholds);
    recorded = await judged(options(dialect, target, 'fixed', snapshots, true));
    again = await judged(options(dialect, target, 'fixed', snapshots));
    scan = await judged(options(dialect, target, 'fixed-injected-scan', snapshots));
    added = await judged(options(dialect, target, 'fixed-injected-n1', snapshots));
  }, 240_000);
  afterAll(() => {
    if (savedCacheDir === undefined) delete process.env.QUERYGATE_CACHE_DIR;
    else process.env.QUERYGATE_CACHE_DIR = savedCacheDir;
  });

  it('measures the same exact figures twice on one fixture, so unchanged code matches its snapshot', () => {
    const first = recorded.results[0]?.queries;
    const second = again.results[0]?.queries;
    expect(first?.costs?.length).toBe(3);
    expect(second?.costs).toEqual(first?.costs);
    expect(second?.plans?.map((p) => [p.fingerprint, p.shape, p.fullScans, p.rowsRead ?? null, p.sharedHit ?? null, p.sharedRead ?? null])).toEqual(
      first?.plans?.map((p) => [p.fingerprint, p.shape, p.fullScans, p.rowsRead ?? null, p.sharedHit ?? null, p.sharedRead ?? null]),
    );
    expect(second?.snapshot?.status).toBe('matched');
    expect(gatesOf(again)['same-queries-as-snapshot']?.pass).toBe(true);
    expect(gatesOf(again)['no-new-full-scan']?.pass).toBe(true);
    if (dialect === 'postgres') {
      for (const cost of first?.costs ?? []) expect(cost.rowsRead).toBeGreaterThan(0);
    }
  });

  it('fails a count statement that defeats its index (same statements, same answers) on no-new-full-scan and the snapshot', () => {
    const judged = scan.results[0];
    expect(judged?.queries.perRequest).toBe(recorded.results[0]?.queries.perRequest);
    expect(gatesOf(scan)['queries-at-most-max']?.pass).toBe(true);
    expect(gatesOf(scan)['no-new-full-scan']).toMatchObject({ pass: false });
    expect(gatesOf(scan)['no-new-full-scan']?.message).toMatch(/^reads collection_artifacts in full: select collections\.id, \(select count\(\*\) from collection_artifacts where collection_artifacts\.collection_id \|\| \? = collections\.id/);
    expect(gatesOf(scan)['same-queries-as-snapshot']?.pass).toBe(false);
    expect(judged?.queries.snapshot?.diff).toMatch(dialect === 'sqlite' ? /^\+ +SCAN collection_artifacts$/m : /^\+ +Seq Scan on collection_artifacts$/m);
    expect(judged?.queries.costs?.every((c) => c.fullScans.includes('collection_artifacts'))).toBe(true);
  });

  it('fails an added statement on the snapshot with a diff that names it', () => {
    expect(gatesOf(added)['same-queries-as-snapshot']?.pass).toBe(false);
    expect(added.results[0]?.queries.snapshot?.diff).toMatch(/^\+ 50x select id from artifacts where id = \? limit \?$/m);
    expect(gatesOf(added)['same-queries-as-snapshot']?.message).toContain('+ 50x select id from artifacts where id = ? limit ?');
  });
});

describe.each(TEST_DIALECTS)('EXPLAIN of a write leaves the data as it was, %s', (dialect) => {
  let fixture: TestFixture;
  beforeAll(async () => {
    fixture = await openTestFixture(dialect);
  });
  afterAll(async () => {
    await fixture?.close();
  });

  it('rolls back what EXPLAIN ANALYZE executed', async () => {
    const count = async () => Number((await fixture.db('artifact_tags').count({ n: '*' }))[0]?.n);
    const before = await count();
    const plan = await fixture.adapter.explain(fixture.db, dialect === 'postgres' ? 'delete from artifact_tags where tag_id is not null' : 'delete from artifact_tags where tag_id is not null', [], fixture.info.rowCounts);
    expect(plan.shape?.length).toBeGreaterThan(0);
    expect(await count()).toBe(before);
  });
});
