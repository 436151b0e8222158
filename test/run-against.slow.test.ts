import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../harness/core/result.js';
import { testFolder } from './support/databases.js';
import { ROOT, runCli, showExit, type CliExit } from './support/run-cli.js';

const CLI_TIMEOUT_MS = 240_000;
const readResult = (dir: string) => JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8')) as RunResult;

/**
 * `run --against REF` from a fresh clone: REF's src/ is exported beside the working tree's and
 * both are measured in one process. A branch whose src/ differs in two files (one more
 * statement per list request, and a change of the shared page code) fails the statement gate;
 * a working tree that drops an index gets a fixture of its own schema beside REF's.
 */
describe('querygate run --against REF in a fresh clone (small profile, --quick; SQLite, and both databases for a schema change)', () => {
  let clone: string;
  let env: NodeJS.ProcessEnv;
  let main: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: clone, encoding: 'utf8' }).trim();
  const querygate = (args: string[]) => runCli(args, env, CLI_TIMEOUT_MS, clone);
  const runArgs = (out: string, ref: string) => ['run', '--against', ref, '--profile', 'small', '--quick', '--db', 'sqlite', '--scenario', 'list-50', 'detail', '--out', out];
  let unchanged: CliExit;
  let regressed: CliExit;
  let badRef: CliExit;
  let dropped: CliExit;

  beforeAll(async () => {
    clone = join(testFolder('against'), 'clone');
    execFileSync('git', ['clone', '-q', ROOT, clone]);
    symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'));
    git('config', 'user.email', 'test@querygate.invalid');
    git('config', 'user.name', 'querygate test');
    main = git('rev-parse', 'HEAD');
    env = { QUERYGATE_CACHE_DIR: testFolder('cache'), GITHUB_STEP_SUMMARY: '' };
    unchanged = await querygate(runArgs(join(clone, 'out-unchanged'), main));

    git('checkout', '-q', '-b', 'slower');
    const fixed = join(clone, 'src', 'impl', 'fixed.ts');
    writeFileSync(
      fixed,
      readFileSync(fixed, 'utf8').replace(
        'export async function loadFixedItems(db: Knex, rows: readonly ArtifactRecord[]) {',
        "export async function loadFixedItems(db: Knex, rows: readonly ArtifactRecord[]) {\n  await db('artifacts').first('id');",
      ),
    );
    const page = join(clone, 'src', 'impl', 'artifact-page.ts');
    writeFileSync(page, readFileSync(page, 'utf8').replace('/** Byte order, not locale order', '/** Byte order (never the locale order)'));
    git('commit', '-qam', 'one more statement per request');
    expect(git('diff', '--name-only', main, 'HEAD').split('\n')).toHaveLength(2);
    regressed = await querygate(runArgs(join(clone, 'out-regressed'), 'main'));
    badRef = await querygate(runArgs(join(clone, 'out-bad'), 'no-such-branch'));

    // A schema change: the working tree drops an index REF's queries use (uncommitted).
    git('checkout', '-q', main);
    const schema = join(clone, 'src', 'schema.ts');
    const before = readFileSync(schema, 'utf8');
    writeFileSync(schema, before.replace("  ['collection_artifacts', (t) => t.index(['artifact_id'], 'collection_artifacts_artifact_id_idx')],\n", ''));
    expect(readFileSync(schema, 'utf8')).not.toBe(before);
    const args = runArgs(join(clone, 'out-dropped'), 'main').map((a) => (a === 'sqlite' ? 'all' : a));
    dropped = await querygate(args);
  });

  it('passes unchanged code, with REF named, its sha and merge base, and a paired verdict per scenario', () => {
    expect(unchanged.code, showExit(unchanged)).toBe(0);
    const result = readResult(join(clone, 'out-unchanged'));
    expect(result.against).toMatchObject({ ref: main, sha: main, mergeBase: main, schemaDiffers: false });
    // detail also judges fixed against the baseline side by side, for its not-slower-than-baseline gate.
    expect(result.pairs?.map((p) => `${p.scenario} ${p.subject} ${p.reference} ${p.kind}`).sort()).toEqual([
      'detail fixed baseline baseline',
      `detail fixed fixed@${main} against`,
      `list-50 fixed fixed@${main} against`,
    ]);
    const judged = result.results.filter((r) => r.impl === 'fixed');
    const ids = judged.flatMap((r) => r.gates.map((g) => g.id));
    expect(ids).toContain('no-slowdown-vs-ref');
    // REF's plans are gathered too, and the same code has the same exact cost.
    expect(judged.flatMap((r) => r.gates.filter((g) => g.id === 'exact-cost-not-above-ref').map((g) => g.pass))).toEqual([true, true]);
    expect(existsSync(join(clone, 'reports', 'out', '.revisions', main, 'src', 'index.ts'))).toBe(true);
  });

  it('fails a branch whose src/ differs in two files and runs one more statement, naming the request kinds', () => {
    expect(regressed.code, showExit(regressed)).toBe(1);
    const result = readResult(join(clone, 'out-regressed'));
    expect(result.against?.ref).toBe('main');
    const list = result.results.find((r) => r.impl === 'fixed' && r.scenario === 'list-50');
    const gate = list?.gates.find((g) => g.id === 'queries-not-above-ref');
    expect(gate?.pass).toBe(false);
    expect(gate?.message).toMatch(/page 1: 5 -> 6/);
    expect(result.results.find((r) => r.impl === 'fixed@main' && r.scenario === 'list-50')?.queries.perRequest).toBe(5);
  });

  it('measures a REF whose schema differs on a fixture of its own schema, seeded with the same rows, and says so', () => {
    expect(dropped.code, showExit(dropped)).toBe(1);
    const result = readResult(join(clone, 'out-dropped'));
    expect(result.against).toMatchObject({ ref: 'main', sha: main, schemaDiffers: true });
    expect(result.against?.schemaDifference).toMatch(/^on SQLite, only REF has .*collection_artifacts_artifact_id_idx/);
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const sides = result.against?.fixtures?.[dialect] ?? {};
      expect(Object.keys(sides).sort()).toEqual(['fixed', 'fixed@main']);
      // The same rows as the shared fixture on both sides, under two schemas.
      expect(sides.fixed?.checksum).toBe(result.fixture.checksum);
      expect(sides['fixed@main']?.checksum).toBe(result.fixture.checksum);
      expect(sides.fixed?.schema).not.toBe(sides['fixed@main']?.schema);
      expect(result.pairs?.filter((p) => p.dialect === dialect && p.scenario === 'list-50' && p.kind === 'against')).toHaveLength(1);
    }
    // Each side planned on its own schema: REF's still finds the index, the working tree's reads the table.
    const list = (impl: string) => result.results.find((r) => r.impl === impl && r.scenario === 'list-50' && r.dialect === 'sqlite');
    const shapes = (impl: string) => (list(impl)?.queries.plans ?? []).flatMap((p) => p.shape ?? []).join('\n');
    expect(shapes('fixed@main')).toContain('collection_artifacts_artifact_id_idx');
    expect(shapes('fixed')).not.toContain('collection_artifacts_artifact_id_idx');
    expect(list('fixed')?.gates.find((g) => g.id === 'exact-cost-not-above-ref')?.pass).toBe(false);
    const report = readFileSync(join(clone, 'out-dropped', 'report.md'), 'utf8');
    expect(report).toMatch(/its schema differs, so each side had a fixture of its own schema/);
    expect(report).toMatch(/- postgres: `fixed@main` checksum `[0-9a-f]{12}`; `fixed` checksum `[0-9a-f]{12}`: the same rows on both sides\./);
  });

  it('refuses an unknown revision with exit 2 and one line naming it', () => {
    expect(badRef.code, showExit(badRef)).toBe(2);
    expect(badRef.stderr).toMatch(/--against no-such-branch: no such revision/);
    expect(badRef.stderr).not.toMatch(/\n\s+at /);
  });
});
