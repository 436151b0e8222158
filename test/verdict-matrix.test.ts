/**
 * The verdict matrix: crafted results and notes, made from real results of `querygate run`, through
 * every command that reaches a verdict (report, merge, compare with the case as AFTER and as BEFORE,
 * compare --base with the case as the base note and as AFTER, history), each with its exit code.
 * 0 pass, 1 fail, 2 missing evidence or bad input. No command passes what `run` would fail.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { exitCodeOf, exitCodeOfError, type ExitCode } from '../harness/cli/exit-codes.js';
import { compareBaseCommand } from '../harness/cli/compare-base-command.js';
import { readHistory } from '../harness/cli/read-history.js';
import { compareResults, renderStoredResult } from '../harness/cli/result-commands.js';
import { readResultFile } from '../harness/core/read-result-file.js';
import { historyVerdict } from '../harness/judge/history.js';
import { runVerdict } from '../harness/judge/judge-run.js';
import { mergeResults } from '../harness/judge/merge-results.js';
import { attachResultNote, RESULT_NOTES_REF } from '../harness/git/result-notes.js';
import type { RunResult, ScenarioResult } from '../harness/core/result.js';
import { GATE_IDS } from '../scenarios/scenario.js';
import { createTempRepo, removeTempRepos, type TempRepo } from './support/temp-repo.js';

afterAll(removeTempRepos);

const fixtures = join(import.meta.dirname, 'fixtures');
/** A default `run --quick --db sqlite` of fixed: passes. */
const REAL = readFileSync(join(fixtures, 'real-result.sqlite.json'), 'utf8');
/** `run --quick --db sqlite --against HEAD --scenario list-50 --scenario detail`: passes. */
const REAL_AGAINST = readFileSync(join(fixtures, 'real-result-against.sqlite.json'), 'utf8');

type Json = Record<string, any>;
const load = (text: string): Json => JSON.parse(text) as Json;
const of = (r: Json, scenario: string, impl = 'fixed'): Json => r['results'].find((x: Json) => x['scenario'] === scenario && x['impl'] === impl);
const pairOf = (r: Json, kind: string, scenario: string): Json => r['pairs'].find((p: Json) => p['kind'] === kind && p['scenario'] === scenario);

/** What each command must exit with for a case. */
interface Expected {
  report: ExitCode;
  merge: ExitCode;
  /** compare OTHER CASE and compare --base (OTHER's note) CASE. */
  after: ExitCode;
  /** compare CASE OTHER and compare --base (CASE's note) OTHER. */
  before: ExitCode;
  /** history over the case's note alone. */
  history: ExitCode;
}

interface Case {
  name: string;
  /** The real result the case is made from, and compared with. */
  from: 'real' | 'against';
  /** The file's text: a change of the parsed real result, or a text of its own. */
  make: (r: Json) => Json | string;
  expected: Expected;
}

const e = (report: ExitCode, merge: ExitCode, after: ExitCode, before: ExitCode, history: ExitCode): Expected => ({ report, merge, after, before, history });
/** Bad input: every command refuses it with exit 2. */
const BAD = e(2, 2, 2, 2, 2);
/** A valid run that fails its own gates: report, merge and compare as AFTER fail; as a base it is evidence. */
const FAILS = e(1, 1, 1, 0, 0);

