import { DEFAULT_SCENARIOS, SCENARIOS } from '../../scenarios/index.js';
import type { ProfileName } from '../../fixtures/profiles.js';
import { IMPLEMENTATION_NAMES } from '../../src/impl/registry.js';
import { DEFAULT_THRESHOLDS } from '../../reports/gates.js';
import type { Dialect } from '../result.js';
import { DIALECTS } from '../result.js';
import { run } from '../runner/run.js';
import { REFERENCE_IMPL } from '../runner/run-scenario.js';
import { DEFAULT_SAMPLING, QUICK_SAMPLING } from '../runner/sampling-options.js';
import { withSignals } from './signals.js';
import { progressLine, seedProgressBar } from './progress.js';
import { printSummary } from './summary.js';
import { writeRunOutputs } from './write-outputs.js';

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
  'attach-note': boolean;
}

export async function runCommand(args: RunArgs): Promise<number> {
  const dialects: Dialect[] = args.db === 'all' ? [...DIALECTS] : [args.db as Dialect];
  const implUnderTest = args.impl === 'all' ? 'fixed' : args.impl;
  const impls = args.impl === 'all' ? [...IMPLEMENTATION_NAMES] : [...new Set([REFERENCE_IMPL, implUnderTest])];
  const scenarios = args.scenario === undefined ? [...DEFAULT_SCENARIOS] : SCENARIOS.filter((s) => args.scenario?.includes(s.name));
  const base = args.quick ? QUICK_SAMPLING : DEFAULT_SAMPLING;
  const sampling = args.samples === undefined ? base : { ...base, samples: args.samples, maxMs: Math.max(base.maxMs, args.samples * 50) };

  const result = await withSignals((signal) =>
    run({
      dialects,
      impls,
      implUnderTest,
      scenarios,
      profile: args.profile as ProfileName,
      seed: args.seed,
      target: { pgUrl: args['pg-url'], sqliteFile: args['sqlite-file'] },
      sampling,
      thresholds: { ...DEFAULT_THRESHOLDS, p95Ms: args['p95-ms'], maxQueries: args['max-queries'], detailTolerancePct: args['detail-tolerance'] },
      measureOverhead: true,
      plans: args.plans,
      onProgress: progressLine,
      onSeedProgress: seedProgressBar(),
      signal,
    }),
  );
  const written = await writeRunOutputs(result, args.out, { attachNote: args['attach-note'] });
  printSummary(result, written);
  return result.verdict === 'pass' ? 0 : 1;
}
