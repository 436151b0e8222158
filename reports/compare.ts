import type { Dialect, FingerprintCount, ImplName, RunResult, ScenarioResult } from '../harness/result.js';
import { bootstrapCorrectedRatioCi, bootstrapRatioCi, defaultBootstrapIterations, defaultConfidence, defaultSeed } from '../harness/statistics.js';
import { formatInterval, formatRatio } from './format.js';
import { exactCostRegressions } from './exact-cost-growth.js';
import { groupResults } from './result-groups.js';

/** Options of {@link compareRuns}. */
export interface CompareOptions {
  /** A latency ratio after/before regresses when its whole interval lies above 1 + thresholdPct / 100. @default 10 */
  thresholdPct: number;
  /**
   * Family-wise coverage of the latency verdicts of the pairs under test: with k latency checks
   * (p50 and p95 of every pair), each interval is taken at 1 - (1 - confidence) / k (Bonferroni),
   * so that unchanged code is flagged with probability about 1 - confidence however many
   * scenarios and databases a run has. @default 0.95
   */
  confidence: number;
  /** Bootstrap resamples per interval. @default 2000 */
  iterations: number;
  /** Seed of the resampling: the same two runs and options give the same comparison. @default 20240601 */
  seed: number;
}

export const defaultCompareOptions: Readonly<CompareOptions> = {
  thresholdPct: 10,
  confidence: defaultConfidence,
  iterations: defaultBootstrapIterations,
  seed: defaultSeed,
};

/**
 * How a latency moved: `regressed` when the whole interval of after/before lies above
 * 1 + threshold, `improved` when it lies below 1 / (1 + threshold), `no-interval` when a side
 * kept no raw samples (a point ratio only, never a regression).
 */
export type LatencyVerdict = 'regressed' | 'improved' | 'no-change' | 'no-interval';

/** One latency percentile before and after, in ms, and its ratio after / before. */
export interface LatencyChange {
  before: number;
  after: number;
  ratio: number;
  ci: [number, number] | null;
  verdict: LatencyVerdict;
  /**
   * The ratio divided by the floor's ratio between the same runs, when both runs measured the
   * floor: what is left of the change once the machine's drift is taken out. When present, the
   * verdict is judged on it.
   */
  corrected?: { ratio: number; ci: [number, number] };
}

export interface CountChange {
  before: number;
  after: number;
}

/** A statement shape executed more often per request after than before. */
export interface GrownFingerprint {
  sql: string;
  before: number;
  after: number;
}

/** Tables that a statement's plan reads in full after but did not before. */
export interface NewFullScan {
  fingerprint: string;
  tables: string[];
}

/** Two results of one scenario on one database, from the two runs. */
export interface ComparedPair {
  scenario: string;
  dialect: Dialect;
  beforeImpl: ImplName;
  afterImpl: ImplName;
  /**
   * `under-test`: the implementations under test of the two runs (they may differ); their
   * regressions decide the comparison. `same-name`: another implementation found in both
   * runs, reported but not gating (a slower reference or floor says more about the machine).
   */
  role: 'under-test' | 'same-name';
  /** Why the pair could not be compared (a side errored), else empty. */
  problems: string[];
  p50: LatencyChange | null;
  p95: LatencyChange | null;
  queriesPerRequest: CountChange | null;
  rowsPerRequest: CountChange | null;
  newFingerprints: FingerprintCount[];
  grownFingerprints: GrownFingerprint[];
  /** Only when both results carry plans. */
  newFullScans: NewFullScan[];
  /** One line each, e.g. "queries per request grew 4 -> 106 (list-50, postgres)". */
  regressions: string[];
}

/** What identifies a run in a comparison. */
export interface RunIdentity {
  startedAt: string;
  implUnderTest: ImplName;
  gitCommit: string | null;
  gitDirty: boolean | null;
  fixture: { profile: string; seed: number; checksum: string };
}

/** A result of one run with no partner in the other. */
export interface UnpairedResult {
  run: 'before' | 'after';
  scenario: string;
  dialect: Dialect;
  impl: ImplName;
}

