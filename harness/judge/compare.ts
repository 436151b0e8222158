import { PROBE_IMPL, type Dialect, type FingerprintCount, type ImplName, type RunResult, type ScenarioResult } from '../core/result.js';
import { defaultBootstrapIterations, defaultConfidence, defaultSeed } from '../stats/statistics.js';
import { latencyChange, type LatencyChange, type Probes } from './latency-change.js';
import { formatInterval, formatRatio } from '../core/format.js';
import { exactCostRegressions } from './exact-cost-growth.js';
import { groupResults } from '../core/result-groups.js';
import { findings, sensitivity, warnings } from './comparison-notes.js';
import { rejudge } from './judge-run.js';
import { verdictOf, type Reason, type Verdict } from './verdict.js';

export type { LatencyChange, LatencyVerdict } from './latency-change.js';

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

