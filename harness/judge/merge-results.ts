import { UsageError } from '../core/errors.js';
import { DIALECTS, type AgainstInfo, type MeasuredRun, type RunResult } from '../core/result.js';
import { SCENARIOS, SCENARIO_NAMES } from '../../scenarios/index.js';
import { judgeRun, scenariosAsJudged, scenarioThresholdsOf, thresholdsOf } from './judge-run.js';

/** A result to merge and where it came from (for messages). */
export interface MergeInput {
  label: string;
  result: RunResult;
}

export interface MergeOutcome {
  result: RunResult;
  /** Differences that do not stop the merge but weaken comparisons between the parts (machine, versions). */
  warnings: string[];
}

const unitOf = (r: { dialect: string; scenario: string }): string => `${r.dialect}/${r.scenario}`;
const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const sortedSet = (values: Iterable<unknown>): string => JSON.stringify([...new Set([...values].map(String))].sort());

/**
 * Joins the results of several jobs (shards, or one job per database) into the result one run
 * would have written: results in run order, judged again as one run (judgeRun), one verdict. Refuses (UsageError,
 * exit 2) what would not be one run: a unit measured twice or not at all, other fixtures or
 * checksums, another implementation under test, other implementations or thresholds. Differing
 * environments are merged with a warning.
 */
export function mergeResults(inputs: readonly MergeInput[], options: { expectedUnits?: readonly string[] } = {}): MergeOutcome {
  const [first] = inputs;
  if (first === undefined) throw new UsageError('merge needs at least one result file (e.g. querygate merge shard-1.json shard-2.json --out reports/out/merged)');
  const warnings: string[] = [];
  const refuse = (what: string, pick: (r: RunResult) => unknown): void => {
    const other = inputs.find((i) => !same(pick(i.result), pick(first.result)));
    if (other !== undefined) {
      throw new UsageError(`cannot merge: ${what} differ: ${first.label} has ${JSON.stringify(pick(first.result))}, ${other.label} has ${JSON.stringify(pick(other.result))}`);
    }
  };
  refuse('implementations under test', (r) => r.implUnderTest);
  refuse('fixtures (profile, seed, generator version)', (r) => [r.fixture.profile, r.fixture.seed, r.fixture.generatorVersion]);
  refuse('fixture checksums', (r) => r.fixture.checksum);
  refuse('measured implementations', (r) => sortedSet((r.options['impls'] as unknown[] | undefined) ?? r.results.map((x) => x.impl)));
  refuse('gate thresholds', (r) => r.options['thresholds'] ?? null);
  refuse('--against revisions', (r) => r.against?.sha ?? null);
  const shards = inputs.filter((i) => i.result.shard !== undefined);
  if (shards.length > 0) refuse('shard plans (--shard K/N of different runs)', (r) => (r.shard === undefined ? null : [r.shard.count, r.shard.units]));

  const warnIf = (what: string, pick: (r: RunResult) => unknown): void => {
    const values = new Map(inputs.map((i) => [JSON.stringify(pick(i.result)), i.label]));
    if (values.size > 1) warnings.push(`${what} differ between the parts: ${[...values].map(([v, label]) => `${label}: ${v}`).join('; ')}`);
  };
  warnIf('machines (cpu, cores, os)', (r) => [r.environment.cpu, r.environment.cpus, r.environment.os]);
  warnIf('Node versions', (r) => r.environment.node);
  warnIf('commits', (r) => r.environment.gitCommit);
  warnIf('sampling options', (r) => r.options['sampling'] ?? null);
  for (const dialect of DIALECTS) {
    const versions = new Set(inputs.map((i) => i.result.environment.databases[dialect]).filter((v) => v !== undefined));
    if (versions.size > 1) warnings.push(`${dialect} versions differ between the parts: ${[...versions].join(', ')}`);
  }

  const owner = new Map<string, string>();
  for (const input of inputs) {
    for (const unit of new Set(input.result.results.map(unitOf))) {
      const earlier = owner.get(unit);
      if (earlier !== undefined) throw new UsageError(`cannot merge: ${unit} was measured by both ${earlier} and ${input.label} (overlapping shards?)`);
      owner.set(unit, input.label);
    }
  }
  const dialects = DIALECTS.filter((d) => inputs.some((i) => ((i.result.options['dialects'] as string[] | undefined) ?? []).includes(d)));
  const scenarioNames = SCENARIO_NAMES.filter((s) => inputs.some((i) => ((i.result.options['scenarios'] as string[] | undefined) ?? []).includes(s)));
  const planned =
    options.expectedUnits ??
    first.result.shard?.units ??
    dialects.flatMap((d) =>
      SCENARIOS.filter((s) => scenarioNames.includes(s.name) && (s.dialects === undefined || s.dialects.includes(d))).map((s) => `${d}/${s.name}`),
    );
  const missing = planned.filter((unit) => !owner.has(unit));
  if (missing.length > 0) throw new UsageError(`cannot merge: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} in the run's plan but in no part (a shard missing?)`);
  const unplanned = [...owner.keys()].filter((unit) => !planned.includes(unit));
  if (unplanned.length > 0) throw new UsageError(`cannot merge: ${unplanned.join(', ')} measured but not in the run's plan`);

  const order = (r: { dialect: string; scenario: string }): number => planned.indexOf(unitOf(r));
  const byUnit = <T extends { dialect: string; scenario: string }>(items: T[]): T[] =>
    items.map((item, i) => ({ item, i })).sort((a, b) => order(a.item) - order(b.item) || a.i - b.i).map(({ item }) => item);

  const results = byUnit(structuredClone(inputs.flatMap((i) => i.result.results)));
  const ratios = byUnit(structuredClone(inputs.flatMap((i) => i.result.ratios)));
  const pairs = byUnit(structuredClone(inputs.flatMap((i) => i.result.pairs ?? [])));
  const { shard: _shard, verdict: _verdict, ...base } = structuredClone(first.result);
  const merged: MeasuredRun = {
    ...base,
    startedAt: inputs.map((i) => i.result.startedAt).sort()[0] ?? first.result.startedAt,
    durationMs: inputs.reduce((sum, i) => sum + i.result.durationMs, 0),
    options: { ...base.options, dialects, scenarios: scenarioNames, ...scenarioThresholdsOfParts(inputs) },
    environment: { ...base.environment, databases: Object.assign({}, ...inputs.map((i) => i.result.environment.databases)) },
    results,
    ratios,
    errors: inputs.flatMap((i) => i.result.errors),
    ...(pairs.length > 0 ? { pairs } : {}),
    ...(base.against === undefined ? {} : { against: againstOfParts(base.against, inputs) }),
  };
  const scaling = inputs.find((i) => i.result.scaling !== undefined)?.result.scaling;
  if (scaling !== undefined) merged.scaling = scaling;
  // Judged again as one run: every gate, every pair (--against, the baseline's), every part's errors.
  return { result: judgeRun(merged, scenariosAsJudged(merged, SCENARIOS), thresholdsOf(first.result)), warnings };
}