const CASES: Case[] = [
  { name: 'unchanged real run', from: 'real', make: (r) => r, expected: e(0, 0, 0, 0, 0) },
  { name: 'unchanged real --against run', from: 'against', make: (r) => r, expected: e(0, 0, 0, 0, 0) },
  // Each failing gate kind.
  {
    name: 'queries-at-most-max: 6 statements', from: 'real', expected: FAILS,
    make: (r) => { const q = of(r, 'list-50')['queries']; q['byRequest']['page 4'] = 6; q['perRequest'] = 6; return r; },
  },
  { name: 'p95-under-budget: over its own threshold', from: 'real', expected: FAILS, make: (r) => { r['options']['thresholds']['p95Ms'] = 0.5; return r; } },
  { name: 'same-response-as-baseline: responses differ', from: 'real', expected: FAILS, make: (r) => { of(r, 'list-50')['sameResponse'] = false; return r; } },
  {
    // As BEFORE, its 4 statements at limit=100 make the real run's 5 a growth: compare fails that too.
    name: 'queries-constant-in-page-size: grows with the page', from: 'real', expected: e(1, 1, 1, 1, 0),
    make: (r) => { of(r, 'page-sizes')['queries']['byRequest']['limit=100'] = 4; of(r, 'page-sizes')['queries']['perRequestMin'] = 4; return r; },
  },
  {
    name: 'same-queries-as-snapshot: differs', from: 'real', expected: FAILS,
    make: (r) => { Object.assign(of(r, 'list-filtered')['queries']['snapshot'], { status: 'differs', diff: '- select 1\n+ select 2' }); return r; },
  },
  { name: 'no-new-full-scan: a new scan', from: 'real', expected: FAILS, make: (r) => { of(r, 'detail')['queries']['plans'][0]['fullScans'] = ['artifacts']; return r; } },
  {
    name: 'not-slower-than-baseline: the paired rounds say slower than the baseline', from: 'real', expected: FAILS,
    make: (r) => { const p = pairOf(r, 'baseline', 'detail'); p['roundRatios'] = p['roundRatios'].map((x: number) => x * 12); return r; },
  },
  {
    name: 'not-slower-than-baseline: slower rounds under a forged "faster" verdict and interval', from: 'real', expected: FAILS,
    make: (r) => {
      const p = pairOf(r, 'baseline', 'detail');
      p['roundRatios'] = p['roundRatios'].map((x: number) => x * 12);
      Object.assign(p, { ratio: 0.2, ci: [0.1, 0.3], verdict: 'faster' });
      return r;
    },
  },
  { name: 'not-slower-than-baseline: the baseline errored', from: 'real', expected: FAILS, make: (r) => { Object.assign(of(r, 'detail', 'baseline'), { state: 'errored', error: 'a request answered 500' }); return r; } },
  { name: 'a stored "pass" over a failed gate', from: 'real', expected: FAILS, make: (r) => { of(r, 'list-50')['sameResponse'] = false; r['verdict'] = 'pass'; return r; } },
  // Pair verdicts.
  {
    name: 'against: 1.5x slower than REF', from: 'against', expected: FAILS,
    make: (r) => { const p = pairOf(r, 'against', 'list-50'); p['roundRatios'] = p['roundRatios'].map((x: number) => x * 1.5); return r; },
  },
  {
    name: 'against: slower rounds under a forged "same" verdict', from: 'against', expected: FAILS,
    make: (r) => { const p = pairOf(r, 'against', 'detail'); p['roundRatios'] = p['roundRatios'].map((x: number) => x * 1.3); p['verdict'] = 'same'; p['ci'] = [0.9, 1.1]; return r; },
  },
  {
    name: 'against: too few rounds to judge', from: 'against', expected: FAILS,
    make: (r) => { const p = pairOf(r, 'against', 'list-50'); p['roundRatios'] = p['roundRatios'].slice(0, 5); p['rounds'] = 5; return r; },
  },
  {
    name: "against: REF's side errored", from: 'against', expected: e(2, 2, 2, 0, 0),
    make: (r) => { Object.assign(of(r, 'list-50', 'fixed@HEAD'), { state: 'errored', error: 'a request answered 404' }); return r; },
  },
  { name: 'against: the pair is missing', from: 'against', expected: e(2, 2, 2, 0, 0), make: (r) => { r['pairs'] = r['pairs'].filter((p: Json) => !(p['kind'] === 'against' && p['scenario'] === 'detail')); return r; } },
  { name: 'A/A pair outside its interval: a warning, no verdict', from: 'real', expected: e(0, 0, 0, 0, 0), make: (r) => { const p = pairOf(r, 'aa', 'list-50'); p['roundRatios'] = p['roundRatios'].map((x: number) => x * 1.3); return r; } },
  // Run errors and errored sides.
  { name: 'a run error', from: 'real', expected: FAILS, make: (r) => { r['errors'] = ['fixture checksums differ between databases: {...}']; return r; } },
  {
    name: 'the implementation under test errored', from: 'real', expected: e(1, 1, 1, 2, 0),
    make: (r) => { Object.assign(of(r, 'list-50'), { state: 'errored', error: 'a request answered 500' }); return r; },
  },
  {
    name: 'no raw samples of the implementation under test', from: 'real', expected: e(1, 1, 1, 2, 0),
    make: (r) => { const x = of(r, 'list-50'); x['rawSamples'] = []; x['sampleRounds'] = []; delete x['p95Interval']; return r; },
  },
  {
    name: 'nothing of the implementation under test', from: 'real', expected: e(2, 2, 1, 2, 0),
    make: (r) => {
      r['results'] = r['results'].filter((x: Json) => x['impl'] !== 'fixed');
      r['pairs'] = [];
      r['ratios'] = r['ratios'].filter((x: Json) => x['numerator'] !== 'fixed');
      return r;
    },
  },
  // Impossible values and wrong files: bad input.
  { name: 'a negative latency', from: 'real', expected: BAD, make: (r) => { of(r, 'list-50', 'baseline')['rawSamples'][0] = -5; return r; } },
  { name: 'a NaN latency (JSON null)', from: 'real', expected: BAD, make: (r) => { of(r, 'list-50')['rawSamples'][3] = null; return r; } },
  { name: 'a huge latency', from: 'real', expected: BAD, make: (r) => { of(r, 'detail')['rawSamples'][0] = 1e12; return r; } },
  { name: 'an infinite latency', from: 'real', expected: BAD, make: (r) => JSON.stringify(r).replace(/"rawSamples":\[[0-9.e-]+/, '"rawSamples":[1e999') },
  { name: 'a zero latency percentile out of order', from: 'real', expected: BAD, make: (r) => { of(r, 'list-50')['latencyMs']['p95'] = 0; return r; } },
  { name: 'a wrong schema version', from: 'real', expected: BAD, make: (r) => ({ ...r, schemaVersion: 2 }) },
  { name: 'not a querygate result', from: 'real', expected: BAD, make: (r) => ({ ...r, tool: 'hyperfine' }) },
  { name: 'an empty file', from: 'real', expected: BAD, make: () => '' },
  { name: 'truncated JSON', from: 'real', expected: BAD, make: (r) => JSON.stringify(r).slice(0, 5000) },
  { name: 'rounds that do not match the samples', from: 'real', expected: BAD, make: (r) => { of(r, 'list-50')['sampleRounds'].pop(); return r; } },
  { name: 'rounds out of time order', from: 'real', expected: BAD, make: (r) => { const rounds = of(r, 'detail')['sampleRounds']; rounds[5] = rounds[rounds.length - 1] + 1; return r; } },
  { name: 'a sample count that does not match the samples', from: 'real', expected: BAD, make: (r) => { of(r, 'detail')['samples'] += 1; return r; } },
  {
    name: 'a p95 interval beside too few samples', from: 'real', expected: BAD,
    make: (r) => { const x = of(r, 'list-50', 'baseline'); x['p95Interval'] = { p: 95, value: 100, ci: [90, 110], confidence: 0.95, n: x['rawSamples'].length }; return r; },
  },
  { name: 'pair rounds that do not match its ratios', from: 'real', expected: BAD, make: (r) => { pairOf(r, 'baseline', 'detail')['rounds'] = 3; return r; } },
  { name: 'a pair confidence of 1.5', from: 'real', expected: BAD, make: (r) => { pairOf(r, 'baseline', 'detail')['confidence'] = 1.5; return r; } },
  { name: 'a pair of an unknown kind', from: 'real', expected: BAD, make: (r) => { pairOf(r, 'aa', 'list-50')['kind'] = 'ab'; return r; } },
  { name: 'a negative threshold', from: 'real', expected: BAD, make: (r) => { r['options']['thresholds']['p95Ms'] = -1; return r; } },
  { name: 'a NaN threshold (JSON null)', from: 'real', expected: BAD, make: (r) => { r['options']['thresholds']['maxQueries'] = null; return r; } },
  { name: 'a shard beyond its count', from: 'real', expected: BAD, make: (r) => ({ ...r, shard: { index: 3, count: 2, units: [] } }) },
  { name: 'an unknown dialect', from: 'real', expected: BAD, make: (r) => { of(r, 'detail')['dialect'] = 'mysql'; return r; } },
  { name: 'gates that are not a list', from: 'real', expected: BAD, make: (r) => { of(r, 'detail')['gates'] = 'pass'; return r; } },
  { name: 'against with a mistyped sha', from: 'against', expected: BAD, make: (r) => { r['against']['sha'] = 42; return r; } },
];

const dir = createTempRepo('qg-matrix-').dir;
let written = 0;
function file(text: string): string {
  const path = join(dir, `case-${written++}.json`);
  writeFileSync(path, text);
  return path;
}
const textOf = (made: Json | string): string => (typeof made === 'string' ? made : JSON.stringify(made));

async function exitOf(action: () => Promise<ExitCode> | ExitCode): Promise<ExitCode> {
  try {
    return await action();
  } catch (error) {
    return exitCodeOfError(error);
  }
}

/** The case split in two parts (results and pairs by scenario, errors in the first), merged and judged. */
async function mergeExit(path: string): Promise<ExitCode> {
  return exitOf(async () => {
    const whole = await readResultFile(path);
    const scenarios = [...new Set(whole.results.map((r) => r.scenario))];
    const first = new Set(scenarios.slice(0, Math.ceil(scenarios.length / 2)));
    const part = (keep: (s: string) => boolean, errors: string[]): RunResult => ({
      ...structuredClone(whole),
      results: whole.results.filter((r) => keep(r.scenario)),
      ratios: whole.ratios.filter((r) => keep(r.scenario)),
      ...(whole.pairs === undefined ? {} : { pairs: whole.pairs.filter((p) => keep(p.scenario)) }),
      errors,
    });
    const { result } = mergeResults([
      { label: 'part 1', result: part((s) => first.has(s), whole.errors) },
      { label: 'part 2', result: part((s) => !first.has(s), []) },
    ]);
    return exitCodeOf(runVerdict(result));
  });
}

/** Attaches a note of any text (as git stores it, through a file: a bomb is too large for an argument). */
function addNote(repo: TempRepo, text: string, commit: string): void {
  const path = join(repo.dir, 'note.txt');
  writeFileSync(path, text === '' ? ' ' : text);
  repo.git('notes', `--ref=${RESULT_NOTES_REF}`, 'add', '-f', '-F', path, commit);
}

/** compare --base REF: `base` as REF's note in a repository of its own, `after` as the file. */
async function compareBaseExit(baseText: string, afterPath: string): Promise<ExitCode> {
  const repo = createTempRepo('qg-matrix-base-');
  repo.commit('base');
  addNote(repo, baseText, 'HEAD');
  return exitOf(() => compareBaseCommand({ base: 'HEAD', before: afterPath, threshold: '10%', out: join(repo.dir, 'comparison.md'), cwd: repo.dir }) as Promise<ExitCode>);
}

function historyExit(noteText: string): ExitCode {
  const repo = createTempRepo('qg-matrix-history-');
  repo.commit('measured');
  addNote(repo, noteText, 'HEAD');
  const read = readHistory('HEAD', { cwd: repo.dir });
  return exitCodeOf(historyVerdict('HEAD', read.commits, read.entries.length));
}


describe('the verdict matrix: every command, every case, its exit code', () => {
  const realPath = file(REAL);
  const againstPath = file(REAL_AGAINST);
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const other = c.from === 'real' ? REAL : REAL_AGAINST;
    const otherPath = c.from === 'real' ? realPath : againstPath;
    const text = textOf(c.make(load(other)));
    const path = file(text);
    const actual: Expected = {
      report: await exitOf(async () => (await renderStoredResult(path)).exitCode),
      merge: await mergeExit(path),
      after: await exitOf(async () => compareResults(await readResultFile(otherPath), await readResultFile(path)).exitCode),
      before: await exitOf(async () => compareResults(await readResultFile(path), await readResultFile(otherPath)).exitCode),
      history: historyExit(text),
    };
    expect(actual).toEqual(c.expected);
    // compare --base is compare: the same exit codes with the case as the base note, and as AFTER.
    expect(await compareBaseExit(text, otherPath)).toBe(c.expected.before);
    expect(await compareBaseExit(other, path)).toBe(c.expected.after);
  });

  it('has at least 30 cases, and a failing case for every gate a scenario can ask for', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
    for (const id of GATE_IDS) expect(CASES.some((c) => c.name.startsWith(`${id}:`)), id).toBe(true);
  });
});

