import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResultFile } from '../harness/core/parse-result-file.js';
import type { RunResult } from '../harness/core/result.js';
import { judgeRun, rejudge, runVerdict } from '../harness/judge/judge-run.js';
import { DEFAULT_THRESHOLDS } from '../harness/judge/gates.js';
import { run, type RunOptions } from '../harness/runner/run.js';
import { QUICK_SAMPLING, type SamplingOptions } from '../harness/runner/sampling-options.js';
import { implementationHandler, type HandlerFactory } from '../harness/runner/served-implementation.js';
import { pairedSection } from '../reports/paired-report.js';
import { matrixSection } from '../reports/summary-report.js';
import type { Scenario } from '../scenarios/scenario.js';
import { testFolder } from './support/databases.js';

/** Enough for the exact gates; no test here reads a latency. */
const TINY: SamplingOptions = { ...QUICK_SAMPLING, budgetMs: 300, sliceMs: 5, referenceSamples: 5, minSamples: 5, minRounds: 5, maxSamples: 60 };
const REF = 'fixed@REF';
const NEW_PATH = '/api/v1/artifacts?limit=7';

/** A route the working tree serves and REF does not (REF answers it 404), with its own thresholds. */
const newRoute: Scenario = { name: 'new-route', description: '', requests: [{ label: 'seven', path: NEW_PATH }], gates: ['queries-at-most-max', 'same-response-as-baseline'], thresholds: { maxQueries: 9 } };
const oldRoute: Scenario = { name: 'old-route', description: '', requests: [{ label: 'five', path: '/api/v1/artifacts?limit=5' }], gates: ['queries-at-most-max'] };

