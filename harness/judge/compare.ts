import { normalQuantile } from '../normal-distribution.js';
import { PROBE_IMPL, type Dialect, type FingerprintCount, type ImplName, type RunResult, type ScenarioResult } from '../result.js';
import { bootstrapCorrectedRatioCi, bootstrapRatioCi, defaultBootstrapIterations, defaultConfidence, defaultSeed } from '../statistics.js';
import { formatInterval, formatRatio } from '../core/format.js';
import { exactCostRegressions } from './exact-cost-growth.js';
import { groupResults } from '../core/result-groups.js';
import { rejudge } from './judge-run.js';
import { batchedLogRatioInterval } from '../stats/batched-log-ratio-interval.js';
import type { RoundedSamples } from '../stats/rounded-samples.js';
import { verdictOf, type Reason, type Verdict } from './verdict.js';

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
   * The ratio divided by the drift probe's ratio between the same runs (the harness-owned
   * {@link PROBE_IMPL}, a trivial statement outside the code under test), when both runs
   * measured it: what is left of the change once the machine's drift is taken out. When
   * present, the verdict is judged on it.
   */
  corrected?: { ratio: number; ci: [number, number] };
  /**
   * The smallest ratio this check flags with 95% power, given the spread of these two runs:
   * (1 + threshold) * exp(d * (1 + z_0.95 / z)), d = log(ratio / lower end) of the judged
   * interval and z the normal quantile of its one-sided level. Null without an interval.
   */
  detectable: number | null;
}

/** A request kind (QueryStats.byRequest label) whose statements per request grew. */
export interface GrownRequestKind {
  label: string;
  before: number;
  after: number;
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
  /** Request kinds measured in both runs whose statements per request grew. */
  grownRequestKinds: GrownRequestKind[];
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
  /**
   * Regressions of the pairs under test, and what BEFORE measured that AFTER lost (a scenario or
   * database, or the implementation under test in one): the comparison fails (exit 1) when there is any.
   */
  regressions: string[];
  regressed: boolean;
  /**
   * Evidence a verdict needs and the inputs lack: no pair of the implementation under test at
   * all, or a pair under test without raw samples. Exit 2 (bad input) unless a regression was
   * found anyway: missing evidence never passes.
   */
  missingEvidence: string[];
  /** Measured changes that are not the implementation under test's, e.g. a floor that moved beyond the machine's drift. */
  findings: string[];
  /** Why the numbers may mislead: different fixtures, environments, no drift probe. */
  warnings: string[];
  /**
   * The smallest p50 ratio these two runs could flag with 95% power, over the pairs under test
   * with an interval (best and worst pair), or null when none had one.
   */
  sensitivity: { best: DetectableAt; worst: DetectableAt } | null;
  /**
   * AFTER judged as a run of its own (runVerdict of its measurements judged again): a comparison
   * never passes a run that `run` fails, whatever BEFORE was.
   */
  afterVerdict: Verdict;
}

/** The smallest ratio one pair under test could flag. */
export interface DetectableAt {
  scenario: string;
  dialect: Dialect;
  ratio: number;
}

const floorImpl = 'floor';

/**
 * The verdict of a comparison: each regression fails; missing evidence is never a pass; and AFTER
 * must pass its own gates and have no run error, judged again from its measurements
 * (`afterVerdict`): a comparison never passes a run that `run` would fail.
 */
export function comparisonVerdict(c: Comparison): Verdict {
  // AFTER's errored results are already the comparison's own regressions.
  const own = c.afterVerdict.reasons.filter((r) => r.kind !== 'errored').map((r): Reason => ({ ...r, message: `after: ${r.message}` }));
  return verdictOf([
    ...c.regressions.map((message): Reason => ({ kind: 'regression', message })),
    ...c.missingEvidence.map((message): Reason => ({ kind: 'missing-evidence', message })),
    ...own,
  ]);
}

/**
 * Compares two runs. The implementation under test of BEFORE pairs with the one under test of
 * AFTER by scenario and database, whatever their names (a run of `baseline` compared after one
 * of `fixed` shows what bringing the N+1 back would do); other implementations pair by name.
 * Latencies are corrected for the machine's drift by the harness's probe where both runs have
 * it. Pure and deterministic for given options.
 */
