/**
 * How small a slowdown querygate sees, measured: slowdowns of a known share of fixed's p50
 * injected into a copy of fixed (CPU in the loader, or a slower SQL statement with the same
 * statements), judged by `run --against` (side by side against HEAD's fixed, loaded from git as
 * a real --against run does) and by run-against-run `compare`; and false alarms on unchanged code.
 *
 *   npm run bench:sensitivity -- [--db sqlite,postgres] [--effects 2,5,10,20] [--kinds cpu,sql]
 *     [--pairs 20] [--aa 100] [--compare-pairs 20] [--compare-effect 20] [--compare-aa 50]
 *     [--profile default] [--quick] [--own-fixtures] [--mde 3 --max-time-ms 10000]
 *
 * --kinds dependency: the slowdown lives below the endpoint, in its knex (a wrapped knex module
 * spends it on every statement issued), and each side of `run --against` is served through a
 * pool of its own, opened by its own knex, as when REF's lockfile differs; at 0% it is two sides
 * of unchanged code with their own dependencies (`--effects 0`).
 *
 * --mde: `run --against` samples until the stated smallest detectable slowdown reaches this (%),
 * for at most --max-time-ms, as `run --against --mde` does.
 *
 * --own-fixtures: the two sides of `run --against` each on a fixture database of its own (two
 * namespaces, the same schema and rows), as when REF's schema differs from the working tree's.
 *
 * Prints a markdown table (docs/figures.md's) on stdout, progress on stderr, and writes every trial
 * to reports/out/sensitivity.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import knex, { type Knex } from 'knex';
import { MIN_EFFECT } from '../core/defaults.js';
import type { KnexModule, ServedConnection } from '../db/served-connection.js';
import { DATABASE_SETTINGS } from '../../src/database-settings.js';
import { GENERATOR_VERSION, isProfileName, type ProfileName } from '../../fixtures/profiles.js';
import { list50 } from '../../scenarios/list-50.js';
import { compareRuns } from '../judge/compare.js';
import { openAdapter, type DatabaseTarget } from '../db/open-adapter.js';
import type { DialectAdapter } from '../db/dialect-adapter.js';
import { describeSchema, type SchemaDescription } from '../db/schema-identity.js';
import { openFixture, type OpenedFixture } from '../fixture-store/fixture-store.js';
import { QueryRecorder } from '../instrument/query-recorder.js';
import { DIALECTS, FLOOR_IMPL, REFERENCE_IMPL, RESULT_SCHEMA_VERSION, type Dialect, type PairedComparison, type RunResult } from '../core/result.js';
import { loadRevision, type LoadedRevision } from '../runner/against-revision.js';
import { describeEnvironment } from '../runner/environment.js';
import { detachAll, openOwnDatabases, type OwnDatabase } from '../runner/own-databases.js';
import { runScenario } from '../runner/run-scenario.js';
import { AGAINST_BUDGETS, againstSampling, DEFAULT_SAMPLING, QUICK_SAMPLING, type SamplingOptions } from '../runner/sampling-options.js';
import type { ExtraImplementations } from '../runner/served-implementation.js';
import { flag, median, numbers } from './bench-args.js';
import { endpointModulesAt, slowedFixed, spin, sqlStepMs, type EndpointModules, type SlowdownKind } from './injected-slowdowns.js';

export interface SensitivityOptions {
  dialects: Dialect[];
  profile: ProfileName;
  /** Slowdowns to inject, % of fixed's measured p50. */
  effects: number[];
  kinds: TrialKind[];
  /** `run --against` trials per effect and kind. */
  pairs: number;
  /** `run --against` trials of unchanged code. */
  aa: number;
  /** Run-against-run compare: slowed pairs, the effect they carry (%), and unchanged pairs. */
  comparePairs: number;
  compareEffect: number;
  compareAa: number;
  sampling: SamplingOptions;
  /** `run --against` trials with each side on a fixture database of its own. */
  ownFixtures?: boolean | undefined;
  /** `run --against --mde`: sample to this smallest detectable slowdown (fractions), for at most maxTimeMs. */
  mde?: { target: number; minEffect: number; maxTimeMs: number } | undefined;
  target: DatabaseTarget;
  onProgress: (message: string) => void;
}