describe('notes', () => {
  const gzipNote = (bytes: Buffer): string => `querygate-result gzip+base64\n${bytes.toString('base64')}\n`;

  it('a truncated gzip note is bad input, named; history skips it and judges the rest', async () => {
    const note = gzipNote(gzipSync(REAL).subarray(0, 4000));
    expect(await compareBaseExit(note, file(REAL))).toBe(2);
    expect(historyExit(note)).toBe(2);
    const repo = createTempRepo('qg-matrix-mixed-');
    const good = repo.commit('good');
    attachResultNote(JSON.parse(REAL) as RunResult, good, repo.dir);
    const bad = repo.commit('bad');
    addNote(repo, note, bad);
    const read = readHistory('HEAD', { cwd: repo.dir });
    expect(read.entries.map((x) => x.commit)).toEqual([good]);
    expect(read.skipped).toEqual([expect.stringMatching(new RegExp(`^note of ${bad.slice(0, 10)}: its compressed result cannot be read .*truncated or corrupt`))]);
  });

  it('a gzip bomb note is refused before it takes the memory, naming the limit', () => {
    const bomb = gzipNote(gzipSync(Buffer.alloc(200 * 1024 * 1024, 32), { level: 9 }));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const before = process.memoryUsage().rss;
    expect(historyExit(bomb)).toBe(2);
    const repo = createTempRepo('qg-matrix-bomb-');
    const c = repo.commit('bomb');
    addNote(repo, bomb, c);
    const read = readHistory('HEAD', { cwd: repo.dir });
    expect(read.skipped[0]).toMatch(/decompresses to more than 33554432 bytes, the limit of a result: refused/);
    // The limit holds the memory: far below the 200 MB the bomb would inflate to.
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
  });
});