export function compareRuns(before: RunResult, after: RunResult, options: Partial<CompareOptions> = {}): Comparison {
  const resolved = resolveCompareOptions(options);
  const planned = planPairs(before, after);
  const checks = 2 * Math.max(1, planned.filter((p) => p.role === 'under-test').length);
  const tail = (1 - resolved.confidence) / checks / 2;
  // Enough resamples that each tail of the interval rests on some 20 of them.
  const perCheck: CompareOptions = { ...resolved, confidence: 1 - 2 * tail, iterations: Math.max(resolved.iterations, Math.ceil(20 / tail)) };
  const pairs: ComparedPair[] = [];
  for (const { b, a, role, probes } of planned) pairs.push(comparePair(b, a, role, role === 'under-test' ? perCheck : resolved, pairs.length, probes));
  const paired = new Set(planned.flatMap((p) => [p.b, p.a]));
  const unpaired: UnpairedResult[] = [
    ...before.results.filter((r) => !paired.has(r)).map((r) => unpairedOf('before', r)),
    ...after.results.filter((r) => !paired.has(r)).map((r) => unpairedOf('after', r)),
  ];
  const regressions = [...lostAfter(before, after, pairs), ...pairs.filter((p) => p.role === 'under-test').flatMap((p) => p.regressions)];
  return {
    before: identity(before),
    after: identity(after),
    options: resolved,
    pairs,
    unpaired,
    regressions,
    regressed: regressions.length > 0,
    missingEvidence: missingEvidence(before, after, pairs),
    findings: findings(pairs),
    warnings: warnings(before, after, pairs),
    sensitivity: sensitivity(pairs),
    afterVerdict: rejudge(after).verdict,
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

/** The drift probe's results on one database in both runs: the yardstick of the machine's drift. */
interface Probes {
  before: ScenarioResult;
  after: ScenarioResult;
}

interface PlannedPair {
  b: ScenarioResult;
  a: ScenarioResult;
  role: ComparedPair['role'];
  probes: Probes | undefined;
}

function planPairs(before: RunResult, after: RunResult): PlannedPair[] {
  const planned: PlannedPair[] = [];
  const beforeGroups = groupResults(before.results);
  for (const group of groupResults(after.results)) {
    const beforeGroup = beforeGroups.find((g) => g.scenario === group.scenario && g.dialect === group.dialect);
    if (beforeGroup === undefined) continue;
    const beforeTested = beforeGroup.results.find((r) => r.impl === before.implUnderTest);
    const afterTested = group.results.find((r) => r.impl === after.implUnderTest);
    const probes = probesOf(before, after, group.scenario, group.dialect);
    if (beforeTested !== undefined && afterTested !== undefined) planned.push({ b: beforeTested, a: afterTested, role: 'under-test', probes });
    for (const a of group.results) {
      if (a.impl === after.implUnderTest) continue;
      const b = beforeGroup.results.find((r) => r.impl === a.impl && r.impl !== before.implUnderTest);
      // The probe is the yardstick: it is compared as it is, never corrected by itself.
      if (b !== undefined) planned.push({ b, a, role: 'same-name', probes: a.impl === PROBE_IMPL ? undefined : probes });
    }
  }
  return planned;
}

/** Both runs' probes on a database: the one measured beside the scenario, else the database's first. */
function probesOf(before: RunResult, after: RunResult, scenario: string, dialect: Dialect): Probes | undefined {
  const find = (run: RunResult): ScenarioResult | undefined => {
    const usable = run.results.filter((r) => r.impl === PROBE_IMPL && r.dialect === dialect && r.state === 'completed' && r.rawSamples.length > 0);
    return usable.find((r) => r.scenario === scenario) ?? usable[0];
  };
  const b = find(before);
  const a = find(after);
  return b !== undefined && a !== undefined ? { before: b, after: a } : undefined;
}

function comparePair(
  before: ScenarioResult,
  after: ScenarioResult,
  role: ComparedPair['role'],
  options: CompareOptions,
  index: number,
  probes: Probes | undefined,
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
    grownRequestKinds: [],
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
  pair.p50 = latencyChange(before, after, 50, options, options.seed + 2 * index, probes);
  pair.p95 = latencyChange(before, after, 95, options, options.seed + 2 * index + 1, probes);
  pair.queriesPerRequest = { before: before.queries.perRequest, after: after.queries.perRequest };
  pair.grownRequestKinds = grownRequestKinds(before, after);
  pair.rowsPerRequest = { before: before.rowsPerRequest, after: after.rowsPerRequest };
  compareShapes(pair, before, after);

  const q = pair.queriesPerRequest;
  const maxGrew = q.after > q.before;
  if (maxGrew) pair.regressions.push(`queries per request grew ${q.before} -> ${q.after} (${where})`);
  for (const kind of pair.grownRequestKinds) {
    // The maximum's line already says it when this kind is the maximum on both sides.
    if (maxGrew && kind.before === q.before && kind.after === q.after) continue;
    pair.regressions.push(`queries per request of ${kind.label} grew ${kind.before} -> ${kind.after} (${where})`);
  }
  pair.regressions.push(...exactCostRegressions(before, after, where));
  for (const [name, change] of [['p50', pair.p50], ['p95', pair.p95]] as const) {
    if (change.verdict === 'regressed' && change.ci !== null) {
      const judged = change.corrected ?? { ratio: change.ratio, ci: change.ci };
      pair.regressions.push(
        `${name} latency ${formatRatio(judged.ratio)} ${formatInterval(judged.ci, formatRatio)} of before${change.corrected === undefined ? '' : ' (corrected for drift by the probe)'}, ` +
          `whole interval above ${formatRatio(1 + options.thresholdPct / 100)} (${where})`,
      );
    }
  }
  return pair;
}

/** Request kinds (byRequest labels) in both runs whose statements per request grew, in AFTER's order. */
function grownRequestKinds(before: ScenarioResult, after: ScenarioResult): GrownRequestKind[] {
  const was = before.queries.byRequest ?? {};
  return Object.entries(after.queries.byRequest ?? {}).flatMap(([label, count]) => {
    const previous = was[label];
    return previous !== undefined && count > previous ? [{ label, before: previous, after: count }] : [];
  });
}

/** New statement shapes, shapes run more often, and plans that now read a table in full. */
function compareShapes(pair: ComparedPair, before: ScenarioResult, after: ScenarioResult): void {
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
}

function latencyChange(
  before: ScenarioResult,
  after: ScenarioResult,
  p: 50 | 95,
  options: CompareOptions,
  seed: number,
  probes: Probes | undefined,
): LatencyChange {
  const key = p === 50 ? 'p50' : 'p95';
  const change = { before: before.latencyMs[key], after: after.latencyMs[key] };
  if (before.rawSamples.length === 0 || after.rawSamples.length === 0) {
    return { ...change, ratio: change.after / change.before, ci: null, verdict: 'no-interval', detectable: null };
  }
  const bootstrap = { iterations: options.iterations, confidence: options.confidence, seed };
  // Over rounds in time order when both runs know them: each run's slow drift widens its side
  // (a bootstrap of single samples ignores it: npm run bench:coverage); else the bootstrap.
  const [a, b] = [roundedOf(after), roundedOf(before)];
  const { ratio, ci } =
    a !== null && b !== null
      ? batchedLogRatioInterval([{ group: a, sign: 1, run: 'after' }, { group: b, sign: -1, run: 'before' }], p, { confidence: options.confidence })
      : bootstrapRatioCi(after.rawSamples, before.rawSamples, p, bootstrap);
  const limit = 1 + options.thresholdPct / 100;
  const judge = (interval: [number, number]): LatencyVerdict => (interval[0] > limit ? 'regressed' : interval[1] < 1 / limit ? 'improved' : 'no-change');
  const detectable = (judged: { ratio: number; ci: [number, number] }): number => {
    const z = normalQuantile(1 - (1 - options.confidence) / 2);
    const down = Math.max(0, Math.log(judged.ratio / judged.ci[0]));
    return limit * Math.exp(down * (1 + normalQuantile(0.95) / z));
  };
  if (probes === undefined) return { ...change, ratio, ci, verdict: judge(ci), detectable: detectable({ ratio, ci }) };
  const [pa, pb] = [roundedOf(probes.after), roundedOf(probes.before)];
  const batched = a !== null && b !== null && pa !== null && pb !== null
    ? batchedLogRatioInterval(
      [{ group: a, sign: 1, run: 'after' }, { group: pa, sign: -1, run: 'after' }, { group: b, sign: -1, run: 'before' }, { group: pb, sign: 1, run: 'before' }],
      p,
      { confidence: options.confidence },
    )
    : null;
  const corrected = batched === null
    ? bootstrapCorrectedRatioCi(after.rawSamples, before.rawSamples, probes.after.rawSamples, probes.before.rawSamples, p, bootstrap)
    : { ratio: batched.ratio, ci: batched.ci };
  return { ...change, ratio, ci, verdict: judge(corrected.ci), corrected, detectable: detectable(corrected) };
}

/** A result's raw samples with their rounds, when it recorded a round for each sample. */
function roundedOf(r: ScenarioResult): RoundedSamples | null {
  const rounds = r.sampleRounds;
  return rounds !== undefined && rounds.length === r.rawSamples.length && rounds.length > 0 ? { samples: r.rawSamples, rounds } : null;
}

/**
 * What BEFORE measured and AFTER lost: a scenario on a database, or the implementation under
 * test in one. Like an errored result after, it could hide a regression, so it is one.
 */
function lostAfter(before: RunResult, after: RunResult, pairs: readonly ComparedPair[]): string[] {
  const afterGroups = groupResults(after.results);
  const out: string[] = [];
  for (const group of groupResults(before.results)) {
    if (group.results.every((r) => r.impl === PROBE_IMPL)) continue;
    const where = `${group.scenario}, ${group.dialect}`;
    if (!afterGroups.some((g) => g.scenario === group.scenario && g.dialect === group.dialect)) {
      out.push(`measured before, missing after: the whole scenario (${where})`);
      continue;
    }
    const testedBefore = group.results.some((r) => r.impl === before.implUnderTest);
    const compared = pairs.some((p) => p.role === 'under-test' && p.scenario === group.scenario && p.dialect === group.dialect);
    if (testedBefore && !compared) out.push(`measured before, missing after: ${after.implUnderTest}, the implementation under test (${where})`);
  }
  return out;
}

function missingEvidence(before: RunResult, after: RunResult, pairs: readonly ComparedPair[]): string[] {
  const underTest = pairs.filter((p) => p.role === 'under-test');
  const out: string[] = [];
  if (underTest.length === 0) {
    out.push(`no scenario and database has both ${before.implUnderTest} (before) and ${after.implUnderTest} (after): nothing under test was compared`);
  }
  for (const p of underTest) {
    // A BEFORE that could not measure the implementation under test is no base: nothing after can be judged against it.
    const before = p.problems.find((problem) => problem.startsWith('before:'));
    if (before !== undefined) out.push(`${p.beforeImpl} errored before (${p.scenario}, ${p.dialect}): no base to judge after against (${before.slice('before: '.length)})`);
    if (p.p50?.verdict !== 'no-interval') continue;
    out.push(`no raw samples on one side (${p.scenario}, ${p.dialect}): its latency cannot be judged; run both with a querygate that keeps rawSamples`);
  }
  return out;
}

/** A floor that moved beyond the machine's drift: shared code (page query, handler, schema, indexes, driver) changed speed. */
function findings(pairs: readonly ComparedPair[]): string[] {
  const out: string[] = [];
  for (const pair of pairs) {
    if (pair.afterImpl !== floorImpl || pair.role !== 'same-name') continue;
    const change = pair.p50;
    if (change?.corrected === undefined || (change.verdict !== 'regressed' && change.verdict !== 'improved')) continue;
    out.push(
      `the floor got ${change.verdict === 'regressed' ? 'slower' : 'faster'} on ${pair.dialect} (${pair.scenario}): p50 ${formatRatio(change.corrected.ratio)} ` +
        `${formatInterval(change.corrected.ci, formatRatio)} of before after the machine's drift (the probe) is taken out; ` +
        'the floor shares the page query, the handler, the schema, the indexes and the driver with the implementations, so they moved too',
    );
  }
  return out;
}

function sensitivity(pairs: readonly ComparedPair[]): Comparison['sensitivity'] {
  const at = pairs.flatMap((p) =>
    p.role === 'under-test' && p.p50 !== null && p.p50.detectable !== null ? [{ scenario: p.scenario, dialect: p.dialect, ratio: p.p50.detectable }] : [],
  );
  if (at.length === 0) return null;
  const sorted = [...at].sort((x, y) => x.ratio - y.ratio);
  return { best: sorted[0]!, worst: sorted[sorted.length - 1]! };
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
  const probeMissing = pairs.some((p) => p.role === 'under-test' && p.p50 !== null && p.p50.ci !== null && p.p50.corrected === undefined);
  if (probeMissing) {
    out.push(`no drift probe (${PROBE_IMPL}) in both runs for some pairs: their ratios carry the machine's drift between the runs`);
  }
  for (const pair of pairs) {
    if (pair.role !== 'same-name' || pair.p50 === null || pair.p50.ci === null) continue;
    const moved = pair.p50.verdict === 'regressed' || pair.p50.verdict === 'improved';
    if (moved && pair.afterImpl === PROBE_IMPL) {
      out.push(`the machine drifted on ${pair.dialect}: the probe's p50 is ${formatRatio(pair.p50.ratio)} ${formatInterval(pair.p50.ci, formatRatio)} of before (divided out of the ratios under test)`);
    }
    if (moved && pair.afterImpl === floorImpl && pair.p50.corrected === undefined) {
      out.push(`the floor moved on ${pair.dialect} (${pair.scenario}): p50 ${formatRatio(pair.p50.ratio)} ${formatInterval(pair.p50.ci, formatRatio)} of before; without a drift probe in both runs the machine and the code the floor shares cannot be told apart`);
    }
  }
  const noInterval = pairs.filter((p) => p.role === 'same-name' && p.p50?.verdict === 'no-interval');
  if (noInterval.length > 0) {
    out.push(`${noInterval.length} other pairs lack raw samples on one side: their latency ratios have no interval`);
  }
  return out;
}