/** The comparison of two runs: data for renderComparisonMarkdown and for the exit code. */
export interface Comparison {
  before: RunIdentity;
  after: RunIdentity;
  options: CompareOptions;
  pairs: ComparedPair[];
  unpaired: UnpairedResult[];
  /** Regressions of the pairs under test: the comparison fails when there is any. */
  regressions: string[];
  regressed: boolean;
  /** Why the numbers may mislead: different fixtures, environments, a moving floor. */
  warnings: string[];
}

const floorImpl = 'floor';

/**
 * Compares two runs. The implementation under test of BEFORE pairs with the one under test of
 * AFTER by scenario and database, whatever their names (a run of `baseline` compared after one
 * of `fixed` shows what bringing the N+1 back would do); other implementations pair by name.
 * Pure and deterministic for given options.
 */
export function compareRuns(before: RunResult, after: RunResult, options: Partial<CompareOptions> = {}): Comparison {
  const resolved = resolveCompareOptions(options);
  const pairs: ComparedPair[] = [];
  const paired = new Set<ScenarioResult>();
  const planned: { b: ScenarioResult; a: ScenarioResult; role: ComparedPair['role']; floors: Floors | undefined }[] = [];
  const beforeGroups = groupResults(before.results);
  for (const group of groupResults(after.results)) {
    const beforeGroup = beforeGroups.find((g) => g.scenario === group.scenario && g.dialect === group.dialect);
    if (beforeGroup === undefined) continue;
    const matches: [ScenarioResult, ScenarioResult, ComparedPair['role']][] = [];
    const beforeTested = beforeGroup.results.find((r) => r.impl === before.implUnderTest);
    const afterTested = group.results.find((r) => r.impl === after.implUnderTest);
    if (beforeTested !== undefined && afterTested !== undefined) matches.push([beforeTested, afterTested, 'under-test']);
    for (const a of group.results) {
      if (a.impl === after.implUnderTest) continue;
      const b = beforeGroup.results.find((r) => r.impl === a.impl && r.impl !== before.implUnderTest);
      if (b !== undefined) matches.push([b, a, 'same-name']);
    }
    const floorBefore = beforeGroup.results.find((r) => r.impl === floorImpl && r.state === 'completed');
    const floorAfter = group.results.find((r) => r.impl === floorImpl && r.state === 'completed');
    const floors = floorBefore !== undefined && floorAfter !== undefined ? { before: floorBefore, after: floorAfter } : undefined;
    for (const [b, a, role] of matches) {
      paired.add(b).add(a);
      planned.push({ b, a, role, floors });
    }
  }
  const checks = 2 * Math.max(1, planned.filter((p) => p.role === 'under-test').length);
  const tail = (1 - resolved.confidence) / checks / 2;
  // Enough resamples that each tail of the interval rests on some 20 of them.
  const perCheck: CompareOptions = { ...resolved, confidence: 1 - 2 * tail, iterations: Math.max(resolved.iterations, Math.ceil(20 / tail)) };
  for (const { b, a, role, floors } of planned) pairs.push(comparePair(b, a, role, role === 'under-test' ? perCheck : resolved, pairs.length, floors));
  const unpaired: UnpairedResult[] = [
    ...before.results.filter((r) => !paired.has(r)).map((r) => unpairedOf('before', r)),
    ...after.results.filter((r) => !paired.has(r)).map((r) => unpairedOf('after', r)),
  ];
  const regressions = pairs.filter((p) => p.role === 'under-test').flatMap((p) => p.regressions);
  return {
    before: identity(before),
    after: identity(after),
    options: resolved,
    pairs,
    unpaired,
    regressions,
    regressed: regressions.length > 0,
    warnings: warnings(before, after, pairs),
  };
}

export function resolveCompareOptions(options: Partial<CompareOptions>): CompareOptions {
  const resolved: CompareOptions = { ...defaultCompareOptions };
  for (const [key, value] of Object.entries(options) as [keyof CompareOptions, number | undefined][]) {
    if (value !== undefined) resolved[key] = value;
  }
  if (!(resolved.thresholdPct >= 0 && Number.isFinite(resolved.thresholdPct))) {
    throw new RangeError(`thresholdPct must be a percentage of 0 or more (e.g. 10), got ${resolved.thresholdPct}`);
  }
  return resolved;
}