describe('merge refuses what would not be one run (exit 2), and judges the rest as one run', () => {
  const real = (): RunResult => JSON.parse(REAL) as RunResult;
  const against = (): RunResult => JSON.parse(REAL_AGAINST) as RunResult;
  const split = (whole: RunResult, keep: (r: { scenario: string }) => boolean): RunResult => ({
    ...structuredClone(whole),
    results: whole.results.filter(keep),
    ratios: whole.ratios.filter(keep),
    pairs: (whole.pairs ?? []).filter(keep),
  });
  const firstHalf = (r: { scenario: string }) => r.scenario === 'list-50' || r.scenario === 'list-filtered';
  const secondHalf = (r: { scenario: string }) => !firstHalf(r);
  const merge = (a: RunResult, b: RunResult): Promise<ExitCode> =>
    exitOf(() => exitCodeOf(runVerdict(mergeResults([{ label: 'a', result: a }, { label: 'b', result: b }]).result)));

  it('passes two halves of a passing run', async () => {
    expect(await merge(split(real(), firstHalf), split(real(), secondHalf))).toBe(0);
  });

  it.each([
    ['a gap: a unit in the plan and in no part', (a: RunResult, b: RunResult) => [a, { ...b, results: b.results.filter((r) => r.scenario !== 'detail') }]],
    ['an overlap: one unit in two parts', (a: RunResult, b: RunResult) => [a, { ...b, results: [...b.results, ...a.results.filter((r) => r.scenario === 'list-50')] }]],
    ['different shard plans', (a: RunResult, b: RunResult) => [{ ...a, shard: { index: 1, count: 2, units: ['sqlite/list-50', 'sqlite/list-filtered', 'sqlite/detail', 'sqlite/page-sizes'] } }, { ...b, shard: { index: 2, count: 3, units: ['sqlite/list-50'] } }]],
    ['different measured implementations', (a: RunResult, b: RunResult) => [a, { ...b, options: { ...b.options, impls: ['baseline', 'fixed'] } }]],
    ['different --against revisions', (a: RunResult, b: RunResult) => [{ ...a, against: { ref: 'main', sha: 'a'.repeat(40), mergeBase: null, schemaDiffers: false } }, b]],
    ['a unit outside the plan', (a: RunResult, b: RunResult) => [a, { ...b, results: [...b.results, { ...(b.results[0] as ScenarioResult), scenario: 'list-99' }] }]],
    ['different thresholds', (a: RunResult, b: RunResult) => [a, { ...b, options: { ...b.options, thresholds: { p95Ms: 1 } } }]],
    ['different implementations under test', (a: RunResult, b: RunResult) => [a, { ...b, implUnderTest: 'denormalized' }]],
    ['different fixtures', (a: RunResult, b: RunResult) => [a, { ...b, fixture: { ...b.fixture, checksum: 'other' } }]],
  ])('refuses %s', async (_, spoil) => {
    const [a, b] = spoil(split(real(), firstHalf), split(real(), secondHalf)) as [RunResult, RunResult];
    expect(await merge(a, b)).toBe(2);
  });

  it('fails two parts that each fail: a pair judged slower in one, a run error in the other (it used to pass)', async () => {
    const slow = against();
    const p = slow.pairs?.find((x) => x.kind === 'against' && x.scenario === 'list-50');
    if (p === undefined) throw new Error('no against pair in the fixture');
    p.roundRatios = p.roundRatios.map((x) => x * 1.5);
    const a = split(slow, (r) => r.scenario === 'list-50');
    const b = { ...split(against(), (r) => r.scenario !== 'list-50'), errors: ['postgres detail: connection lost'] };
    const { result } = mergeResults([{ label: 'a', result: a }, { label: 'b', result: b }]);
    const verdict = runVerdict(result);
    expect(verdict.outcome).toBe('fail');
    expect(verdict.reasons.map((r) => r.kind).sort()).toEqual(['gate', 'run-error']);
    expect(verdict.reasons.find((r) => r.kind === 'gate')?.message).toMatch(/^no-slowdown-vs-ref: /);
    expect(result.verdict).toBe('fail');
  });

  it("judges the merged run with the parts' own thresholds, not the defaults", async () => {
    const strict = (r: RunResult): RunResult => ({ ...r, options: { ...r.options, thresholds: { ...(r.options['thresholds'] as object), p95Ms: 0.5 } } });
    expect(await merge(strict(split(real(), firstHalf)), strict(split(real(), secondHalf)))).toBe(1);
  });
});

