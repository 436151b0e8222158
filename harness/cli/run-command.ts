import { DEFAULT_SCENARIOS, SCENARIOS } from '../../scenarios/index.js';
import type { ProfileName } from '../../fixtures/profiles.js';
import { IMPLEMENTATION_NAMES } from '../../src/impl/registry.js';
import { DEFAULT_THRESHOLDS } from '../../reports/gates.js';
import type { Dialect } from '../result.js';
import { DIALECTS } from '../result.js';
import { run } from '../runner/run.js';
import { DEFAULT_SNAPSHOT_DIR } from '../runner/query-snapshot.js';
import { FLOOR_IMPL, REFERENCE_IMPL } from '../runner/run-scenario.js';
import { DEFAULT_SAMPLING, QUICK_SAMPLING } from '../runner/sampling-options.js';
import { withSignals } from './signals.js';
import { progressLine, seedProgressBar } from './progress.js';
import { printSummary } from './summary.js';
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
  'full-scan-rows': number;
  'attach-note': boolean;
  concurrency: number;
  rtt?: number | undefined;
}

export async function runCommand(args: RunArgs): Promise<number> {
  // An unwritable --out fails now, not after minutes of measuring.
  ensureOutputDir(args.out);
  const dialects: Dialect[] = args.db === 'all' ? [...DIALECTS] : [args.db as Dialect];
  const implUnderTest = args.impl === 'all' ? 'fixed' : args.impl;
  // The floor runs beside every run: each implementation's p50 is reported as a ratio to it.
  const floor = IMPLEMENTATION_NAMES.includes(FLOOR_IMPL) ? [FLOOR_IMPL] : [];
  const impls = args.impl === 'all' ? [...IMPLEMENTATION_NAMES] : [...new Set([REFERENCE_IMPL, implUnderTest, ...floor])];
  const scenarios = args.scenario === undefined ? [...DEFAULT_SCENARIOS] : SCENARIOS.filter((s) => args.scenario?.includes(s.name));
  const base = args.quick ? QUICK_SAMPLING : DEFAULT_SAMPLING;
  const sized = args.samples === undefined ? base : { ...base, samples: args.samples, maxMs: Math.max(base.maxMs, args.samples * 50) };
  const sampling = { ...sized, concurrency: args.concurrency };

  const sweeps = scenarios.filter((s) => s.sweep !== undefined);
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

  const result = await withSignals((signal) =>
    run({
      dialects,
      impls,
      implUnderTest,
      scenarios: measured,
      profile: args.profile as ProfileName,
      seed: args.seed,
      target,
      sampling,
      thresholds: { ...DEFAULT_THRESHOLDS, p95Ms: args['p95-ms'], maxQueries: args['max-queries'], detailTolerancePct: args['detail-tolerance'], fullScanRows: args['full-scan-rows'] },
      measureOverhead: true,
      plans: args.plans,
      snapshots: { dir: DEFAULT_SNAPSHOT_DIR, update: args['update-snapshots'], ci: process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' },
      onProgress: progressLine,
      onSeedProgress: seedProgressBar(),
      signal,
    }),
  );
  const lastScaling = readLastScaling();
  if (lastScaling !== undefined) result.scaling = lastScaling;
  const written = await writeRunOutputs(result, args.out, { attachNote: args['attach-note'] });
  printSummary(result, written);
  return result.verdict === 'pass' ? 0 : 1;
}