/** The floor's results of one scenario and database in both runs, the yardstick of machine drift. */
interface Floors {
  before: ScenarioResult;
  after: ScenarioResult;
}

function comparePair(
  before: ScenarioResult,
  after: ScenarioResult,
  role: ComparedPair['role'],
  options: CompareOptions,
  index: number,
  floors?: Floors,
): ComparedPair {
  const where = role === 'under-test' && before.impl === after.impl
    ? `${after.scenario}, ${after.dialect}`
    : `${after.scenario}, ${after.dialect}, ${before.impl === after.impl ? after.impl : `${before.impl} -> ${after.impl}`}`;
  const pair: ComparedPair = {
    scenario: after.scenario,
    dialect: after.dialect,
    beforeImpl: before.impl,
    afterImpl: after.impl,
    role,
    problems: [],
    p50: null,
    p95: null,
    queriesPerRequest: null,
    rowsPerRequest: null,
    newFingerprints: [],
    grownFingerprints: [],
    newFullScans: [],
    regressions: [],
  };
  if (before.state === 'errored') pair.problems.push(`before: errored: ${before.error ?? 'no error message'}`);
  if (after.state === 'errored') {
    pair.problems.push(`after: errored: ${after.error ?? 'no error message'}`);
    // A change that breaks the measurement must not pass as "no regression".
    pair.regressions.push(`could not be measured after: ${after.error ?? 'no error message'} (${where})`);
  }
  if (pair.problems.length > 0) return pair;

  // Distinct seeds per pair and percentile keep the intervals' resampling errors independent.
  pair.p50 = latencyChange(before, after, 50, options, options.seed + 2 * index, floors);
  pair.p95 = latencyChange(before, after, 95, options, options.seed + 2 * index + 1, floors);
  pair.queriesPerRequest = { before: before.queries.perRequest, after: after.queries.perRequest };
  pair.rowsPerRequest = { before: before.rowsPerRequest, after: after.rowsPerRequest };

  const beforeCounts = new Map(before.queries.fingerprints.map((f) => [f.sql, f.count]));
  pair.newFingerprints = after.queries.fingerprints.filter((f) => !beforeCounts.has(f.sql));
  pair.grownFingerprints = after.queries.fingerprints.flatMap((f) => {
    const was = beforeCounts.get(f.sql);
    return was !== undefined && f.count > was ? [{ sql: f.sql, before: was, after: f.count }] : [];
  });
  const beforePlans = before.queries.plans;
  if (beforePlans !== undefined && after.queries.plans !== undefined) {
    pair.newFullScans = after.queries.plans.flatMap((plan) => {
      const was = new Set(beforePlans.find((p) => p.fingerprint === plan.fingerprint)?.fullScans ?? []);
      const tables = plan.fullScans.filter((t) => !was.has(t));
      return tables.length > 0 ? [{ fingerprint: plan.fingerprint, tables }] : [];
    });
  }

  const q = pair.queriesPerRequest;
  if (q.after > q.before) pair.regressions.push(`queries per request grew ${q.before} -> ${q.after} (${where})`);
  pair.regressions.push(...exactCostRegressions(before, after, where));
  for (const [name, change] of [['p50', pair.p50], ['p95', pair.p95]] as const) {
    if (change.verdict === 'regressed' && change.ci !== null) {
      const judged = change.corrected ?? { ratio: change.ratio, ci: change.ci };
      pair.regressions.push(
        `${name} latency ${formatRatio(judged.ratio)} ${formatInterval(judged.ci, formatRatio)} of before${change.corrected === undefined ? '' : ' (corrected for the floor)'}, ` +
          `whole interval above ${formatRatio(1 + options.thresholdPct / 100)} (${where})`,
      );
    }
  }
  return pair;
}

