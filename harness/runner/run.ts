import type { EventEmitter } from 'node:events';
import type { Knex } from 'knex';
import type { ProfileName } from '../../fixtures/profiles.js';
import { GENERATOR_VERSION } from '../../fixtures/profiles.js';
import { gatesOf, type Scenario } from '../../scenarios/scenario.js';
import { thresholdsFor, type Thresholds } from '../../scenarios/thresholds.js';
import type { DialectAdapter } from '../db/dialect-adapter.js';
import { openAdapter, type DatabaseTarget } from '../db/open-adapter.js';
import { EnvironmentError, UsageError } from '../core/errors.js';
import { openFixture, type FixtureSchema, type SeedProgress } from '../fixture-store/fixture-store.js';
import { QueryRecorder } from '../instrument/query-recorder.js';
import { erroredScenarioResult, PROBE_IMPL, REFERENCE_IMPL, RESULT_SCHEMA_VERSION, type AgainstInfo, type Dialect, type EnvironmentInfo, type FixtureInfo, type MeasuredRun, type PairedComparison, type RatioResult, type ScenarioResult } from '../core/result.js';
import { roundedSamplesOf } from '../stats/rounded-samples.js';
import { blockBootstrapRatioCi } from '../stats/round-bootstrap.js';
import { bootstrapRatioCi, type RatioEstimate } from '../stats/statistics.js';
import { describeEnvironment } from './environment.js';
import { startMeasuring, type MeasuringSession } from './measuring-registry.js';
import { poolAcquireTimeoutMs, seconds } from '../system/timeouts.js';
import { attachPlans } from './query-plans.js';
import { checkSnapshot, type SnapshotOptions } from './query-snapshot.js';
import type { ServedConnection } from '../db/served-connection.js';
import { detachAll, openOwnDatabases, openSideConnections, seedingMismatch, type OwnDatabase } from './own-databases.js';
import { checkRequests } from './resolve-requests.js';
import { runScenario, type ScenarioRunOutput } from './run-scenario.js';
import type { SamplingOptions } from './sampling-options.js';
import type { ExtraImplementations } from './served-implementation.js';

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
  /** Implementations served beside src/'s registry, by name (injected regressions, another revision's). */
  extra?: ExtraImplementations | undefined;
  /**
   * Judge the implementation under test against another revision of it, side by side in every
   * scenario: the name its results get (one of `impls`, served from `extra`) and the revision.
   * With `schemas` (REF's schema differs), each of the two sides is served from a fixture of its
   * own schema, seeded like the shared one.
   */
  against?:
    | {
        impl: string;
        info: AgainstInfo;
        schemas?: Readonly<Record<string, FixtureSchema>> | undefined;
        connections?: Readonly<Record<string, ServedConnection>> | undefined;
      }
    | undefined;
  /** A paired slowdown smaller than this fraction is not flagged. @default 0.02 */
  minEffect?: number | undefined;
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
 * The main job: per database, open (or seed) the fixture, measure every scenario. Judging is the
 * next stage's (reports/gates.ts judgeRun).
 * A scenario that fails to run becomes an errored result and the run goes on; a database that
 * cannot be reached is an environment failure for the whole run.
 */
export async function run(options: RunOptions): Promise<MeasuredRun> {
  // A request the harness cannot measure (a write) is refused before anything is seeded or served.
  for (const scenario of options.scenarios) checkRequests(scenario);
  // Registered as measuring for the whole run, and unregistered however it ends.
  const measuring = startMeasuring();
  try {
    return await measuredRun(options, measuring);
  } finally {
    measuring.finish();
  }
}

/** What the run gathers as it goes, database by database: assembled into the run at the end. */
interface Gathered {
  results: ScenarioResult[];
  pairs: PairedComparison[];
  databases: EnvironmentInfo['databases'];
  errors: string[];
  fixture: FixtureInfo | undefined;
  checksums: Partial<Record<Dialect, string>>;
  ownFixtures: NonNullable<AgainstInfo['fixtures']>;
  newScenarios: NonNullable<AgainstInfo['newScenarios']>;
}

