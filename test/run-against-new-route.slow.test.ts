import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../harness/core/result.js';
import { copyCheckout } from './support/checkout-copy.js';
import { testFolder } from './support/databases.js';
import { runCli, showExit, type CliExit } from './support/run-cli.js';

const CLI_TIMEOUT_MS = 240_000;

/**
 * The new route, in two forms: the N+1 first written (the collections, then one COUNT each) and
 * its fix (one grouped statement). The floor and the other implementations have no form of it.
 */
const ROUTE = `import type { Knex } from 'knex';
import type { Route, RouteRequest } from './route.js';

interface Summary {
  name: string;
  artifact_count: number;
}

const limitOf = (search: URLSearchParams): number => Math.min(100, Math.max(1, Number(search.get('limit') ?? '10') || 10));
const byByteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The N+1: every collection, then one COUNT(*) per collection. */
async function summaryOneByOne({ db, search }: RouteRequest): Promise<unknown> {
  const collections: { id: string; name: string }[] = await db('collections').select('id', 'name');
  const counted: (Summary & { id: string })[] = [];
  for (const c of collections) {
    const row = await db('collection_artifacts').where('collection_id', c.id).count({ n: '*' }).first();
    counted.push({ id: c.id, name: c.name, artifact_count: Number(row?.n ?? 0) });
  }
  counted.sort((a, b) => b.artifact_count - a.artifact_count || byByteOrder(a.id, b.id));
  return { items: counted.slice(0, limitOf(search)).map(({ name, artifact_count }) => ({ name, artifact_count })) };
}

/** The fix: one grouped statement. */
async function summaryGrouped({ db, search }: RouteRequest): Promise<unknown> {
  const rows: { name: string; n: number | string }[] = await (db as Knex)('collections as c')
    .leftJoin('collection_artifacts as ca', 'ca.collection_id', 'c.id')
    .groupBy('c.id', 'c.name')
    .select('c.name', db.raw('count(ca.artifact_id) as n'))
    .orderBy([{ column: 'n', order: 'desc' }, { column: 'c.id' }])
    .limit(limitOf(search));
  return { items: rows.map((r): Summary => ({ name: r.name, artifact_count: Number(r.n) })) };
}

/** GET /api/v1/collections-summary?limit=N: the N largest collections (default 10) with their artifact counts. */
export const collectionsSummaryRoute: Route = {
  method: 'GET',
  pattern: '/api/v1/collections-summary',
  forms: { baseline: summaryOneByOne, fixed: summaryGrouped },
};
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
 * in two forms and a scenario for it, touching no file of the tool. A plain run measures the two
 * forms (the floor has none); `run --against` the commit before passes: REF answers the route
 * 404, so its side of that scenario is dropped before timing, the scenario is judged by its own
 * gates, and the result and report say it is new since REF.
 */
describe('a route added in two forms, run plainly and --against REF (small profile, --quick, both databases)', () => {
  let repo: string;
  let plain: { out: string; exit: CliExit };
  let against: { out: string; exit: CliExit };
  const resultOf = (out: string) => JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunResult;

  beforeAll(async () => {
    // A repository of this checkout as it is now (uncommitted files included), committed as the base.
    ({ repo } = copyCheckout('new-route'));

    // The branch, uncommitted: the route in src/http/ and registered there, its scenario in scenarios/.
    writeFileSync(join(repo, 'src', 'http', 'collections-summary.ts'), ROUTE);
    edit(repo, 'src/http/routes.ts', (text) =>
      text
        .replace("import { collectionRoutes } from './collection-routes.js';", "import { collectionRoutes } from './collection-routes.js';\nimport { collectionsSummaryRoute } from './collections-summary.js';")
        .replace('...collectionRoutes]', '...collectionRoutes, collectionsSummaryRoute]'),
    );
    writeFileSync(join(repo, 'scenarios', 'collections-summary.ts'), SCENARIO);
    edit(repo, 'scenarios/index.ts', (text) =>
      text
        .replace("import { detail } from './detail.js';", "import { collectionsSummary } from './collections-summary.js';\nimport { detail } from './detail.js';")
        .replace('[list50, listFiltered, detail, pageSizes, scaling]', '[list50, listFiltered, detail, pageSizes, scaling, collectionsSummary]'),
    );

    const env = { QUERYGATE_CACHE_DIR: testFolder('cache'), GITHUB_STEP_SUMMARY: '' };
    const common = ['--db', 'all', '--quick', '--profile', 'small', '--scenario', 'collections-summary'];
    const runIn = async (name: string, extra: string[]) => {
      const out = join(repo, name);
      return { out, exit: await runCli(['run', ...common, ...extra, '--out', out], env, CLI_TIMEOUT_MS, repo) };
    };
    plain = await runIn('out-plain', []);
    against = await runIn('out-against', ['--against', 'HEAD', '--scenario', 'list-50']);
  }, 2 * CLI_TIMEOUT_MS + 60_000);

  it('touches only src/ and scenarios/', () => {
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: repo, encoding: 'utf8' });
    const changed = status.split('\n').filter((line) => line !== '').map((line) => line.slice(3));
    expect(changed.sort()).toEqual(['scenarios/collections-summary.ts', 'scenarios/index.ts', 'src/http/collections-summary.ts', 'src/http/routes.ts']);
  });

  it('a plain run measures both forms, judges the fix by the scenario\'s own threshold, and leaves out the floor (no form)', () => {
    expect(plain.exit.code, showExit(plain.exit)).toBe(0);
    const result = resultOf(plain.out);
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const mine = result.results.filter((r) => r.scenario === 'collections-summary' && r.dialect === dialect);
      expect(mine.map((r) => r.impl).sort(), dialect).toEqual(['baseline', 'fixed', 'probe']);
      const [baseline, fixed] = ['baseline', 'fixed'].map((impl) => mine.find((r) => r.impl === impl));
      expect(fixed?.state, dialect).toBe('completed');
      // The N+1 form: the collections, then one COUNT each (20 collections in the small profile).
      expect(baseline?.queries.perRequest, dialect).toBe(21);
      expect(fixed?.gates.map((g) => `${g.id} ${g.pass} ${g.actual} ${g.threshold}`), dialect).toEqual([
        'queries-at-most-max true 1 <= 1',
        'same-response-as-baseline true identical identical to baseline',
      ]);
    }
    expect(result.against).toBeUndefined();
  });

  it('--against REF passes: the new scenario judged by its own gates, list-50 against REF as usual', () => {
    expect(against.exit.code, showExit(against.exit)).toBe(0);
    const result = resultOf(against.out);
    expect(result.against?.newScenarios).toEqual([
      { scenario: 'collections-summary', dialect: 'sqlite' },
      { scenario: 'collections-summary', dialect: 'postgres' },
    ]);
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const impls = (scenario: string) => result.results.filter((r) => r.scenario === scenario && r.dialect === dialect).map((r) => r.impl).sort();
      expect(impls('collections-summary'), dialect).toEqual(['baseline', 'fixed', 'probe']);
      expect(impls('list-50'), dialect).toEqual(['baseline', 'fixed', 'fixed@HEAD', 'floor', 'probe']);
      const fixed = result.results.find((r) => r.scenario === 'collections-summary' && r.dialect === dialect && r.impl === 'fixed');
      expect(fixed?.gates.every((g) => g.pass), dialect).toBe(true);
    }
    expect(result.pairs?.filter((p) => p.kind === 'against').map((p) => `${p.scenario} ${p.dialect}`).sort()).toEqual(['list-50 postgres', 'list-50 sqlite']);
    expect(result.options['scenarioThresholds']).toEqual({ 'collections-summary': { maxQueries: 1 } });
  });

  it('says the scenario is new since REF and not compared, in the report and on stdout', () => {
    const report = readFileSync(join(against.out, 'report.md'), 'utf8');
    expect(report).toMatch(/\| collections-summary \| sqlite +\| pass 2\/2 +\|[^|]+\| new since `HEAD`: not compared/);
    expect(report).toMatch(/\| collections-summary \| postgres +\| pass 2\/2 +\|[^|]+\| new since `HEAD`: not compared/);
    expect(report).toContain('New since `HEAD`: not compared: collections-summary on sqlite, collections-summary on postgres.');
    expect(against.exit.stdout).toContain('new since HEAD sqlite collections-summary: not compared');
    expect(against.exit.stdout).not.toMatch(/ERROR/);
  });
});
