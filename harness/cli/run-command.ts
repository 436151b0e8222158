import { DEFAULT_SCENARIOS, SCENARIOS } from '../../scenarios/index.js';
import type { ProfileName } from '../../fixtures/profiles.js';
import { IMPLEMENTATION_NAMES } from '../../src/http/routes.js';
import { DEFAULT_THRESHOLDS } from '../judge/gates.js';
import { judgeRun, runVerdict } from '../judge/judge-run.js';
import { mergeResults, type MergeInput } from '../judge/merge-results.js';
import type { Scenario } from '../../scenarios/scenario.js';
import { UsageError } from '../core/errors.js';
import { DIALECTS, FLOOR_IMPL, REFERENCE_IMPL, type Dialect, type RunResult } from '../core/result.js';
import { loadRevision } from '../runner/against-revision.js';
import { parseShard, planUnits, shardUnits } from '../runner/shard.js';
import { run } from '../runner/run.js';
import { DEFAULT_SNAPSHOT_DIR } from '../runner/query-snapshot.js';
import { againstSampling, DEFAULT_SAMPLING, MDE_TARGET, QUICK_SAMPLING, type SamplingOptions } from '../runner/sampling-options.js';
import { INJECTED_HANDLERS } from '../bench/injected-regressions.js';
import { withSignals } from './signals.js';
import { progressLine, seedProgressBar } from './progress.js';
import { printSummary } from './summary.js';
import { reportVerdict } from './exit-codes.js';
import { runScaling } from '../runner/scaling.js';
import { readLastScaling, writeScalingOutputs } from './scaling-outputs.js';
import { ensureOutputDir, writeRunOutputs } from './write-outputs.js';

export interface RunArgs {
  db: string;
  impl: string;
  scenario?: string[] | undefined;
  profile: string;
  seed: number;
  'pg-url'?: string | undefined;
  'sqlite-file'?: string | undefined;
  out: string;
  quick: boolean;
  samples?: number | undefined;
  'p95-ms': number;
  'max-queries': number;
  'detail-tolerance': number;
  plans: boolean;
  'update-snapshots': boolean;
  'accept-full-scan'?: string[] | undefined;
  'full-scan-rows': number;
  'attach-note': boolean;
  concurrency: number;
  rtt?: number | undefined;
  against?: string | undefined;
  'min-effect': number;
  mde?: number | undefined;
  'max-time'?: number | undefined;
  shard?: string | undefined;
}