/** Where a trial's slowdown lives: the endpoint's code (cpu, sql) or its dependency (knex). */
export type TrialKind = SlowdownKind | 'dependency';

/** How many statements fixed's list-50 issues per request: a dependency's slowdown per statement is a fifth of the request's. */
const LIST50_STATEMENTS = 5;

export interface Trial {
  dialect: Dialect;
  method: 'against' | 'compare';
  kind: TrialKind | 'none';
  effectPct: number;
  flagged: boolean;
  ratio: number;
  ci: [number, number] | null;
  mde: number | null;
  samples: number;
  rounds: number;
  seconds: number;
}

export interface SensitivityFigures {
  startedAt: string;
  options: Omit<SensitivityOptions, 'onProgress' | 'target'>;
  calibration: { dialect: Dialect; p50Ms: number; sqlStepUs: number }[];
  trials: Trial[];
  seconds: number;
}

const SUBJECT = 'fixed+slowdown';

export async function measureSensitivity(o: SensitivityOptions): Promise<SensitivityFigures> {
  const started = performance.now();
  const head = await loadRevision('HEAD', 'fixed');
  // Slowed copies are built from the working tree's own module graph, as its side of --against is.
  const modules = await endpointModulesAt(head.workingTreeDir);
  // Two namespaces of one schema: each side of --against on its own database, the rows the same.
  const schema = o.ownFixtures === true ? await describeSchema(`${head.workingTreeDir}/src`) : undefined;
  const trials: Trial[] = [];
  const calibration: SensitivityFigures['calibration'] = [];
  for (const dialect of o.dialects) {
    const adapter = await openAdapter(dialect, o.target);
    try {
      await measureOn(adapter, dialect, { o, head, modules, schema, trials, calibration });
    } finally {
      await adapter.close();
    }
  }
  const { onProgress: _p, target: _t, ...kept } = o;
  return { startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(), options: kept, calibration, trials, seconds: (performance.now() - started) / 1000 };
}

/** What the trials on every database share, and where they are recorded. */
interface Measurement {
  readonly o: SensitivityOptions;
  /** HEAD's fixed, the other side of every `run --against` trial. */
  readonly head: LoadedRevision;
  readonly modules: EndpointModules;
  /** The schema of the fixture each side gets with --own-fixtures. */
  readonly schema: SchemaDescription | undefined;
  readonly trials: Trial[];
  readonly calibration: SensitivityFigures['calibration'];
}

/**
 * The trials on one database: `run --against` (unchanged code first, which gives fixed's p50 the
 * slowdowns are shares of), then run-against-run `compare`.
 */
async function measureOn(adapter: DialectAdapter, dialect: Dialect, m: Measurement): Promise<void> {
  const { o, head, schema } = m;
  const fixture = await openFixture({ adapter, profile: o.profile, seed: 42 });
  const recorder = new QueryRecorder(fixture.db).attach();
  const sides =
    schema === undefined
      ? new Map<string, OwnDatabase>()
      : await openOwnDatabases(adapter, { subject: { module: schema.module, identity: `${schema.identity}_a` }, reference: { module: schema.module, identity: `${schema.identity}_b` } }, { profile: o.profile, seed: 42 });
  try {
    const stepMs = await sqlStepMs(fixture.db);
    const run = new DialectTrials({ ...m, adapter, dialect, fixture, recorder, sides, stepMs });
    // fixed's p50 as the trials see it (beside the references, in rounds): from the unchanged
    // trials, run first; without any, from a short sampling of fixed alone.
    for (let i = 0; i < o.aa; i++) await run.against('none', 0);
    run.p50Ms = run.aaP50s.length > 0 ? median(run.aaP50s) : await calibrate(fixture.db, recorder, dialect, o, head.extra);
    m.calibration.push({ dialect, p50Ms: run.p50Ms, sqlStepUs: stepMs * 1000 });
    o.onProgress(`${dialect}: fixed list-50 p50 ${run.p50Ms.toFixed(2)} ms; one SQL step ${(stepMs * 1000).toFixed(3)} us`);
    for (const kind of o.kinds) for (const pct of o.effects) for (let i = 0; i < o.pairs; i++) await run.against(kind, pct);

    // Run-against-run: separate runs (each its own rounds), compared as result files are.
    if (o.compareAa > 0) {
      let previous = await run.single('none', 0);
      for (let i = 0; i < o.compareAa; i++) {
        const began = performance.now();
        const next = await run.single('none', 0);
        run.compare('none', 0, previous, next, (performance.now() - began) / 1000);
        previous = next;
      }
    }
    for (let i = 0; i < o.comparePairs; i++) {
      const began = performance.now();
      const before = await run.single('none', 0);
      const after = await run.single('cpu', o.compareEffect);
      run.compare('cpu', o.compareEffect, before, after, (performance.now() - began) / 1000);
    }
  } finally {
    recorder.detach();
    detachAll(sides);
    await fixture.db.destroy();
  }
}

