import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { measureSensitivity, renderSensitivity, type SensitivityFigures, type SensitivityOptions, type Trial } from '../harness/bench/sensitivity.js';
import { DEFAULT_SAMPLING, QUICK_SAMPLING } from '../harness/runner/sampling-options.js';
import { createTestDatabase, testFolder, TEST_DIALECTS } from './support/databases.js';

/**
 * measureSensitivity on the small profile, in this test's own folders and cache (restored after),
 * its table printed for the CI log.
 */
function measureInTestFolders(name: string, options: Omit<SensitivityOptions, 'dialects' | 'profile' | 'target' | 'onProgress'>): () => Promise<SensitivityFigures> {
  return async () => {
    const saved = process.env.QUERYGATE_CACHE_DIR;
    process.env.QUERYGATE_CACHE_DIR = testFolder(`${name}-cache`);
    try {
      const figures = await measureSensitivity({
        ...options,
        dialects: [...TEST_DIALECTS],
        profile: 'small',
        target: { pgUrl: await createTestDatabase(), sqliteFile: join(testFolder(name), 'small.sqlite') },
        onProgress: () => {},
      });
      process.stdout.write(`${renderSensitivity(figures)}\n`);
      return figures;
    } finally {
      if (saved === undefined) delete process.env.QUERYGATE_CACHE_DIR;
      else process.env.QUERYGATE_CACHE_DIR = saved;
    }
  };
}

/**
 * A CI-sized `npm run bench:sensitivity`: `run --against` flags a 20% slowdown of fixed (CPU in
 * the loader, and a slower SQL statement with the same statements) and leaves unchanged code
 * alone, on both databases; run-against-run `compare` flags nothing between unchanged runs.
 * The rates in docs/figures.md come from the full bench; this keeps them from rotting.
 */
describe('sensitivity of the latency verdicts (small profile, default sampling, both databases)', () => {
  let figures: SensitivityFigures;
  const trials = (filter: (t: Trial) => boolean) => figures.trials.filter(filter);
  const measure = measureInTestFolders('sensitivity', {
    effects: [20],
    kinds: ['cpu', 'sql'],
    pairs: 2,
    aa: 3,
    comparePairs: 0,
    compareEffect: 20,
    compareAa: 2,
    // Half the plain budget: run --against takes four of them (20 s a trial), which the hook's 300 s cannot hold.
    sampling: { ...DEFAULT_SAMPLING, budgetMs: DEFAULT_SAMPLING.budgetMs / 2 },
  });

  beforeAll(async () => {
    figures = await measure();
  });

  it('flags no unchanged comparison with run --against', () => {
    const aa = trials((t) => t.method === 'against' && t.kind === 'none');
    expect(aa).toHaveLength(6);
    expect(aa.filter((t) => t.flagged)).toEqual([]);
  });

  it('flags a 20% slowdown, CPU or SQL, with run --against on both databases', () => {
    const slowed = trials((t) => t.method === 'against' && t.kind !== 'none');
    expect(slowed).toHaveLength(8);
    expect(slowed.filter((t) => !t.flagged)).toEqual([]);
  });

  it('flags no pair of unchanged runs with compare', () => {
    const aa = trials((t) => t.method === 'compare');
    expect(aa).toHaveLength(4);
    expect(aa.filter((t) => t.flagged)).toEqual([]);
  });
});

/**
 * The same for `run --against` with each side on a fixture database of its own (what a REF whose
 * schema differs gets): two namespaces, the same rows, judged side by side.
 */
describe('sensitivity of run --against with a fixture per side (small profile, --quick sampling, both databases)', () => {
  let figures: SensitivityFigures;
  const measure = measureInTestFolders('sensitivity-own', {
    effects: [20],
    kinds: ['cpu'],
    pairs: 2,
    aa: 2,
    comparePairs: 0,
    compareEffect: 20,
    compareAa: 0,
    ownFixtures: true,
    // --quick: a 20% slowdown is far above its detectable effect, and the suite's time is short.
    sampling: QUICK_SAMPLING,
  });

  beforeAll(async () => {
    figures = await measure();
  });

  it('flags no unchanged comparison and every 20% slowdown, on both databases', () => {
    const aa = figures.trials.filter((t) => t.kind === 'none');
    const slowed = figures.trials.filter((t) => t.kind === 'cpu');
    expect(aa).toHaveLength(4);
    expect(aa.filter((t) => t.flagged)).toEqual([]);
    expect(slowed).toHaveLength(4);
    expect(slowed.filter((t) => !t.flagged)).toEqual([]);
    expect(renderSensitivity(figures)).toContain('`run --against`, a fixture per side');
  });
});
