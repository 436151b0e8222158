/**
 * How the detail gate (`not-slower-than-baseline`: the implementation under test no slower than the
 * baseline beyond the tolerance) behaves, measured: the subject is a copy of the baseline itself
 * (true ratio 1: every failure is a false alarm), or that copy slowed by a known share of the
 * share of each request's own handler time (CPU before the response is sent). Each trial is one detail scenario
 * as `querygate run` measures it (baseline, subject, floor and the drift probe), judged by the
 * gate. `--load` runs a CPU hog beside the trials, as the other test files of a CI job are.
 *
 *   npm run bench:detail-gate -- [--db sqlite,postgres] [--aa 50] [--effects 15,20,30] [--pairs 10]
 *     [--profile default] [--quick] [--load]
 *
 * Prints a markdown table on stdout, progress on stderr, and writes every trial to
 * reports/out/detail-gate.json (reports/out/detail-gate-load.json with --load).
 */
import { FIXTURE_SEED } from '../core/defaults.js';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Knex } from 'knex';
import { isProfileName, type ProfileName } from '../../fixtures/profiles.js';
import { applyGates, DEFAULT_THRESHOLDS } from '../judge/gates.js';
import { detail } from '../../scenarios/detail.js';
import { openAdapter, type DatabaseTarget } from '../db/open-adapter.js';
import { openFixture } from '../fixture-store/fixture-store.js';
import { QueryRecorder } from '../instrument/query-recorder.js';
import { DIALECTS, FLOOR_IMPL, REFERENCE_IMPL, type Dialect } from '../core/result.js';
import { computeRatios } from '../runner/run.js';
import { runScenario } from '../runner/run-scenario.js';
import { DEFAULT_SAMPLING, QUICK_SAMPLING, type SamplingOptions } from '../runner/sampling-options.js';
import { implementationHandler, type HandlerFactory } from '../runner/served-implementation.js';
import { flag, median, numbers } from './bench-args.js';
import { spin } from './injected-slowdowns.js';

export interface DetailGateOptions {
  dialects: Dialect[];
  profile: ProfileName;
  /** Trials with the subject an unchanged copy of the baseline. */
  aa: number;
  /** Slowdowns of the copy, % of each request's handler time, and trials of each. */
  effects: number[];
  pairs: number;
  sampling: SamplingOptions;
  /** A CPU hog beside the trials. */
  load: boolean;
  target: DatabaseTarget;
  onProgress: (message: string) => void;
}

export interface DetailGateTrial {
  dialect: Dialect;
  effectPct: number;
  failed: boolean;
  message: string;
  /** The paired per-round median ratio and its interval, when the run made one. */
  paired: { ratio: number; ci: [number, number]; rounds: number } | null;
  p95: { ratio: number; ci: [number, number] } | null;
  subjectSamples: number;
  baselineSamples: number;
  seconds: number;
}

export interface DetailGateFigures {
  startedAt: string;
  options: Omit<DetailGateOptions, 'onProgress' | 'target'>;
  calibration: { dialect: Dialect; baselineP50Ms: number }[];
  trials: DetailGateTrial[];
  seconds: number;
}

const SUBJECT = 'baseline (copy)';

/** One core kept busy; it ends by itself once the bench's process is gone, however that ended. */
const HOG = 'const parent = process.ppid; for (;;) { for (let i = 0; i < 1e8; i++); try { process.kill(parent, 0); } catch { process.exit(0); } }';

/**
 * The baseline's handler made `pct`% slower per request: before the response is sent, CPU work of
 * that share of the time the handler took (a slowdown proportional to each request's own cost,
 * as a slower serializer's would be).
 */
function slowedBaseline(pct: number): HandlerFactory {
  return (db: Knex) => {
    const handler = implementationHandler(db, REFERENCE_IMPL);
    if (pct === 0) return handler;
    return (req, res) => {
      const began = performance.now();
      const end = res.end.bind(res) as (...args: unknown[]) => unknown;
      res.end = ((...args: unknown[]) => {
        spin(((performance.now() - began) * pct) / 100);
        return end(...args);
      }) as typeof res.end;
      return handler(req, res);
    };
  };
}