/** The fixture and connections of one database's trials. */
interface OnDatabase extends Measurement {
  readonly adapter: DialectAdapter;
  readonly dialect: Dialect;
  readonly fixture: OpenedFixture;
  readonly recorder: QueryRecorder;
  /** The two sides' own fixtures (--own-fixtures), else empty. */
  readonly sides: ReadonlyMap<string, OwnDatabase>;
  /** One SQL step of the slowed statements (ms). */
  readonly stepMs: number;
}

/** The trials on one database: each takes the next seed, and is recorded in `trials` as it ends. */
class DialectTrials {
  /** fixed's p50 (ms), which the slowdowns are shares of; set once the unchanged trials have run. */
  p50Ms = 0;
  /** fixed's p50 in each unchanged `run --against` trial. */
  readonly aaP50s: number[] = [];
  private seed = 1;

  constructor(private readonly c: OnDatabase) {}

  /** The slowdown worth `pct`% of fixed's p50: ms of CPU (per statement, in a dependency), or SQL steps. */
  private amount(kind: TrialKind, pct: number): number {
    if (kind === 'dependency') return (this.p50Ms * pct) / 100 / LIST50_STATEMENTS;
    return kind === 'cpu' ? (this.p50Ms * pct) / 100 : Math.round((this.p50Ms * pct) / 100 / this.c.stepMs);
  }

  /**
   * Each side's own pool, opened by its own knex, on the shared fixture: the working tree's knex
   * spending `msPerStatement` on every statement it issues (a slower version of the dependency).
   */
  private dependencySides(subject: string, msPerStatement: number): Map<string, OwnDatabase> {
    const { adapter, fixture, head } = this.c;
    const slower: KnexModule = (config) => {
      const db = knex(config);
      if (msPerStatement > 0) db.on('query', () => spin(msPerStatement));
      return db;
    };
    const open = (served: ServedConnection): OwnDatabase => {
      const db = adapter.connect(fixture.namespace, { served });
      return { db, recorder: new QueryRecorder(db).attach(), info: fixture.info, namespace: fixture.namespace };
    };
    return new Map([
      [subject, open({ settings: DATABASE_SETTINGS, knex: slower })],
      [head.impl, open({ settings: DATABASE_SETTINGS })],
    ]);
  }