/** Failing changes to a real passing run: each makes `run` fail or lack evidence. */
const FAULTS: [string, (r: Json) => void][] = [
  ['queries', (r) => { const q = of(r, 'list-filtered')['queries']; const n = r['options']['thresholds']['maxQueries'] + 1; q['byRequest']['top 3 tags'] = n; q['perRequest'] = n; }],
  ['budget', (r) => { r['options']['thresholds']['p95Ms'] = 1; }],
  ['response', (r) => { of(r, 'page-sizes')['sameResponse'] = false; }],
  ['snapshot', (r) => { Object.assign(of(r, 'detail')['queries']['snapshot'], { status: 'missing' }); }],
  ['scan', (r) => { of(r, 'list-50')['queries']['plans'][1]['fullScans'] = ['collections']; }],
  ['detail', (r) => { const p = pairOf(r, 'baseline', 'detail'); p['roundRatios'] = p['roundRatios'].map((x: number) => x * 10); }],
  ['errored', (r) => { Object.assign(of(r, 'page-sizes'), { state: 'errored', error: 'boom' }); }],
  ['run error', (r) => { r['errors'].push('a scenario failed'); }],
  ['no samples', (r) => { const x = of(r, 'detail'); x['rawSamples'] = []; x['sampleRounds'] = []; delete x['p95Interval']; }],
  ['verdict lies', (r) => { r['verdict'] = 'pass'; }],
];

