/**
 * The one schema of a result file (and of a result note, which holds the same JSON): every field
 * of harness/core/result.ts, checked, with the values no run can produce refused. Typed against the
 * result types (`satisfies z.ZodType<...>`), so a field added there and not here fails the type check.
 */
import { z } from 'zod';
import { canonicalGateId } from '../../scenarios/scenario.js';
import { minSamplesForQuantileInterval } from '../stats/quantile-interval.js';
import {
  ERRORED_FIGURES,
  DIALECTS,
  RESULT_SCHEMA_VERSION,
  type AgainstInfo,
  type ConcurrentRun,
  type EnvironmentInfo,
  type FixtureInfo,
  type GateResult,
  type LatencyStats,
  type PairedComparison,
  type QuantileEstimate,
  type QueryStats,
  type RatioResult,
  type RunResult,
  type ScalingResult,
  type ScenarioResult,
  type ShardInfo,
} from './result.js';

const finite = z.number().refine(Number.isFinite, 'a finite number');
const nonNegative = finite.refine((v) => v >= 0, 'a number of 0 or more');
const positive = finite.refine((v) => v > 0, 'a number above 0');
/** A latency sample, ms: above 0 and under a day (no request of a run takes longer). */
const latency = finite.refine((v) => v > 0 && v < 86_400_000, 'a latency in ms above 0 and under a day (86400000)');
const count = z.number().int().nonnegative();
const fraction = finite.refine((v) => v >= 0 && v <= 1, 'a fraction from 0 to 1');
const dialect = z.enum(DIALECTS as unknown as ['sqlite', 'postgres']);
/** An interval [low, high] with low <= high. */
const interval = z.custom<[number, number]>(
  (v) => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0) && v[0] <= v[1],
  'an interval [low, high] of numbers 0 <= low <= high',
);
const opt = <T extends z.ZodType>(schema: T) => schema.exactOptional();

const concurrentRun = z.object({ pid: count, command: z.string(), startedAt: z.string(), from: z.string(), until: z.string() }) satisfies z.ZodType<ConcurrentRun>;

const environment = z.looseObject({
  node: z.string(),
  os: z.string(),
  cpu: z.string(),
  cpus: count,
  memoryGiB: nonNegative,
  databases: z.object({ sqlite: opt(z.string()), postgres: opt(z.string()) }),
  gitCommit: z.string().nullable(),
  gitDirty: z.boolean().nullable(),
  rttMs: opt(nonNegative),
  disturbedBy: opt(z.array(concurrentRun)),
}) satisfies z.ZodType<EnvironmentInfo>;

const fixture = z.looseObject({
  profile: z.string(),
  seed: finite,
  generatorVersion: finite,
  checksum: z.string(),
  rowCounts: z.record(z.string(), count),
  schema: opt(z.string()),
  omittedColumns: opt(z.array(z.string())),
}) satisfies z.ZodType<FixtureInfo>;

const latencyStats = z.object({
  p50: nonNegative,
  p95: nonNegative,
  p99: nonNegative,
  mean: nonNegative,
  min: nonNegative,
  max: nonNegative,
  p95Ci: interval,
  count,
}) satisfies z.ZodType<LatencyStats>;

const queryPlan = z.looseObject({
  fingerprint: z.string(),
  plan: z.unknown(),
  fullScans: z.array(z.string()),
  shape: opt(z.array(z.string())),
  scannedTables: opt(z.array(z.string())),
  rowsRead: opt(z.record(z.string(), nonNegative)),
  sharedHit: opt(nonNegative),
  sharedRead: opt(nonNegative),
  request: opt(z.string()),
});

const queries = z.looseObject({
  perRequest: count,
  perRequestMin: count,
  transactionControl: count,
  fingerprints: z.array(z.object({ sql: z.string(), count })),
  n1Suspects: z.array(z.object({ fingerprint: z.string(), count, example: z.string(), callSite: z.string().nullable() })),
  plans: opt(z.array(queryPlan)),
  examples: opt(z.record(z.string(), z.object({ sql: z.string(), bindings: z.array(z.unknown()) }))),
  requestStatements: opt(z.record(z.string(), z.array(z.object({ sql: z.string(), bindings: z.array(z.unknown()), rows: count.nullable() })))),
  costs: opt(
    z.array(
      z.looseObject({
        request: z.string(),
        statements: count,
        rowsReturned: nonNegative,
        rowsRead: opt(nonNegative),
        sharedBuffers: opt(nonNegative),
        fullScans: z.array(z.string()),
      }),
    ),
  ),
  snapshot: opt(
    z.looseObject({
      file: z.string(),
      status: z.enum(['matched', 'differs', 'written', 'updated', 'missing', 'not-judged']),
      diff: opt(z.string()),
      acceptedScans: z.array(z.string()),
  pendingScans: opt(z.array(z.string())),
      normalizationVersion: opt(finite),
    }),
  ),
  costPassMs: opt(nonNegative),
  byRequest: z.record(z.string(), count),
}) satisfies z.ZodType<QueryStats>;

