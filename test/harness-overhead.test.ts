import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_OVERHEAD_RATIO, measureOverhead, overheadMarkdown, type OverheadResult } from '../harness/bench/overhead.js';
import { openTestFixture, type TestFixture } from './support/databases.js';

/**
 * fixed's list request: the page, the total count, memberships with their collections, tags, and
 * one statement counting every collection of the page (scenarios/snapshots/list-50.*: 5 statements).
 */
const FIXED_LIST_STATEMENTS = 5;

/**
 * The parts of the harness's cost, each a tinybench median of microseconds or less, against fixed's
 * list-50 p50 in the same process: robust on a shared machine. They are a lower bound: the whole
 * request's overhead (`npm run bench:overhead`, paired blocks of real requests) is larger, and too
 * noisy to judge in a few seconds, so a short paired comparison here only shows that it runs: its
 * bare side refuses to run while async hooks are on, as they would be if the recorder left its
 * AsyncLocalStorage enabled with no request in flight.
 */
describe('the harness measuring fixed list-50 (tinybench, one process)', () => {
  let fixture: TestFixture;
  let result: OverheadResult | undefined;

  beforeAll(async () => {
    fixture = await openTestFixture('sqlite');
  });
  afterAll(async () => {
    if (result !== undefined) console.info(overheadMarkdown(result));
    await fixture?.close();
  });

  it(`keeps the recorder's parts (statements, scope) under ${100 * MAX_OVERHEAD_RATIO}% of fixed's list-50 p50`, { timeout: 20_000 }, async () => {
    const measured = await measureOverhead({ db: fixture.db, microTimeMs: 150, requestTimeMs: 600, pairedTimeMs: 500 });
    result = measured;

    expect(measured.statementsPerRequest).toBe(FIXED_LIST_STATEMENTS);
    const figures = {
      'recorder per statement, ns': measured.recorderPerStatement.ns,
      'request scope, ns': measured.requestScope.ns,
      'context propagation per async resource, ns': measured.contextPropagation.ns,
      'async resources per request': measured.asyncResourcesPerRequest,
      'fingerprint per statement, ns': measured.fingerprintPerStatement.p50,
      'request assembly, ms': measured.requestAssemblyMs.p50,
      'fixed list-50 p50, ms': measured.fixedP50Ms.p50,
      'the parts per request, ns': measured.partsNs,
    };
    for (const [name, value] of Object.entries(figures)) {
      expect(Number.isFinite(value) && value > 0, `${name}: ${value}`).toBe(true);
    }
    // The database's share is inside the request's wall clock.
    expect(measured.requestAssemblyMs.p50).toBeLessThan(measured.fixedP50Ms.p50);
    // Its size is for the bench to judge; here, that both sides ran their rounds.
    expect(measured.paired?.rounds).toBeGreaterThanOrEqual(8);
    expect(Number.isFinite(measured.paired?.ratio)).toBe(true);
    expect(measured.partsRatio, overheadMarkdown(measured)).toBeLessThan(MAX_OVERHEAD_RATIO);
  });
});