/**
 * Each part recorded the own thresholds of the scenarios it ran: one run has them all, and
 * refuses two parts that judged one scenario with different ones. Parts that recorded none: none.
 */
function scenarioThresholdsOfParts(inputs: readonly MergeInput[]): { scenarioThresholds?: Record<string, unknown> } {
  const recorded = inputs.filter((i) => i.result.options['scenarioThresholds'] !== undefined);
  if (recorded.length === 0) return {};
  const merged: Record<string, { value: unknown; label: string }> = {};
  for (const input of recorded) {
    for (const [name, value] of Object.entries(scenarioThresholdsOf(input.result))) {
      const earlier = merged[name];
      if (earlier !== undefined && !same(earlier.value, value)) {
        throw new UsageError(`cannot merge: thresholds of scenario ${name} differ: ${earlier.label} has ${JSON.stringify(earlier.value)}, ${input.label} has ${JSON.stringify(value)}`);
      }
      merged[name] = { value, label: input.label };
    }
  }
  return { scenarioThresholds: Object.fromEntries(Object.entries(merged).map(([name, { value }]) => [name, value])) };
}

/** REF as the first part names it, with the scenarios new since REF of every part. */
function againstOfParts(against: AgainstInfo, inputs: readonly MergeInput[]): AgainstInfo {
  const { newScenarios: _first, ...rest } = against;
  const newScenarios = inputs.flatMap((i) => i.result.against?.newScenarios ?? []);
  return newScenarios.length === 0 ? rest : { ...rest, newScenarios };
}