const gate = z.looseObject({
  // A result written before a gate was renamed compares with today's under the new id.
  id: z.string().transform((id) => canonicalGateId(id)),
  pass: z.boolean(),
  actual: z.string(),
  threshold: z.string(),
  message: z.string(),
  judged: opt(z.boolean()),
}) satisfies z.ZodType<GateResult>;

const quantileEstimate = z.object({
  p: finite.refine((v) => v > 0 && v < 100, 'a percentile between 0 and 100'),
  value: nonNegative,
  ci: interval.nullable(),
  confidence: finite.refine((v) => v > 0 && v < 1, 'a confidence between 0 and 1, e.g. 0.95'),
  n: count,
}) satisfies z.ZodType<QuantileEstimate>;

/** An errored result needs only its identity and state: what it could not measure is filled with empty values. */
function fillErrored(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || (value as Record<string, unknown>)['state'] !== 'errored') return value;
  const r = { ...(value as Record<string, unknown>) };
  // JSON writes NaN as null: an errored result's missing or null figures are its neutral stand-ins.
  for (const [key, fill] of Object.entries(ERRORED_FIGURES)) {
    if (r[key] === undefined || (r[key] === null && key !== 'sameResponse')) r[key] = structuredClone(fill);
  }
  const stats = r['latencyMs'];
  if (typeof stats === 'object' && stats !== null) {
    const filled = { ...(stats as Record<string, unknown>) };
    for (const [key, fill] of Object.entries(ERRORED_FIGURES.latencyMs)) if (filled[key] === null || filled[key] === undefined) filled[key] = fill;
    r['latencyMs'] = filled;
  }
  return r;
}

const scenarioResult = z.preprocess(
  fillErrored,
  z
    .looseObject({
      scenario: z.string(),
      dialect,
      impl: z.string(),
      state: z.enum(['completed', 'errored']),
      error: opt(z.string()),
      samples: count,
      latencyMs: latencyStats,
      uninstrumentedP50Ms: opt(nonNegative),
      aaRatio: opt(z.object({ p50: positive, p50Ci: interval, p95: positive, p95Ci: interval })),
      queries,
      rowsPerRequest: count,
      dbTimeMs: nonNegative,
      poolWaitMs: opt(nonNegative),
      concurrency: opt(count),
      throughputRps: opt(nonNegative),
      sameResponse: z.boolean().nullable(),
      responseDiff: opt(z.string()),
      gates: z.array(gate),
      rawSamples: z.array(latency),
      sampleRounds: opt(z.array(count)),
      stoppedBy: opt(z.enum(['precision', 'budget', 'samples'])),
      p95Interval: opt(quantileEstimate),
    })
    .superRefine((r, ctx) => {
      const issue = (path: (string | number)[], message: string): void => void ctx.addIssue({ code: 'custom', path, message });
      if (r.rawSamples.length > 0 && r.rawSamples.length !== r.samples) {
        issue(['samples'], `is ${r.samples} but rawSamples holds ${r.rawSamples.length}: the samples do not match their count`);
      }
      if (r.sampleRounds !== undefined && r.sampleRounds.length > 0 && r.sampleRounds.length !== r.rawSamples.length) {
        issue(['sampleRounds'], `holds ${r.sampleRounds.length} rounds for ${r.rawSamples.length} raw samples: rounds that do not match the samples`);
      }
      const rounds = r.sampleRounds ?? [];
      const back = rounds.findIndex((round, i) => i > 0 && round < (rounds[i - 1] as number));
      if (back !== -1) issue(['sampleRounds', back], `goes back from round ${rounds[back - 1]} to ${rounds[back]}: rounds are recorded in time order`);
      const l = r.latencyMs;
      if (r.state === 'completed' && r.rawSamples.length > 0 && !(l.min <= l.p50 && l.p50 <= l.p95 && l.p95 <= l.p99 && l.p99 <= l.max)) {
        issue(['latencyMs'], 'has percentiles out of order (min <= p50 <= p95 <= p99 <= max)');
      }
      const estimate = r.p95Interval;
      if (estimate !== undefined && estimate.ci !== null && estimate.confidence > 0 && estimate.confidence < 1 && estimate.p > 0 && estimate.p < 100) {
        const needed = minSamplesForQuantileInterval(estimate.p, estimate.confidence);
        if (estimate.n < needed) issue(['p95Interval', 'ci'], `is an interval from ${estimate.n} samples, but a p${estimate.p} interval at ${estimate.confidence} needs ${needed}`);
        if (r.rawSamples.length > 0 && estimate.n !== r.rawSamples.length) issue(['p95Interval', 'n'], `is ${estimate.n} but rawSamples holds ${r.rawSamples.length}`);
      }
    }),
) satisfies z.ZodType<ScenarioResult, unknown>;