export async function runCommand(args: RunArgs): Promise<number> {
  // An unwritable --out fails now, not after minutes of measuring.
  ensureOutputDir(args.out);
  const dialects: Dialect[] = args.db === 'all' ? [...DIALECTS] : [args.db as Dialect];
  const implUnderTest = args.impl === 'all' ? 'fixed' : args.impl;
  // The floor runs beside every run: each implementation's p50 is reported as a ratio to it.
  const floor = IMPLEMENTATION_NAMES.includes(FLOOR_IMPL) ? [FLOOR_IMPL] : [];
  // --against REF: REF's implementation under test is served beside the working tree's.
  const against = args.against === undefined ? undefined : await loadRevision(args.against, implUnderTest, process.cwd(), progressLine);
  const impls = [
    ...(args.impl === 'all' ? [...IMPLEMENTATION_NAMES] : [...new Set([REFERENCE_IMPL, implUnderTest, ...floor])]),
    ...(against === undefined ? [] : [against.impl]),
  ];
  const scenarios = args.scenario === undefined ? [...DEFAULT_SCENARIOS] : SCENARIOS.filter((s) => args.scenario?.includes(s.name));
  const plain = args.quick ? QUICK_SAMPLING : DEFAULT_SAMPLING;
  const base = against === undefined ? plain : againstSampling(plain);
  // --samples N: the judged implementations take up to N samples each, with the budget to get them.
  const sized = args.samples === undefined ? base : { ...base, maxSamples: args.samples, budgetMs: Math.max(base.budgetMs, args.samples * 50) };
  const sampling = { ...sized, concurrency: args.concurrency, ...(against === undefined ? {} : againstTarget(args, sized.budgetMs)) };

  // A sharded run sweeps (scaling) in its first shard only: merge carries the sweep over.
  const sweeps = args.shard === undefined || parseShard(args.shard)?.index === 1 ? scenarios.filter((s) => s.sweep !== undefined) : [];
  const measured = scenarios.filter((s) => s.sweep === undefined);
  const target = { pgUrl: args['pg-url'], sqliteFile: args['sqlite-file'], rttMs: args.rtt };
  let scalingExit: number | null = null;
  for (const sweep of sweeps) {
    const profiles = [...(sweep.sweep?.profiles ?? []), ...(args.profile === 'xl' ? (['xl'] as const) : [])];
    const scaling = await withSignals((signal) =>
      runScaling({ scenario: sweep, dialects, impls, profiles, seed: args.seed, target, sampling, onProgress: progressLine, signal }),
    );
    scalingExit = writeScalingOutputs(scaling, args.out);
  }
  if (measured.length === 0 && scalingExit !== null) return scalingExit;

  const thresholds = { ...DEFAULT_THRESHOLDS, p95Ms: args['p95-ms'], maxQueries: args['max-queries'], detailTolerancePct: args['detail-tolerance'], fullScanRows: args['full-scan-rows'] };
  const runOn = async (runDialects: Dialect[], runScenarios: Scenario[]): Promise<RunResult> => judgeRun(await withSignals((signal) =>
    run({
      dialects: runDialects,
      impls,
      implUnderTest,
      scenarios: runScenarios,
      profile: args.profile as ProfileName,
      seed: args.seed,
      target,
      sampling,
      thresholds,
      measureOverhead: true,
      extra: { ...INJECTED_HANDLERS, ...against?.extra },
      against: against === undefined ? undefined : { impl: against.impl, info: against.info, schemas: against.schemas, connections: against.connections },
      minEffect: args['min-effect'] / 100,
      plans: args.plans,
      snapshots: {
        dir: DEFAULT_SNAPSHOT_DIR,
        update: args['update-snapshots'],
        ci: process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false',
        acceptFullScans: args['accept-full-scan'] ?? [],
      },
      onProgress: progressLine,
      onSeedProgress: seedProgressBar(),
      signal,
    }),
  ), runScenarios, thresholds);
  const result = args.shard === undefined ? await runOn(dialects, measured) : await runShard(args.shard, dialects, measured, runOn);
  const lastScaling = readLastScaling();
  if (lastScaling !== undefined) result.scaling = lastScaling;
  const written = await writeRunOutputs(result, args.out, { attachNote: args['attach-note'] });
  printSummary(result, written);
  return reportVerdict(runVerdict(result), 'run');
}

/**
 * `--shard K/N`: only this shard's (database, scenario) units, measured database by database and
 * joined as one result that records the whole plan, so that `querygate merge` can check the parts.
 */
async function runShard(
  shardText: string,
  dialects: Dialect[],
  scenarios: Scenario[],
  runOn: (dialects: Dialect[], scenarios: Scenario[]) => Promise<RunResult>,
): Promise<RunResult> {
  const shard = parseShard(shardText);
  if (shard === null) throw new UsageError(`--shard must be K/N with 1 <= K <= N, got ${JSON.stringify(shardText)} (e.g. --shard 1/2)`);
  const units = planUnits(dialects, scenarios);
  const mine = shardUnits(units, shard.index, shard.count);
  if (mine.length === 0) throw new UsageError(`--shard ${shardText}: this run has only ${units.length} (database, scenario) units, so shard ${shard.index} would measure nothing`);
  const parts: MergeInput[] = [];
  for (const dialect of dialects) {
    const own = scenarios.filter((s) => mine.includes(`${dialect}/${s.name}`));
    if (own.length > 0) parts.push({ label: dialect, result: await runOn([dialect], own) });
  }
  const { result } = mergeResults(parts, { expectedUnits: mine });
  return { ...result, shard: { index: shard.index, count: shard.count, units } };
}

/**
 * `--against`: sample each scenario until its pair's smallest detectable slowdown reaches --mde
 * (default 3%, or --min-effect + 1 when that is larger), for at most --max-time.
 */
function againstTarget(args: RunArgs, budgetMs: number): Pick<SamplingOptions, 'mde' | 'budgetMs'> {
  const minEffect = args['min-effect'] / 100;
  const target = args.mde === undefined ? Math.max(MDE_TARGET, minEffect + 0.01) : args.mde / 100;
  return { mde: { target, minEffect }, budgetMs: args['max-time'] === undefined ? budgetMs : args['max-time'] * 1000 };
}
