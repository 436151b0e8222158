import type { Knex } from 'knex';
import type { ProfileName } from '../../fixtures/profiles.js';
import { listRequest } from '../../scenarios/artifact-requests.js';
import type { Scenario } from '../../scenarios/scenario.js';
import { openAdapter, type DatabaseTarget } from '../db/open-adapter.js';
import { openFixture } from '../fixture-store/fixture-store.js';
import { QueryRecorder } from '../instrument/query-recorder.js';
import type { ConcurrentRun, Dialect, EnvironmentInfo, LineFit, ScalingFit, ScalingPoint, ScalingResult, ScenarioResult } from '../core/result.js';
import type { PointDisturbance } from '../core/scaling-result.js';
import { batchedQuantileInterval } from '../stats/batched-quantile-interval.js';
import { quantileInterval } from '../stats/quantile-interval.js';
import { roundedSamplesOf } from '../stats/rounded-samples.js';
import { describeEnvironment } from './environment.js';
import { startMeasuring } from './measuring-registry.js';
import { runScenario } from './run-scenario.js';
import type { SamplingOptions } from './sampling-options.js';

export interface ScalingOptions {
  scenario: Scenario;
  dialects: Dialect[];
  impls: string[];
  profiles: ProfileName[];
  seed: number;
  target: DatabaseTarget;
  sampling: SamplingOptions;
  onProgress: (message: string) => void;
  signal?: AbortSignal | undefined;
}

/** Sweeps fixture size x page size for every implementation, then fits how each grows. */
export async function runScaling(options: ScalingOptions): Promise<ScalingResult> {
  const started = Date.now();
  const limits = options.scenario.sweep?.limits ?? [10, 50, 100];
  const points: ScalingPoint[] = [];
  const databases: EnvironmentInfo['databases'] = {};
  const measuring = startMeasuring();
  try {
    await sweep(options, limits, points, databases);
  } finally {
    measuring.finish();
  }
  const disturbedBy = measuring.finish();
  for (const point of points) point.disturbedBy = overlapsOf(point, disturbedBy);
  return {
    kind: 'querygate-scaling',
    schemaVersion: 1,
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    environment: { ...describeEnvironment(databases), disturbedBy },
    profiles: options.profiles,
    limits,
    points,
    fits: fitGrowth(points),
  };
}

/** Measures every point of the sweep into `points`. */
async function sweep(options: ScalingOptions, limits: readonly number[], points: ScalingPoint[], databases: EnvironmentInfo['databases']): Promise<void> {
  for (const dialect of options.dialects) {
    const adapter = await openAdapter(dialect, options.target);
    try {
      for (const profile of options.profiles) {
        options.signal?.throwIfAborted();
        options.onProgress(`scaling: ${dialect} ${profile}: seeding or reusing the fixture`);
        const fixture = await openFixture({ adapter, profile, seed: options.seed });
        databases[dialect] = await adapter.serverVersion(fixture.db);
        const recorder = new QueryRecorder(fixture.db).attach();
        for (const limit of limits) {
          options.signal?.throwIfAborted();
          options.onProgress(`scaling: ${dialect} ${profile} limit=${limit}`);
          const scenario: Scenario = { name: `scaling ${profile} limit=${limit}`, description: '', gates: [], requests: [listRequest(`limit=${limit}`, { limit })] };
          const from = new Date().toISOString();
          const { results } = await runScenario({ db: fixture.db, recorder, dialect, scenario, impls: options.impls, seed: options.seed, sampling: options.sampling });
          const until = new Date().toISOString();
          const touchedRows = await touchedMemberships(fixture.db, limit);
          for (const r of results) {
            points.push({
              profile,
              dialect,
              impl: r.impl,
              limit,
              artifacts: fixture.info.rowCounts.artifacts ?? 0,
              p50: r.latencyMs.p50,
              p95: r.latencyMs.p95,
              queries: r.queries.perRequest,
              rows: r.rowsPerRequest,
              touchedRows,
              ...latencyIntervals(r),
              from,
              until,
            });
          }
        }
        recorder.detach();
        await fixture.db.destroy();
      }
    } finally {
      await adapter.close();
    }
  }
}