/** The run in three steps: measure each database, note who else was measuring, assemble the run. */
async function measuredRun(options: RunOptions, measuring: MeasuringSession): Promise<MeasuredRun> {
  const started = Date.now();
  const gathered: Gathered = { results: [], pairs: [], databases: {}, errors: [], fixture: undefined, checksums: {}, ownFixtures: {}, newScenarios: [] };
  for (const dialect of options.dialects) {
    const scenarios = options.scenarios.filter((s) => s.dialects === undefined || s.dialects.includes(dialect));
    if (scenarios.length === 0) continue;
    options.signal?.throwIfAborted();
    await measureDatabase(dialect, scenarios, options, gathered);
  }
  const disturbedBy = measuring.finish();
  return assembleRun(options, gathered, started, disturbedBy);
}

/** One database: open (or seed) its fixture, and REF's own with `--against` across a schema change. */
interface OpenedDatabase {
  adapter: DialectAdapter;
  db: Knex;
  rowCounts: FixtureInfo['rowCounts'];
  own: Map<string, OwnDatabase>;
}

/** Opens one database, measures every scenario on it, and closes it however that ends. */
async function measureDatabase(dialect: Dialect, scenarios: readonly Scenario[], options: RunOptions, gathered: Gathered): Promise<void> {
  options.onProgress(`${dialect}: opening the ${options.profile} fixture`);
  const adapter: DialectAdapter = await openAdapter(dialect, options.target);
  try {
    const opened = await openDatabases(adapter, dialect, options, gathered);
    const recorder = new QueryRecorder(opened.db).attach();
    // The endpoint answers a dead database with 500s, which the sampling loop would time as fast
    // samples: stop the run as soon as the connection is lost, or on SIGINT/SIGTERM.
    const watch = watchConnections([opened.db, ...[...opened.own.values()].map((o) => o.db)], options.signal);
    for (const scenario of scenarios) {
      options.signal?.throwIfAborted();
      options.onProgress(`${dialect}: ${scenario.name}`);
      try {
        const measured = await measureScenario(opened, recorder, watch, dialect, scenario, options);
        gathered.results.push(...measured.results);
        gathered.pairs.push(...measured.pairs);
        if (measured.newSinceRef === true) gathered.newScenarios.push({ scenario: scenario.name, dialect });
      } catch (error) {
        // What no side produced (the scenario's requests could not be resolved): every side's result says so.
        options.signal?.throwIfAborted();
        rethrowConnectionErrors(error);
        const message = error instanceof Error ? error.message : String(error);
        gathered.errors.push(`${dialect} ${scenario.name}: ${message}`);
        for (const impl of options.impls) gathered.results.push(erroredScenarioResult(scenario.name, dialect, impl, message));
      }
    }
    watch.dispose();
    recorder.detach();
    detachAll(opened.own);
  } finally {
    await adapter.close();
  }
}

/** The shared fixture, and with `--against` across a schema change one fixture per side, seeded alike. */
async function openDatabases(adapter: DialectAdapter, dialect: Dialect, options: RunOptions, gathered: Gathered): Promise<OpenedDatabase> {
  const onProgress = options.onSeedProgress === undefined ? undefined : (p: SeedProgress) => options.onSeedProgress?.(dialect, p);
  const opened = await openFixture({ adapter, profile: options.profile, seed: options.seed, onProgress }).catch(asEnvironmentFailure);
  gathered.fixture ??= opened.info;
  gathered.checksums[dialect] = opened.info.checksum;
  gathered.databases[dialect] = await adapter.serverVersion(opened.db).catch(asEnvironmentFailure);
  const schemas = options.against?.schemas;
  const own: Map<string, OwnDatabase> =
    schemas === undefined
      ? new Map()
      : await openOwnDatabases(adapter, schemas, { profile: options.profile, seed: options.seed, onProgress }).catch((error: unknown) => {
          // A lost server is the environment's failure; a schema that cannot hold the rows is REF's (exit 2).
          rethrowConnectionErrors((error as Error).cause ?? error);
          throw new UsageError(`--against: ${error instanceof Error ? error.message : String(error)}`);
        });
  if (own.size > 0) {
    gathered.ownFixtures[dialect] = Object.fromEntries([...own].map(([impl, o]) => [impl, o.info]));
    const mismatch = seedingMismatch(opened.info, own);
    if (mismatch !== undefined) gathered.errors.push(`${dialect}: ${mismatch}`);
  }
  const connections = options.against?.connections;
  if (connections !== undefined) openSideConnections(adapter, connections, opened, own);
  return { adapter, db: opened.db, rowCounts: opened.info.rowCounts, own };
}