describe('property: no command exits 0 on a run with a failing gate or missing evidence', () => {
  it('holds for any non-empty set of faults, with any valid thresholds and a scaled machine', async () => {
    const realPath = file(REAL);
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(FAULTS.slice(0, -1), { minLength: 1 }),
        fc.boolean(),
        fc.double({ min: 0.5, max: 2, noNaN: true }),
        fc.integer({ min: 5, max: 50 }),
        async (faults, lie, scale, maxQueries) => {
          const r = load(REAL);
          // Any valid change of speed and of the query limit above what the run used.
          for (const x of r['results']) {
            x['rawSamples'] = x['rawSamples'].map((v: number) => v * scale);
            for (const k of ['p50', 'p95', 'p99', 'mean', 'min', 'max']) x['latencyMs'][k] *= scale;
            x['latencyMs']['p95Ci'] = x['latencyMs']['p95Ci'].map((v: number) => v * scale);
            if (x['p95Interval'] !== undefined) {
              x['p95Interval']['value'] *= scale;
              if (x['p95Interval']['ci'] !== null) x['p95Interval']['ci'] = x['p95Interval']['ci'].map((v: number) => v * scale);
            }
          }
          r['options']['thresholds']['maxQueries'] = maxQueries;
          for (const [, apply] of faults) apply(r);
          if (lie) r['verdict'] = 'pass';
          const path = file(JSON.stringify(r));
          const codes = [
            await exitOf(async () => (await renderStoredResult(path)).exitCode),
            await mergeExit(path),
            await exitOf(async () => compareResults(await readResultFile(realPath), await readResultFile(path)).exitCode),
          ];
          expect(codes.filter((code) => code === 0), faults.map(([name]) => name).join(', ')).toEqual([]);
        },
      ),
      { numRuns: 30, seed: 20261202 },
    );
  });
});
