import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../harness/core/result.js';
import { testFolder } from './support/databases.js';
import { ROOT, runCli, showExit, type CliExit } from './support/run-cli.js';

const CLI_TIMEOUT_MS = 240_000;

/** The new route's handler: the largest collections with their counts, one statement. */
const HANDLER = `import type { Knex } from 'knex';

/** GET /api/v1/collections-summary?limit=N: the N largest collections (default 10) with their artifact counts. */
export async function collectionsSummary(db: Knex, search: URLSearchParams): Promise<unknown> {
  const limit = Math.min(100, Math.max(1, Number(search.get('limit') ?? '10') || 10));
  const rows: { name: string; artifact_count: number | string }[] = await db('collections')
    .orderBy([{ column: 'artifact_count', order: 'desc' }, { column: 'id' }])
    .limit(limit)
    .select('name', 'artifact_count');
  return { items: rows.map((r) => ({ name: r.name, artifact_count: Number(r.artifact_count) })) };
}
`;

/** Its scenario: one literal path, and a threshold of its own (one statement, where the run allows 5). */
const SCENARIO = `import type { Scenario } from './scenario.js';

export const collectionsSummary: Scenario = {
  name: 'collections-summary',
  description: 'the ten largest collections with their artifact counts (a route new in this branch)',
  requests: [{ label: 'top 10', path: '/api/v1/collections-summary?limit=10' }],
  gates: ['queries-at-most-max', 'same-response-as-baseline'],
  thresholds: { maxQueries: 1 },
};
`;

/** Edits `file` of the checkout; the edit must change something. */
function edit(root: string, file: string, change: (text: string) => string): void {
  const path = join(root, file);
  const before = readFileSync(path, 'utf8');
  const after = change(before);
  expect(after, `the edit of ${file} changed nothing`).not.toBe(before);
  writeFileSync(path, after);
}

/**
 * "A new endpoint is a scenario file and an implementation" (#22): a branch adds a route to src/
 * and a scenario for it, and `run --against` the commit before it passes: REF answers the route
 * 404, so its side of that scenario is dropped before timing, the scenario is judged by its own
 * gates, and the result and report say it is new since REF.
 */
describe('querygate run --against REF with a route REF does not have (small profile, --quick, SQLite)', () => {
  let repo: string;
  let out: string;
  let exit: CliExit;

  beforeAll(async () => {
    // A repository of this checkout as it is now (uncommitted files included), committed as the base.
    repo = join(testFolder('new-route'), 'repo');
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\0');
    for (const file of files.filter((f) => f !== '' && existsSync(join(ROOT, f)))) {
      mkdirSync(dirname(join(repo, file)), { recursive: true });
      cpSync(join(ROOT, file), join(repo, file));
    }
    symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1' } }).trim();
    git('init', '-q', '-b', 'main');
    git('config', 'user.email', 'test@querygate.invalid');
    git('config', 'user.name', 'querygate test');
    git('add', '-A');
    git('commit', '-qm', 'base');

    // The branch, uncommitted: the route in src/http/, and its scenario registered in scenarios/.
    writeFileSync(join(repo, 'src', 'http', 'collections-summary.ts'), HANDLER);
    edit(repo, 'src/http/request-handler.ts', (text) =>
      text
        .replace("import { HttpError, badRequest, notFound } from './http-error.js';", "import { HttpError, badRequest, notFound } from './http-error.js';\nimport { collectionsSummary } from './collections-summary.js';")
        .replace('    if (path.startsWith(`${COLLECTIONS_PATH}/`))', "    if (path === '/api/v1/collections-summary') {\n      requireGet(req);\n      return collectionsSummary(db, search);\n    }\n    if (path.startsWith(`${COLLECTIONS_PATH}/`))"),
    );
    writeFileSync(join(repo, 'scenarios', 'collections-summary.ts'), SCENARIO);
    edit(repo, 'scenarios/index.ts', (text) =>
      text
        .replace("import { detail } from './detail.js';", "import { collectionsSummary } from './collections-summary.js';\nimport { detail } from './detail.js';")
        .replace('[list50, listFiltered, detail, pageSizes, scaling]', '[list50, listFiltered, detail, pageSizes, scaling, collectionsSummary]'),
    );

    out = join(repo, 'out');
    const args = ['run', '--against', 'HEAD', '--db', 'sqlite', '--quick', '--profile', 'small', '--scenario', 'collections-summary', '--scenario', 'list-50', '--out', out];
    exit = await runCli(args, { QUERYGATE_CACHE_DIR: testFolder('cache'), GITHUB_STEP_SUMMARY: '' }, CLI_TIMEOUT_MS, repo);
  });

  it('passes: the new scenario judged by its own gates and threshold, list-50 against REF as usual', () => {
    expect(exit.code, showExit(exit)).toBe(0);
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;
    expect(result.against?.newScenarios).toEqual([{ scenario: 'collections-summary', dialect: 'sqlite' }]);
    const impls = (scenario: string) => result.results.filter((r) => r.scenario === scenario).map((r) => r.impl).sort();
    expect(impls('collections-summary')).toEqual(['baseline', 'fixed', 'floor', 'probe']);
    expect(impls('list-50')).toEqual(['baseline', 'fixed', 'fixed@HEAD', 'floor', 'probe']);
    expect(result.pairs?.filter((p) => p.kind === 'against').map((p) => p.scenario)).toEqual(['list-50']);
    const fixed = result.results.find((r) => r.scenario === 'collections-summary' && r.impl === 'fixed');
    expect(fixed?.state).toBe('completed');
    expect(fixed?.gates.map((g) => `${g.id} ${g.pass} ${g.actual} ${g.threshold}`)).toEqual([
      'queries-at-most-max true 1 <= 1',
      'same-response-as-baseline true identical identical to baseline',
    ]);
    expect(result.options['scenarioThresholds']).toEqual({ 'collections-summary': { maxQueries: 1 } });
  });

  it('says the scenario is new since REF and not compared, in the report and on stdout', () => {
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toMatch(/\| collections-summary \| sqlite +\| pass 2\/2 +\|[^|]+\| new since `HEAD`: not compared/);
    expect(report).toContain('New since `HEAD`: not compared: collections-summary on sqlite.');
    expect(exit.stdout).toContain('new since HEAD sqlite collections-summary: not compared');
    expect(exit.stdout).not.toMatch(/ERROR/);
  });
});