  /** One `run --against HEAD` trial of the working tree's fixed, slowed by `pct`% (or unchanged: `none`). */
  async against(kind: TrialKind | 'none', pct: number): Promise<void> {
    const seed = this.seed++;
    const { o, head, modules, dialect, fixture, recorder, sides } = this.c;
    const inCode = kind === 'cpu' || kind === 'sql';
    const extra: ExtraImplementations = { ...head.extra, [SUBJECT]: inCode ? slowedFixed(kind, this.amount(kind, pct), SUBJECT, modules) : (db: Knex) => head.extra[head.impl]!(db) };
    // Unchanged code: the working tree's fixed against HEAD's, two module instances as in a real --against HEAD.
    const subject = inCode ? SUBJECT : 'fixed';
    const own = kind === 'dependency' ? this.dependencySides(subject, this.amount(kind, pct)) : new Map<string, OwnDatabase>();
    const [mine, theirs] = [sides.get('subject'), sides.get('reference')];
    if (kind !== 'dependency' && mine !== undefined && theirs !== undefined) own.set(subject, mine).set(head.impl, theirs);
    const began = performance.now();
    const out = await runScenario({
      db: fixture.db, recorder, dialect, scenario: list50,
      impls: [REFERENCE_IMPL, subject, FLOOR_IMPL, head.impl],
      implUnderTest: subject, against: head.impl, probe: true, extra, seed: 42, ownDatabases: own,
      sampling: { ...againstSampling(o.sampling), ...(o.mde === undefined ? {} : { mde: o.mde, budgetMs: o.mde.maxTimeMs }), seed },
    });
    if (kind === 'dependency') {
      detachAll(own);
      for (const side of own.values()) await side.db.destroy();
    }
    const pair = out.pairs[0] as PairedComparison;
    const judged = out.results.find((r) => r.impl === subject);
    if (kind === 'none' && judged !== undefined) this.aaP50s.push(judged.latencyMs.p50);
    this.c.trials.push({
      dialect, method: 'against', kind, effectPct: pct, flagged: pair.verdict === 'slower', ratio: pair.ratio, ci: pair.ci, mde: pair.mde,
      samples: judged?.samples ?? 0, rounds: pair.rounds, seconds: (performance.now() - began) / 1000,
    });
    o.onProgress(`${dialect} against ${kind} ${pct}%: ${pair.ratio.toFixed(3)} [${pair.ci[0].toFixed(3)}, ${pair.ci[1].toFixed(3)}] ${pair.verdict} (${pair.rounds} rounds, ${judged?.samples ?? 0} samples)`);
  }

  /** One run of fixed (slowed by `pct`%, or unchanged: `none`) beside the references, as a result file. */
  async single(kind: SlowdownKind | 'none', pct: number): Promise<RunResult> {
    const s = this.seed++;
    const { o, dialect, fixture, recorder } = this.c;
    const extra: ExtraImplementations = kind === 'none' ? {} : { fixed: slowedFixed(kind, this.amount(kind, pct), 'fixed') };
    const out = await runScenario({
      db: fixture.db, recorder, dialect, scenario: list50, impls: [REFERENCE_IMPL, 'fixed', FLOOR_IMPL],
      implUnderTest: 'fixed', aaCopy: true, probe: true, extra, seed: 42, sampling: { ...o.sampling, seed: s },
    });
    return asRun(out.results, out.pairs, o.profile, fixture.info.checksum);
  }

  /** One run-against-run trial: whether `compare` flags `after` against `before`. */
  compare(kind: SlowdownKind | 'none', pct: number, before: RunResult, after: RunResult, seconds: number): void {
    const { o, dialect } = this.c;
    const c = compareRuns(before, after);
    const pair = c.pairs.find((p) => p.role === 'under-test' && p.scenario === 'list-50');
    const p50 = pair?.p50;
    this.c.trials.push({
      dialect, method: 'compare', kind, effectPct: pct, flagged: c.regressed, ratio: p50?.corrected?.ratio ?? p50?.ratio ?? Number.NaN,
      ci: p50?.corrected?.ci ?? p50?.ci ?? null, mde: null, samples: after.results.find((r) => r.impl === 'fixed')?.samples ?? 0, rounds: 0, seconds,
    });
    o.onProgress(`${dialect} compare ${kind} ${pct}%: ${c.regressed ? 'flagged' : 'not flagged'}`);
  }
}

/** fixed's list-50 p50 on this fixture, from a short sampling of fixed alone. */
async function calibrate(db: Knex, recorder: QueryRecorder, dialect: Dialect, o: SensitivityOptions, extra: ExtraImplementations): Promise<number> {
  const out = await runScenario({ db, recorder, dialect, scenario: list50, impls: ['fixed'], implUnderTest: 'fixed', extra, seed: 42, sampling: { ...o.sampling, budgetMs: 2000 } });
  return out.results[0]?.latencyMs.p50 ?? 1;
}