/** One scenario on one database: its timed samples and pairs, then its plans and snapshot check. */
async function measureScenario(
  opened: OpenedDatabase,
  recorder: QueryRecorder,
  watch: ConnectionWatch,
  dialect: Dialect,
  scenario: Scenario,
  options: RunOptions,
): Promise<ScenarioRunOutput> {
  const thresholds = thresholdsFor(scenario, options.thresholds);
  const measured = await watch.guard(runScenario({
    db: opened.db,
    recorder,
    dialect,
    scenario,
    impls: options.impls,
    implUnderTest: options.implUnderTest,
    against: options.against?.impl,
    // Without another revision to judge against, a scenario that asks for it (list-50) judges the
    // implementation under test against a copy of itself: the run's noise floor.
    aaCopy: options.against === undefined && scenario.noiseFloor === true,
    overhead: options.measureOverhead && scenario.noiseFloor === true,
    // A gate that compares the implementation under test with the baseline judges a pair
    // measured side by side, not the few samples the baseline gets as a reference.
    baselineTolerance: gatesOf(scenario).includes('not-slower-than-baseline') ? thresholds.detailTolerancePct / 100 : undefined,
    probe: true,
    extra: options.extra,
    ownDatabases: opened.own,
    minEffect: options.minEffect,
    seed: options.seed,
    sampling: options.sampling,
    signal: options.signal,
  }));
  if (options.plans) {
    // REF's implementation too, with --against: its exact cost is what the working tree's is judged against.
    for (const impl of [options.implUnderTest, ...(options.against === undefined ? [] : [options.against.impl])]) {
      const db = opened.own.get(impl)?.db ?? opened.db;
      await sideStep(measured.results, impl, 'gathering its query plans', options.signal, () => watch.guard(attachPlans(opened.adapter, db, measured.results, impl, opened.rowCounts, thresholds.fullScanRows)));
    }
    const snapshots = options.snapshots;
    if (snapshots !== undefined) {
      for (const r of measured.results) {
        if (r.impl === options.implUnderTest && r.state === 'completed') r.queries.snapshot = checkSnapshot(r, options.profile, options.seed, snapshots);
      }
    }
  }
  return measured;
}

/**
 * One side's step after the measuring (its plans): a failure of it, unless the connection was
 * lost or the run stopped, errors that side's results alone, never the other side's.
 */
async function sideStep(results: ScenarioResult[], impl: string, what: string, signal: AbortSignal | undefined, step: () => Promise<void>): Promise<void> {
  try {
    await step();
  } catch (error) {
    signal?.throwIfAborted();
    rethrowConnectionErrors(error);
    const message = `${what} failed: ${error instanceof Error ? error.message : String(error)}`;
    for (const r of results) if (r.impl === impl && r.state === 'completed') Object.assign(r, { state: 'errored', error: message });
  }
}