function latencyChange(
  before: ScenarioResult,
  after: ScenarioResult,
  p: 50 | 95,
  options: CompareOptions,
  seed: number,
  floors: Floors | undefined,
): LatencyChange {
  const key = p === 50 ? 'p50' : 'p95';
  const change = { before: before.latencyMs[key], after: after.latencyMs[key] };
  if (before.rawSamples.length === 0 || after.rawSamples.length === 0) {
    return { ...change, ratio: change.after / change.before, ci: null, verdict: 'no-interval' };
  }
  const bootstrap = { iterations: options.iterations, confidence: options.confidence, seed };
  const { ratio, ci } = bootstrapRatioCi(after.rawSamples, before.rawSamples, p, bootstrap);
  const limit = 1 + options.thresholdPct / 100;
  const judge = (interval: [number, number]): LatencyVerdict => (interval[0] > limit ? 'regressed' : interval[1] < 1 / limit ? 'improved' : 'no-change');
  // The floor is the machine's yardstick: correct for it, except when comparing the floor itself.
  const usable = floors !== undefined && before.impl !== floorImpl && floors.before.rawSamples.length > 0 && floors.after.rawSamples.length > 0;
  if (!usable) return { ...change, ratio, ci, verdict: judge(ci) };
  const corrected = bootstrapCorrectedRatioCi(after.rawSamples, before.rawSamples, floors.after.rawSamples, floors.before.rawSamples, p, bootstrap);
  return { ...change, ratio, ci, verdict: judge(corrected.ci), corrected };
}

function identity(run: RunResult): RunIdentity {
  return {
    startedAt: run.startedAt,
    implUnderTest: run.implUnderTest,
    gitCommit: run.environment.gitCommit,
    gitDirty: run.environment.gitDirty,
    fixture: { profile: run.fixture.profile, seed: run.fixture.seed, checksum: run.fixture.checksum },
  };
}

function unpairedOf(run: UnpairedResult['run'], r: ScenarioResult): UnpairedResult {
  return { run, scenario: r.scenario, dialect: r.dialect, impl: r.impl };
}

function warnings(before: RunResult, after: RunResult, pairs: readonly ComparedPair[]): string[] {
  const out: string[] = [];
  const bf = before.fixture;
  const af = after.fixture;
  if (bf.checksum !== af.checksum) {
    out.push(`the fixtures differ (before ${bf.profile}, seed ${bf.seed}, ${bf.checksum}; after ${af.profile}, seed ${af.seed}, ${af.checksum}): counts and latencies may differ for that reason alone`);
  }
  const be = before.environment;
  const ae = after.environment;
  const differences: string[] = [];
  if (be.cpu !== ae.cpu || be.cpus !== ae.cpus) differences.push(`cpu ${be.cpus} x ${be.cpu} vs ${ae.cpus} x ${ae.cpu}`);
  if (be.node !== ae.node) differences.push(`node ${be.node} vs ${ae.node}`);
  for (const dialect of Object.keys({ ...be.databases, ...ae.databases }) as Dialect[]) {
    const b = be.databases[dialect];
    const a = ae.databases[dialect];
    if (b !== undefined && a !== undefined && a !== b) differences.push(`${dialect} ${b} vs ${a}`);
  }
  if (be.rttMs !== ae.rttMs) differences.push(`injected round trip ${be.rttMs ?? 'none'} vs ${ae.rttMs ?? 'none'} ms`);
  if (differences.length > 0) out.push(`the environments differ (${differences.join('; ')}): latency ratios carry that difference too`);
  for (const pair of pairs) {
    if (pair.afterImpl !== floorImpl || pair.p50 === null || pair.p50.ci === null) continue;
    if (pair.p50.verdict === 'regressed' || pair.p50.verdict === 'improved') {
      out.push(`the database floor moved on ${pair.dialect} (${pair.scenario}): p50 ${formatRatio(pair.p50.ratio)} ${formatInterval(pair.p50.ci, formatRatio)} of before; the machine or database got ${pair.p50.verdict === 'regressed' ? 'slower' : 'faster'}, not only the code`);
    }
  }
  if (!pairs.some((p) => p.role === 'under-test')) {
    out.push(`no scenario and database has both ${before.implUnderTest} (before) and ${after.implUnderTest} (after): nothing under test was compared`);
  }
  const noInterval = pairs.filter((p) => p.p50?.verdict === 'no-interval');
  if (noInterval.length > 0) {
    out.push(`${noInterval.length} pairs lack raw samples on one side: their latency ratios have no interval and cannot regress`);
  }
  return out;
}
