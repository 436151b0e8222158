/**
 * The result file (DIR/result.json): what a run measured, kept whole so that it can be
 * rendered again and compared later. Every later stage (gates, reports, compare) reads only this.
 */
import type { PairedFigures } from '../stats/paired-statistics.js';
import type { QuantileEstimate } from '../stats/quantile-interval.js';
import type { LatencyStats } from '../stats/statistics.js';

import type { QueryStats } from './query-stats.js';
import type { ScalingResult } from './scaling-result.js';

export type { FingerprintCount, N1Suspect, QueryPlan, RecordedStatement, RequestCost, SnapshotCheck, QueryStats } from './query-stats.js';
export type { ScalingPoint, LineFit, ScalingFit, ScalingResult } from './scaling-result.js';

export const RESULT_SCHEMA_VERSION = 1;

export type Dialect = 'sqlite' | 'postgres';
export const DIALECTS: readonly Dialect[] = ['sqlite', 'postgres'];

/** Implementation names; the endpoint's own list lives in src/ (IMPLEMENTATIONS). */
export type ImplName = string;

/** The implementation every other one must answer like, and the one speedups are stated against. */
export const REFERENCE_IMPL = 'baseline';
/** The hand-written single statement: the fastest answer the database can give. */
export const FLOOR_IMPL = 'floor';
/**
 * The harness's own drift probe: a fixed trivial statement through the same driver, outside src/.
 * What moves it is the machine, never the code under test.
 */
export const PROBE_IMPL = 'probe';

export interface EnvironmentInfo {
  node: string;
  os: string;
  cpu: string;
  cpus: number;
  memoryGiB: number;
  /** Database server versions, per dialect that ran. */
  databases: Partial<Record<Dialect, string>>;
  /** `git rev-parse HEAD` of the checkout, when there is one. */
  gitCommit: string | null;
  gitDirty: boolean | null;
  /** Present when a network delay was injected between app and database (ms round trip). */
  rttMs?: number;
  /**
   * Other querygate processes on this machine that ran while this one measured: when not empty,
   * the latencies were disturbed (statement counts are not). Absent in results of older versions.
   */
  disturbedBy?: ConcurrentRun[];
}

/** Another querygate run seen while measuring: its pid, command line, start, and when we saw it (ISO times). */
export interface ConcurrentRun {
  pid: number;
  command: string;
  startedAt: string;
  from: string;
  until: string;
}

export interface FixtureInfo {
  profile: string;
  seed: number;
  generatorVersion: number;
  /** Canonical hash of all rows; equal on both dialects for one profile and seed. */
  checksum: string;
  rowCounts: Record<string, number>;
  /** Built with another src/ tree's schema code (`run --against`): that schema's identity. */
  schema?: string;
  /** Columns of the generator that schema has no place for, as table.column (left out of the load). */
  omittedColumns?: string[];
}

/** Summary statistics in milliseconds, computed from the raw samples. */
export type { LatencyStats };

export interface GateResult {
  /** e.g. "queries-at-most-max". */
  id: string;
  pass: boolean;
  /** Human-readable actual and threshold, e.g. "106" and "<= 5". */
  actual: string;
  threshold: string;
  /** One line explaining the verdict, incl. a confidence interval where one applies. */
  message: string;
  /** false when the gate could not be judged (e.g. no snapshot for this profile); it then passes. @default true */
  judged?: boolean;
}

export interface ScenarioResult {
  scenario: string;
  dialect: Dialect;
  impl: ImplName;
  /** 'errored' when the scenario could not be measured; the run goes on and reports it. */
  state: 'completed' | 'errored';
  error?: string;
  /** Number of timed samples. */
  samples: number;
  latencyMs: LatencyStats;
  /** Latency with the instrumentation's event listeners off (same run), when measured. */
  uninstrumentedP50Ms?: number;
  /**
   * A/A: this implementation against a second copy of itself, sampled in the same turns. The
   * ratio's interval is the noise floor of every latency comparison on this machine.
   */
  aaRatio?: { p50: number; p50Ci: [number, number]; p95: number; p95Ci: [number, number] };
  queries: QueryStats;
  /** Rows returned by the database per request (max over requests). */
  rowsPerRequest: number;
  /** Database time per request, ms (median over requests): sum of statement durations. */
  dbTimeMs: number;
  /** Time waiting for a pool connection per request, ms (median over the timed requests). */
  poolWaitMs?: number;
  /** Requests in flight at once while timing; 1 unless --concurrency. */
  concurrency?: number;
  /** Completed requests per second while timing (meaningful under concurrency). */
  throughputRps?: number;
  /** Responses equal to the reference implementation's (null when not compared). */
  sameResponse: boolean | null;
  /** Why not equal, when sameResponse is false. */
  responseDiff?: string;
  gates: GateResult[];
  /** Raw wall-clock samples in ms, in the order taken. */
  rawSamples: number[];
  /**
   * The interleaved round each raw sample was taken in (same length as rawSamples). Samples of one
   * round arrive in a block, so resampling and pairing work on whole rounds.
   */
  sampleRounds?: number[];
  /** What ended the timed sampling: the judged interval was narrow enough, the time budget, or the sample cap. */
  stoppedBy?: StopReason;
  /** p95 with its distribution-free interval (order statistics); `ci` is null when n is too small for one. */
  p95Interval?: QuantileEstimate;
}

/**
 * What an errored result could not measure, as neutral stand-ins: an errored result is its
 * identity, its state and its error, with these figures (one definition, for the runner that
 * records the error and for the reader that accepts a stored one written without them).
 */