export async function measureDetailGate(o: DetailGateOptions): Promise<DetailGateFigures> {
  const started = performance.now();
  const hog = o.load ? spawn(process.execPath, ['-e', HOG], { stdio: 'ignore' }) : undefined;
  const trials: DetailGateTrial[] = [];
  const calibration: DetailGateFigures['calibration'] = [];
  try {
    for (const dialect of o.dialects) {
      const adapter = await openAdapter(dialect, o.target);
      try {
        const fixture = await openFixture({ adapter, profile: o.profile, seed: FIXTURE_SEED });
        const recorder = new QueryRecorder(fixture.db).attach();
        try {
          let seed = 1;
          // The baseline's detail p50 as the trials see it, for the table: from the unchanged trials, run first.
          const baselineP50s: number[] = [];
          const trial = async (pct: number) => {
            const began = performance.now();
            const out = await runScenario({
              db: fixture.db, recorder, dialect, scenario: detail, impls: [REFERENCE_IMPL, SUBJECT, FLOOR_IMPL], implUnderTest: SUBJECT,
              baselineTolerance: DEFAULT_THRESHOLDS.detailTolerancePct / 100, probe: true, extra: { [SUBJECT]: slowedBaseline(pct) },
              seed: FIXTURE_SEED, sampling: { ...o.sampling, seed: seed++ },
            });
            const ratios = computeRatios(out.results);
            applyGates(out.results, ratios, [detail], SUBJECT, DEFAULT_THRESHOLDS, out.pairs);
            const subject = out.results.find((r) => r.impl === SUBJECT);
            const reference = out.results.find((r) => r.impl === REFERENCE_IMPL);
            if (pct === 0 && reference !== undefined) baselineP50s.push(reference.latencyMs.p50);
            const gate = subject?.gates.find((g) => g.id === 'not-slower-than-baseline');
            const pair = out.pairs.find((p) => p.subject === SUBJECT && p.reference === REFERENCE_IMPL);
            const ratio = ratios.find((r) => r.numerator === SUBJECT);
            trials.push({
              dialect, effectPct: pct, failed: gate?.pass !== true, message: gate?.message ?? 'no gate',
              paired: pair === undefined ? null : { ratio: pair.ratio, ci: pair.ci, rounds: pair.rounds },
              p95: ratio === undefined ? null : { ratio: ratio.p95, ci: ratio.p95Ci },
              subjectSamples: subject?.samples ?? 0, baselineSamples: reference?.samples ?? 0, seconds: (performance.now() - began) / 1000,
            });
            o.onProgress(`${dialect} +${pct}%: ${gate?.pass === true ? 'pass' : 'FAIL'}: ${gate?.message ?? ''}`);
          };
          for (let i = 0; i < o.aa; i++) await trial(0);
          const p50 = median(baselineP50s);
          calibration.push({ dialect, baselineP50Ms: p50 });
          o.onProgress(`${dialect}: baseline detail p50 ${p50.toFixed(2)} ms`);
          for (const pct of o.effects) for (let i = 0; i < o.pairs; i++) await trial(pct);
        } finally {
          recorder.detach();
          await fixture.db.destroy();
        }
      } finally {
        await adapter.close();
      }
    }
  } finally {
    hog?.kill('SIGKILL');
  }
  const { onProgress: _p, target: _t, ...kept } = o;
  return { startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(), options: kept, calibration, trials, seconds: (performance.now() - started) / 1000 };
}

const interval = (xs: readonly { ratio: number; ci: [number, number] }[]) =>
  xs.length === 0 ? '-' : `${median(xs.map((x) => x.ratio)).toFixed(3)} [${median(xs.map((x) => x.ci[0])).toFixed(3)}, ${median(xs.map((x) => x.ci[1])).toFixed(3)}]`;

/** Failure rates of the gate per database and injected slowdown. */
export function renderDetailGate(f: DetailGateFigures): string {
  const lines = [
    '| database | beside the trials | subject | gate failed | median paired ratio [median 99% interval] | median p95 ratio [median 95% interval] | samples subject / baseline |',
    '| --- | --- | --- | ---: | --- | --- | ---: |',
  ];
  for (const dialect of new Set(f.trials.map((t) => t.dialect))) {
    for (const pct of new Set(f.trials.filter((t) => t.dialect === dialect).map((t) => t.effectPct))) {
      const ts = f.trials.filter((t) => t.dialect === dialect && t.effectPct === pct);
      const pairs = ts.flatMap((t) => (t.paired === null ? [] : [t.paired]));
      const p95s = ts.flatMap((t) => (t.p95 === null ? [] : [t.p95]));
      lines.push(
        `| ${dialect} | ${f.options.load ? 'a CPU hog' : 'nothing'} | ${pct === 0 ? 'the baseline unchanged' : `the baseline +${pct}% (CPU per request)`} | ${ts.filter((t) => t.failed).length} of ${ts.length} | ${interval(pairs)} | ${interval(p95s)} | ${median(ts.map((t) => t.subjectSamples))} / ${median(ts.map((t) => t.baselineSamples))} |`,
      );
    }
  }
  return lines.join('\n');
}

if (process.argv[1]?.endsWith('detail-gate.ts')) {
  const profile = flag('profile') ?? 'default';
  if (!isProfileName(profile)) throw new Error(`--profile: unknown profile ${profile}`);
  const load = process.argv.includes('--load');
  const figures = await measureDetailGate({
    dialects: (flag('db')?.split(',') ?? [...DIALECTS]) as Dialect[],
    profile,
    aa: Number(flag('aa') ?? 50),
    effects: numbers(flag('effects'), [15, 20, 30]),
    pairs: Number(flag('pairs') ?? 10),
    sampling: process.argv.includes('--quick') ? QUICK_SAMPLING : DEFAULT_SAMPLING,
    load,
    target: {},
    onProgress: (m) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`),
  });
  const out = `reports/out/detail-gate${load ? '-load' : ''}.json`;
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(figures));
  process.stdout.write(`${renderDetailGate(figures)}\n\n${figures.trials.length} trials in ${(figures.seconds / 60).toFixed(1)} min; every trial in ${out}\n`);
}
