import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureGateTrust, renderTrust, type TrustFigures } from '../harness/bench/gate-trust.js';
import { createTestDatabase, testFolder } from './support/databases.js';

/**
 * The gates neither cry wolf nor sleep: unchanged code passes run after run and compare flags
 * nothing between its runs, while an injected N+1 and an injected slowdown are caught.
 */
describe('trust in the gates (small profile, quick sampling, both databases)', () => {
  const saved = process.env.QUERYGATE_CACHE_DIR;
  let figures: TrustFigures;

  beforeAll(async () => {
    process.env.QUERYGATE_CACHE_DIR = testFolder('trust-cache');
    figures = await measureGateTrust({
      dialects: ['sqlite', 'postgres'],
      profile: 'small',
      runs: 4,
      injectedRuns: 2,
      target: { pgUrl: await createTestDatabase(), sqliteFile: join(testFolder('trust'), 'small.sqlite') },
    });
    process.stdout.write(`${renderTrust(figures, 'small')}\n`);
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.QUERYGATE_CACHE_DIR;
    else process.env.QUERYGATE_CACHE_DIR = saved;
  });

  it('passes every run of unchanged code', () => {
    expect(figures.falseAlarms).toBe(0);
  });

  it('rarely flags a comparison of runs of unchanged code', () => {
    // compare is built for a family-wise false-alarm rate of at most 5% (measured 0 of 19 with
    // `npm run bench:trust`); of 3 comparisons, one alarm is still possible by chance, two are not.
    expect(figures.compareFalseAlarms).toBeLessThanOrEqual(1);
  });

  it('measures an A/A noise floor around 1 on each database', () => {
    for (const n of figures.noiseFloor) {
      expect(n.medianWidth).toBeGreaterThan(0);
      // A copy of itself: the interval lies around 1 (a 95% interval may miss 1 itself now and then).
      expect(n.widest[0]).toBeLessThan(1.25);
      expect(n.widest[1]).toBeGreaterThan(0.8);
    }
  });

  it('catches an injected N+1 by run and by compare, every time', () => {
    expect(figures.n1.caughtByRun).toBe(figures.n1.runs);
    expect(figures.n1.caughtByCompare).toBe(figures.n1.runs);
  });

  it('catches an injected slowdown (no extra statement) by compare, every time', () => {
    expect(figures.slowdown.caughtByCompare).toBe(figures.slowdown.runs);
  });
});