const ratio = z.looseObject({
  scenario: z.string(),
  dialect,
  numerator: z.string(),
  denominator: z.string(),
  p50: positive,
  p50Ci: interval,
  p95: positive,
  p95Ci: interval,
}) satisfies z.ZodType<RatioResult>;

const pair = z
  .looseObject({
    scenario: z.string(),
    dialect,
    subject: z.string(),
    reference: z.string(),
    kind: z.enum(['against', 'aa', 'baseline']),
    rounds: count,
    roundRatios: z.array(positive),
    ratio: positive,
    ci: interval,
    confidence: finite.refine((v) => v > 0 && v < 1, 'a confidence between 0 and 1, e.g. 0.99'),
    pValue: fraction,
    minEffect: finite.refine((v) => v >= 0 && v < 1, 'a fraction from 0 up to 1, e.g. 0.02'),
    mde: nonNegative,
    verdict: z.enum(['slower', 'faster', 'same']),
    mdeTarget: opt(z.object({ target: positive, maxTimeMs: positive })),
  })
  .refine((p) => p.rounds === p.roundRatios.length, { message: 'the number of roundRatios (one ratio per round)', path: ['rounds'] }) satisfies z.ZodType<PairedComparison>;

const against = z.looseObject({
  ref: z.string(),
  sha: z.string(),
  mergeBase: z.string().nullable(),
  schemaDiffers: z.boolean(),
  schemaDifference: opt(z.string()),
  fixtures: opt(z.object({ sqlite: opt(z.record(z.string(), fixture)), postgres: opt(z.record(z.string(), fixture)) })),
  newScenarios: opt(z.array(z.object({ scenario: z.string(), dialect }))),
  dependencyChanges: opt(z.array(z.string())),
  ownDependencies: opt(z.object({ installed: z.boolean(), installMs: nonNegative })),
  databaseSettingsDifference: opt(z.array(z.string())),
}) satisfies z.ZodType<AgainstInfo>;

const shard = z
  .object({ index: z.number().int().positive(), count: z.number().int().positive(), units: z.array(z.string()) })
  .refine((s) => s.index <= s.count, { message: 'an index from 1 to the shard count', path: ['index'] }) satisfies z.ZodType<ShardInfo>;

/** A fit of flat data has no r2: JSON wrote its NaN as null. */
const fitNumber = z.union([finite, z.null().transform(() => Number.NaN)]);
const lineFit = z.object({ slope: fitNumber, intercept: fitNumber, r2: fitNumber });

const scaling = z.looseObject({
  kind: z.literal('querygate-scaling'),
  schemaVersion: z.literal(1),
  startedAt: z.string(),
  durationMs: nonNegative,
  environment,
  profiles: z.array(z.string()),
  limits: z.array(count),
  points: z.array(
    z.looseObject({
      profile: z.string(), dialect, impl: z.string(), limit: count, artifacts: count, p50: nonNegative, p95: nonNegative, queries: count, rows: nonNegative, touchedRows: nonNegative,
      n: opt(count),
      p50Ci: opt(interval.nullable()),
      p95Ci: opt(interval.nullable()),
      from: opt(z.string()),
      until: opt(z.string()),
      disturbedBy: opt(z.array(z.object({ pid: count, overlapMs: nonNegative }))),
    }),
  ),
  fits: z.array(
    z.looseObject({
      dialect,
      impl: z.string(),
      queriesVsPageSize: lineFit,
      queriesGrowth: z.enum(['constant', 'linear']),
      latencyVsTouchedRows: lineFit,
      p50SmallestMs: nonNegative,
      p50LargestMs: nonNegative,
    }),
  ),
}) satisfies z.ZodType<ScalingResult>;

const thresholds = z.looseObject({ p95Ms: opt(positive), maxQueries: opt(count), detailTolerancePct: opt(nonNegative), fullScanRows: opt(count) });
/** What the options of a result must hold where the judge reads them: the thresholds it was judged with. */
const options = z.looseObject({
  thresholds: opt(thresholds),
  /** Each scenario's own thresholds, by scenario name (the run's apply to what they leave out). */
  scenarioThresholds: opt(z.record(z.string(), thresholds)),
});

export const runResultSchema = z.looseObject({
  schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
  tool: z.literal('querygate'),
  startedAt: z.string(),
  durationMs: nonNegative,
  verdict: z.enum(['pass', 'fail']),
  implUnderTest: z.string(),
  options,
  environment,
  fixture,
  results: z.array(scenarioResult),
  ratios: z.array(ratio),
  pairs: opt(z.array(pair)),
  against: opt(against),
  errors: z.array(z.string()),
  scaling: opt(scaling),
  shard: opt(shard),
}) satisfies z.ZodType<RunResult>;

/** A zod issue path as the messages write it: `results[2].latencyMs.p95`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}