/** REF's side: the working tree's fixed, except where `answer` says otherwise for the n-th request it gets. */
function refSide(answer: (path: string, n: number) => { status: number; detail: string } | null): HandlerFactory {
  return (db) => {
    const fixed = implementationHandler(db, 'fixed');
    let n = 0;
    return async (req, res) => {
      const own = answer(req.url ?? '', n++);
      if (own === null) return fixed(req, res);
      const body = JSON.stringify({ detail: own.detail });
      res.writeHead(own.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    };
  };
}

/**
 * `run --against REF`, its REF side stood in for by a handler: a scenario REF cannot serve is new
 * since REF, judged by its own gates; any other failure is the failing side's own.
 */
describe('run --against: a scenario new since REF, and errors kept to the side that made them (SQLite, small profile)', () => {
  const savedCacheDir = process.env.QUERYGATE_CACHE_DIR;
  let target: RunOptions['target'];
  const against = (factory: HandlerFactory, scenarios: Scenario[]): Promise<RunResult> => {
    const options: RunOptions = {
      dialects: ['sqlite'], impls: ['baseline', 'fixed', REF], implUnderTest: 'fixed', scenarios, profile: 'small', seed: 42, target, sampling: TINY,
      thresholds: DEFAULT_THRESHOLDS, measureOverhead: false, plans: false, extra: { [REF]: factory },
      against: { impl: REF, info: { ref: 'REF', sha: 'f'.repeat(40), mergeBase: null, schemaDiffers: false } },
      onProgress: () => {}, onSeedProgress: undefined,
    };
    return run(options).then((measured) => judgeRun(measured, scenarios, DEFAULT_THRESHOLDS));
  };
  let newSince: RunResult;
  let broken: RunResult;
  let brokenWhileTiming: RunResult;

  beforeAll(async () => {
    process.env.QUERYGATE_CACHE_DIR = testFolder('cache');
    target = { sqliteFile: join(testFolder('sides'), 'small.sqlite') };
    newSince = await against(refSide((path) => (path === NEW_PATH ? { status: 404, detail: 'no route' } : null)), [newRoute, oldRoute]);
    broken = await against(refSide(() => ({ status: 500, detail: 'internal error' })), [oldRoute]);
    brokenWhileTiming = await against(refSide((_path, n) => (n >= 10 ? { status: 500, detail: 'internal error' } : null)), [oldRoute]);
  });
  afterAll(() => {
    if (savedCacheDir === undefined) delete process.env.QUERYGATE_CACHE_DIR;
    else process.env.QUERYGATE_CACHE_DIR = savedCacheDir;
  });

  it('drops REF from a scenario it answers 404 where the working tree answers 200, records it, and judges the scenario by its own gates', () => {
    expect(newSince.errors).toEqual([]);
    expect(newSince.against?.newScenarios).toEqual([{ scenario: 'new-route', dialect: 'sqlite' }]);
    const of = (scenario: string) => newSince.results.filter((r) => r.scenario === scenario).map((r) => `${r.impl} ${r.state}`);
    expect(of('new-route')).toEqual(['baseline completed', 'fixed completed', 'probe completed']);
    expect(of('old-route')).toEqual(['baseline completed', 'fixed completed', `${REF} completed`, 'probe completed']);
    expect(newSince.pairs?.map((p) => `${p.scenario} ${p.kind}`)).toEqual(['old-route against']);
    const fixed = newSince.results.find((r) => r.scenario === 'new-route' && r.impl === 'fixed');
    expect(fixed?.samples).toBeGreaterThanOrEqual(59);
    expect(fixed?.gates.map((g) => `${g.id} ${g.pass} ${g.threshold}`)).toEqual(['queries-at-most-max true <= 9', 'same-response-as-baseline true identical to baseline']);
    // Not missing evidence: REF cannot serve the scenario, by design.
    expect(runVerdict(newSince).reasons.filter((r) => r.where === 'new-route, sqlite')).toEqual([]);
    expect(newSince.options['scenarioThresholds']).toEqual({ 'new-route': { maxQueries: 9 } });
  });

  it('stores all of it in result.json, and a stored run is judged again the same way', () => {
    for (const result of [newSince, broken, brokenWhileTiming]) {
      const stored = parseResultFile(JSON.stringify(result), 'result.json');
      expect(stored.against?.newScenarios).toEqual(result.against?.newScenarios);
      const again = rejudge(stored, [newRoute, oldRoute]);
      expect(again.verdict).toEqual(runVerdict(result));
      expect(again.result.results.map((r) => r.gates)).toEqual(result.results.map((r) => r.gates));
    }
  });

  it('says "new since REF: not compared" in the matrix and beside the judged pairs', () => {
    expect(matrixSection(newSince)).toMatch(/\| new-route +\| sqlite +\| pass 2\/2 +\|[^|]+\| new since `REF`: not compared/);
    expect(pairedSection(newSince)).toContain('New since `REF`: not compared: new-route on sqlite.');
  });

  it('keeps an error of REF on REF: the working tree is measured and judged, and only the pair is missing', () => {
    const sides = broken.results.map((r) => `${r.impl} ${r.state}`);
    expect(sides).toEqual(['baseline completed', 'fixed completed', `${REF} errored`, 'probe completed']);
    expect(broken.results.find((r) => r.impl === REF)?.error).toBe('five (GET /api/v1/artifacts?limit=5) answered 500: {"detail":"internal error"}');
    expect(broken.against?.newScenarios).toBeUndefined();
    expect(broken.errors).toEqual([]);
    expect(runVerdict(broken).reasons).toEqual([
      { kind: 'missing-evidence', where: 'old-route, sqlite', message: `${REF} (REF's side) could not be measured: five (GET /api/v1/artifacts?limit=5) answered 500: {"detail":"internal error"}` },
    ]);
  });

  it('drops a side that fails while timing and times the others again without it', () => {
    const ref = brokenWhileTiming.results.find((r) => r.impl === REF);
    expect(ref?.state).toBe('errored');
    expect(ref?.error).toMatch(/^five \(\/api\/v1\/artifacts\?limit=5\) answered 500 while timing/);
    const fixed = brokenWhileTiming.results.find((r) => r.impl === 'fixed');
    expect(fixed?.state).toBe('completed');
    expect(fixed?.samples).toBeGreaterThanOrEqual(59);
    expect(brokenWhileTiming.pairs ?? []).toEqual([]);
    expect(runVerdict(brokenWhileTiming).reasons.map((r) => r.kind)).toEqual(['missing-evidence']);
  });
});
