import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunResult, ScenarioResult } from '../harness/core/result.js';
import { compareFiles as compareCommand } from '../harness/cli/result-commands.js';
import { exitCodeOf } from '../harness/cli/exit-codes.js';
import { compareRuns, comparisonVerdict } from '../harness/judge/compare.js';
const comparisonExitCode = (c: ReturnType<typeof compareRuns>) => exitCodeOf(comparisonVerdict(c));
import { renderComparisonMarkdown } from '../reports/comparison-markdown.js';
import { ResultFileError } from '../harness/core/result-file-error.js';
import { sampleResult } from './fixtures/sample-result.js';

/** A real `run --quick --db sqlite` of fixed, which passes. */
const realPassingText = readFileSync(join(import.meta.dirname, 'fixtures', 'real-result.sqlite.json'), 'utf8');
import { expectGolden } from './golden/expect-golden.js';

function find(run: RunResult, impl: string, scenario: string, dialect: string): ScenarioResult {
  const found = run.results.find((r) => r.impl === impl && r.scenario === scenario && r.dialect === dialect);
  if (found === undefined) throw new Error(`no ${impl} ${scenario} ${dialect}`);
  return found;
}

describe('compareRuns', () => {
  it('finds nothing when a run is compared with itself', () => {
    const c = compareRuns(sampleResult(), sampleResult());
    expect(c.regressed).toBe(false);
    expect(c.regressions).toEqual([]);
    expect(c.missingEvidence).toEqual([]);
    // The sample runs predate the drift probe: said once, not silently judged as corrected.
    expect(c.warnings).toEqual(["no drift probe (probe) in both runs for some pairs: their ratios carry the machine's drift between the runs"]);
    expect(c.unpaired).toEqual([]);
    expect(c.pairs.filter((p) => p.role === 'under-test').map((p) => `${p.scenario} ${p.dialect}`)).toEqual([
      'list-50 sqlite', 'list-50 postgres', 'detail sqlite', 'detail postgres',
    ]);
    for (const pair of c.pairs) {
      expect(pair.p50!.ratio).toBe(1);
      expect(pair.p50!.ci![0]).toBeLessThan(1);
      expect(pair.p50!.ci![1]).toBeGreaterThan(1);
    }
  });

  it('names a growth of queries per request as a regression', () => {
    const after = sampleResult();
    find(after, 'fixed', 'list-50', 'postgres').queries.perRequest = 106;
    const c = compareRuns(sampleResult(), after);
    expect(c.regressed).toBe(true);
    expect(c.regressions).toEqual(['queries per request grew 6 -> 106 (list-50, postgres)']);
  });

  it('pairs the implementations under test even when their names differ: bringing the N+1 back', () => {
    const before = sampleResult();
    const after = sampleResult();
    after.implUnderTest = 'baseline';
    const c = compareRuns(before, after);
    const pair = c.pairs.find((p) => p.role === 'under-test' && p.scenario === 'list-50' && p.dialect === 'sqlite')!;
    expect([pair.beforeImpl, pair.afterImpl]).toEqual(['fixed', 'baseline']);
    expect(pair.queriesPerRequest).toEqual({ before: 4, after: 106 });
    expect(c.regressions).toContain('queries per request grew 4 -> 106 (list-50, sqlite, fixed -> baseline)');
    expect(c.regressions.some((r) => r.startsWith('p50 latency ') && r.endsWith('whole interval above 1.10x (list-50, sqlite, fixed -> baseline)'))).toBe(true);
    expect(pair.p50!.verdict).toBe('regressed');
    // The N+1 shape is new, and the eager load of group memberships reads its table in full.
    expect(pair.newFingerprints.map((f) => [f.sql, f.count])).toContainEqual([
      'select count(*) as `count` from `collection_artifacts` where `collection_id` = ?', 100,
    ]);
    expect(pair.newFullScans).toEqual([{ fingerprint: 'select * from `group_artifacts` where `group_id` in (?)', tables: ['group_artifacts'] }]);
    // The other way round it is an improvement, not a regression.
    const back = compareRuns(after, before);
    expect(back.regressed).toBe(false);
    expect(back.pairs.find((p) => p.role === 'under-test')!.p50!.verdict).toBe('improved');
  });

  it('reports shapes whose count grew and plans that turned into full scans', () => {
    const after = sampleResult();
    const fixed = find(after, 'fixed', 'list-50', 'sqlite');
    fixed.queries.fingerprints[0]!.count = 50;
    fixed.queries.plans![0]!.fullScans = ['collection_artifacts'];
    const pair = compareRuns(sampleResult(), after).pairs.find((p) => p.afterImpl === 'fixed' && p.dialect === 'sqlite' && p.scenario === 'list-50')!;
    expect(pair.grownFingerprints).toEqual([{ sql: fixed.queries.fingerprints[0]!.sql, before: 1, after: 50 }]);
    expect(pair.newFullScans).toEqual([{ fingerprint: fixed.queries.plans![0]!.fingerprint, tables: ['collection_artifacts'] }]);
  });

  it('treats an errored implementation under test after as a regression, an errored one before as not compared', () => {
    const after = sampleResult();
    Object.assign(find(after, 'fixed', 'detail', 'sqlite'), { state: 'errored', error: 'SQLITE_BUSY' });
    const c = compareRuns(sampleResult(), after);
    expect(c.regressions).toEqual(['could not be measured after: SQLITE_BUSY (detail, sqlite)']);
    const c2 = compareRuns(after, sampleResult());
    expect(c2.regressed).toBe(false);
    expect(c2.pairs.find((p) => p.problems.length > 0)!.problems).toEqual(['before: errored: SQLITE_BUSY']);
  });

  it('does not gate on other implementations, but reports them and warns when the floor moves', () => {
    const after = sampleResult();
    for (const r of after.results) {
      if (r.impl === 'floor' || r.impl === 'baseline') r.rawSamples = r.rawSamples.map((ms) => ms * 1.5);
    }
    find(after, 'baseline', 'detail', 'sqlite').queries.perRequest = 9;
    const c = compareRuns(sampleResult(), after);
    expect(c.regressed).toBe(false);
    const baseline = c.pairs.find((p) => p.afterImpl === 'baseline' && p.scenario === 'detail' && p.dialect === 'sqlite')!;
    expect(baseline.role).toBe('same-name');
    expect(baseline.regressions[0]).toBe('queries per request grew 7 -> 9 (detail, sqlite, baseline)');
    expect(c.warnings.filter((w) => w.startsWith('the floor moved on '))).toHaveLength(2);
    expect(c.findings).toEqual([]);
  });

  it('warns about different fixtures and environments, and lists results without a partner', () => {
    const after = sampleResult();
    after.fixture.checksum = 'sha256:other';
    after.environment.databases.postgres = '16.8';
    after.results = after.results.filter((r) => r.scenario !== 'detail' || r.dialect !== 'postgres');
    const c = compareRuns(sampleResult(), after);
    expect(c.warnings[0]).toMatch(/^the fixtures differ \(before standard, seed 42, sha256:9b1c.*; after standard, seed 42, sha256:other\)/);
    expect(c.warnings[1]).toBe('the environments differ (postgres 17.4 vs 16.8): latency ratios carry that difference too');
    expect(c.unpaired).toEqual([
      { run: 'before', scenario: 'detail', dialect: 'postgres', impl: 'baseline' },
      { run: 'before', scenario: 'detail', dialect: 'postgres', impl: 'fixed' },
    ]);
    // What before measured and after lost could hide a regression: it fails the comparison.
    expect(c.regressions).toEqual(['measured before, missing after: the whole scenario (detail, postgres)']);
    expect(comparisonExitCode(c)).toBe(1);
  });

  it('fails when after lost the implementation under test in a scenario that it still ran', () => {
    const after = sampleResult();
    after.results = after.results.filter((r) => !(r.scenario === 'list-50' && r.dialect === 'sqlite' && r.impl === 'fixed'));
    const c = compareRuns(sampleResult(), after);
    expect(c.regressions).toEqual(['measured before, missing after: fixed, the implementation under test (list-50, sqlite)']);
  });

  it('has no verdict (exit 2) when nothing under test pairs up', () => {
    const after = sampleResult();
    after.implUnderTest = 'denormalized';
    const c = compareRuns(sampleResult(), after);
    expect(c.missingEvidence).toEqual(['no scenario and database has both fixed (before) and denormalized (after): nothing under test was compared']);
    // Every scenario before had its implementation under test, and after has none of them.
    expect(c.regressions).toHaveLength(4);
    expect(comparisonExitCode(c)).toBe(1);
    const before = sampleResult();
    before.implUnderTest = 'denormalized';
    const none = compareRuns(before, after);
    expect(none.regressed).toBe(false);
    expect(comparisonExitCode(none)).toBe(2);
    expect(renderComparisonMarkdown(none).split('\n')[0]).toBe('# querygate compare: MISSING EVIDENCE');
  });

  it('flags a request kind whose statements grew beside another already at the maximum', () => {
    const before = sampleResult();
    const after = sampleResult();
    for (const run of [before, after]) {
      const fixed = find(run, 'fixed', 'detail', 'sqlite');
      fixed.queries.perRequest = 5;
      fixed.queries.byRequest = { detail: 5, 'detail-missing': 2 };
    }
    find(after, 'fixed', 'detail', 'sqlite').queries.byRequest = { detail: 5, 'detail-missing': 5 };
    const c = compareRuns(before, after);
    expect(c.regressions).toEqual(['queries per request of detail-missing grew 2 -> 5 (detail, sqlite)']);
    const pair = c.pairs.find((p) => p.role === 'under-test' && p.scenario === 'detail' && p.dialect === 'sqlite')!;
    expect(pair.grownRequestKinds).toEqual([{ label: 'detail-missing', before: 2, after: 5 }]);
    expect(renderComparisonMarkdown(c)).toContain('- request kind `detail-missing`: 2 -> 5 statements');
  });

  it('states the smallest p50 ratio it could flag, and points to run --against', () => {
    const c = compareRuns(sampleResult(), sampleResult());
    expect(c.sensitivity).not.toBeNull();
    const { best, worst } = c.sensitivity!;
    expect(best.ratio).toBeGreaterThan(1.1);
    expect(worst.ratio).toBeGreaterThanOrEqual(best.ratio);
    for (const pair of c.pairs.filter((p) => p.role === 'under-test')) {
      const { ratio, ci, detectable } = pair.p50!;
      // (1 + threshold) * exp(d * (1 + z_0.95 / z)), d the judged interval's distance below the ratio.
      expect(detectable!).toBeGreaterThan(1.1 * (ratio / ci![0]));
    }
    expect(renderComparisonMarkdown(c)).toMatch(/Sensitivity: with these two runs' spreads a p50 slowdown is flagged with 95% power from \d\.\d\dx \(\S+, \w+\) to \d\.\d\dx .*`npx querygate run --against REF`/);
  });

  it('has no verdict (exit 2) when raw samples of a pair under test are missing', () => {
    const before = JSON.parse(realPassingText) as RunResult;
    const fixed = find(before, 'fixed', 'list-50', 'sqlite');
    fixed.rawSamples = [];
    fixed.sampleRounds = [];
    fixed.latencyMs = { ...fixed.latencyMs, p50: fixed.latencyMs.p50 / 3 };
    const c = compareRuns(before, JSON.parse(realPassingText) as RunResult);
    const pair = c.pairs.find((p) => p.afterImpl === 'fixed' && p.scenario === 'list-50' && p.dialect === 'sqlite')!;
    expect(pair.p50).toMatchObject({ ratio: expect.closeTo(3, 12), ci: null, verdict: 'no-interval' });
    expect(c.regressed).toBe(false);
    expect(c.missingEvidence).toEqual([
      'no raw samples on one side (list-50, sqlite): its latency cannot be judged; run both with a querygate that keeps rawSamples',
    ]);
    expect(comparisonExitCode(c)).toBe(2);
  });

  it('is deterministic for a seed', () => {
    const after = sampleResult();
    after.implUnderTest = 'baseline';
    expect(compareRuns(sampleResult(), after, { seed: 5 })).toEqual(compareRuns(sampleResult(), after, { seed: 5 }));
  });
});

describe('renderComparisonMarkdown', () => {
  it('matches the golden file for bringing the N+1 back', () => {
    const after = sampleResult();
    after.implUnderTest = 'baseline';
    after.startedAt = '2025-06-02T08:30:00.000Z';
    after.environment.gitCommit = 'aa11bb22cc33dd44ee55ff66aa77bb88cc99dd00';
    expectGolden('sample-compare.md', renderComparisonMarkdown(compareRuns(sampleResult(), after)));
  });

  it('puts the verdict first', () => {
    const real = (): RunResult => JSON.parse(realPassingText) as RunResult;
    const same = renderComparisonMarkdown(compareRuns(real(), real()));
    expect(same.split('\n').slice(0, 3)).toEqual(['# querygate compare: no regression', '', '**No regression**: `fixed` (before) -> `fixed` (after).']);
    const after = sampleResult();
    find(after, 'fixed', 'list-50', 'postgres').queries.perRequest = 106;
    const failing = renderComparisonMarkdown(compareRuns(sampleResult(), sampleResult()));
    expect(failing.split('\n').slice(0, 3)).toEqual(['# querygate compare: FAIL', '', '**FAIL**: no regression against before, but `fixed` (after) fails as a run of its own.']);
    const grown = renderComparisonMarkdown(compareRuns(sampleResult(), after));
    expect(grown.split('\n').slice(0, 5)).toEqual([
      '# querygate compare: REGRESSION',
      '',
      '**REGRESSION**: 1 found, `fixed` (before) -> `fixed` (after).',
      '',
      '- queries per request grew 6 -> 106 (list-50, postgres)',
    ]);
  });
});

describe('compareCommand', () => {
  const dir = mkdtempSync(join(tmpdir(), 'querygate-compare-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string): string => {
    const file = join(dir, name);
    writeFileSync(file, content);
    return file;
  };

  it('exits 1 on a regression and 0 without, in markdown or JSON', async () => {
    const before = write('before.json', JSON.stringify(sampleResult()));
    const regressed = sampleResult();
    regressed.implUnderTest = 'baseline';
    const after = write('after.json', JSON.stringify(regressed));
    const markdown = await compareCommand({ before, after });
    expect(markdown.exitCode).toBe(1);
    expect(markdown.text.startsWith('# querygate compare: REGRESSION')).toBe(true);
    const json = await compareCommand({ before, after, format: 'json', thresholdPct: 5 });
    expect(JSON.parse(json.text)).toMatchObject({ regressed: true, options: { thresholdPct: 5 } });
    // The same run on both sides: no regression, but sampleResult fails its own gates, so compare does too.
    expect(await compareCommand({ before, after: before })).toMatchObject({ exitCode: 1 });
    const passing = write('passing.json', realPassingText);
    expect(await compareCommand({ before: passing, after: passing })).toMatchObject({ exitCode: 0 });
  });

  it('exits 2 when the evidence is missing', async () => {
    const after = write('after-2.json', realPassingText);
    const stripped = JSON.parse(realPassingText) as RunResult;
    for (const r of stripped.results) {
      r.rawSamples = [];
      r.sampleRounds = [];
    }
    const before = write('before-2.json', JSON.stringify(stripped));
    const out = await compareCommand({ before, after });
    expect(out.exitCode).toBe(2);
    expect(out.text.startsWith('# querygate compare: MISSING EVIDENCE')).toBe(true);
  });

  it('throws ResultFileError with one line for a malformed input', async () => {
    const before = write('ok.json', JSON.stringify(sampleResult()));
    const broken = write('broken.json', '{"schemaVersion": 1, "tool": "querygate", "results": [}');
    await expect(compareCommand({ before, after: broken })).rejects.toThrow(ResultFileError);
    await expect(compareCommand({ before, after: broken })).rejects.toThrow(new RegExp(`^${broken.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: not valid JSON: [^\\n]+\\(expected the result\\.json of \`querygate run\`, schemaVersion 1\\)$`));
    const foreign = write('foreign.json', JSON.stringify({ benchmarks: [] }));
    await expect(compareCommand({ before: foreign, after: before })).rejects.toThrow(`${foreign}: "tool" is missing, not "querygate": not a querygate result`);
  });
});
