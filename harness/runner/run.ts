import type { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import type { ProfileName } from '../../fixtures/profiles.js';
import { GENERATOR_VERSION } from '../../fixtures/profiles.js';
import type { Scenario } from '../../scenarios/scenario.js';
import { applyGates, type Thresholds } from '../../reports/gates.js';
import type { DialectAdapter } from '../db/dialect-adapter.js';
import { openAdapter, type DatabaseTarget } from '../db/open-adapter.js';
import { EnvironmentError } from '../errors.js';
import { openFixture, type SeedProgress } from '../fixture-store.js';
import { QueryRecorder } from '../instrument/query-recorder.js';
import { RESULT_SCHEMA_VERSION, type Dialect, type EnvironmentInfo, type FixtureInfo, type RatioResult, type RunResult, type ScenarioResult } from '../result.js';
import { bootstrapRatioCi } from '../statistics.js';
import { describeEnvironment } from './environment.js';
import { attachPlans } from './query-plans.js';
import { checkSnapshot, type SnapshotOptions } from './query-snapshot.js';
import { REFERENCE_IMPL, runScenario } from './run-scenario.js';
import type { SamplingOptions } from './sampling-options.js';

/** A run's options, every field present (the CLI resolves defaults once). */
export interface RunOptions {
  dialects: Dialect[];
  impls: string[];
  implUnderTest: string;
  scenarios: Scenario[];
  profile: ProfileName;
  seed: number;
  target: DatabaseTarget;
  sampling: SamplingOptions;
  thresholds: Thresholds;
  /** Time the implementation under test without instrumentation too (overhead figure). */
  measureOverhead: boolean;
  /** EXPLAIN each distinct statement of the implementation under test. */
  plans: boolean;
  /** Compare the implementation under test with its committed query snapshot (needs plans). Absent: not judged. */
  snapshots?: SnapshotOptions | undefined;
  onProgress: (message: string) => void;
  onSeedProgress: ((dialect: Dialect, progress: SeedProgress) => void) | undefined;
  /** Raised by SIGINT/SIGTERM: stop between measurements. */
  signal?: AbortSignal | undefined;
}

/**
 * The main job: per database, open (or seed) the fixture, measure every scenario, then judge.
 * A scenario that fails to run becomes an errored result and the run goes on; a database that
 * cannot be reached is an environment failure for the whole run.
 */
export async function run(options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const results: ScenarioResult[] = [];
  const databases: EnvironmentInfo['databases'] = {};
  const errors: string[] = [];
  let fixture: FixtureInfo | undefined;
  const checksums: Partial<Record<Dialect, string>> = {};

  for (const dialect of options.dialects) {
    const scenarios = options.scenarios.filter((s) => s.dialects === undefined || s.dialects.includes(dialect));
    if (scenarios.length === 0) continue;
    options.signal?.throwIfAborted();
    options.onProgress(`${dialect}: opening the ${options.profile} fixture`);
    const adapter: DialectAdapter = await openAdapter(dialect, options.target);
    try {
      const opened = await openFixture({
        adapter,
        profile: options.profile,
        seed: options.seed,
        onProgress: options.onSeedProgress === undefined ? undefined : (p) => options.onSeedProgress?.(dialect, p),
      }).catch(asEnvironmentFailure);
      fixture ??= opened.info;
      checksums[dialect] = opened.info.checksum;
      databases[dialect] = await adapter.serverVersion(opened.db).catch(asEnvironmentFailure);
      const recorder = new QueryRecorder(opened.db).attach();
      // The endpoint answers a dead database with 500s, which the sampling loop would time as fast
      // samples: stop the run as soon as the connection is lost, or on SIGINT/SIGTERM.
      const watch = watchConnection(opened.db, options.signal);
      for (const scenario of scenarios) {
        options.signal?.throwIfAborted();
        options.onProgress(`${dialect}: ${scenario.name}`);
        try {
          const measured = await watch.guard(runScenario({
            db: opened.db,
            recorder,
            dialect,
            scenario,
            impls: options.impls,
            seed: options.seed,
            sampling: options.sampling,
            overheadImpl: options.measureOverhead && scenario.name === 'list-50' ? options.implUnderTest : undefined,
            signal: options.signal,
          }));
          if (options.plans) {
            await watch.guard(attachPlans(adapter, opened.db, measured, options.implUnderTest, opened.info.rowCounts, options.thresholds.fullScanRows));
            const snapshots = options.snapshots;
            if (snapshots !== undefined) {
              for (const r of measured) {
                if (r.impl === options.implUnderTest && r.state === 'completed') r.queries.snapshot = checkSnapshot(r, options.profile, options.seed, snapshots);
              }
            }
          }
          results.push(...measured);
        } catch (error) {
          options.signal?.throwIfAborted();
          rethrowConnectionErrors(error);
          const message = error instanceof Error ? error.message : String(error);
          errors.push(`${dialect} ${scenario.name}: ${message}`);
          for (const impl of options.impls) results.push(erroredResult(scenario.name, dialect, impl, message));
        }
      }
      watch.dispose();
      recorder.detach();
    } finally {
      await adapter.close();
    }
  }

  const ratios = computeRatios(results);
  const verdict = applyGates(results, ratios, options.scenarios, options.implUnderTest, options.thresholds);
  const checksumValues = new Set(Object.values(checksums));
  if (checksumValues.size > 1) errors.push(`fixture checksums differ between databases: ${JSON.stringify(checksums)}`);
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: 'querygate',
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    verdict: verdict === 'pass' && checksumValues.size <= 1 ? 'pass' : 'fail',
    implUnderTest: options.implUnderTest,
    options: {
      profile: options.profile,
      seed: options.seed,
      dialects: options.dialects,
      impls: options.impls,
      scenarios: options.scenarios.map((s) => s.name),
      sampling: options.sampling,
      thresholds: options.thresholds,
    },
    environment: { ...describeEnvironment(databases), ...(options.target.rttMs === undefined ? {} : { rttMs: options.target.rttMs }) },
    fixture: fixture ?? { profile: options.profile, seed: options.seed, generatorVersion: GENERATOR_VERSION, checksum: '', rowCounts: {} },
    results,
    ratios,
    errors,
  };
}