export const ERRORED_FIGURES = {
  samples: 0,
  latencyMs: { p50: 0, p95: 0, p99: 0, mean: 0, min: 0, max: 0, p95Ci: [0, 0], count: 0 },
  queries: { perRequest: 0, perRequestMin: 0, transactionControl: 0, fingerprints: [], n1Suspects: [], byRequest: {} },
  rowsPerRequest: 0,
  dbTimeMs: 0,
  sameResponse: null,
  gates: [],
  rawSamples: [],
} as const satisfies Omit<ScenarioResult, 'scenario' | 'dialect' | 'impl' | 'state' | 'error'>;

/** The result of a scenario that could not be measured: the run goes on and reports it. */
export function erroredScenarioResult(scenario: string, dialect: Dialect, impl: ImplName, error: string): ScenarioResult {
  return { scenario, dialect, impl, state: 'errored', error, ...structuredClone(ERRORED_FIGURES) } as ScenarioResult;
}

/** What ended the timed sampling of a scenario. */
export type StopReason = 'precision' | 'budget' | 'samples';

/** A percentile with a distribution-free interval from order statistics (binomial), or none when n is too small. */
export type { QuantileEstimate };

/**
 * One judged pair: a subject against a reference measured side by side in interleaved rounds
 * (the same implementation at another git revision, an A/A copy of itself, or the baseline where
 * a gate compares the two), judged on the per-round ratios of their medians.
 */
export interface PairedComparison extends PairedFigures {
  scenario: string;
  dialect: Dialect;
  /** The implementation under test as it is in the working tree, e.g. "fixed". */
  subject: ImplName;
  /** What it is judged against, e.g. "fixed@main", "fixed (A/A)" or "baseline". */
  reference: ImplName;
  kind: 'against' | 'aa' | 'baseline';
  /** Per round: the subject's median / the reference's median in that round. */
  roundRatios: number[];
  /**
   * `run --against --mde`: the smallest detectable slowdown sampling aimed at (a fraction, 0.03),
   * within `maxTimeMs`; `mde` is what it reached. Absent: sampling had no such target.
   */
  mdeTarget?: { target: number; maxTimeMs: number };
}

/** The git revision a run measured beside the working tree (`run --against REF`). */
export interface AgainstInfo {
  /** As given, e.g. "main". */
  ref: string;
  sha: string;
  /** merge-base of HEAD and REF, when there is one. */
  mergeBase: string | null;
  /** REF's schema differs from the working tree's, so each side got its own identically seeded fixture. */
  schemaDiffers: boolean;
  /** Where the schemas first differ, when they do. */
  schemaDifference?: string;
  /** Per database, each side's own fixture, when the schemas differ: keyed by the side's implementation name. */
  fixtures?: Partial<Record<Dialect, Record<string, FixtureInfo>>>;
  /**
   * Scenarios REF cannot serve (its implementation answered 404 or 405 where the working tree's
   * answered 200: a route new since REF), per database. REF's side of them was not measured, and
   * they are judged by their own gates alone. Absent: none.
   */
  newScenarios?: { scenario: string; dialect: Dialect }[];
  /**
   * The packages whose locked version differs between REF and the working tree ("knex 3.1.0 ->
   * 3.3.0"). Absent: the lockfiles are equal.
   */
  dependencyChanges?: string[];
  /**
   * REF's side ran with its own dependencies, installed from its lockfile (`installed`: by this
   * run, in `installMs`; else reused). Absent: the lockfiles are equal, or (results written before
   * querygate installed them) both sides ran with the working tree's node_modules.
   */
  ownDependencies?: { installed: boolean; installMs: number };
  /** How REF's database settings (src/database-settings.ts) differ from the working tree's; each side ran with its own. */
  databaseSettingsDifference?: string[];
}

/** Ratio of one implementation's latency to another's, from the same run. */
export interface RatioResult {
  scenario: string;
  dialect: Dialect;
  numerator: ImplName;
  denominator: ImplName;
  p50: number;
  p50Ci: [number, number];
  p95: number;
  p95Ci: [number, number];
}

export interface RunResult {
  schemaVersion: typeof RESULT_SCHEMA_VERSION;
  tool: 'querygate';
  startedAt: string;
  durationMs: number;
  verdict: 'pass' | 'fail';
  /** The implementation whose gates decide the verdict. */
  implUnderTest: ImplName;
  /** The options the run was made with (quick, profile, thresholds...). */
  options: Record<string, unknown>;
  environment: EnvironmentInfo;
  fixture: FixtureInfo;
  results: ScenarioResult[];
  ratios: RatioResult[];
  /** Judged pairs measured side by side (A/A copies, `--against`). */
  pairs?: PairedComparison[];
  /** Present for `run --against REF`. */
  against?: AgainstInfo;
  /** Gates that concern more than one result (none pass without their results). */
  errors: string[];
  /** The last scaling sweep, carried into the report's "how it scales" section when present. */
  scaling?: ScalingResult;
  /** Present for `run --shard K/N`: which part of the whole run this result holds. */
  shard?: ShardInfo;
}

/** One part of a sharded run (`run --shard K/N`); `querygate merge` joins the parts. */
export interface ShardInfo {
  /** K, from 1. */
  index: number;
  /** N. */
  count: number;
  /** Every (database, scenario) unit of the whole run, as "dialect/scenario", in run order. */
  units: string[];
}

/** A run as the harness measured it, before the gates (reports/gates.ts judgeRun) give it a verdict. */
export type MeasuredRun = Omit<RunResult, 'verdict'>;