/** The measured run as the result file stores it: what was asked, on what, and what was measured. */
function assembleRun(options: RunOptions, gathered: Gathered, started: number, disturbedBy: ReturnType<MeasuringSession['finish']>): MeasuredRun {
  const { results, pairs, databases, errors, fixture, checksums, ownFixtures, newScenarios } = gathered;
  const ratios = computeRatios(results);
  const checksumValues = new Set(Object.values(checksums));
  if (checksumValues.size > 1) errors.push(`fixture checksums differ between databases: ${JSON.stringify(checksums)}`);
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    tool: 'querygate',
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    implUnderTest: options.implUnderTest,
    options: {
      profile: options.profile,
      seed: options.seed,
      dialects: options.dialects,
      impls: options.impls,
      scenarios: options.scenarios.map((s) => s.name),
      sampling: options.sampling,
      thresholds: options.thresholds,
      // Each scenario's own thresholds over the run's: what its gates were judged with, for every later judge.
      scenarioThresholds: Object.fromEntries(options.scenarios.filter((s) => s.thresholds !== undefined).map((s) => [s.name, s.thresholds])),
    },
    environment: { ...describeEnvironment(databases), ...(options.target.rttMs === undefined ? {} : { rttMs: options.target.rttMs }), disturbedBy },
    fixture: fixture ?? { profile: options.profile, seed: options.seed, generatorVersion: GENERATOR_VERSION, checksum: '', rowCounts: {} },
    results,
    ratios,
    pairs,
    ...(options.against === undefined ? {} : { against: againstInfo(options.against.info, ownFixtures, newScenarios) }),
    errors,
  };
}

/** What the run says of REF: the revision, each side's own fixture (schemas differ), the scenarios new since REF. */
function againstInfo(info: AgainstInfo, ownFixtures: Gathered['ownFixtures'], newScenarios: Gathered['newScenarios']): AgainstInfo {
  return { ...info, ...(Object.keys(ownFixtures).length === 0 ? {} : { fixtures: ownFixtures }), ...(newScenarios.length === 0 ? {} : { newScenarios }) };
}

/** Ratios of each implementation's latency to the reference's, per scenario and database. */
export function computeRatios(results: readonly ScenarioResult[]): RatioResult[] {
  const ratios: RatioResult[] = [];
  for (const result of results) {
    if (result.state !== 'completed' || result.impl === REFERENCE_IMPL || result.impl === PROBE_IMPL) continue;
    const reference = results.find((r) => r.scenario === result.scenario && r.dialect === result.dialect && r.impl === REFERENCE_IMPL);
    if (reference === undefined || reference.state !== 'completed' || reference.rawSamples.length === 0 || result.rawSamples.length === 0) continue;
    const p50 = ratioCi(result, reference, 50);
    const p95 = ratioCi(result, reference, 95);
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

/**
 * Ratio of two implementations' percentiles in one run: resampling whole rounds when both know
 * their rounds (samples of a round share that moment's machine), else single samples.
 */
function ratioCi(numerator: ScenarioResult, denominator: ScenarioResult, p: number): RatioEstimate {
  const [a, b] = [roundedSamplesOf(numerator), roundedSamplesOf(denominator)];
  if (a !== null && b !== null) return blockBootstrapRatioCi(a, b, p);
  return bootstrapRatioCi(numerator.rawSamples, denominator.rawSamples, p);
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

/** One watch over several knex instances: the first loss among them ends the guarded promise. */
function watchConnections(dbs: readonly Knex[], signal: AbortSignal | undefined): ConnectionWatch {
  const watches = dbs.map((db) => watchConnection(db, signal));
  return {
    guard: <T>(promise: Promise<T>) => watches.reduce((guarded, w) => w.guard(guarded), promise),
    dispose: () => {
      for (const w of watches) w.dispose();
    },
  };
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
  // tarn's TimeoutError: no connection became free within the pool's acquire timeout.
  const onAcquireFail = (_eventId: unknown, error: unknown) => {
    if ((error as Error | null)?.name === 'TimeoutError') fail(new EnvironmentError(`no connection of the database pool became free within ${seconds(poolAcquireTimeoutMs())} (pool acquisition timed out)`, 'QUERYGATE_POOL_TIMEOUT_MS sets the limit'));
  };
  const onAbort = () => fail(signal?.reason);
  const pool = (db.client as { pool?: EventEmitter | null }).pool ?? undefined;
  db.on('query-error', onError);
  pool?.on('createFail', onCreateFail);
  pool?.on('acquireFail', onAcquireFail);
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
      pool?.removeListener('acquireFail', onAcquireFail);
      signal?.removeEventListener('abort', onAbort);
    },
  };
}