/** One scenario's results as a run result file, for compareRuns. */
function asRun(results: RunResult['results'], pairs: PairedComparison[], profile: string, checksum: string): RunResult {
  return {
    schemaVersion: RESULT_SCHEMA_VERSION, tool: 'querygate', startedAt: new Date().toISOString(), durationMs: 0, verdict: 'pass', implUnderTest: 'fixed',
    options: { profile }, environment: describeEnvironment({}),
    fixture: { profile, seed: 42, generatorVersion: GENERATOR_VERSION, checksum, rowCounts: {} },
    results, ratios: [], pairs, errors: [],
  };
}

/** docs/figures.md's table: detection rates per method, database, kind and effect. */
export function renderSensitivity(f: SensitivityFigures): string {
  const lines = ['| method | database | injected slowdown | flagged | median ratio [median 99% interval] | median MDE | samples of fixed per trial |', '| --- | --- | --- | ---: | --- | ---: | ---: |'];
  const groups = new Map<string, Trial[]>();
  for (const t of f.trials) {
    const key = `${t.method}\u0000${t.dialect}\u0000${t.kind}\u0000${t.effectPct}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  for (const [key, ts] of groups) {
    const [method, dialect, kind, pct] = key.split('\u0000') as [string, string, string, string];
    const what =
      kind === 'none'
        ? 'none (unchanged code)'
        : kind === 'dependency'
          ? `${pct}% of p50 in a dependency (knex), each side its own${pct === '0' ? ': unchanged' : ''}`
          : `${pct}% of p50, ${kind === 'cpu' ? 'CPU in the loader' : 'slower SQL, same statements'}`;
    const cis = ts.map((t) => t.ci).filter((c): c is [number, number] => c !== null);
    const mdes = ts.map((t) => t.mde).filter((m): m is number => m !== null && Number.isFinite(m));
    lines.push(
      `| ${method === 'against' ? `\`run --against\`${f.options.ownFixtures === true ? ', a fixture per side' : ''}` : '`compare` (two runs)'} | ${dialect} | ${what} | ${ts.filter((t) => t.flagged).length} of ${ts.length} | ${median(ts.map((t) => t.ratio)).toFixed(3)} [${median(cis.map((c) => c[0])).toFixed(3)}, ${median(cis.map((c) => c[1])).toFixed(3)}] | ${mdes.length === 0 ? '-' : `${(median(mdes) * 100).toFixed(1)}%`} | ${median(ts.map((t) => t.samples))} |`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('sensitivity.ts')) {
  const profile = flag('profile') ?? 'default';
  if (!isProfileName(profile)) throw new Error(`--profile: unknown profile ${profile}`);
  const dialects = (flag('db')?.split(',') ?? [...DIALECTS]) as Dialect[];
  const figures = await measureSensitivity({
    dialects,
    profile,
    effects: numbers(flag('effects'), [2, 5, 10, 20]),
    kinds: (flag('kinds')?.split(',') ?? ['cpu', 'sql']) as TrialKind[],
    pairs: Number(flag('pairs') ?? 20),
    aa: Number(flag('aa') ?? 100),
    comparePairs: Number(flag('compare-pairs') ?? 20),
    compareEffect: Number(flag('compare-effect') ?? 20),
    compareAa: Number(flag('compare-aa') ?? 50),
    ownFixtures: process.argv.includes('--own-fixtures'),
    mde: flag('mde') === undefined ? undefined : { target: Number(flag('mde')) / 100, minEffect: MIN_EFFECT, maxTimeMs: Number(flag('max-time-ms') ?? AGAINST_BUDGETS * DEFAULT_SAMPLING.budgetMs) },
    sampling: {
      ...(process.argv.includes('--quick') ? QUICK_SAMPLING : DEFAULT_SAMPLING),
      ...(flag('slice-ms') === undefined ? {} : { sliceMs: Number(flag('slice-ms')) }),
      ...(flag('budget-ms') === undefined ? {} : { budgetMs: Number(flag('budget-ms')) }),
    },
    target: {},
    onProgress: (m) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`),
  });
  const out = 'reports/out/sensitivity.json';
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(figures));
  process.stdout.write(`${renderSensitivity(figures)}\n\n${figures.trials.length} trials in ${(figures.seconds / 60).toFixed(1)} min; every trial in ${out}\n`);
}