/** Ratios of each implementation's latency to the reference's, per scenario and database. */
function computeRatios(results: readonly ScenarioResult[]): RatioResult[] {
  const ratios: RatioResult[] = [];
  for (const result of results) {
    if (result.state !== 'completed' || result.impl === REFERENCE_IMPL) continue;
    const reference = results.find((r) => r.scenario === result.scenario && r.dialect === result.dialect && r.impl === REFERENCE_IMPL);
    if (reference === undefined || reference.state !== 'completed' || reference.rawSamples.length === 0 || result.rawSamples.length === 0) continue;
    const p50 = bootstrapRatioCi(result.rawSamples, reference.rawSamples, 50);
    const p95 = bootstrapRatioCi(result.rawSamples, reference.rawSamples, 95);
    ratios.push({
      scenario: result.scenario,
      dialect: result.dialect,
      numerator: result.impl,
      denominator: REFERENCE_IMPL,
      p50: p50.ratio,
      p50Ci: p50.ci,
      p95: p95.ratio,
      p95Ci: p95.ci,
    });
  }
  return ratios;
}

function erroredResult(scenario: string, dialect: Dialect, impl: string, error: string): ScenarioResult {
  return {
    scenario,
    dialect,
    impl,
    state: 'errored',
    error,
    samples: 0,
    latencyMs: { p50: 0, p95: 0, p99: 0, mean: 0, min: 0, max: 0, p95Ci: [0, 0], count: 0 },
    queries: { perRequest: 0, perRequestMin: 0, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: {} },
    rowsPerRequest: 0,
    dbTimeMs: 0,
    sameResponse: null,
    gates: [],
    rawSamples: [],
  };
}

const LOST_HINT = 'the Postgres server stopped or dropped the connection during the run; no result was written';

function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return (
    (code !== undefined && ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', '57P01', '57P02', '57P03', 'EPIPE'].includes(code)) ||
    /Connection terminated|terminating connection|server closed the connection|Timeout acquiring a connection/i.test(message)
  );
}

/** Rethrows, as an environment failure when the connection was lost. */
function asEnvironmentFailure(error: unknown): never {
  rethrowConnectionErrors(error);
  throw error;
}

/** A lost connection mid-run is the environment's failure, not the scenario's. */
function rethrowConnectionErrors(error: unknown): void {
  if (error instanceof EnvironmentError) throw error;
  if (isConnectionLoss(error)) {
    throw new EnvironmentError(`the database went away: ${error instanceof Error ? error.message : String(error)}`, LOST_HINT);
  }
}

interface ConnectionWatch {
  /** The promise's outcome, unless the connection is lost or the run aborted first. */
  guard<T>(promise: Promise<T>): Promise<T>;
  dispose(): void;
}

/**
 * Watches a knex instance for a lost server: a statement failing with a connection error, or the
 * pool failing to open a connection (which knex reports as no query event at all).
 */
function watchConnection(db: Knex, signal: AbortSignal | undefined): ConnectionWatch {
  let fail: (reason: unknown) => void = () => undefined;
  const lost = new Promise<never>((_, reject) => {
    fail = reject;
  });
  lost.catch(() => undefined);
  const onError = (error: unknown) => {
    if (isConnectionLoss(error)) fail(new EnvironmentError(`the database went away: ${error instanceof Error ? error.message : String(error)}`, LOST_HINT));
  };
  const onCreateFail = (_eventId: unknown, error: unknown) => onError(error);
  const onAbort = () => fail(signal?.reason);
  const pool = (db.client as { pool?: EventEmitter | null }).pool ?? undefined;
  db.on('query-error', onError);
  pool?.on('createFail', onCreateFail);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted === true) onAbort();
  return {
    guard<T>(promise: Promise<T>): Promise<T> {
      // Abandoned on a loss: its own failure later (on the closed pool) must not surface unhandled.
      promise.catch(() => undefined);
      return Promise.race([promise, lost]);
    },
    dispose() {
      db.off('query-error', onError);
      pool?.removeListener('createFail', onCreateFail); // tarn's pool has no off()
      signal?.removeEventListener('abort', onAbort);
    },
  };
}
