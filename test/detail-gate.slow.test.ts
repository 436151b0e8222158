import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { measureDetailGate, renderDetailGate, type DetailGateFigures } from '../harness/bench/detail-gate.js';
import { QUICK_SAMPLING } from '../harness/runner/sampling-options.js';
import { createTestDatabase, testFolder, TEST_DIALECTS } from './support/databases.js';

/**
 * A CI-sized `npm run bench:detail-gate`: the detail gate never fails a copy of the baseline
 * judged against the baseline, and fails that copy made 30% slower, on both databases; the
 * rates in docs/figures.md come from the full bench.
 */
describe('the detail gate against the baseline (small profile, --quick, both databases)', () => {
  let figures: DetailGateFigures;

  beforeAll(async () => {
    const saved = process.env.QUERYGATE_CACHE_DIR;
    process.env.QUERYGATE_CACHE_DIR = testFolder('detail-gate-cache');
    try {
      figures = await measureDetailGate({
        dialects: [...TEST_DIALECTS],
        profile: 'small',
        aa: 4,
        effects: [30],
        pairs: 2,
        sampling: QUICK_SAMPLING,
        load: false,
        target: { pgUrl: await createTestDatabase(), sqliteFile: join(testFolder('detail-gate'), 'small.sqlite') },
        onProgress: () => {},
      });
      process.stdout.write(`${renderDetailGate(figures)}\n`);
    } finally {
      if (saved === undefined) delete process.env.QUERYGATE_CACHE_DIR;
      else process.env.QUERYGATE_CACHE_DIR = saved;
    }
  });

  it('passes the baseline judged against a copy of itself, with both latency figures judged', () => {
    const aa = figures.trials.filter((t) => t.effectPct === 0);
    expect(aa).toHaveLength(4 * TEST_DIALECTS.length);
    expect(aa.filter((t) => t.failed).map((t) => t.message)).toEqual([]);
    for (const t of aa) {
      expect(t.paired?.rounds).toBeGreaterThanOrEqual(8);
      expect(Math.min(t.subjectSamples, t.baselineSamples)).toBeGreaterThanOrEqual(59);
    }
  });

  it('fails the copy made 30% slower, naming the slowdown', () => {
    const slowed = figures.trials.filter((t) => t.effectPct === 30);
    expect(slowed).toHaveLength(2 * TEST_DIALECTS.length);
    for (const t of slowed) {
      expect(t.failed, t.message).toBe(true);
      expect(t.message).toMatch(/significantly slower than baseline/);
    }
  });
});