/** n, and the 95% intervals of p50 and p95 where n allows them (the run's p95 gate reads the same interval). */
export function latencyIntervals(result: Pick<ScenarioResult, 'rawSamples' | 'sampleRounds'>): Pick<ScalingPoint, 'n' | 'p50Ci' | 'p95Ci'> {
  const rounded = roundedSamplesOf(result);
  const estimate = (p: number) => (rounded === null ? quantileInterval(result.rawSamples, p) : batchedQuantileInterval(rounded, p));
  const n = result.rawSamples.length;
  if (n === 0) return { n, p50Ci: null, p95Ci: null };
  return { n, p50Ci: estimate(50).ci, p95Ci: estimate(95).ci };
}

/**
 * The other runs whose observed window (first to last time the registry showed them) meets the
 * point's, with the length of the overlap; a run seen once inside the point overlaps it for 0 ms.
 */
export function overlapsOf(point: Pick<ScalingPoint, 'from' | 'until'>, others: readonly ConcurrentRun[]): PointDisturbance[] {
  if (point.from === undefined || point.until === undefined) return [];
  const [start, end] = [Date.parse(point.from), Date.parse(point.until)];
  return others.flatMap((other) => {
    const overlap = Math.min(end, Date.parse(other.until)) - Math.max(start, Date.parse(other.from));
    return overlap >= 0 ? [{ pid: other.pid, overlapMs: overlap }] : [];
  });
}

/** Memberships of every collection the first page of `limit` artifacts belongs to. */
async function touchedMemberships(db: Knex, limit: number): Promise<number> {
  const page = db('artifacts').orderBy([{ column: 'type' }, { column: 'name' }]).limit(limit).select('id');
  const collections = db('collection_artifacts').whereIn('artifact_id', page).distinct('collection_id');
  const row = await db('collection_artifacts').whereIn('collection_id', collections).count({ n: '*' }).first();
  return Number(row?.n ?? 0);
}

export function fitLine(xs: readonly number[], ys: readonly number[]): LineFit {
  const n = xs.length;
  if (n === 0) return { slope: 0, intercept: 0, r2: 0 };
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = (xs[i] as number) - mx;
    const dy = (ys[i] as number) - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  const r2 = sxx === 0 || syy === 0 ? (syy === 0 ? 1 : 0) : (sxy * sxy) / (sxx * syy);
  return { slope, intercept: my - slope * mx, r2 };
}

export function fitGrowth(points: readonly ScalingPoint[]): ScalingFit[] {
  const fits: ScalingFit[] = [];
  const keys = [...new Set(points.map((p) => `${p.dialect}\u0000${p.impl}`))];
  for (const key of keys) {
    const [dialect, impl] = key.split('\u0000') as [Dialect, string];
    const mine = points.filter((p) => p.dialect === dialect && p.impl === impl);
    const queries = fitLine(mine.map((p) => p.limit), mine.map((p) => p.queries));
    const latency = fitLine(mine.map((p) => p.touchedRows / 1000), mine.map((p) => p.p50));
    const at50 = mine.filter((p) => p.limit === 50).sort((a, b) => a.artifacts - b.artifacts);
    fits.push({
      dialect,
      impl,
      queriesVsPageSize: queries,
      // Less than one extra query per 100 artifacts of page: constant.
      queriesGrowth: Math.abs(queries.slope) < 0.01 ? 'constant' : 'linear',
      latencyVsTouchedRows: latency,
      p50SmallestMs: at50[0]?.p50 ?? 0,
      p50LargestMs: at50[at50.length - 1]?.p50 ?? 0,
    });
  }
  return fits;
}
